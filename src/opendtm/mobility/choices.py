"""Vocabularies of the mobility records: which assessment a form produces."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from opendtm.forms.definitions import BASELINE_FORM_ID, SITE_FORM_ID


class AssessmentForm(models.TextChoices):
    """The shipped forms whose submissions are stored as assessments (docs/domain.md §4)."""

    BASELINE = BASELINE_FORM_ID, "Baseline (location) assessment"
    SITE = SITE_FORM_ID, "Site assessment"


class Sector(models.TextChoices):
    """The sectors a site assessment's indicators report on, as DTM site profiles group them."""

    CCCM = "cccm", _("Camp coordination and management")
    SHELTER = "shelter", _("Shelter and non-food items")
    WASH = "wash", _("Water, sanitation and hygiene")
    HEALTH = "health", _("Health")
    FOOD = "food", _("Food security")
    EDUCATION = "education", _("Education")
    PROTECTION = "protection", _("Protection")


class StandardStatus(models.TextChoices):
    """How an indicator's value stands against its minimum standard (docs/domain.md §7)."""

    MEETS = "meets", _("Meets the standard")
    EMERGENCY = "emergency", _("Meets the emergency standard only")
    BELOW = "below", _("Below the standard")
    NO_DATA = "no_data", _("Not reported")
    NO_STANDARD = "no_standard", _("No standard")
    NOT_SCORED = "not_scored", _("Not scored: the site is closed or empty")
