"""A published round's needs figures, stored when it is published and read in place of the
live computation.

`needs_snapshot_build` computes, for every admin level from the country down to the
operation's locations, the exact area figures (`areas.AREA_COLUMNS`) and priority needs
(`areas.PRIORITY_COLUMNS`) of the whole round with its rule set, by the same code the live
reads use (`needs.queries.live_frames`), and stores each as a Parquet part, exact and as
published (suppressed at the current threshold by `needs.queries.area_suppressed` and
`priority_suppressed`: the suppression of a whole level, which the public reads most). It
runs inside `figures.services.figures_snapshot_build`, so publishing and every rebuild of a
round's figures (after a change of the threshold, say) rebuild its needs figures in the same
transaction.

`stored` gives a part back, filtered to the units within an admin unit, or None where the
live reading must answer: a round not published (or published before snapshots), another rule
set version than the one it was built with, or a unit finer than the rows' level. Suppression
within a unit (its rows make a table of their own) and the change across rounds are applied
on top by `needs.queries`, as on live rows, so a stored answer and a live one are the same
rows.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import polars as pl
from django.conf import settings

from opendtm.gazetteer.models import AdminUnit
from opendtm.needs.choices import SnapshotPart
from opendtm.needs.models import NeedsSnapshot, NeedsSnapshotPart
from opendtm.operations.choices import RoundStatus
from opendtm.operations.models import Operation, Round

if TYPE_CHECKING:
    from opendtm.needs.rules import RuleSet


WITHIN_MAX_ROWS = 50_000
"""A unit's rows are read from a stored level of at most this many rows; from a larger one
(every barangay of a country) the live reading of the unit's own places is faster than
decoding the level (bench/needs.py: 0.38 s against 0.15 s in a province of 7,000)."""


def _parquet(frame: pl.DataFrame) -> bytes:
    out = io.BytesIO()
    frame.write_parquet(out, compression="zstd", statistics=False)
    return out.getvalue()


def needs_snapshot_build(*, round_: Round, operation: Operation, rules: RuleSet) -> NeedsSnapshot:
    """Replace the round's stored needs figures by those computed now (the caller holds the
    transaction and has authorized the rebuild)."""
    from opendtm.needs.queries import (  # queries reads us
        area_suppressed,
        live_frames,
        priority_suppressed,
    )

    threshold = settings.OPENDTM_SUPPRESSION_THRESHOLD
    NeedsSnapshot.objects.filter(round=round_).delete()
    snapshot = NeedsSnapshot.objects.create(
        round=round_, rules_version=rules.version, threshold=threshold
    )
    parts = []
    for level in range(operation.location_level + 1):
        area, priority = live_frames(round_, operation, rules, level)
        for kind, frame in (
            (SnapshotPart.AREA, area),
            (SnapshotPart.AREA_PUBLISHED, area_suppressed(area, threshold)),
            (SnapshotPart.PRIORITY, priority),
            (SnapshotPart.PRIORITY_PUBLISHED, priority_suppressed(priority, threshold)),
        ):
            parts.append(
                NeedsSnapshotPart(
                    snapshot=snapshot,
                    kind=kind,
                    level=level,
                    rows=frame.height,
                    data=_parquet(frame),
                )
            )
    NeedsSnapshotPart.objects.bulk_create(parts)
    return snapshot


def units_within(within: AdminUnit, level: int) -> list[int]:
    """The ids of the units at `level` that are `within` or lie below it."""
    depth = level - within.level
    if depth == 0:
        return [within.pk]
    path = "__".join(["parent"] * depth)
    found = AdminUnit.objects.filter(level=level, **{path: within})
    return list(found.values_list("pk", flat=True))


def stored(
    round_: Round,
    version: str,
    kind: SnapshotPart,
    level: int,
    within: AdminUnit | None,
    *,
    threshold: int | None = None,
) -> pl.DataFrame | None:
    """The stored frame of `kind` at `level` (only the units within `within`, from a level of
    at most WITHIN_MAX_ROWS rows; a part stored as published only if suppressed at
    `threshold`), or None where the live reading answers. One query (two with `within`)."""
    if round_.status != RoundStatus.PUBLISHED:
        return None
    if within is not None and within.level > level:
        return None
    parts = NeedsSnapshotPart.objects.filter(
        snapshot__round=round_, snapshot__rules_version=version, kind=kind, level=level
    )
    if threshold is not None:
        parts = parts.filter(snapshot__threshold=threshold)
    if within is not None:  # a unit's rows out of a large level: computing them is cheaper
        parts = parts.filter(rows__lte=WITHIN_MAX_ROWS)
    data = parts.values_list("data", flat=True).first()
    if data is None:
        return None
    frame = pl.read_parquet(io.BytesIO(bytes(data)))
    if within is not None:
        frame = frame.filter(pl.col("unit_id").is_in(units_within(within, level)))
    return frame
