"""Controlled vocabularies of operations, rounds and sites (docs/domain.md §1, §2, §8)."""

from django.db import models


class CrisisType(models.TextChoices):
    TYPHOON = "typhoon", "Typhoon / cyclone"
    FLOOD = "flood", "Flood"
    STORM_SURGE = "storm_surge", "Storm surge"
    EARTHQUAKE = "earthquake", "Earthquake"
    VOLCANIC_ERUPTION = "volcanic_eruption", "Volcanic eruption"
    LANDSLIDE = "landslide", "Landslide"
    DROUGHT = "drought", "Drought"
    FIRE = "fire", "Fire"
    CONFLICT = "conflict", "Conflict"
    EVICTION = "eviction", "Eviction"
    OTHER = "other", "Other"


class McofPhase(models.TextChoices):
    BEFORE = "before", "Before (preparedness, risk reduction)"
    DURING = "during", "During (emergency response)"
    AFTER = "after", "After (transition, recovery)"


class RoundStatus(models.TextChoices):
    OPEN = "open", "Open"
    VALIDATED = "validated", "Validated"
    PUBLISHED = "published", "Published"


class SiteType(models.TextChoices):
    PLANNED_CAMP = "planned_camp", "Planned camp"
    COLLECTIVE_CENTRE = "collective_centre", "Collective centre"
    EVACUATION_CENTRE = "evacuation_centre", "Evacuation centre"
    SPONTANEOUS_SITE = "spontaneous_site", "Spontaneous (self-settled) site"
    TRANSIT_CENTRE = "transit_centre", "Reception / transit centre"
    RELOCATION_SITE = "relocation_site", "Relocation site"
    HOST_COMMUNITY_CLUSTER = "host_community_cluster", "Host community cluster"


class SiteStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    OPEN = "open", "Open"
    CLOSING = "closing", "Closing"
    CLOSED = "closed", "Closed"
