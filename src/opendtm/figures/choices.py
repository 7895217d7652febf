"""Vocabularies of the figures: where an answer came from, how it is grouped, what it is."""

from django.db import models


class FigureSource(models.TextChoices):
    """Where an answer was read from."""

    SNAPSHOT = "snapshot", "Published snapshot"
    LIVE = "live", "Computed live from the stored assessments"


class Grouping(models.TextChoices):
    """The questions figures answer (`figures.request.FiguresRequest.grouping`): the ways they
    are broken down (`opendtm figures --by`), and the headline of a round."""

    ADMIN = "admin", "By admin unit"
    SITE = "site", "By site"
    ORIGIN = "origin", "Origin -> current location"
    ROUND = "round", "Across rounds (time series)"
    HEADLINE = "headline", "A round's totals and their change"
    NEEDS = "needs", "Needs: severity and people in need by admin unit and sector"


class ExportFormat(models.TextChoices):
    """The files and screens figures are written to."""

    TABLE = "table", "Aligned table for a terminal"
    CSV = "csv", "CSV with human headers"
    JSON = "json", "JSON"
    XLSX = "xlsx", "Excel workbook"
    HXL = "hxl", "CSV with an HXL tag row"
    GEOJSON = "geojson", "GeoJSON points"


class BuildState(models.TextChoices):
    """Where a published round's snapshot is (`figures.tasks.snapshot_build_status`)."""

    QUEUED = "queued", "Queued: the figures are computed live until it is built"
    BUILDING = "building", "Being built: the figures are computed live until it is done"
    BUILT = "built", "Built: the figures are read from the published snapshot"
    FAILED = "failed", "The build failed: the figures are computed live"


class SnapshotTiming(models.TextChoices):
    """When publishing builds the round's snapshot: at once in the publishing transaction (the
    command line, the demo), or queued for the worker (the browser)."""

    NOW = "now", "In the publishing transaction"
    QUEUED = "queued", "On the task queue"
