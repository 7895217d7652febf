"""Flow monitoring points (FMPs), their activity over time, and the flow registry's records.

A point belongs to one operation under a stable code; its status moves only as
`services.FMP_TRANSITIONS` allows, each move dated in its history, so whether a point was
observing on a given day is read from the history, not from its current status.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from opendtm.core.models import AttributedModel
from opendtm.flows.choices import Direction, FmpStatus, FmpType


class FlowMonitoringPoint(AttributedModel):
    """A border crossing, station, port or transit point where movements are counted."""

    operation = models.ForeignKey(
        "operations.Operation", on_delete=models.PROTECT, related_name="flow_points"
    )
    code = models.CharField(max_length=64, help_text="Stable code, unique in the operation.")
    name = models.CharField(max_length=200)
    fmp_type = models.CharField(max_length=32, choices=FmpType.choices)
    admin_unit = models.ForeignKey(
        "gazetteer.AdminUnit", on_delete=models.PROTECT, related_name="flow_points"
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    neighbour_iso3 = models.CharField(
        max_length=3, blank=True, help_text="The country across the border (border points)."
    )
    observation_days = models.CharField(
        max_length=7,
        default="1234567",
        help_text="ISO weekdays observed (Monday = 1), e.g. 12345 for Monday to Friday.",
    )
    observed_from = models.TimeField(help_text="Daily observation starts (local time).")
    observed_to = models.TimeField(help_text="Daily observation ends (local time).")
    exclusions = models.TextField(
        blank=True, help_text="What is not counted, e.g. short market visits."
    )
    services = models.JSONField(default=list, blank=True)
    organisations = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=FmpStatus.choices, default=FmpStatus.ACTIVE)

    class Meta:
        ordering = ["operation", "code"]
        constraints = [
            models.UniqueConstraint(fields=["operation", "code"], name="fmp_code_uniq_in_op"),
            models.CheckConstraint(condition=Q(fmp_type__in=FmpType.values), name="fmp_type_valid"),
            models.CheckConstraint(
                condition=Q(status__in=FmpStatus.values), name="fmp_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(observed_to__gt=F("observed_from")), name="fmp_window_ordered"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="fmp_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="fmp_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def daily_hours(self) -> float:
        """Hours observed on an observation day (the scheduled window)."""
        start = self.observed_from.hour * 60 + self.observed_from.minute
        end = self.observed_to.hour * 60 + self.observed_to.minute
        return (end - start) / 60


class FmpStatusChange(models.Model):
    """One dated move of a point's activity status, with who and why. A change on day D
    holds from D on: the point's status on a day is that of the last change dated on or
    before it (none: the point was not yet registered as observing)."""

    point = models.ForeignKey(
        FlowMonitoringPoint, on_delete=models.CASCADE, related_name="status_history"
    )
    from_status = models.CharField(max_length=10, choices=FmpStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=FmpStatus.choices)
    on = models.DateField()
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["point", "on", "id"]

    def __str__(self) -> str:
        return f"{self.point}: {self.from_status or '-'} -> {self.to_status} on {self.on}"


class FlowRecord(models.Model):
    """One group observed passing a point (a `dtm_fmr` submission), dated, not tied to a round.

    Counts left blank in the field are null ("not recorded"), never zero. Places are stored
    as resolved codes: P-codes at home (and in a country whose gazetteer is loaded), ISO
    3166-2 codes abroad otherwise (`ingest.rules.flows`).
    """

    operation = models.ForeignKey(
        "operations.Operation", on_delete=models.PROTECT, related_name="flow_records"
    )
    point = models.ForeignKey(FlowMonitoringPoint, on_delete=models.PROTECT, related_name="records")
    batch = models.ForeignKey(
        "ingest.ImportBatch", on_delete=models.PROTECT, related_name="flow_records"
    )
    submission_id = models.CharField(max_length=128)
    submitted_at = models.DateTimeField(null=True, blank=True)
    source_sheet = models.CharField(max_length=100, blank=True)
    source_row = models.PositiveIntegerField(null=True, blank=True)
    flagged = models.BooleanField(default=False)
    obs_date = models.DateField()
    window_start = models.TimeField(null=True, blank=True)
    window_end = models.TimeField(null=True, blank=True)
    enumerator_code = models.CharField(max_length=100, blank=True)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    group_size = models.PositiveIntegerField()
    men = models.PositiveIntegerField(null=True, blank=True)
    women = models.PositiveIntegerField(null=True, blank=True)
    boys = models.PositiveIntegerField(null=True, blank=True)
    girls = models.PositiveIntegerField(null=True, blank=True)
    nationality = models.CharField(max_length=3, blank=True)
    prev_country = models.CharField(max_length=3, blank=True, help_text="Previous location: ISO3")
    prev_adm1 = models.CharField(max_length=32, blank=True)
    prev_adm2 = models.CharField(max_length=64, blank=True)
    next_country = models.CharField(max_length=3, blank=True, help_text="Next destination: ISO3")
    next_adm1 = models.CharField(max_length=32, blank=True)
    next_adm2 = models.CharField(max_length=64, blank=True)
    final_country = models.CharField(
        max_length=3, blank=True, help_text="Intended final destination: ISO3"
    )
    final_adm1 = models.CharField(max_length=32, blank=True)
    final_adm2 = models.CharField(max_length=64, blank=True)
    transport = models.CharField(max_length=32, blank=True)
    reason = models.CharField(max_length=32, blank=True)
    intended_duration = models.CharField(max_length=32, blank=True)
    uac_count = models.PositiveIntegerField(null=True, blank=True)
    pwd_count = models.PositiveIntegerField(null=True, blank=True)
    plw_count = models.PositiveIntegerField(null=True, blank=True)
    older_count = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["operation", "obs_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "submission_id"], name="flow_record_submission_uniq"
            ),
            models.CheckConstraint(condition=Q(group_size__gte=1), name="flow_group_size_min"),
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values), name="flow_direction_valid"
            ),
        ]
        indexes = [models.Index(fields=["operation", "point", "obs_date"])]

    def __str__(self) -> str:
        return f"{self.submission_id}: {self.group_size} {self.direction} at {self.point_id}"
