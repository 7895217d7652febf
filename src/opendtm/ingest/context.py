"""What the rules need to know besides the file: gazetteer, sites, the round's stored rows, the
previous round and the thresholds. Loaded once per import with a fixed number of queries, so
validating a million rows costs the same number of queries as validating ten.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.conf import settings

from opendtm.forms.spec import FormSpec

UNIT_SCHEMA: dict[str, Any] = {
    "unit_id": pl.Int64,
    "pcode": pl.Utf8,
    "level": pl.Int64,
    "retired": pl.Boolean,
    "lat": pl.Float64,
    "lon": pl.Float64,
    "anc1": pl.Utf8,
    "anc2": pl.Utf8,
    "anc3": pl.Utf8,
    "anc4": pl.Utf8,
}
# What the rules read of `gazetteer.resolution.codes_resolution_frame`: every code form that
# leads somewhere, the unit it names (`unit_id`, `pcode`, `level`) and the current unit holding
# its place today (`current_*`, null when a retired unit has no single successor: `reason`).
CODE_SCHEMA: dict[str, Any] = {
    "code": pl.Utf8,
    "unit_id": pl.Int64,
    "pcode": pl.Utf8,
    "level": pl.Int8,
    "status": pl.Utf8,
    "current_unit_id": pl.Int64,
    "current_pcode": pl.Utf8,
    "current_name": pl.Utf8,
    "current_level": pl.Int8,
    "reason": pl.Utf8,
    "version": pl.Utf8,
}
# Every (unit, parent) pair some version or edition of the gazetteer had.
PARENT_SCHEMA: dict[str, Any] = {"unit_id": pl.Int64, "parent_id": pl.Int64}
SITE_SCHEMA: dict[str, Any] = {"site_id": pl.Utf8, "site_pk": pl.Int64, "site_unit": pl.Utf8}
STORED_SCHEMA: dict[str, Any] = {"submission_id": pl.Utf8, "key_id": pl.Int64}
PREVIOUS_SCHEMA: dict[str, Any] = {"key_id": pl.Int64, "previous": pl.Int64}
# The other form's stored rows of the round, for the rules that compare the two forms: the
# site assessments with the location (unit at the location level) each lies in, and the
# baselines' IDPs and site counts.
ROUND_SITES_SCHEMA: dict[str, Any] = {
    "site_pk": pl.Int64,
    "location_id": pl.Int64,
    "ind": pl.Int64,
    "site_status": pl.Utf8,
}
ROUND_BASELINES_SCHEMA: dict[str, Any] = {
    "location_id": pl.Int64,
    "idp_ind": pl.Int64,
    "sites_count": pl.Int64,
}


def _setting(name: str, default: float) -> float:
    """A threshold from Django settings, else the environment, else the default."""
    value: Any = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return float(value)


@dataclass(frozen=True)
class Thresholds:
    """Limits of the warning rules: DTM sets no global value (docs/domain.md §4), settings do."""

    gps_max_km: float = 50.0
    change_pct: float = 50.0
    change_min_people: float = 100.0

    @classmethod
    def from_settings(cls) -> Thresholds:
        return cls(
            gps_max_km=_setting("OPENDTM_GPS_MAX_KM", 50.0),
            change_pct=_setting("OPENDTM_CHANGE_MAX_PCT", 50.0),
            change_min_people=_setting("OPENDTM_CHANGE_MIN_PEOPLE", 100.0),
        )


@dataclass
class ValidationContext:
    """Everything outside the file that the rules compare it with.

    `units` has one row per admin unit of the country with its ancestors' P-codes (`anc1`..
    `anc4`, its own code at its own level); `codes` maps every accepted code form (normalised
    by `pcode_normalise_expr`: P-codes, alternative codes, older codes) to the unit it names and
    the current unit holding its place (CODE_SCHEMA); `parents` the parent links any version or
    edition had, so a chain coded on an older version stays valid; `gazetteer_version` the
    latest version's label (the one imports normalise to); `sites` is the operation's
    registry; `stored` the round's stored submissions of this form with their site or location
    id; `previous` the previous round's population per site or location; `round_sites` and
    `round_baselines` the round's stored site assessments and baselines (ROUND_SITES_SCHEMA,
    ROUND_BASELINES_SCHEMA), which the cross-form rules compare the file with.
    """

    form: FormSpec
    country_iso3: str
    location_level: int
    units: pl.DataFrame
    codes: pl.DataFrame
    parents: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=PARENT_SCHEMA))
    gazetteer_version: str = ""
    sites: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SITE_SCHEMA))
    stored: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=STORED_SCHEMA))
    previous: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=PREVIOUS_SCHEMA))
    previous_round: int | None = None
    round_sites: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=ROUND_SITES_SCHEMA)
    )
    round_baselines: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=ROUND_BASELINES_SCHEMA)
    )
    thresholds: Thresholds = field(default_factory=Thresholds)
    boundaries: Callable[[list[str]], dict[str, Any]] = lambda _codes: {}
