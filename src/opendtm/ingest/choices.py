"""Vocabularies of the import: how serious an issue is."""

from django.db import models


class Severity(models.TextChoices):
    """An error rejects the row; a warning keeps it, flagged for review."""

    ERROR = "error", "Error (row rejected)"
    WARNING = "warning", "Warning (row kept, flagged)"
