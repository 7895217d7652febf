"""Controlled vocabularies of event tracking (docs/domain.md §10, docs/events.md): the same
names as the choice lists of the shipped `dtm_ett` form (`forms.definitions.event`)."""

from django.db import models


class EventType(models.TextChoices):
    FLOOD = "flood", "Flood"
    TYPHOON = "typhoon", "Typhoon / storm"
    EARTHQUAKE = "earthquake", "Earthquake"
    LANDSLIDE = "landslide", "Landslide"
    VOLCANIC_ERUPTION = "volcanic_eruption", "Volcanic eruption"
    FIRE = "fire", "Fire"
    CONFLICT = "conflict", "Conflict / armed clash"
    EVICTION = "eviction", "Eviction"
    OTHER = "other", "Other"


class CountMethod(models.TextChoices):
    COUNTED = "counted", "Counted"
    ESTIMATED = "estimated", "Estimated"


class Shelter(models.TextChoices):
    HOST_FAMILY = "host_family", "With host families"
    EVACUATION_CENTRE = "evacuation_centre", "Evacuation centre or collective centre"
    SITE = "site", "Displacement site or camp"
    RENTED = "rented", "Rented accommodation"
    MAKESHIFT = "makeshift", "Makeshift shelter"
    OPEN_AIR = "open_air", "In the open, without shelter"
    MIXED = "mixed", "Mixed arrangements"
    UNKNOWN = "unknown", "Not known yet"


class Nationality(models.TextChoices):
    NATIONALS = "nationals", "Nationals of the country"
    FOREIGN = "foreign", "Foreign nationals"
    MIXED = "mixed", "Nationals and foreign nationals"
    UNKNOWN = "unknown", "Not known"


class SourceType(models.TextChoices):
    AUTHORITIES = "authorities", "Local authorities"
    COMMUNITY = "community", "Community leaders or key informants"
    PARTNER = "partner", "Humanitarian partner"
    DTM_TEAM = "dtm_team", "DTM field team (direct observation)"
    MEDIA = "media", "Media"
    OTHER = "other", "Other"


class Reliability(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed (observed or from several sources)"
    LIKELY = "likely", "Likely (one credible source)"
    UNVERIFIED = "unverified", "Not verified"
