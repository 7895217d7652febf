"""Emergency events (form `dtm_ett`) and the links a later baseline makes with them.

An event is dated, never tied to a round: it is an alert between rounds, not verified, and no
figure of a round ever sums it (docs/events.md). A later baseline may confirm its locations:
each confirmed location is one `EventConfirmation`, linking the event with the baseline
assessment of that location in that round.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from opendtm.core.models import AttributedModel
from opendtm.events.choices import (
    CountMethod,
    EventType,
    Nationality,
    Reliability,
    Shelter,
    SourceType,
)


def _count() -> models.PositiveIntegerField:
    return models.PositiveIntegerField(null=True, blank=True)


class Event(AttributedModel):
    """One event reported by a focal point or imported from a `dtm_ett` export.

    `submission_id` is unique in the operation (a re-import of the same submission replaces it,
    each changed value going to the cleaning log); `batch` is the import it came from (null when
    reported through the web form). The place displaced from (and to) is an admin unit or a site
    of the operation's registry, never both.
    """

    operation = models.ForeignKey(
        "operations.Operation", on_delete=models.PROTECT, related_name="events"
    )
    batch = models.ForeignKey(
        "ingest.ImportBatch",
        on_delete=models.PROTECT,
        related_name="events",
        null=True,
        blank=True,
    )
    submission_id = models.CharField(max_length=100)
    submitted_at = models.DateTimeField(null=True, blank=True)
    report_date = models.DateField()
    enumerator_code = models.CharField(max_length=100, blank=True)
    event_type = models.CharField(max_length=20, choices=EventType.choices)
    event_date = models.DateField()
    admin_unit = models.ForeignKey(
        "gazetteer.AdminUnit", on_delete=models.PROTECT, related_name="events"
    )
    count_method = models.CharField(max_length=10, choices=CountMethod.choices)
    displaced_hh = _count()
    displaced_ind = models.PositiveIntegerField()
    from_unit = models.ForeignKey(
        "gazetteer.AdminUnit",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    from_site = models.ForeignKey(
        "operations.Site", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    to_unit = models.ForeignKey(
        "gazetteer.AdminUnit",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    to_site = models.ForeignKey(
        "operations.Site", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    shelter = models.CharField(max_length=20, choices=Shelter.choices, blank=True)
    nationality = models.CharField(max_length=10, choices=Nationality.choices, blank=True)
    dead = _count()
    injured = _count()
    missing = _count()
    vulnerabilities = models.JSONField(default=list, blank=True)
    priority_need_1 = models.CharField(max_length=20, blank=True)
    priority_need_2 = models.CharField(max_length=20, blank=True)
    priority_need_3 = models.CharField(max_length=20, blank=True)
    source_type = models.CharField(max_length=12, choices=SourceType.choices)
    source_reliability = models.CharField(max_length=12, choices=Reliability.choices)
    flagged = models.BooleanField(default=False)
    source_sheet = models.CharField(max_length=200, blank=True)
    source_row = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["operation", "-event_date", "submission_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "submission_id"], name="event_submission_uniq"
            ),
            models.CheckConstraint(
                condition=Q(displaced_hh__isnull=True) | Q(displaced_ind__gte=F("displaced_hh")),
                name="event_individuals_at_least_households",
            ),
            models.CheckConstraint(
                condition=Q(from_unit__isnull=True) | Q(from_site__isnull=True),
                name="event_from_one_place",
            ),
            models.CheckConstraint(
                condition=Q(to_unit__isnull=True) | Q(to_site__isnull=True),
                name="event_to_one_place",
            ),
            models.CheckConstraint(
                condition=Q(event_date__lte=F("report_date")), name="event_date_by_report"
            ),
        ]
        indexes = [models.Index(fields=["operation", "event_date"], name="event_operation_date")]

    def __str__(self) -> str:
        return f"{self.event_type} on {self.event_date} ({self.submission_id})"

    @property
    def needs(self) -> list[str]:
        """The initial needs in their rank order (first, second, third), those given."""
        ranked = (self.priority_need_1, self.priority_need_2, self.priority_need_3)
        return [n for n in ranked if n]


class EventConfirmation(models.Model):
    """A location of an event confirmed by a later baseline: the event, the round and the
    location whose baseline assessment in that round confirms it (a round holds one baseline per
    location, so the link survives a corrected re-import of the baseline). Who, when, why."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="confirmations")
    round = models.ForeignKey(
        "operations.Round", on_delete=models.PROTECT, related_name="event_confirmations"
    )
    location = models.ForeignKey(
        "gazetteer.AdminUnit", on_delete=models.PROTECT, related_name="event_confirmations"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["event", "round", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "round", "location"], name="event_confirmation_uniq"
            ),
        ]

    def __str__(self) -> str:
        return f"event {self.event_id} confirmed at {self.location_id} in round {self.round_id}"
