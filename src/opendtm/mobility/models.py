"""Baseline and site assessments as stored records (docs/domain.md §4.1, §4.2).

Every core field of the shipped forms is a typed column named after the form field, so figures
are plain SQL; fields an operation added to its own form version go to `extra`. The row exactly
as received is not copied per row: the batch keeps the file itself (`ingest.ImportFile`) and
each row its place in it (`source_sheet`, `source_row`), which `ingest.queries.raw_row` reads
back. Rows are written in bulk by the import (`ingest.storage`), never one by one, and replaced
only by a later import of the same submission ID (with a cleaning log).

Indexes are only those the constraints and lookups need: every insert pays for each one. The
unique constraints lead with the site or location, so they also serve its foreign key; the
round is served by the (round, submission_id) constraint.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, Q

SEX_AGE_FIELDS = (
    "ind_f_lt1",
    "ind_f_1_5",
    "ind_f_6_17",
    "ind_f_18_59",
    "ind_f_60p",
    "ind_m_lt1",
    "ind_m_1_5",
    "ind_m_6_17",
    "ind_m_18_59",
    "ind_m_60p",
)

# The IDPs of a location by the same ten groups, in the baseline form (`idp_ind_f_lt1`, ...):
# optional, all ten or none, adding up to idp_ind when given.
IDP_SEX_AGE_FIELDS = tuple(f"idp_{name}" for name in SEX_AGE_FIELDS)

BASELINE_COUNTS = (
    "ki_count",
    "idp_hh",
    "idp_ind",
    "idp_hh_sites",
    "idp_hh_host",
    "idp_hh_rented",
    "idp_hh_makeshift",
    "returnee_idp_hh",
    "returnee_idp_ind",
    "returnee_abroad_ind",
    "sites_count",
    *IDP_SEX_AGE_FIELDS,
)

SITE_COUNTS = (
    "hh",
    "ind",
    *SEX_AGE_FIELDS,
    "pwd_ind",
    "plw_ind",
    "uasc_ind",
    "older_alone_ind",
    "arrivals_ind",
    "departures_ind",
    "hh_no_shelter",
    "taps",
    "latrines",
    "showers",
)


def _count() -> models.IntegerField:
    """A count of people, households or facilities: an integer, null when not reported."""
    return models.IntegerField(null=True, blank=True)


def _choice(max_length: int = 40) -> models.CharField:
    """A select_one answer, stored as the choice name of the form's list."""
    return models.CharField(max_length=max_length, null=True, blank=True)


def _nonneg(model: str, names: tuple[str, ...]) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": 0}),
            name=f"{model}_{name}_nonneg",
        )
        for name in names
    ]


def _source_sheet() -> models.CharField:
    """The sheet of the batch's file the row was read from (the file name for a CSV)."""
    return models.CharField(max_length=200, blank=True, help_text="Sheet (or CSV file) read.")


def _source_row() -> models.PositiveIntegerField:
    """The row number in that sheet as a spreadsheet shows it (the header is row 1)."""
    return models.PositiveIntegerField(help_text="Row in the sheet; the header is row 1.")


def _sex_age_whole(model: str, groups: tuple[str, ...], total: str) -> models.CheckConstraint:
    """Either none of the sex-and-age groups, or all of them adding up to `total`."""
    none = Q(**{f"{g}__isnull": True for g in groups})
    given = Q(**{f"{g}__isnull": False for g in groups})
    added: Any = F(groups[0])
    for g in groups[1:]:
        added = added + F(g)
    return models.CheckConstraint(
        condition=none | (given & Q(**{total: added})), name=f"{model}_{total}_sex_age_whole"
    )


def _le(model: str, small: str, big: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{small}__isnull": True})
        | Q(**{f"{big}__isnull": True})
        | Q(**{f"{small}__lte": F(big)}),
        name=f"{model}_{small}_le_{big}",
    )


class BaselineAssessment(models.Model):
    """One key-informant assessment of one location in one round (form `dtm_baseline`)."""

    round = models.ForeignKey(
        "operations.Round",
        on_delete=models.PROTECT,
        related_name="baseline_assessments",
        db_index=False,  # served by baseline_submission_uniq (round, submission_id)
    )
    batch = models.ForeignKey(
        "ingest.ImportBatch", on_delete=models.PROTECT, related_name="baseline_assessments"
    )
    submission_id = models.CharField(max_length=100)
    submitted_at = models.DateTimeField(null=True, blank=True)
    location = models.ForeignKey(
        "gazetteer.AdminUnit",
        on_delete=models.PROTECT,
        related_name="baseline_assessments",
        db_index=False,  # served by baseline_location_uniq (location, round)
    )
    assessment_date = models.DateField(null=True, blank=True)
    enumerator_code = models.CharField(max_length=100, null=True, blank=True)
    gps_lat = models.FloatField(null=True, blank=True)
    gps_lon = models.FloatField(null=True, blank=True)
    ki_count = _count()
    idp_present = models.BooleanField(null=True, blank=True)
    idp_hh = _count()
    idp_ind = _count()
    idp_hh_sites = _count()
    idp_hh_host = _count()
    idp_hh_rented = _count()
    idp_hh_makeshift = _count()
    displacement_cause = _choice()
    idp_arrival = _choice()
    returnee_present = models.BooleanField(null=True, blank=True)
    returnee_idp_hh = _count()
    returnee_idp_ind = _count()
    returnee_abroad_ind = _count()
    sites_count = _count()
    idp_ind_f_lt1 = _count()
    idp_ind_f_1_5 = _count()
    idp_ind_f_6_17 = _count()
    idp_ind_f_18_59 = _count()
    idp_ind_f_60p = _count()
    idp_ind_m_lt1 = _count()
    idp_ind_m_1_5 = _count()
    idp_ind_m_6_17 = _count()
    idp_ind_m_18_59 = _count()
    idp_ind_m_60p = _count()
    priority_needs = models.JSONField(null=True, blank=True)
    flagged = models.BooleanField(default=False, help_text="Kept, with warnings to review.")
    extra = models.JSONField(default=dict, blank=True, help_text="Fields the operation added.")
    source_sheet = _source_sheet()
    source_row = _source_row()

    class Meta:
        ordering = ["round", "location"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "submission_id"], name="baseline_submission_uniq"
            ),
            models.UniqueConstraint(fields=["location", "round"], name="baseline_location_uniq"),
            *_nonneg("baseline", BASELINE_COUNTS),
            _le("baseline", "idp_hh", "idp_ind"),
            _le("baseline", "returnee_idp_hh", "returnee_idp_ind"),
            _sex_age_whole("baseline", IDP_SEX_AGE_FIELDS, "idp_ind"),
        ]

    def __str__(self) -> str:
        return f"baseline {self.submission_id} (round {self.round_id})"


class BaselineOrigin(models.Model):
    """One entry of a baseline's `origins` repeat: where a location's IDPs came from."""

    assessment = models.ForeignKey(
        BaselineAssessment, on_delete=models.CASCADE, related_name="origins"
    )
    origin = models.ForeignKey("gazetteer.AdminUnit", on_delete=models.PROTECT, related_name="+")
    origin_hh = _count()
    origin_ind = _count()
    source_sheet = _source_sheet()
    source_row = _source_row()

    class Meta:
        ordering = ["assessment", "id"]
        constraints = [
            *_nonneg("origin", ("origin_hh", "origin_ind")),
            _le("origin", "origin_hh", "origin_ind"),
        ]

    def __str__(self) -> str:
        return f"origin {self.origin_id} of {self.assessment_id}"


class SiteAssessment(models.Model):
    """One assessment of one displacement site in one round (form `dtm_site`)."""

    round = models.ForeignKey(
        "operations.Round",
        on_delete=models.PROTECT,
        related_name="site_assessments",
        db_index=False,  # served by site_submission_uniq (round, submission_id)
    )
    batch = models.ForeignKey(
        "ingest.ImportBatch", on_delete=models.PROTECT, related_name="site_assessments"
    )
    submission_id = models.CharField(max_length=100)
    submitted_at = models.DateTimeField(null=True, blank=True)
    site = models.ForeignKey(
        "operations.Site",
        on_delete=models.PROTECT,
        related_name="assessments",
        db_index=False,  # served by site_assessment_site_uniq (site, round)
    )
    admin_unit = models.ForeignKey(
        "gazetteer.AdminUnit",
        on_delete=models.PROTECT,
        related_name="site_assessments",
        help_text="The deepest admin unit the row gave.",
    )
    assessment_date = models.DateField(null=True, blank=True)
    enumerator_code = models.CharField(max_length=100, null=True, blank=True)
    site_name = models.CharField(max_length=200, null=True, blank=True)
    site_type = _choice()
    site_status = _choice()
    gps_lat = models.FloatField(null=True, blank=True)
    gps_lon = models.FloatField(null=True, blank=True)
    site_management = models.BooleanField(null=True, blank=True)
    hh = _count()
    ind = _count()
    ind_f_lt1 = _count()
    ind_f_1_5 = _count()
    ind_f_6_17 = _count()
    ind_f_18_59 = _count()
    ind_f_60p = _count()
    ind_m_lt1 = _count()
    ind_m_1_5 = _count()
    ind_m_6_17 = _count()
    ind_m_18_59 = _count()
    ind_m_60p = _count()
    pwd_ind = _count()
    plw_ind = _count()
    uasc_ind = _count()
    older_alone_ind = _count()
    arrivals_ind = _count()
    departures_ind = _count()
    hh_no_shelter = _count()
    covered_area_m2 = models.FloatField(null=True, blank=True)
    water_source = _choice()
    water_lpd = models.FloatField(null=True, blank=True)
    taps = _count()
    latrines = _count()
    showers = _count()
    latrines_separated = models.BooleanField(null=True, blank=True)
    handwashing = models.BooleanField(null=True, blank=True)
    health_access = _choice()
    diseases = models.JSONField(null=True, blank=True)
    food_access = _choice()
    children_in_school = _choice()
    lighting = _choice()
    security_incidents = models.BooleanField(null=True, blank=True)
    gbv_referral = models.BooleanField(null=True, blank=True)
    cfm = models.BooleanField(null=True, blank=True)
    priority_need_1 = _choice()
    priority_need_2 = _choice()
    priority_need_3 = _choice()
    flagged = models.BooleanField(default=False, help_text="Kept, with warnings to review.")
    extra = models.JSONField(default=dict, blank=True, help_text="Fields the operation added.")
    source_sheet = _source_sheet()
    source_row = _source_row()

    class Meta:
        ordering = ["round", "site"]
        constraints = [
            models.UniqueConstraint(fields=["round", "submission_id"], name="site_submission_uniq"),
            models.UniqueConstraint(fields=["site", "round"], name="site_assessment_site_uniq"),
            *_nonneg("siteassess", SITE_COUNTS),
            _le("siteassess", "hh", "ind"),
            _le("siteassess", "hh_no_shelter", "hh"),
            models.CheckConstraint(
                condition=Q(covered_area_m2__isnull=True) | Q(covered_area_m2__gte=0),
                name="siteassess_covered_area_nonneg",
            ),
            models.CheckConstraint(
                condition=Q(water_lpd__isnull=True) | Q(water_lpd__gte=0),
                name="siteassess_water_lpd_nonneg",
            ),
        ]

    def __str__(self) -> str:
        return f"site assessment {self.submission_id} (round {self.round_id})"
