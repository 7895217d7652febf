"""Rules against the gazetteer: each admin column holds a known code (P-code or alternative, in
any letter case, normalised to the P-code), at its own level, not retired, with the parent chain
of the deepest unit matching the other admin columns, and filled down to the operation's
location level. Origins (the baseline's repeat) name a unit at level 2 or below.
"""

from __future__ import annotations

import re

import polars as pl

from opendtm.ingest.context import ValidationContext
from opendtm.ingest.issues import issues_concat, issues_where
from opendtm.ingest.joins import columns_joined

ADMIN_FIELD = re.compile(r"^adm([1-4])_pcode$")


def admin_levels(frame: pl.DataFrame) -> list[int]:
    """The levels whose `admN_pcode` column the frame has, top first."""
    return sorted(int(m.group(1)) for c in frame.columns if (m := ADMIN_FIELD.match(c)))


def _normalised(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Utf8).str.strip_chars().str.to_uppercase()


def _resolve(frame: pl.DataFrame, column: str, ctx: ValidationContext, prefix: str) -> pl.DataFrame:
    """Add `<prefix>pcode`, `<prefix>level`, `<prefix>retired` for the code in `column`."""
    codes = ctx.codes.rename({"code": "_code", "pcode": f"{prefix}pcode"})
    units = ctx.units.select(
        pl.col("pcode").alias(f"{prefix}pcode"),
        pl.col("level").alias(f"{prefix}level"),
        pl.col("retired").alias(f"{prefix}retired"),
    )
    found = columns_joined(
        frame.select(_normalised(column).alias("_code")), codes, on="_code"
    ).drop("_code")
    return frame.hstack(columns_joined(found, units, on=f"{prefix}pcode").get_columns())


def _admin_lookup(combos: pl.DataFrame, levels: list[int], ctx: ValidationContext) -> pl.DataFrame:
    """For each distinct combination of admin codes: every level's code resolved
    (`_r<k>_pcode/level/retired`, `_adm<k>` when valid), the deepest valid unit with its
    ancestors (`_unit_*`, `_anc<k>`) and the unit at the operation's location level."""
    for level in levels:
        prefix = f"_r{level}_"
        combos = _resolve(combos, f"adm{level}_pcode", ctx, prefix)
        valid = (
            pl.col(f"{prefix}pcode").is_not_null()
            & (pl.col(f"{prefix}level") == level)
            & ~pl.col(f"{prefix}retired")
        )
        combos = combos.with_columns(
            pl.when(valid).then(pl.col(f"{prefix}pcode")).otherwise(None).alias(f"_adm{level}")
        )
    deepest = (
        pl.coalesce([pl.col(f"_adm{k}") for k in reversed(levels)])
        if levels
        else pl.lit(None, pl.Utf8)
    )
    units = ctx.units.select(
        pl.col("pcode").alias("_unit_pcode"),
        pl.col("unit_id").alias("_unit_id"),
        pl.col("level").alias("_unit_level"),
        pl.col("lat").alias("_unit_lat"),
        pl.col("lon").alias("_unit_lon"),
        *[pl.col(f"anc{k}").alias(f"_anc{k}") for k in range(1, 5)],
    )
    combos = columns_joined(combos.with_columns(_unit_pcode=deepest), units, on="_unit_pcode")
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
    and attached to the rows with one join.
    """
    levels = admin_levels(frame)
    given_columns = [f"adm{level}_pcode" for level in levels]
    if given_columns:
        combos = frame.select(given_columns).unique(maintain_order=True)
        frame = columns_joined(
            frame, _admin_lookup(combos, levels, ctx), on=given_columns, nulls_equal=True
        )
    else:  # no admin column at all: every resolved column is null
        lookup = _admin_lookup(pl.DataFrame({"_": [None]}), levels, ctx).drop("_")
        frame = frame.with_columns(pl.lit(None, lookup.schema[c]).alias(c) for c in lookup.columns)
    issues = []
    for level in levels:
        column = f"adm{level}_pcode"
        prefix = f"_r{level}_"
        given = pl.col(column).is_not_null() & (_normalised(column) != "")
        found = pl.col(f"{prefix}pcode").is_not_null()
        issues += [
            issues_where(
                frame,
                given & ~found,
                field=column,
                rule="gazetteer.unknown_pcode",
                message=pl.format(
                    "{} is not a P-code or known alternative code of {}",
                    pl.col(column),
                    pl.lit(ctx.country_iso3),
                ),
            ),
            issues_where(
                frame,
                found & (pl.col(f"{prefix}level") != level),
                field=column,
                rule="gazetteer.wrong_level",
                message=pl.format(
                    "{} is an admin level {} unit, not admin level {}",
                    pl.col(f"{prefix}pcode"),
                    pl.col(f"{prefix}level"),
                    pl.lit(level),
                ),
            ),
            issues_where(
                frame,
                found & (pl.col(f"{prefix}level") == level) & pl.col(f"{prefix}retired"),
                field=column,
                rule="gazetteer.retired",
                message=pl.format(
                    "{} is retired from the gazetteer; use the code of the unit that replaced it",
                    pl.col(f"{prefix}pcode"),
                ),
            ),
        ]
        if level <= ctx.location_level:
            issues.append(
                issues_where(
                    frame,
                    ~given,
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
            & (pl.col(f"_anc{level}") != pl.col(f"_adm{level}"))
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
    frame = frame.drop(
        [f"_r{level}_{part}" for level in levels for part in ("pcode", "level", "retired")]
    )
    return frame, issues_concat(issues)


def origins_resolve(
    frame: pl.DataFrame, ctx: ValidationContext, *, column: str = "origin_pcode"
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Resolve the origin P-codes of the repeat: any unit at level 2 or below; adds `_origin_id`."""
    if column not in frame.columns:
        return frame.with_columns(_origin_id=pl.lit(None, pl.Int64)), issues_concat([])
    frame = _resolve(frame, column, ctx, "_o_")
    given = pl.col(column).is_not_null() & (_normalised(column) != "")
    found = pl.col("_o_pcode").is_not_null()
    issues = [
        issues_where(
            frame,
            given & ~found,
            field=column,
            rule="gazetteer.unknown_pcode",
            message=pl.format(
                "{} is not a P-code or known alternative code of {}",
                pl.col(column),
                pl.lit(ctx.country_iso3),
            ),
        ),
        issues_where(
            frame,
            found & (pl.col("_o_level") < 2),
            field=column,
            rule="gazetteer.origin_level",
            message=pl.format(
                "{} is an admin level {} unit; a place of origin is admin level 2 or finer",
                pl.col("_o_pcode"),
                pl.col("_o_level"),
            ),
        ),
        issues_where(
            frame,
            found & (pl.col("_o_level") >= 2) & pl.col("_o_retired"),
            field=column,
            rule="gazetteer.retired",
            message=pl.format(
                "{} is retired from the gazetteer; use the code of the unit that replaced it",
                pl.col("_o_pcode"),
            ),
        ),
    ]
    ids = ctx.units.select(pl.col("pcode").alias("_o_pcode"), pl.col("unit_id").alias("_origin_id"))
    frame = frame.join(ids, on="_o_pcode", how="left", maintain_order="left").drop(
        "_o_pcode", "_o_level", "_o_retired"
    )
    return frame, issues_concat(issues)
