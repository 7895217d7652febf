"""Vocabularies of the reports: which report, which of a site profile's tables, which file."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    SITE = "site", _("Site profile")
    ROUND = "round", _("Round report")


class ProfileTable(models.TextChoices):
    """The tables of a site profile that download as files (one row per round each)."""

    POPULATION = "population", _("Population over rounds")
    INDICATORS = "indicators", _("Sector indicators")
    NEEDS = "needs", _("Needs, vulnerabilities and movements")


class TableFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class RenderState(models.TextChoices):
    """Where a PDF asked for in the browser is: the worker renders it out of the request."""

    QUEUED = "queued", _("queued")
    RENDERING = "rendering", _("being rendered")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")
