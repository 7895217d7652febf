"""What the figures queries answer: typed results, each with the provenance of its numbers.

Rows are Polars frames whose columns are named in `figures.measures` (and listed below per
result); a hidden (suppressed) cell is null, never 0, and the row's `suppressed` mask says
which. Totals are the true totals of the whole answer (not of a page), hidden when small.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

from opendtm.figures.measures import (
    ADMIN_NAMES,
    CHANGE_MEASURES,
    LABEL_COLUMNS,
    ORIGIN_NAMES,
    SITE_NAMES,
)
from opendtm.figures.suppression import MASK, hidden_cells

SITE_CHANGE_MEASURES = ("hh", "ind")


def change_columns(names: tuple[str, ...]) -> list[str]:
    return [f"{n}_{part}" for n in names for part in ("previous", "change", "change_pct")]


# change_note: what the gazetteer crosswalk did to the unit since the previous round's version
# ("recoded from PH01002", "split from PH01003"; null on the same version).
ADMIN_COLUMNS = [
    *LABEL_COLUMNS,
    *ADMIN_NAMES,
    *change_columns(CHANGE_MEASURES),
    "change_note",
    MASK,
]
SITE_COLUMNS = [
    "site_pk",
    "site_code",
    "site_name",
    "site_type",
    "site_status",
    "flagged",
    "site_latitude",
    "site_longitude",
    "location_id",
    *LABEL_COLUMNS,
    "sadd",
    *SITE_NAMES,
    *change_columns(SITE_CHANGE_MEASURES),
    MASK,
]
ORIGIN_COLUMNS = [
    *(f"origin_{c}" for c in ("id", *LABEL_COLUMNS[1:])),
    *(f"destination_{c}" for c in ("id", *LABEL_COLUMNS[1:])),
    *ORIGIN_NAMES,
    MASK,
]
# pcode: the unit's code in the round's gazetteer version (an old code before a recode);
# change_note: as in ADMIN_COLUMNS, or why a round has no figure of the unit's own.
SERIES_COLUMNS = [
    "round_number",
    "round_status",
    "reporting_date",
    "source",
    "pcode",
    *ADMIN_NAMES,
    *change_columns(CHANGE_MEASURES),
    "change_note",
    MASK,
]


@dataclass(frozen=True)
class Provenance:
    """Where a round's figures came from: enough to reproduce them."""

    operation: str
    country_iso3: str
    round_number: int
    round_status: str
    reporting_date: dt.date
    previous_round_number: int | None
    source: str  # FigureSource
    built_at: dt.datetime | None
    gazetteer_version: str | None
    batch_ids: tuple[int, ...]
    threshold: int | None  # None: exact values, nothing suppressed

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["reporting_date"] = self.reporting_date.isoformat()
        out["built_at"] = self.built_at.isoformat() if self.built_at else None
        out["batch_ids"] = list(self.batch_ids)
        return out


@dataclass(frozen=True)
class _Answer:
    provenance: Provenance
    rows: pl.DataFrame
    total_rows: int  # rows of the whole answer; `rows` is the page from `offset`
    offset: int
    limit: int | None

    @property
    def hidden_cells(self) -> int:
        return hidden_cells(self.rows)


@dataclass(frozen=True)
class AdminFigures(_Answer):
    """Figures by admin unit at one level; rows: ADMIN_COLUMNS, by P-code.

    `gazetteer_changes`: when the previous round is on another gazetteer version, its units at
    this level that were recoded, split, merged or retired since, with their previous figures
    (`figures.comparison.CHANGES_SCHEMA` + `<m>_previous`); empty on the same version.
    """

    level: int
    within: str | None  # the P-code the rows are restricted to
    totals: dict[str, int | None]
    gazetteer_changes: pl.DataFrame = field(default_factory=pl.DataFrame)


@dataclass(frozen=True)
class SiteFigures(_Answer):
    """Figures by site; rows: SITE_COLUMNS, by site code."""

    within: str | None
    totals: dict[str, int | None]  # SITE_NAMES over every site of the answer


@dataclass(frozen=True)
class OriginMatrix(_Answer):
    """IDPs by origin and current unit; rows: ORIGIN_COLUMNS, by destination then origin.

    `origin_level` is the level asked for; a row's `origin_level` column is the level its
    origin unit really has (coarser when the origin was reported coarser: `coarser_rows`).
    """

    origin_level: int
    destination_level: int
    within: str | None
    totals: dict[str, int | None]
    coarser_rows: int


@dataclass(frozen=True)
class TimeSeries:
    """One admin unit across the rounds the user may see; rows: SERIES_COLUMNS by round."""

    unit: dict[str, Any]  # LABEL_COLUMNS of the unit
    rows: pl.DataFrame
    provenance: tuple[Provenance, ...]

    @property
    def hidden_cells(self) -> int:
        return hidden_cells(self.rows)


@dataclass(frozen=True)
class Headline:
    """The totals of a round (ADMIN_NAMES) with the change since the previous round."""

    provenance: Provenance
    figures: dict[str, int | None]
    previous: dict[str, int | None] | None
    change: dict[str, int | None]
    change_pct: dict[str, float | None]
