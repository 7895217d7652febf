"""Building a published round's snapshot: compute every figure live, then swap the rows in.

The figures are computed first (reads only), then the round's old snapshot is deleted and the
new one inserted, all inside the caller's transaction: a rebuild that fails at any point rolls
back to the old snapshot, never to an empty one. Rows go in through each driver's fast path
(`core.bulk`: COPY on PostgreSQL, executemany on SQLite), never as model objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.contrib.auth.models import User

from opendtm.core.bulk import rows_insert, tables_analyze
from opendtm.figures import live, rollup
from opendtm.figures.measures import ADMIN_NAMES, LABEL_COLUMNS, ORIGIN_NAMES, SITE_NAMES
from opendtm.figures.models import (
    FigureRow,
    FigureSnapshot,
    OriginFigureRow,
    SiteFigureRow,
    SnapshotUnit,
)
from opendtm.figures.suppression import MASK, admin_masks, origin_mask, site_mask
from opendtm.mobility.models import BaselineAssessment, BaselineOrigin, SiteAssessment
from opendtm.operations.models import Operation, Round


@dataclass
class ComputedFigures:
    """Every figure of a round, exact values with their masks, as frames."""

    admin: dict[int, pl.DataFrame]
    sites: pl.DataFrame
    origins: dict[tuple[int, int], pl.DataFrame] = field(default_factory=dict)
    origin_max_level: int = live.LOWEST_ORIGIN_LEVEL

    def with_parents(self, level: int) -> pl.DataFrame:
        """The admin frame at `level` with `parent_id`, the unit it lies in one level up."""
        frame = self.admin[level]
        if level == 0:
            return frame.with_columns(pl.lit(None, pl.Int64).alias("parent_id"))
        above = self.admin[level - 1].select(
            pl.col("pcode").alias("_parent"), pl.col("unit_id").alias("parent_id")
        )
        country = self.admin[0].get_column("pcode")
        key = (
            pl.col(f"adm{level - 1}_pcode")
            if level >= 2
            else pl.lit(country[0] if country.len() else None, pl.Utf8)
        )
        joined = frame.with_columns(key.alias("_parent")).join(above, on="_parent", how="left")
        return joined.drop("_parent")

    def answer_rows(self) -> dict[str, int]:
        """How many rows each whole answer has (FigureSnapshot.answer_rows)."""
        counts = {f"admin {level}": frame.height for level, frame in self.admin.items()}
        counts["sites"] = self.sites.height
        for (origin, destination), frame in self.origins.items():
            counts[f"origin {origin} {destination}"] = frame.height
            counts[f"coarser {origin} {destination}"] = frame.filter(
                pl.col("origin_level") < origin
            ).height
        return counts

    def units(self) -> pl.DataFrame:
        """Every unit the figures cite, once, with its labels."""
        parts = [frame.select(LABEL_COLUMNS) for frame in self.admin.values()]
        parts.append(self.sites.select(LABEL_COLUMNS))
        for frame in self.origins.values():
            for side in ("origin", "destination"):
                parts.append(
                    frame.select(
                        pl.col(f"{side}_id").alias("unit_id"),
                        *(pl.col(f"{side}_{c}").alias(c) for c in LABEL_COLUMNS[1:]),
                    )
                )
        return pl.concat(parts, how="vertical_relaxed").unique(subset="unit_id", keep="first")


def figures_compute(*, round_: Round, operation: Operation, threshold: int) -> ComputedFigures:
    """All the figures a snapshot holds: every admin level from the country to the location
    level, every site, and the origin matrix at every pair of levels (origins from level 1 to
    the finest level any origin was reported at: finer requests give the same rows).

    The database answers at the finest grain; coarser levels are summed up in memory
    (`figures.rollup`)."""
    location_level = operation.location_level
    labels = rollup.coarse_labels(operation)
    finest = live.admin_frame(round_=round_, operation=operation, level=location_level)
    admin = admin_masks(
        {
            level: finest if level == location_level else rollup.admin_rolled(finest, level, labels)
            for level in range(location_level + 1)
        },
        threshold,
    )
    sites = site_mask(
        live.site_frame(round_=round_, operation=operation), admin[location_level], threshold
    )
    deepest = live.origin_deepest_level(round_)
    reported = rollup.reported_origins(round_, operation, finest, labels)
    origins = {
        (origin, destination): origin_mask(
            rollup.origins_rolled(reported, origin, destination, labels), threshold
        )
        for origin in range(1, deepest + 1)
        for destination in range(location_level + 1)
    }
    return ComputedFigures(admin, sites, origins, deepest)


def _with(frame: pl.DataFrame, **constants: Any) -> Iterator[tuple[Any, ...]]:
    """The frame's rows as tuples, after the constant values given."""
    head = tuple(constants.values())
    return (head + row for row in frame.iter_rows())


def snapshot_write(
    *, round_: Round, operation: Operation, threshold: int, actor: User | None
) -> FigureSnapshot:
    """Compute the round's figures, then replace its snapshot by them (caller's transaction)."""
    computed = figures_compute(round_=round_, operation=operation, threshold=threshold)
    batch_ids = live.batches_of(round_)
    counts = {
        "baseline_rows": BaselineAssessment.objects.filter(round=round_).count(),
        "site_rows": SiteAssessment.objects.filter(round=round_).count(),
        "origin_rows": BaselineOrigin.objects.filter(assessment__round=round_).count(),
    }
    for model in (FigureRow, SiteFigureRow, OriginFigureRow):
        model.objects.filter(round=round_).delete()
    SnapshotUnit.objects.filter(snapshot__round=round_).delete()
    FigureSnapshot.objects.filter(round=round_).delete()
    snapshot = FigureSnapshot.objects.create(
        round=round_,
        built_by=actor,
        gazetteer_version_id=round_.gazetteer_version_id or operation.gazetteer_version_id,
        batch_ids=batch_ids,
        threshold=threshold,
        location_level=operation.location_level,
        origin_max_level=computed.origin_max_level,
        answer_rows=computed.answer_rows(),
        **counts,
    )
    ids = {"snapshot": snapshot.pk, "round": round_.pk}
    rows_insert(
        SnapshotUnit,
        ["snapshot", *(c.removesuffix("_id") for c in LABEL_COLUMNS)],
        _with(computed.units().select(LABEL_COLUMNS), snapshot=snapshot.pk),
    )
    for level in computed.admin:
        rows_insert(
            FigureRow,
            ["snapshot", "round", "level", "unit", "parent", "pcode", MASK, *ADMIN_NAMES],
            _with(
                computed.with_parents(level).select(
                    "unit_id", "parent_id", "pcode", MASK, *ADMIN_NAMES
                ),
                **ids,
                level=level,
            ),
        )
    site_fields = [
        ("site", "site_pk"),
        *((n, n) for n in ("site_code", "site_name", "site_type", "site_status", "flagged")),
        ("unit", "unit_id"),
        ("location", "location_id"),
        ("latitude", "site_latitude"),
        ("longitude", "site_longitude"),
        ("sadd", "sadd"),
        (MASK, MASK),
        *((n, n) for n in SITE_NAMES),
    ]
    rows_insert(
        SiteFigureRow,
        ["snapshot", "round", *(f for f, _ in site_fields)],
        _with(computed.sites.select(c for _, c in site_fields), **ids),
    )
    for (origin, destination), frame in computed.origins.items():
        rows_insert(
            OriginFigureRow,
            [
                "snapshot",
                "round",
                "origin_level",
                "destination_level",
                "origin",
                "origin_pcode",
                "destination",
                "destination_pcode",
                *ORIGIN_NAMES,
                MASK,
            ],
            _with(
                frame.select(
                    "origin_id",
                    "origin_pcode",
                    "destination_id",
                    "destination_pcode",
                    *ORIGIN_NAMES,
                    MASK,
                ),
                **ids,
                origin_level=origin,
                destination_level=destination,
            ),
        )
    tables_analyze(SnapshotUnit, FigureRow, SiteFigureRow, OriginFigureRow)
    return snapshot
