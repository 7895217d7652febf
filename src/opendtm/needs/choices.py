"""Vocabularies of needs figures: population groups, the intersectoral row, area rules."""

from django.db import models
from django.utils.translation import gettext_lazy as _

INTERSECTORAL = "intersectoral"
"""The `sector` of the one row per unit that combines the sectors (never their sum)."""


class PopulationGroup(models.TextChoices):
    """Who people in need are counted as (as needs overviews count them, docs/needs.md)."""

    SITES = "sites", _("IDPs in sites")
    HOST = "host", _("IDPs in host communities")
    RETURNEES = "returnees", _("Returnees")


class SnapshotPart(models.TextChoices):
    """What one stored part of a round's needs figures holds (models.NeedsSnapshotPart)."""

    AREA = "area", _("Severity and people in need by admin unit and sector, exact")
    AREA_PUBLISHED = "area_pub", _("The same, small counts hidden as published")
    PRIORITY = "priority", _("Priority needs by admin unit, exact")
    PRIORITY_PUBLISHED = "prio_pub", _("The same, small counts hidden as published")
