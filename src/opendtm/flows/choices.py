"""Controlled vocabularies of flow monitoring (docs/flows.md)."""

from django.db import models


class FmpType(models.TextChoices):
    """The kinds of flow monitoring point DTM uses."""

    OFFICIAL_LAND_BORDER = "official_land_border", "Official land border crossing"
    UNOFFICIAL_LAND_BORDER = "unofficial_land_border", "Unofficial land border crossing"
    BLUE_BORDER_SEA = "blue_border_sea", "Blue border crossing (sea)"
    BLUE_BORDER_RIVER = "blue_border_river", "Blue border crossing (river)"
    BLUE_BORDER_LAKE = "blue_border_lake", "Blue border crossing (lake)"
    AIRPORT = "airport", "Airport"
    INTERNAL_TRANSIT = "internal_transit", "Internal transit point or check point"
    BUS_STATION = "bus_station", "Bus station"
    TRAIN_STATION = "train_station", "Train station"
    PORT = "port", "Port"


# The types at a border with another country: they name the neighbouring country.
BORDER_TYPES = frozenset(
    {
        FmpType.OFFICIAL_LAND_BORDER,
        FmpType.UNOFFICIAL_LAND_BORDER,
        FmpType.BLUE_BORDER_SEA,
        FmpType.BLUE_BORDER_RIVER,
        FmpType.BLUE_BORDER_LAKE,
    }
)


class FmpStatus(models.TextChoices):
    """A point's activity status; records are counted only while it is active or resumed."""

    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Temporarily inactive"
    RESUMED = "resumed", "Resumed"
    CLOSED = "closed", "Closed"


OBSERVING = frozenset({FmpStatus.ACTIVE, FmpStatus.RESUMED})


class Direction(models.TextChoices):
    INCOMING = "incoming", "Incoming"
    OUTGOING = "outgoing", "Outgoing"
    TRANSIT = "transit", "Transit"


class Period(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week (Monday to Sunday)"
    MONTH = "month", "Month"


# ISO weekday numbers (Monday = 1) by the short names the CLI and the docs use.
WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
