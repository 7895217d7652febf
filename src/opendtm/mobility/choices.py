"""Vocabularies of the mobility records: which assessment a form produces."""

from django.db import models


class AssessmentForm(models.TextChoices):
    """The shipped forms whose submissions are stored as assessments (DOMAIN.md §4)."""

    BASELINE = "dtm_baseline", "Baseline (location) assessment"
    SITE = "dtm_site", "Site assessment"
