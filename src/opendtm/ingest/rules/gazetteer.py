"""Rules against the gazetteer: each admin column holds a code the gazetteer knows (a P-code,
an alternative code or an older code, in any letter case and spacing), normalised to the unit
holding its place today, at its own level, with the parent chain of the deepest unit matching
the other admin columns (in the current gazetteer or in any version or edition the codes come
from), and filled down to the operation's location level. Origins (the baseline's repeat) name
a unit at level 2 or below.

An older code (a retired unit's, or another edition's) is a warning naming the old and the new
code, and the row keeps the current unit; a retired code with no single successor (retired
without one, or split) is an error listing what there is. Everything is joined per distinct
combination of codes, column-wise.
"""

from __future__ import annotations

import re

import polars as pl

from opendtm.gazetteer.choices import ResolveStatus
from opendtm.gazetteer.pcodes import pcode_normalise_expr
from opendtm.ingest.context import ValidationContext
from opendtm.ingest.issues import WARNING, issues_concat, issues_where
from opendtm.ingest.joins import columns_joined

ADMIN_FIELD = re.compile(r"^adm([1-4])_pcode$")
_PARTS = ("unit", "pcode", "cid", "level", "status", "name", "reason", "named", "version", "code")


def admin_levels(frame: pl.DataFrame) -> list[int]:
    """The levels whose `admN_pcode` column the frame has, top first."""
    return sorted(int(m.group(1)) for c in frame.columns if (m := ADMIN_FIELD.match(c)))


def _given(column: str) -> pl.Expr:
    return pcode_normalise_expr(column).is_not_null()


def _resolve(frame: pl.DataFrame, column: str, ctx: ValidationContext, prefix: str) -> pl.DataFrame:
    """Add, for the code in `column`: `<prefix>unit` (the unit it names), `<prefix>named` (that
    unit's P-code), `<prefix>cid`/`pcode`/`name` (the current unit holding its place, null
    when none), `<prefix>level` (its level), `<prefix>status`, `reason`, `version` and
    `<prefix>code` (the code as normalised)."""
    codes = ctx.codes.select(
        pl.col("code").alias(f"{prefix}code"),
        pl.col("unit_id").alias(f"{prefix}unit"),
        pl.col("pcode").alias(f"{prefix}named"),
        pl.coalesce("current_level", "level").cast(pl.Int64).alias(f"{prefix}level"),
        pl.col("status").alias(f"{prefix}status"),
        pl.col("current_unit_id").alias(f"{prefix}cid"),
        pl.col("current_pcode").alias(f"{prefix}pcode"),
        pl.col("current_name").alias(f"{prefix}name"),
        pl.col("reason").alias(f"{prefix}reason"),
        pl.col("version").alias(f"{prefix}version"),
    )
    keyed = frame.with_columns(pcode_normalise_expr(column).alias(f"{prefix}code"))
    return columns_joined(keyed, codes, on=f"{prefix}code")


def _code_issues(
    frame: pl.DataFrame,
    column: str,
    prefix: str,
    ctx: ValidationContext,
    *,
    level_ok: pl.Expr,
    level_rule: tuple[str, pl.Expr],
) -> list[pl.DataFrame]:
    """unknown code, wrong level (`level_rule`: rule name and message), retired without a
    single successor (error), older code of a current unit (warning)."""
    found = pl.col(f"{prefix}status").is_not_null()
    placed = pl.col(f"{prefix}cid").is_not_null()
    older = (pl.col(f"{prefix}status") == ResolveStatus.RETIRED.value) | (
        (pl.col(f"{prefix}status") == ResolveStatus.ALTERNATIVE.value)
        & (pl.col(f"{prefix}version") != pl.lit(ctx.gazetteer_version))
    )
    change = (
        pl.when(pl.col(f"{prefix}status") == ResolveStatus.RETIRED.value)
        .then(pl.col(f"{prefix}reason").str.extract(r"^(\w+) in ", 1))
        .otherwise(pl.col(f"{prefix}version") + pl.lit(" code"))
    )
    rule, message = level_rule
    return [
        issues_where(
            frame,
            _given(column) & ~found,
            field=column,
            rule="gazetteer.unknown_pcode",
            message=pl.format(
                "{} is not a P-code or known alternative code of {}",
                pl.col(column),
                pl.lit(ctx.country_iso3),
            ),
        ),
        issues_where(frame, found & ~level_ok, field=column, rule=rule, message=message),
        issues_where(
            frame,
            found & level_ok & ~placed,
            field=column,
            rule="gazetteer.retired",
            message=pl.format(
                "{} is retired from the gazetteer ({}); use the code of the unit that holds "
                "its place now",
                pl.col(f"{prefix}named"),
                pl.col(f"{prefix}reason"),
            ),
        ),
        issues_where(
            frame,
            found & level_ok & placed & older,
            field=column,
            rule="gazetteer.old_code",
            severity=WARNING,
            message=pl.format(
                "{} is the old code of {}, now {} (gazetteer {}, {})",
                pl.col(f"{prefix}code"),
                pl.col(f"{prefix}name"),
                pl.col(f"{prefix}pcode"),
                pl.lit(ctx.gazetteer_version),
                change.fill_null("older version"),
            ),
        ),
    ]


def _chains_accepted(
    combos: pl.DataFrame, levels: list[int], ctx: ValidationContext
) -> pl.DataFrame:
    """`_chain<k>`: whether the level-k unit given (as named or as today's) is an ancestor of
    the deepest unit given (as named or as today's) in some version or edition's parent links.
    Walks up the accepted links from the deepest units only (four joins)."""
    combos = combos.with_row_index("_combo")
    pairs = pl.concat(
        [
            combos.select("_combo", pl.col("_deep_named").alias("at")),
            combos.select("_combo", pl.col("_unit_id").alias("at")),
        ]
    ).drop_nulls()
    links = ctx.parents.rename({"unit_id": "at"})
    found = []
    for _ in range(4):
        pairs = (
            pairs.join(links, on="at").select("_combo", pl.col("parent_id").alias("at")).unique()
        )
        found.append(pairs)
    ancestors = pl.concat(found).unique()
    for level in levels:
        given = pl.concat(
            [
                combos.select("_combo", pl.col(f"_r{level}_unit").alias("at")),
                combos.select("_combo", pl.col(f"_r{level}_cid").alias("at")),
            ]
        ).drop_nulls()
        accepted = given.join(ancestors, on=["_combo", "at"], how="semi")["_combo"].unique()
        combos = combos.with_columns(
            pl.col("_combo").is_in(accepted.implode()).alias(f"_chain{level}")
        )
    return combos.drop("_combo")


def _admin_lookup(combos: pl.DataFrame, levels: list[int], ctx: ValidationContext) -> pl.DataFrame:
    """For each distinct combination of admin codes: every level's code resolved
    (`_r<k>_*`, `_adm<k>` the current P-code when valid), the deepest valid unit today with its
    ancestors (`_unit_*`, `_anc<k>`), whether each level's unit is an accepted ancestor of it
    (`_chain<k>`), and the unit at the operation's location level."""
    for level in levels:
        prefix = f"_r{level}_"
        combos = _resolve(combos, f"adm{level}_pcode", ctx, prefix)
        valid = pl.col(f"{prefix}cid").is_not_null() & (pl.col(f"{prefix}level") == level)
        combos = combos.with_columns(
            pl.when(valid).then(pl.col(f"{prefix}pcode")).otherwise(None).alias(f"_adm{level}")
        )
    ordered = list(reversed(levels))
    deepest = (
        pl.coalesce([pl.col(f"_adm{k}") for k in ordered]) if levels else pl.lit(None, pl.Utf8)
    )
    deep_named = (
        pl.coalesce(
            [pl.when(pl.col(f"_adm{k}").is_not_null()).then(pl.col(f"_r{k}_unit")) for k in ordered]
        )
        if levels
        else pl.lit(None, pl.Int64)
    )
    units = ctx.units.select(
        pl.col("pcode").alias("_unit_pcode"),
        pl.col("unit_id").alias("_unit_id"),
        pl.col("level").alias("_unit_level"),
        pl.col("lat").alias("_unit_lat"),
        pl.col("lon").alias("_unit_lon"),
        *[pl.col(f"anc{k}").alias(f"_anc{k}") for k in range(1, 5)],
    )
    combos = columns_joined(
        combos.with_columns(_unit_pcode=deepest, _deep_named=deep_named), units, on="_unit_pcode"
    )
    combos = _chains_accepted(combos, levels, ctx).drop("_deep_named")
    location = ctx.units.select(
        pl.col("pcode").alias("_location_pcode"), pl.col("unit_id").alias("_location_id")
    )
    loc_col = f"_adm{ctx.location_level}"
    return columns_joined(
        combos.with_columns(
            _location_pcode=pl.col(loc_col) if loc_col in combos.columns else pl.lit(None, pl.Utf8)
        ),
        location,
        on="_location_pcode",
    )


def admin_resolve(frame: pl.DataFrame, ctx: ValidationContext) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Resolve the admin columns of the main sheet.

    Adds `_adm<k>` (the normalised P-code when valid), `_unit_pcode` (the deepest valid unit),
    `_unit_id`, `_unit_lat`, `_unit_lon` and `_location_id`/`_location_pcode` (the unit at the
    operation's location level); returns the frame and its issues. The codes are resolved once
    per distinct combination (a country has tens of thousands, a file up to millions of rows)
    and attached to the rows with one join; the rules run on the combinations first, and on
    the rows only of the combinations with an issue (the resolution's ten working columns per
    level never reach the million clean rows).
    """
    levels = admin_levels(frame)
    given_columns = [f"adm{level}_pcode" for level in levels]
    if given_columns:
        lookup = _admin_lookup(frame.select(given_columns).unique(maintain_order=True), levels, ctx)
    else:  # no admin column at all: every resolved column is null
        lookup = _admin_lookup(pl.DataFrame({"_": [None]}), levels, ctx).drop("_")
    working = [f"_r{level}_{part}" for level in levels for part in _PARTS] + [
        f"_chain{level}" for level in levels
    ]
    kept = [c for c in lookup.columns if c not in working and c not in given_columns]
    if given_columns:
        frame = columns_joined(
            frame, lookup.select(*given_columns, *kept), on=given_columns, nulls_equal=True
        )
        combos = lookup.with_row_index("_row").with_columns(
            pl.lit("").alias("_sheet"), pl.lit("").alias("_submission_id")
        )
        flawed = _admin_issues(combos, levels, ctx)["row"].unique()
        rows = frame.join(
            lookup.filter(pl.int_range(pl.len()).is_in(flawed.implode())).select(
                *given_columns, *working
            ),
            on=given_columns,
            how="inner",
            nulls_equal=True,
            maintain_order="left",
        )
    else:
        frame = frame.with_columns(pl.lit(None, lookup.schema[c]).alias(c) for c in kept)
        rows = frame.with_columns(pl.lit(None, lookup.schema[c]).alias(c) for c in working)
    return frame, _admin_issues(rows, levels, ctx)


def _admin_issues(frame: pl.DataFrame, levels: list[int], ctx: ValidationContext) -> pl.DataFrame:
    """The gazetteer rules of the main sheet on rows that carry the resolution's columns."""
    issues = []
    for level in levels:
        column = f"adm{level}_pcode"
        prefix = f"_r{level}_"
        issues += _code_issues(
            frame,
            column,
            prefix,
            ctx,
            level_ok=pl.col(f"{prefix}level") == level,
            level_rule=(
                "gazetteer.wrong_level",
                pl.format(
                    "{} is an admin level {} unit, not admin level {}",
                    pl.coalesce(f"{prefix}pcode", f"{prefix}named"),
                    pl.col(f"{prefix}level"),
                    pl.lit(level),
                ),
            ),
        )
        if level <= ctx.location_level:
            issues.append(
                issues_where(
                    frame,
                    ~_given(column),
                    field=column,
                    rule="gazetteer.required",
                    message=f"{column} is required: this operation's locations are at admin "
                    f"level {ctx.location_level}",
                )
            )
    for level in levels:
        column = f"adm{level}_pcode"
        mismatch = (
            pl.col(f"_adm{level}").is_not_null()
            & (pl.col("_unit_level") > level)
            & ~pl.col(f"_chain{level}")
        )
        issues.append(
            issues_where(
                frame,
                mismatch,
                field=column,
                rule="gazetteer.parent_mismatch",
                message=pl.format(
                    "{} is not the admin level {} unit that {} belongs to (that is {})",
                    pl.col(f"_adm{level}"),
                    pl.lit(level),
                    pl.col("_unit_pcode"),
                    pl.col(f"_anc{level}"),
                ),
            )
        )
    return issues_concat(issues)


def origins_resolve(
    frame: pl.DataFrame,
    ctx: ValidationContext,
    *,
    column: str = "origin_pcode",
    what: str = "a place of origin",
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Resolve the origin P-codes of the repeat (or another place, `what` in the messages: the
    places an event displaced people from and to): any unit at level 2 or below, today's unit
    for an older code; adds `_origin_id`."""
    if column not in frame.columns:
        return frame.with_columns(_origin_id=pl.lit(None, pl.Int64)), issues_concat([])
    frame = _resolve(frame, column, ctx, "_o_")
    issues = _code_issues(
        frame,
        column,
        "_o_",
        ctx,
        level_ok=pl.col("_o_level") >= 2,
        level_rule=(
            "gazetteer.origin_level",
            pl.format(
                "{} is an admin level {} unit; {} is admin level 2 or finer",
                pl.coalesce("_o_pcode", "_o_named"),
                pl.col("_o_level"),
                pl.lit(what),
            ),
        ),
    )
    frame = frame.with_columns(_origin_id=pl.col("_o_cid")).drop([f"_o_{p}" for p in _PARTS])
    return frame, issues_concat(issues)
