"""Vocabularies of the import: how serious an issue is, and where a submission stands."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    """An error rejects the row; a warning keeps it, flagged for review."""

    ERROR = "error", "Error (row rejected)"
    WARNING = "warning", "Warning (row kept, flagged)"


class SubmissionStatus(models.TextChoices):
    """Where a submission of a round stands: stored as it came, stored with warnings to review,
    or refused by an error (kept only as its batch's report lines and file)."""

    ACCEPTED = "accepted", _("Accepted")
    FLAGGED = "flagged", _("Flagged")
    REJECTED = "rejected", _("Rejected")


class JobState(models.TextChoices):
    """Where an import started in the browser stands (the moves: `ingest.jobs.JOB_TRANSITIONS`).

    queued and validating lead to validated (the dry run's report) or failed; a confirmed
    import is queued again, then importing, then imported or failed.
    """

    QUEUED = "queued", "Queued"
    VALIDATING = "validating", "Validating"
    VALIDATED = "validated", "Validated"
    IMPORTING = "importing", "Importing"
    IMPORTED = "imported", "Imported"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
