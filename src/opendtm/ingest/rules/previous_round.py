"""Round over round: a population that changed by more than OPENDTM_CHANGE_MAX_PCT percent and
by at least OPENDTM_CHANGE_MIN_PEOPLE people since the previous round is a warning to review."""

from __future__ import annotations

import polars as pl

from opendtm.ingest.context import ValidationContext
from opendtm.ingest.issues import WARNING, issues_concat, issues_where
from opendtm.ingest.joins import columns_joined


def change_rule(
    frame: pl.DataFrame, ctx: ValidationContext, *, key_id: str, field: str
) -> pl.DataFrame:
    """Compare `field` with the previous round's value of the same site or location."""
    if not ctx.previous.height or field not in frame.columns or key_id not in frame.columns:
        return issues_concat([])
    previous = ctx.previous.rename({"key_id": key_id})
    joined = columns_joined(frame, previous, on=key_id)
    change = pl.col(field) - pl.col("previous")
    pct = ctx.thresholds.change_pct
    big = (change.abs() >= ctx.thresholds.change_min_people) & (
        (pl.col("previous") == 0) | (change.abs() * 100 > pl.col("previous") * pct)
    )
    return issues_where(
        joined,
        pl.col("previous").is_not_null() & pl.col(field).is_not_null() & big,
        field=field,
        rule="previous_round.change",
        severity=WARNING,
        message=pl.format(
            "{} went from {} in round {} to {} (more than {}% and at least {} people)",
            pl.lit(field),
            pl.col("previous"),
            pl.lit(ctx.previous_round),
            pl.col(field),
            pl.lit(int(pct) if pct == int(pct) else pct),
            pl.lit(int(ctx.thresholds.change_min_people)),
        ),
    )
