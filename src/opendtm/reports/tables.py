"""A site profile's tables as CSV or XLSX, one row per round, written by the one
formula-neutralising writer (`core.spreadsheets`): a site name or a choice label someone typed
never runs as a formula. Values are the profile's as shown: a hidden cell is empty and the
row's "Hidden cells" names it."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import polars as pl

from opendtm.core.spreadsheets import frame_csv_text, frame_write_xlsx
from opendtm.figures.measures import SITE_MEASURES
from opendtm.figures.suppression import MASK
from opendtm.mobility.profile import MOVEMENTS, VULNERABILITIES, share_column
from opendtm.reports.choices import ProfileTable, TableFormat
from opendtm.reports.queries import SiteProfile

HIDDEN = "Hidden cells"


def _population(profile: SiteProfile) -> pl.DataFrame:
    """Bit i of the row's MASK hides SITE_MEASURES[i] (`figures.suppression`)."""
    measures = [(m.name, m.label) for m in SITE_MEASURES]
    columns = [
        ("round", "Round"),
        ("site_status", "Status"),
        *measures[:2],
        ("ind_change", "Change in individuals"),
        ("ind_change_pct", "Change in individuals (%)"),
        *measures[2:],
    ]
    rows = [
        {label: row[name] for name, label in columns}
        | {HIDDEN: ", ".join(n for i, (n, _) in enumerate(measures) if row[MASK] >> i & 1)}
        for row in profile.history
    ]
    schema: dict[str, Any] = {
        label: pl.Utf8 if name == "site_status" else pl.Int64 for name, label in columns
    }
    schema["Change in individuals (%)"] = pl.Float64
    return pl.DataFrame(rows, schema=schema | {HIDDEN: pl.Utf8}, orient="row")


def _indicators(profile: SiteProfile) -> pl.DataFrame:
    return profile.all_indicators.select(
        pl.col("round").alias("Round"),
        pl.col("sector").alias("Sector"),
        pl.col("indicator").alias("Indicator"),
        pl.col("label").alias("Label"),
        pl.col("value").alias("Value"),
        pl.col("unit").alias("Unit"),
        pl.col("standard").alias("Standard"),
        pl.col("status").alias("Status"),
    )


def _needs(profile: SiteProfile) -> pl.DataFrame:
    facts = profile.facts
    return facts.select(
        pl.col("round").alias("Round"),
        *(
            pl.col("priority_needs").list.get(k, null_on_oob=True).alias(f"Priority need {k + 1}")
            for k in range(3)
        ),
        *(pl.col(share_column(g)).alias(f"{g.label} (% of individuals)") for g in VULNERABILITIES),
        *(pl.col(g.field).alias(str(g.label)) for g in MOVEMENTS),
        pl.col("diseases").list.join("; ").alias("Diseases reported"),
        pl.when(pl.col("site_management"))
        .then(pl.lit("yes"))
        .when(pl.col("site_management").not_())
        .then(pl.lit("no"))
        .alias("Site management agency present"),
        pl.col("hidden").list.join(", ").alias(HIDDEN),
    )


TABLES = {
    ProfileTable.POPULATION: _population,
    ProfileTable.INDICATORS: _indicators,
    ProfileTable.NEEDS: _needs,
}


def profile_table(profile: SiteProfile, table: ProfileTable) -> pl.DataFrame:
    return TABLES[table](profile)


def profile_table_file(profile: SiteProfile, table: ProfileTable, fmt: TableFormat) -> bytes:
    """The table as the bytes of a CSV (UTF-8) or XLSX file."""
    frame = profile_table(profile, table)
    if fmt == TableFormat.CSV:
        return frame_csv_text(frame).encode()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.xlsx"
        frame_write_xlsx(frame, path, worksheet=table.value)
        return path.read_bytes()


def profile_table_name(profile: SiteProfile, table: ProfileTable, fmt: TableFormat) -> str:
    return f"{profile.operation.code}-site-{profile.site.site_id}-{table.value}.{fmt.value}"
