"""The sector indicators of a site assessment, scored against minimum standards.

One declared rule set (`INDICATORS`): each indicator says which sector it reports on, how its
value is derived from the assessment's fields, and the standard it is read against (Sphere,
docs/domain.md §7), so the page shows the rule next to the value and a change of rule is one line
here. Values are ratios, shares and answers about the site, never a count of a small group:
a site profile is published, and a count of five unaccompanied children is not publishable.

Computed column-wise over any number of assessments (a site over its rounds, or every site of
a round) by `indicators_frame`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import polars as pl
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from opendtm.mobility.choices import Sector, StandardStatus

VERSION = "sphere-2018-v2"
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

    def meets_expr(self) -> pl.Expr | None:
        return self.limit.holds(VALUE) if self.limit is not None else self.meets

    def limits(self) -> list[Limit]:
        return [x for x in (self.limit, self.emergency) if x is not None]

    def decimals(self) -> int:
        """Shown decimals: one more than the finest limit has (3.45 m² against 3.5 shows
        3.45, not 3.5); one when the indicator has no numeric limit."""
        return max((x.decimals for x in self.limits()), default=0) + 1


def _per(numerator: str, denominator: str) -> pl.Expr:
    """numerator / denominator, null when either is missing or the denominator is zero."""
    den = pl.col(denominator).cast(pl.Float64)
    return pl.when(den > 0).then(pl.col(numerator).cast(pl.Float64) / den).otherwise(None)


def _people_per(facilities: str) -> pl.Expr:
    """People per functional facility; with none at all, no ratio but a failed standard."""
    count = pl.col(facilities).cast(pl.Float64)
    return (
        pl.when(count > 0)
        .then(pl.col("ind").cast(pl.Float64) / count)
        .when((count == 0) & (pl.col("ind") > 0))
        .then(pl.lit(float("inf")))
        .otherwise(None)
    )


def _yes(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Boolean)


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "site_management",
        Sector.CCCM,
        _("Site management agency present"),
        "yes/no",
        _yes("site_management").cast(pl.Float64),
        _("a site management agency"),
        meets=VALUE == 1,
    ),
    Indicator(
        "hh_no_shelter_share",
        Sector.SHELTER,
        _("Households without shelter"),
        "%",
        _per("hh_no_shelter", "hh") * 100,
        _("none"),
        limit=at_most(0),
    ),
    Indicator(
        "covered_area_pp",
        Sector.SHELTER,
        _("Covered living space per person"),
        "m²",
        _per("covered_area_m2", "ind"),
        _("≥ 3.5 m² per person"),
        limit=at_least(3.5),
    ),
    Indicator(
        "water_lpd",
        Sector.WASH,
        _("Water available per person per day"),
        "litres",
        pl.col("water_lpd").cast(pl.Float64),
        _("≥ 15 litres"),
        limit=at_least(15),
    ),
    Indicator(
        "people_per_tap",
        Sector.WASH,
        _("People per functional tap"),
        "people",
        _people_per("taps"),
        _("≤ 250"),
        limit=at_most(250),
    ),
    Indicator(
        "people_per_latrine",
        Sector.WASH,
        _("People per functional latrine"),
        "people",
        _people_per("latrines"),
        _("≤ 20 (≤ 50 in the first weeks)"),
        limit=at_most(20),
        emergency=at_most(50),
    ),
    Indicator(
        "people_per_shower",
        Sector.WASH,
        _("People per functional bathing facility"),
        "people",
        _people_per("showers"),
        _("≤ 50"),
        limit=at_most(50),
    ),
    Indicator(
        "latrines_separated",
        Sector.WASH,
        _("Latrines separated by sex and lockable"),
        "yes/no",
        _yes("latrines_separated").cast(pl.Float64),
        _("yes"),
        meets=VALUE == 1,
    ),
    Indicator(
        "handwashing",
        Sector.WASH,
        _("Handwashing facilities"),
        "yes/no",
        _yes("handwashing").cast(pl.Float64),
        _("yes"),
        meets=VALUE == 1,
    ),
    Indicator(
        "water_source",
        Sector.WASH,
        _("Main water source"),
        "",
        pl.col("water_source").cast(pl.Utf8),
        choices_of="water_source",
    ),
    Indicator(
        "health_access",
        Sector.HEALTH,
        _("Access to health care"),
        "",
        pl.col("health_access").cast(pl.Utf8),
        _("on site or under 5 km"),
        meets=VALUE.is_in(["on_site", "lt_5km"]),
        choices_of="health_access",
    ),
    Indicator(
        "food_access",
        Sector.FOOD,
        _("Access to food"),
        "",
        pl.col("food_access").cast(pl.Utf8),
        _("regular"),
        meets=VALUE == "regular",
        choices_of="food_access",
    ),
    Indicator(
        "children_in_school",
        Sector.EDUCATION,
        _("Children attending school"),
        "",
        pl.col("children_in_school").cast(pl.Utf8),
        _("most"),
        meets=VALUE == "most",
        choices_of="children_in_school",
    ),
    Indicator(
        "lighting",
        Sector.PROTECTION,
        _("Lighting in the site"),
        "",
        pl.col("lighting").cast(pl.Utf8),
        _("adequate"),
        meets=VALUE == "adequate",
        choices_of="lighting",
    ),
    Indicator(
        "security_incidents",
        Sector.PROTECTION,
        _("Security incidents reported"),
        "yes/no",
        _yes("security_incidents").cast(pl.Float64),
        _("none"),
        meets=VALUE == 0,
    ),
    Indicator(
        "gbv_referral",
        Sector.PROTECTION,
        _("Referral pathway for gender-based violence known"),
        "yes/no",
        _yes("gbv_referral").cast(pl.Float64),
        _("yes"),
        meets=VALUE == 1,
    ),
    Indicator(
        "cfm",
        Sector.PROTECTION,
        _("Complaints and feedback mechanism"),
        "yes/no",
        _yes("cfm").cast(pl.Float64),
        _("yes"),
        meets=VALUE == 1,
    ),
)

SOURCE_FIELDS: tuple[str, ...] = (
    "site_status",
    "ind",
    "hh",
    "hh_no_shelter",
    "covered_area_m2",
    "water_lpd",
    "taps",
    "latrines",
    "showers",
    "latrines_separated",
    "handwashing",
    "water_source",
    "health_access",
    "food_access",
    "children_in_school",
    "lighting",
    "security_incidents",
    "gbv_referral",
    "cfm",
    "site_management",
)
"""The assessment fields the indicators read (and nothing else of the submission)."""


# A closed site, or one with nobody in it, has no living conditions to score.
UNSCORED = (pl.col("site_status") == "closed").fill_null(False) | (pl.col("ind").fill_null(0) == 0)


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


def indicators_frame(
    assessments: pl.DataFrame, keys: list[str], choice_labels: dict[str, dict[str, str]]
) -> pl.DataFrame:
    """One row per assessment and indicator: the `keys` columns of the assessment, then
    `indicator`, `sector`, `label`, `unit`, `standard`, `value` (text, as shown) and `status`.

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
                pl.lit(order).alias("_order"),
            )
        )
    return pl.concat(parts, how="vertical").sort([*keys, "_order"]).drop("_order")
