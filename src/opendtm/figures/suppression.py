"""Small-count suppression of published figures (docs/domain.md §9; the rule: docs/figures.md).

1. Primary: a count of people or households from 1 to threshold - 1 is hidden (0 identifies
   nobody and stays visible; counts of sites and locations are not about people and stay).
2. Complementary: in a group of cells that add up to a published total, never exactly one
   cell is hidden, or the total minus the visible cells would give it back: the smallest other
   non-zero cell of the group is hidden too, until no group has exactly one. The groups are the
   units under one parent (their parent's row is the total), the ten sex-age groups of a row
   (the sites' ones; and the IDPs' ones together with the row's idp_ind, which they add up to),
   the sites in one location, and the origins reported in one current unit.
3. Downward: a unit hidden by rule 2 keeps at least one hidden cell among its children, so its
   value cannot be rebuilt from the finer level either.

Totals are computed before suppression (they are the true figures) and are themselves hidden
when small. The masks are computed over whole levels, never over a page, so that every page
of an answer hides the same cells. They are stored as a bit mask per row: bit i set means
measure i of the row's measure tuple is hidden.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from opendtm.figures.measures import (
    ADMIN_NAMES,
    IDP_SEX_AGE,
    ORIGIN_NAMES,
    PEOPLE,
    SEX_AGE,
    SITE_NAMES,
)

MASK = "suppressed"
_ROUNDS = 50  # complementary passes; each only adds hidden cells, so this is never reached
_SEX_AGE = tuple(m.name for m in SEX_AGE)
# The IDPs' groups add up to idp_ind, shown in the same row: the eleven cells are one group.
_IDP_SEX_AGE = ("idp_ind", *(m.name for m in IDP_SEX_AGE))


def _h(name: str) -> str:
    return f"_h_{name}"


def _small(count: pl.Expr, threshold: int) -> pl.Expr:
    """Rule 1, the one place it is written: a count from 1 to threshold - 1."""
    return ((count > 0) & (count < threshold)).fill_null(False)


def _primary(frame: pl.DataFrame, names: Sequence[str], threshold: int) -> pl.DataFrame:
    return frame.with_columns(_small(pl.col(n), threshold).alias(_h(n)) for n in names)


def total_shown(total: int, threshold: int | None) -> int | None:
    """A total as published: hidden (None) when rule 1 hides it; `threshold` None: exact."""
    if threshold is None:
        return total
    return None if pl.select(_small(pl.lit(total), threshold)).item() else total


def _candidate(name: str) -> pl.Expr:
    """The cell's value if it could be hidden to protect another (visible and non-zero)."""
    return pl.when(~pl.col(_h(name)) & (pl.col(name) > 0)).then(pl.col(name))


def _hidden_count(frame: pl.DataFrame, names: Sequence[str]) -> int:
    return int(frame.select(pl.sum_horizontal(pl.col(_h(n)) for n in names).sum()).item())


def _complement(
    frame: pl.DataFrame,
    names: Sequence[str],
    group: str | None,
    row_groups: Sequence[Sequence[str]],
) -> pl.DataFrame:
    """Rule 2 until stable, over the column groups `group` (None: the whole frame is one group)
    and the within-row groups `row_groups`."""
    key = pl.col(group) if group else pl.lit(0)
    before = -1
    for _ in range(_ROUNDS):
        now = _hidden_count(frame, names)
        if now == before:
            break
        before = now
        for columns in row_groups:
            hidden = pl.sum_horizontal(pl.col(_h(n)).cast(pl.Int32) for n in columns)
            smallest = pl.min_horizontal(_candidate(n) for n in columns)
            frame = frame.with_columns(
                (pl.col(_h(n)) | ((hidden == 1) & (_candidate(n) == smallest)).fill_null(False))
                for n in columns
            )
        frame = frame.with_columns(
            (
                pl.col(_h(n))
                | (
                    (pl.col(_h(n)).cast(pl.Int32).sum().over(key) == 1)
                    & (_candidate(n) == _candidate(n).min().over(key))
                ).fill_null(False)
            ).alias(_h(n))
            for n in names
        )
    return frame


def _pushdown(
    frame: pl.DataFrame, names: Sequence[str], group: str, parent_hidden: pl.DataFrame
) -> pl.DataFrame:
    """Rule 3: where the parent's cell is hidden and none of its children's is, hide the
    smallest non-zero child. `parent_hidden` has `group` and `_p_<name>` booleans."""
    frame = frame.join(parent_hidden, on=group, how="left")
    key = pl.col(group)
    frame = frame.with_columns(
        (
            pl.col(_h(n))
            | (
                pl.col(f"_p_{n}").fill_null(False)
                & (pl.col(_h(n)).cast(pl.Int32).sum().over(key) == 0)
                & (_candidate(n) == _candidate(n).min().over(key))
            ).fill_null(False)
        ).alias(_h(n))
        for n in names
    )
    return frame.drop(f"_p_{n}" for n in names)


def _packed(frame: pl.DataFrame, measures: Sequence[str], names: Sequence[str]) -> pl.DataFrame:
    """Replace the `_h_` columns by the bit mask over `measures`."""
    bits = [pl.col(_h(n)).cast(pl.Int64) * (1 << i) for i, n in enumerate(measures) if n in names]
    return frame.with_columns(pl.sum_horizontal(bits).alias(MASK)).drop(_h(n) for n in names)


def admin_masks(frames: dict[int, pl.DataFrame], threshold: int) -> dict[int, pl.DataFrame]:
    """The admin frames of levels 0..L (every unit of each level) with their MASK column.

    Level by level from the country down, so rule 3 can look at the parent level.
    """
    names = [n for n in ADMIN_NAMES if n in PEOPLE]
    out: dict[int, pl.DataFrame] = {}
    parent: pl.DataFrame | None = None
    for level in sorted(frames):
        frame = _primary(frames[level], names, threshold)
        group = None
        if level >= 1:
            # The parent's P-code: adm(L-1), or for level 1 the country's (one group).
            root = parent.get_column("pcode")[0] if parent is not None and parent.height else ""
            above = pl.col(f"adm{level - 1}_pcode") if level >= 2 else pl.lit(root)
            frame, group = frame.with_columns(above.alias("_parent")), "_parent"
        if group and parent is not None and level - 1 in out:
            hidden = parent.select(
                pl.col("pcode").alias(group), *(pl.col(_h(n)).alias(f"_p_{n}") for n in names)
            )
            frame = _pushdown(frame, names, group, hidden)
        frame = _complement(frame, names, group, [_SEX_AGE, _IDP_SEX_AGE])
        parent = frame
        out[level] = _packed(frame, ADMIN_NAMES, names).drop("_parent", strict=False)
    return out


def site_mask(sites: pl.DataFrame, locations: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """The site frame with its MASK column. `locations` is the admin frame at the operation's
    location level with its MASK: a location whose site figures are hidden keeps a hidden cell
    among its sites (its sites add up to its `site_hh`, `site_ind` and sex-age groups)."""
    names = [n for n in SITE_NAMES if n in PEOPLE]
    frame = _primary(sites, names, threshold)
    source = {"hh": "site_hh", "ind": "site_ind"} | {n: n for n in _SEX_AGE}
    hidden = locations.select(
        pl.col("unit_id").alias("location_id"),
        *(
            ((pl.col(MASK) // (1 << ADMIN_NAMES.index(source[n]))) % 2 == 1).alias(f"_p_{n}")
            for n in names
        ),
    )
    frame = _pushdown(frame, names, "location_id", hidden)
    frame = _complement(frame, names, "location_id", [_SEX_AGE])
    return _packed(frame, SITE_NAMES, names)


def origin_mask(frame: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """The origin matrix with its MASK column (origins of one current unit form a group)."""
    names = [n for n in ORIGIN_NAMES if n in PEOPLE]
    frame = _complement(_primary(frame, names, threshold), names, "destination_id", [])
    return _packed(frame, ORIGIN_NAMES, names)


def is_hidden(measures: Sequence[str], name: str) -> pl.Expr:
    """True where the row's MASK hides measure `name`."""
    return (pl.col(MASK) // (1 << list(measures).index(name))) % 2 == 1


def masked(frame: pl.DataFrame, measures: Sequence[str]) -> pl.DataFrame:
    """The frame with every hidden cell emptied (null), never 0; MASK is kept."""
    return frame.with_columns(
        pl.when(is_hidden(measures, n)).then(None).otherwise(pl.col(n)).alias(n)
        for n in measures
        if n in frame.columns
    )


def hidden_cells(frame: pl.DataFrame) -> int:
    """How many cells the MASK column hides in the frame."""
    if MASK not in frame.columns or not frame.height:
        return 0
    return int(frame.select(pl.col(MASK).cast(pl.UInt64).bitwise_count_ones().sum()).item())


def cells_suppressed(
    frame: pl.DataFrame,
    names: Sequence[str],
    *,
    group: str | None,
    row_groups: Sequence[Sequence[str]],
    threshold: int,
) -> pl.DataFrame:
    """Rules 1 and 2 over any frame of people counts (needs figures: people in need and the
    severity distribution): `names` the counts, `group` the column whose rows add up to a
    published total (None: none), `row_groups` the cells of a row that add up to one. The
    hidden cells are emptied (null) and MASK counts them per row."""
    frame = _complement(_primary(frame, names, threshold), names, group, row_groups)
    hidden = [pl.col(_h(n)) for n in names]
    return frame.with_columns(
        *(pl.when(pl.col(_h(n))).then(None).otherwise(pl.col(n)).alias(n) for n in names),
        pl.sum_horizontal(h.cast(pl.Int64) for h in hidden).alias(MASK),
    ).drop(_h(n) for n in names)
