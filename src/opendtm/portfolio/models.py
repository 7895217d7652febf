"""The regional project portfolio: projects, their countries, donors' contributions, yearly
expenditure, the proposal workflow's moves and comments, portfolio grants and sub-regions.

Money is stored as given: a contribution keeps its original amount, currency, the exchange rate
the source used and the USD amount the source states; nothing here recomputes one from another.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from opendtm.accounts.choices import PortfolioRole
from opendtm.operations.choices import McofPhase
from opendtm.portfolio.choices import ProgrammeType, ProjectStatus


class SubRegion(models.Model):
    """A sub-region of the region (Pacific, East Asia...): shipped data, data/subregions.json."""

    name = models.CharField(max_length=64, unique=True)
    code = models.SlugField(max_length=32, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SubRegionCountry(models.Model):
    subregion = models.ForeignKey(SubRegion, on_delete=models.CASCADE, related_name="countries")
    iso3 = models.CharField(max_length=3, unique=True)  # a country is in one sub-region

    class Meta:
        ordering = ["iso3"]

    def __str__(self) -> str:
        return f"{self.iso3} in {self.subregion_id}"


class PortfolioGrant(models.Model):
    """A user's portfolio role for one country office (`country_iso3`) or, blank, the region."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portfolio_grants"
    )
    role = models.CharField(max_length=24, choices=PortfolioRole.choices)
    country_iso3 = models.CharField(max_length=3, blank=True)
    granted_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "country_iso3"], name="portfolio_grant_once"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=PortfolioRole.values), name="portfolio_grant_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} {self.country_iso3 or 'region'}"


class Donor(models.Model):
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """One project (or proposal) of a country office."""

    code = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=500)
    office_iso3 = models.CharField(max_length=3)  # the country office that owns it
    programme_type = models.CharField(max_length=16, choices=ProgrammeType.choices)
    phase = models.CharField(max_length=8, choices=McofPhase.choices, blank=True)
    status = models.CharField(
        max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT
    )
    version = models.PositiveIntegerField(default=1)  # of the proposal; resubmitting adds one
    total_budget_usd = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    implementing_partners = models.JSONField(default=list, blank=True)  # names, as given
    # Cross-cutting priorities (mcof.choices.CrossCuttingPriority values) the project carries.
    priorities = models.JSONField(default=list, blank=True)
    sectors = models.ManyToManyField("mcof.Sector", blank=True, related_name="projects")
    operations = models.ManyToManyField("operations.Operation", blank=True, related_name="projects")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ProjectStatus.values), name="project_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(programme_type__in=ProgrammeType.values),
                name="project_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ProjectCountry(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="countries")
    iso3 = models.CharField(max_length=3)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "iso3"], name="project_country_once")
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.iso3}"


class Contribution(models.Model):
    """A donor's contribution to a project for a year, as the source states it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="contributions")
    donor = models.ForeignKey(Donor, on_delete=models.PROTECT, related_name="contributions")
    year = models.PositiveSmallIntegerField()
    amount_usd = models.DecimalField(max_digits=16, decimal_places=2)
    amount = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True
    )  # in `currency`, as given
    currency = models.CharField(max_length=3, blank=True)
    exchange_rate = models.DecimalField(max_digits=20, decimal_places=10, null=True, blank=True)
    date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["project", "year", "donor"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "donor", "year"], name="contribution_once_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.donor_id} -> {self.project_id} {self.year}"


class Expenditure(models.Model):
    """What a project spent in one country in one year, in USD, as reported."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="expenditures")
    iso3 = models.CharField(max_length=3)
    year = models.PositiveSmallIntegerField()
    amount_usd = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "iso3", "year"], name="expenditure_once_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.iso3} {self.year}"


class ProjectTransition(models.Model):
    """One move of the proposal workflow: who, when, why, at which version."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=16, choices=ProjectStatus.choices)
    to_status = models.CharField(max_length=16, choices=ProjectStatus.choices)
    version = models.PositiveIntegerField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.from_status}->{self.to_status}"


class ProjectComment(models.Model):
    """A reviewer's or developer's comment on one version of the proposal."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="comments")
    version = models.PositiveIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    text = models.TextField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} v{self.version}"


class FundingFlow(models.Model):
    """One incoming-funding flow as FTS exports it, stored as given (docs/portfolio.md,
    "Funding flows"). `project` is set when the flow names a project code of the portfolio."""

    flow_id = models.CharField(max_length=64, unique=True)
    source = models.CharField(max_length=300)  # source organisation (the donor)
    destination = models.CharField(max_length=300)  # destination organisation (the recipient)
    amount_usd = models.DecimalField(max_digits=16, decimal_places=2)
    original_amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    original_currency = models.CharField(max_length=3, blank=True)
    exchange_rate = models.DecimalField(max_digits=20, decimal_places=10, null=True, blank=True)
    date = models.DateField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    plan = models.CharField(max_length=300, blank=True)
    sector = models.CharField(max_length=200, blank=True)
    country_iso3 = models.CharField(max_length=3, blank=True)
    description = models.TextField(blank=True)
    project_code = models.CharField(max_length=64, blank=True)  # as the flow names it
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="flows"
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        ordering = ["date", "flow_id"]

    def __str__(self) -> str:
        return self.flow_id
