"""Controlled vocabularies of operations, rounds and sites (docs/domain.md §1, §2, §8)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CrisisType(models.TextChoices):
    TYPHOON = "typhoon", _("Typhoon / cyclone")
    FLOOD = "flood", _("Flood")
    STORM_SURGE = "storm_surge", _("Storm surge")
    EARTHQUAKE = "earthquake", _("Earthquake")
    VOLCANIC_ERUPTION = "volcanic_eruption", _("Volcanic eruption")
    LANDSLIDE = "landslide", _("Landslide")
    DROUGHT = "drought", _("Drought")
    FIRE = "fire", _("Fire")
    CONFLICT = "conflict", _("Conflict")
    EVICTION = "eviction", _("Eviction")
    OTHER = "other", _("Other")


class McofPhase(models.TextChoices):
    BEFORE = "before", _("Before (preparedness, risk reduction)")
    DURING = "during", _("During (emergency response)")
    AFTER = "after", _("After (transition, recovery)")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open")
    VALIDATED = "validated", _("Validated")
    PUBLISHED = "published", _("Published")


class SiteType(models.TextChoices):
    PLANNED_CAMP = "planned_camp", _("Planned camp")
    COLLECTIVE_CENTRE = "collective_centre", _("Collective centre")
    EVACUATION_CENTRE = "evacuation_centre", _("Evacuation centre")
    SPONTANEOUS_SITE = "spontaneous_site", _("Spontaneous (self-settled) site")
    TRANSIT_CENTRE = "transit_centre", _("Reception / transit centre")
    RELOCATION_SITE = "relocation_site", _("Relocation site")
    HOST_COMMUNITY_CLUSTER = "host_community_cluster", _("Host community cluster")


class SiteStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open")
    CLOSING = "closing", _("Closing")
    CLOSED = "closed", _("Closed")
