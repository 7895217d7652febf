"""The sector indicators of a site assessment, scored against minimum standards.

One declared rule set (`INDICATORS`), read from the shipped needs rule set file
(`needs/rulesets/sphere-2018-v2.yaml`, docs/needs.md): each indicator says which sector it
reports on, how its value is derived from the assessment's fields (`needs.scoring.value_expr`,
the same expression the severity is scored on), and the standard it is read against (Sphere,
docs/domain.md §7), so the page shows the rule next to the value. Values are ratios, shares
and answers about the site, never a count of a small group: a site profile is published, and a
count of five unaccompanied children is not publishable.

Computed column-wise over any number of assessments (a site over its rounds, or every site of
a round) by `indicators_frame`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from opendtm.mobility.choices import Sector, StandardStatus
from opendtm.needs.rules import DEFAULT_VERSION, shipped
from opendtm.needs.scoring import SITE_UNSCORED as UNSCORED
from opendtm.needs.scoring import fields_read, level_expr, value_expr, value_kind

VERSION = DEFAULT_VERSION
"""The rule set's version: shown with the scores, bumped when a rule changes."""


VALUE = pl.col("value")


@dataclass(frozen=True)
class Limit:
    """A numeric standard: the value is at least (or at most) `value`.

    Declared as a number, not an expression, so that the page can show the value with the
    precision the limit needs: a value is compared exactly and shown rounded so that the
    shown number never looks on the other side of the limit from its score.
    """

    value: float
    at_least: bool

    def holds(self, expr: pl.Expr) -> pl.Expr:
        return expr >= self.value if self.at_least else expr <= self.value

    @property
    def decimals(self) -> int:
        """Decimals the limit is written with: 3.5 has one, 250 none."""
        exponent = Decimal(str(self.value)).normalize().as_tuple().exponent
        return max(0, -int(exponent))


def at_least(value: float) -> Limit:
    return Limit(value, at_least=True)


def at_most(value: float) -> Limit:
    return Limit(value, at_least=False)


@dataclass(frozen=True)
class Indicator:
    """One indicator: its value (an expression over the assessment's columns) and standard.

    A numeric standard is a `limit` (and an `emergency` limit, met when the standard is not);
    an answer's standard is `meets`, an expression over the value (`pl.col("value")`). A null
    value is `no_data`; an indicator with neither is shown without a score.
    """

    key: str
    sector: Sector
    label: str | Promise
    unit: str
    value: pl.Expr
    standard: str | Promise = ""
    meets: pl.Expr | None = None
    limit: Limit | None = None
    emergency: Limit | None = None
    choices_of: str | None = None  # a select_one field: its value is shown by its choice label
    rule: dict[str, Any] | None = None  # the indicator as the rule set file declares it

    def meets_expr(self) -> pl.Expr | None:
        return self.limit.holds(VALUE) if self.limit is not None else self.meets

    def limits(self) -> list[Limit]:
        return [x for x in (self.limit, self.emergency) if x is not None]

    def decimals(self) -> int:
        """Shown decimals: one more than the finest limit has (3.45 m² against 3.5 shows
        3.45, not 3.5); one when the indicator has no numeric limit."""
        return max((x.decimals for x in self.limits()), default=0) + 1


def _indicator(spec: dict[str, Any]) -> Indicator:
    """An Indicator of the rule set file: its value expression is the needs scoring's, its
    standard the file's `standard:` (a limit, an emergency limit, or the answers that meet)."""
    standard = spec.get("standard") or {}
    limit = emergency = meets = None
    for name, make in (("at_least", at_least), ("at_most", at_most)):
        if name in standard:
            limit = make(standard[name])
        if f"emergency_{name}" in standard:
            emergency = make(standard[f"emergency_{name}"])
    if "meets" in standard:
        answers = standard["meets"]
        if value_kind(spec["value"]) in ("yes_no", "named"):
            meets = VALUE.is_in([1.0 if a == "yes" else 0.0 for a in answers])
        else:
            meets = VALUE.is_in(answers)
    return Indicator(
        key=spec["key"],
        sector=Sector(spec["sector"]),
        label=_(spec["label"]),
        unit=spec["unit"],
        value=value_expr(spec["value"]),
        standard=_(standard["text"]) if "text" in standard else "",
        meets=meets,
        limit=limit,
        emergency=emergency,
        choices_of=spec["value"]["answer"] if value_kind(spec["value"]) == "answer" else None,
        rule=spec,
    )


RULES = shipped(VERSION)
INDICATORS: tuple[Indicator, ...] = tuple(_indicator(i) for i in RULES.indicators("site"))

SOURCE_FIELDS: tuple[str, ...] = tuple(
    dict.fromkeys(
        [
            "site_status",
            "ind",
            *(f for i in RULES.indicators("site") for f in fields_read(i["value"])),
        ]
    )
)
"""The assessment fields the indicators read (and nothing else of the submission)."""


def _status(indicator: Indicator) -> pl.Expr:
    meets = indicator.meets_expr()
    if meets is None:
        return pl.lit(StandardStatus.NO_STANDARD.value)
    short: pl.Expr = pl.lit(StandardStatus.BELOW.value)
    if indicator.emergency is not None:
        short = (
            pl.when(indicator.emergency.holds(VALUE))
            .then(pl.lit(StandardStatus.EMERGENCY.value))
            .otherwise(short)
        )
    return (
        pl.when(UNSCORED)
        .then(pl.lit(StandardStatus.NOT_SCORED.value))
        .when(VALUE.is_null())
        .then(pl.lit(StandardStatus.NO_DATA.value))
        .when(meets)
        .then(pl.lit(StandardStatus.MEETS.value))
        .otherwise(short)
    )


def _shown(indicator: Indicator) -> pl.Expr:
    """The value rounded to the indicator's decimals; where rounding would carry a value that
    misses a limit onto it (3.4996 to 3.50 against >= 3.5), one step short of the limit."""
    decimals = indicator.decimals()
    step = 10.0**-decimals
    nearest = VALUE.round(decimals)
    shown: pl.Expr = nearest
    for limit in reversed(indicator.limits()):
        short = limit.value - step if limit.at_least else limit.value + step
        shown = (
            pl.when(limit.holds(nearest) & ~limit.holds(VALUE))
            .then(pl.lit(round(short, decimals)))
            .otherwise(shown)
        )
    return shown.cast(pl.Utf8).str.replace(r"\.0$", "")


def _level(indicator: Indicator) -> pl.Expr:
    """The indicator's severity level (1-5) by the rule set (`needs.scoring.level_expr`);
    null when it has none, is not reported, or the site is not scored."""
    level = level_expr(indicator.rule) if indicator.rule is not None else None
    if level is None:
        return pl.lit(None, dtype=pl.Int64)
    return pl.when(UNSCORED).then(None).otherwise(level).cast(pl.Int64)


def indicators_frame(
    assessments: pl.DataFrame, keys: list[str], choice_labels: dict[str, dict[str, str]]
) -> pl.DataFrame:
    """One row per assessment and indicator: the `keys` columns of the assessment, then
    `indicator`, `sector`, `label`, `unit`, `standard`, `value` (text, as shown), `status`
    and `level` (the severity level 1-5 of the needs rule set, null where none).

    `assessments` holds SOURCE_FIELDS (and the `keys`); `choice_labels` gives, per select_one
    field, the label of each choice name (from the form). Values are computed column-wise,
    one frame per indicator, stacked, then ordered by the keys and INDICATORS' order.
    """
    yes, no, none_working = str(_("yes")), str(_("no")), str(_("none working"))
    parts = []
    for order, indicator in enumerate(INDICATORS):
        valued = assessments.select(
            *keys, indicator.value.alias("value"), pl.col("site_status"), pl.col("ind")
        )
        text = _shown(indicator) if valued.schema["value"].is_numeric() else VALUE
        if indicator.unit == "yes/no":
            text = pl.when(VALUE == 1).then(pl.lit(yes)).when(VALUE == 0).then(pl.lit(no))
        if indicator.choices_of:
            labels = choice_labels.get(indicator.choices_of, {})
            text = VALUE.replace_strict(labels, default=VALUE, return_dtype=pl.Utf8)
        parts.append(
            valued.select(
                *keys,
                pl.lit(indicator.key).alias("indicator"),
                pl.lit(indicator.sector.value).alias("sector"),
                pl.lit(str(indicator.label)).alias("label"),
                pl.lit(indicator.unit).alias("unit"),
                pl.lit(str(indicator.standard)).alias("standard"),
                pl.when(VALUE.is_infinite())
                .then(pl.lit(none_working))
                .otherwise(text)
                .alias("value")
                if valued.schema["value"].is_numeric()
                else text.alias("value"),
                _status(indicator).alias("status"),
                _level(indicator).alias("level"),
                pl.lit(order).alias("_order"),
            )
        )
    return pl.concat(parts, how="vertical").sort([*keys, "_order"]).drop("_order")
