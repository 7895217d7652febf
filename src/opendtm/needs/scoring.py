"""A rule set applied to assessments, column-wise: each indicator's value and severity level,
each sector's severity in each place, each place's intersectoral severity (docs/needs.md).

The value expressions are the ones the site profile shows (`mobility.indicators` builds its
indicators from the same rule set with `value_expr`), so a score and the value beside it are
computed in one place. Frames in, frames out: one frame per indicator, stacked, then grouped;
never a loop over rows.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from opendtm.needs.rules import LEVELS, RuleSet

VALUE = pl.col("value")
LEVEL = pl.col("level")


def _per(numerator: str, denominator: str) -> pl.Expr:
    """numerator / denominator, null when either is missing or the denominator is zero."""
    den = pl.col(denominator).cast(pl.Float64)
    return pl.when(den > 0).then(pl.col(numerator).cast(pl.Float64) / den).otherwise(None)


def _people_per(facilities: str) -> pl.Expr:
    """People per functional facility; with none at all, no ratio but an infinite one (the
    standard fails, the level is the worst)."""
    count = pl.col(facilities).cast(pl.Float64)
    return (
        pl.when(count > 0)
        .then(pl.col("ind").cast(pl.Float64) / count)
        .when((count == 0) & (pl.col("ind") > 0))
        .then(pl.lit(float("inf")))
        .otherwise(None)
    )


def value_kind(spec: dict[str, Any]) -> str:
    """field, ratio, people_per, answer, yes_no or named."""
    return next(iter(spec))


def is_numeric(spec: dict[str, Any]) -> bool:
    return value_kind(spec) in ("field", "ratio", "people_per")


def value_expr(spec: dict[str, Any]) -> pl.Expr:
    """The indicator's value over an assessment frame: a number (Float64; yes/no as 1.0/0.0)
    or, for an answer, its choice name."""
    kind, arg = next(iter(spec.items()))
    if kind == "field":
        return pl.col(arg).cast(pl.Float64)
    if kind == "ratio":
        expr = _per(arg["of"], arg["per"])
        return expr * 100 if arg.get("percent") else expr
    if kind == "people_per":
        return _people_per(arg)
    if kind == "answer":
        return pl.col(arg).cast(pl.Utf8)
    if kind == "yes_no":
        return pl.col(arg).cast(pl.Boolean).cast(pl.Float64)
    # named: a select_multiple (a list of choice names) names any of the choices
    names = pl.col(arg["field"]).list.eval(pl.element().is_in(arg["any_of"])).list.any()
    return names.cast(pl.Float64)


def fields_read(spec: dict[str, Any]) -> list[str]:
    """The assessment fields a value reads."""
    kind, arg = next(iter(spec.items()))
    if kind == "ratio":
        return [arg["of"], arg["per"]]
    if kind == "people_per":
        return ["ind", arg]
    if kind == "named":
        return [arg["field"]]
    return [arg]


def level_expr(indicator: dict[str, Any]) -> pl.Expr | None:
    """The severity level (1-5) of `value`, null where the value is; None: not scored."""
    severity = indicator.get("severity")
    if severity is None:
        return None
    if "thresholds" in severity:
        limits = severity["thresholds"]["limits"]
        higher = severity["thresholds"]["better"] == "higher"
        expr: Any = pl.when(VALUE.is_null()).then(None)
        for level, limit in zip(LEVELS, limits, strict=False):
            expr = expr.when(limit <= VALUE if higher else limit >= VALUE).then(pl.lit(level))
        return expr.otherwise(pl.lit(LEVELS[-1])).cast(pl.Int64)
    levels = severity["levels"]
    if is_numeric(indicator["value"]) or value_kind(indicator["value"]) == "answer":
        return VALUE.replace_strict(levels, default=None, return_dtype=pl.Int64)
    return (
        pl.when(VALUE == 1)
        .then(pl.lit(levels["yes"]))
        .when(VALUE == 0)
        .then(pl.lit(levels["no"]))
        .cast(pl.Int64)
    )


# A closed site, or one with nobody in it, has no living conditions to score.
SITE_UNSCORED = (pl.col("site_status") == "closed").fill_null(False) | (
    pl.col("ind").fill_null(0) == 0
)


def indicator_levels(
    frame: pl.DataFrame, rules: RuleSet, kind: str, keys: list[str]
) -> pl.DataFrame:
    """One row per place and scored indicator: `keys`, `indicator`, `sector`, `level` (null:
    not reported, or a site not scored)."""
    unscored = SITE_UNSCORED if kind == "site" else pl.lit(False)
    parts = []
    for order, indicator in enumerate(rules.indicators(kind)):
        level = level_expr(indicator)
        if level is None:
            continue
        valued = frame.select(
            *keys, value_expr(indicator["value"]).alias("value"), unscored.alias("_u")
        )
        parts.append(
            valued.select(
                *keys,
                pl.lit(indicator["key"]).alias("indicator"),
                pl.lit(indicator["sector"]).alias("sector"),
                pl.when(pl.col("_u")).then(None).otherwise(level).cast(pl.Int64).alias("level"),
                pl.lit(order).alias("_order"),
            )
        )
    if not parts:
        return pl.DataFrame(
            schema={
                **frame.select(keys).schema,
                "indicator": pl.Utf8,
                "sector": pl.Utf8,
                "level": pl.Int64,
            }
        )
    return pl.concat(parts, how="vertical").sort([*keys, "_order"]).drop("_order")


def _combined(
    frame: pl.DataFrame, keys: list[str], name: str, rule: pl.Expr, out_name: str
) -> pl.DataFrame:
    """Per `keys` group of rows with a `level` (null levels already dropped, rows in declared
    order within a group): `severity` by the group's `rule` (`worst`: the highest level;
    `mean_of_two_worst`: the mean of the two highest, rounded up; one level alone: itself),
    `indicators` (how many levels) and `out_name`, the first `name` at the highest level.

    Column-wise: one sort (level down, declared order kept), the first two rows of each
    group marked by comparing each row with the one before, then plain sums and firsts per
    group (Polars' fast aggregations)."""
    ordered = frame.with_row_index("_declared").sort(
        [*keys, "level", "_declared"], descending=[*([False] * len(keys)), True, False]
    )
    # a group starts where a key differs from the row before; the two worst rows of a group
    # are its first row and, unless it starts another group, the row after it
    starts = pl.any_horizontal((pl.col(k) != pl.col(k).shift(1)).fill_null(True) for k in keys)
    ranked = ordered.with_columns(starts.alias("_start"), rule.alias("_rule")).with_columns(
        (pl.col("_start") | pl.col("_start").shift(1).fill_null(False)).alias("_two")
    )
    ranked = ranked.with_columns(
        pl.when(pl.col("_two")).then(LEVEL).otherwise(0).alias("_top"),
        pl.col("_two").cast(pl.Int64).alias("_tops"),
    )
    grouped = ranked.group_by(keys).agg(
        LEVEL.first().alias("_worst"),
        pl.col("_top").sum(),
        pl.col("_tops").sum(),
        pl.len().cast(pl.UInt32).alias("indicators"),
        pl.col(name).first().alias(out_name),
        pl.col("_rule").first(),
    )
    mean_two = (pl.col("_top").cast(pl.Float64) / pl.col("_tops")).ceil().cast(pl.Int64)
    return grouped.with_columns(
        pl.when(pl.col("_rule") == "worst")
        .then(pl.col("_worst"))
        .otherwise(mean_two)
        .cast(pl.Int64)
        .alias("severity")
    ).select(*keys, "severity", "indicators", out_name)


def sector_severity(levels: pl.DataFrame, rules: RuleSet, keys: list[str]) -> pl.DataFrame:
    """One row per place and sector with a scored indicator: `keys`, `sector`, `severity`,
    `indicators` (how many were scored) and `worst_indicator` (the indicator behind the score:
    the first of the highest level, in the rule set's order); sectors in the rule set's order
    (so the overall rule's `worst_sector` is, on a tie, the first declared)."""
    rule = pl.col("sector").replace_strict(
        {code: rules.combine(code) for code in rules.sector_codes()}, return_dtype=pl.Utf8
    )
    scored = levels.filter(LEVEL.is_not_null())
    order = {code: i for i, code in enumerate(rules.sector_codes())}
    return (
        _combined(scored, [*keys, "sector"], "indicator", rule, "worst_indicator")
        .with_columns(pl.col("sector").replace_strict(order, return_dtype=pl.Int64).alias("_o"))
        .sort([*keys, "_o"])
        .drop("_o")
    )


def overall_severity(sectors: pl.DataFrame, rules: RuleSet, keys: list[str]) -> pl.DataFrame:
    """One row per place with a scored sector: `keys`, `severity` by the rule set's `overall`
    rule over the place's sector severities, `worst_sector`."""
    rule = pl.lit(rules.document["overall"])
    scored = sectors.select(*keys, "sector", pl.col("severity").alias("level"))
    return (
        _combined(scored, keys, "sector", rule, "worst_sector")
        .select(*keys, "severity", "worst_sector")
        .sort(keys)
    )
