"""MCOF vocabularies that are fixed by the framework (docs/domain.md §2).

The three phases are `operations.choices.McofPhase` (an operation is in one of them); this module
re-exports them so that reference data has one place to read from.
"""

from django.db import models

from opendtm.operations.choices import McofPhase

__all__ = ["CrossCuttingPriority", "McofPhase", "PopulationGroup"]


class PopulationGroup(models.TextChoices):
    """The groups MCOF covers, regardless of legal status."""

    IDPS = "idps", "Internally displaced persons"
    REFUGEES = "refugees", "Refugees"
    MIGRANTS = "migrants", "Migrants (including stranded and in transit)"
    RETURNEES = "returnees", "Returnees"
    TRAPPED = "trapped", "Trapped populations"
    HOST_COMMUNITIES = "host_communities", "Host and affected communities"


class CrossCuttingPriority(models.TextChoices):
    """Priorities every programme carries: tags on projects and activities."""

    PROTECTION = "protection", "Protection mainstreaming"
    GBV = "gbv", "Gender-based-violence risk mitigation"
    AAP = "aap", "Accountability to affected populations"
    RESILIENCE = "resilience", "Resilience"
    SOCIAL_COHESION = "social_cohesion", "Social cohesion"
    CONFLICT_SENSITIVITY = "conflict_sensitivity", "Conflict sensitivity"
