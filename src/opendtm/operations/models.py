"""Operations, their rounds (with a logged workflow) and their displacement sites."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from opendtm.accounts.choices import Action
from opendtm.accounts.queries import operations_where
from opendtm.core.models import AttributedModel
from opendtm.operations.choices import CrisisType, McofPhase, RoundStatus, SiteStatus, SiteType


class Operation(AttributedModel):
    """One DTM deployment for one crisis in one country. Never summed with another operation."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    country_iso3 = models.CharField(max_length=3)
    crisis_type = models.CharField(max_length=20, choices=CrisisType.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    mcof_phase = models.CharField(max_length=8, choices=McofPhase.choices)
    location_level = models.PositiveSmallIntegerField(
        help_text="Admin level at which baseline locations are assessed (1-4)."
    )
    is_public = models.BooleanField(
        default=False, help_text="Published figures are visible without an account."
    )
    gazetteer_version = models.ForeignKey(
        "gazetteer.GazetteerVersion",
        on_delete=models.PROTECT,
        related_name="operations",
        null=True,
        blank=True,
        help_text="Gazetteer version the operation currently codes places with.",
    )
    needs_rules_version = models.CharField(
        max_length=50,
        default="sphere-2018-v2",
        help_text="Needs rule set the operation scores its assessments with (needs.rules).",
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(location_level__gte=1, location_level__lte=4),
                name="operation_location_level_range",
            ),
            models.CheckConstraint(
                condition=Q(crisis_type__in=CrisisType.values), name="operation_crisis_valid"
            ),
            models.CheckConstraint(
                condition=Q(mcof_phase__in=McofPhase.values), name="operation_phase_valid"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="operation_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class RoundQuerySet(models.QuerySet["Round"]):
    def visible_to(
        self,
        user: AbstractBaseUser | AnonymousUser | None,
        operation: Operation | None = None,
    ) -> RoundQuerySet:
        """The rounds a reader may see: every round where they may see unpublished rounds
        (VIEW_UNPUBLISHED), published rounds where they may read published figures, none
        elsewhere. The one answer to "which rounds does this reader see", so a list, a count,
        a default round and a site's status cannot disagree about it.

        Decided inside the same SQL query (the role tests are subqueries), so it costs no
        query of its own; `operation` narrows it to one operation's rounds.
        """
        rounds = self if operation is None else self.filter(operation=operation)
        everything = Q(operation__in=operations_where(user, Action.VIEW_UNPUBLISHED))
        readable = Q(operation__in=operations_where(user, Action.VIEW_PUBLISHED))
        return rounds.filter(everything | (Q(status=RoundStatus.PUBLISHED) & readable))


class Round(AttributedModel):
    """One pass of data collection in an operation. Published rounds are read-only."""

    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="rounds")
    number = models.PositiveIntegerField()
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    published_at = models.DateTimeField(null=True, blank=True)
    gazetteer_version = models.ForeignKey(
        "gazetteer.GazetteerVersion",
        on_delete=models.PROTECT,
        related_name="rounds",
        null=True,
        blank=True,
        help_text="Gazetteer version the round's figures were published on.",
    )
    needs_rules_version = models.CharField(
        max_length=50,
        blank=True,
        default="",
        help_text="Needs rule set the round was published with (empty until published).",
    )

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["operation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["operation", "number"], name="round_number_uniq"),
            # One open round per operation (the services refuse it with a clear message first).
            models.UniqueConstraint(
                fields=["operation"],
                condition=Q(status=RoundStatus.OPEN),
                name="round_one_open_per_op",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="round_number_positive"),
            models.CheckConstraint(
                condition=Q(status__in=RoundStatus.values), name="round_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="round_dates_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(status=RoundStatus.PUBLISHED) | Q(published_at__isnull=False),
                name="round_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.operation.code} round {self.number}"

    @property
    def is_read_only(self) -> bool:
        return self.status == RoundStatus.PUBLISHED

    @property
    def reporting_date(self) -> dt.date:
        """The date a round's figures are reported on: its end, or its start while open-ended."""
        return self.end_date or self.start_date


class RoundTransition(models.Model):
    """One move of a round through its workflow: who, when, from, to and why."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=10, choices=RoundStatus.choices)
    to_status = models.CharField(max_length=10, choices=RoundStatus.choices)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["round", "at", "id"]

    def __str__(self) -> str:
        return f"{self.round}: {self.from_status} -> {self.to_status}"


class Site(AttributedModel):
    """A displacement site (camp, evacuation centre, ...) that persists across rounds."""

    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="sites")
    site_id = models.CharField(max_length=64, help_text="Stable code, unique in the operation.")
    name = models.CharField(max_length=200)
    site_type = models.CharField(max_length=32, choices=SiteType.choices)
    admin_unit = models.ForeignKey(
        "gazetteer.AdminUnit", on_delete=models.PROTECT, related_name="sites"
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    opened_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=SiteStatus.choices, default=SiteStatus.OPEN)
    closed_on = models.DateField(null=True, blank=True)
    closure_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["operation", "site_id"]
        constraints = [
            models.UniqueConstraint(fields=["operation", "site_id"], name="site_id_uniq_in_op"),
            models.CheckConstraint(
                condition=Q(site_type__in=SiteType.values), name="site_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SiteStatus.values), name="site_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=SiteStatus.CLOSED) | Q(closed_on__isnull=False),
                name="site_closed_has_date",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="site_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="site_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.name}"

    @property
    def current_status_label(self) -> str:
        """The label of the status a read for a reader found (`operations.queries.SiteState`:
        its latest visible assessment's, else the registry's). Only reads annotate it."""
        return str(SiteStatus(getattr(self, "current_status")).label)  # noqa: B009


class SiteStatusChange(models.Model):
    """The life cycle of a site (planned -> open -> closing -> closed), with dates and reasons."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="status_history")
    from_status = models.CharField(max_length=10, choices=SiteStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=SiteStatus.choices)
    on = models.DateField()
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["site", "on", "id"]

    def __str__(self) -> str:
        return f"{self.site}: {self.from_status or '-'} -> {self.to_status} on {self.on}"
