"""From places to areas: severity distributions, the area rule, people in need (sectoral and
intersectoral) and priority-need shares, per admin unit (docs/needs.md gives each formula).

Pure frame functions, so the hand-computed tests drive them directly and the query layer only
reads rows and calls them. A *place* is a site assessed in the round or a baseline location;
each place has one row per population group it holds (`sites`: the site's people; `host`: a
location's IDPs outside sites; `returnees`) and one severity per sector.
"""

from __future__ import annotations

import polars as pl

from opendtm.mobility.models import SEX_AGE_FIELDS
from opendtm.needs.choices import INTERSECTORAL, PopulationGroup
from opendtm.needs.rules import LEVELS, RuleSet

GROUPS = tuple(g.value for g in PopulationGroup)
DISTRIBUTION = tuple(f"pop_l{k}" for k in LEVELS)
PIN_GROUPS = tuple(f"pin_{g}" for g in GROUPS)
PIN_SEX_AGE = tuple(f"pin_{name}" for name in SEX_AGE_FIELDS)
COUNTS = ("assessed", *DISTRIBUTION, "pin_ind", *PIN_GROUPS, *PIN_SEX_AGE)
"""The counts of people of an area row (the cells small-count suppression reads)."""
AREA_COLUMNS = ("unit_id", "sector", "places", "severity", *COUNTS, "pin_method")

PIN_SECTOR = "people in places whose sector severity is {level} or more, summed over places"
PIN_INTERSECTORAL = (
    "per place and population group the highest sectoral figure (severity {level} or more), "
    "summed over places and groups; never the sum of sectors"
)


def area_severity(rules: RuleSet) -> pl.Expr:
    """The area rule over `assessed` and `pop_l1`..`pop_l5`: the highest level at which
    (`at_or_above`: at or above which) at least `share` of the assessed people are found.
    `at` falls back to the `at_or_above` reading when no single level holds the share. Null
    when nobody was assessed."""
    share = float(rules.area_rule["share"])
    total = pl.col("assessed").cast(pl.Float64)

    def at_least(level: int, cumulative: bool) -> pl.Expr:
        people = (
            pl.sum_horizontal(pl.col(f"pop_l{k}") for k in LEVELS if k >= level)
            if cumulative
            else pl.col(f"pop_l{level}")
        )
        return people.cast(pl.Float64) >= share * total

    def highest(cumulative: bool) -> pl.Expr:
        expr: pl.Expr = pl.lit(None, dtype=pl.Int64)
        for level in LEVELS:  # later levels win
            expr = pl.when(at_least(level, cumulative)).then(pl.lit(level)).otherwise(expr)
        return expr

    found = highest(cumulative=True)
    if rules.area_rule["method"] == "at":
        found = pl.coalesce(highest(cumulative=False), found)
    return pl.when(total > 0).then(found).otherwise(None).cast(pl.Int64)


def _people(places: pl.DataFrame) -> pl.DataFrame:
    """The places frame with every count column present (sex-age null where not given)."""
    missing = [n for n in SEX_AGE_FIELDS if n not in places.columns]
    return places.with_columns(pl.lit(None, dtype=pl.Int64).alias(n) for n in missing)


def _aggregated(joined: pl.DataFrame, pin_from: int) -> pl.DataFrame:
    """Per unit and sector: places, assessed people, the distribution and the PiN counts, from
    rows of place x group x sector with `severity` and (for PiN) `in_need`. Each count is a
    column first, then plain sums per group (Polars' fast aggregations)."""
    people = pl.col("population")
    need = pl.col("in_need")
    counts = [
        people.alias("assessed"),
        *((people * (pl.col("severity") == k)).alias(f"pop_l{k}") for k in LEVELS),
        (people * need).alias("pin_ind"),
        *((people * need * (pl.col("group") == g)).alias(f"pin_{g}") for g in GROUPS),
        *((pl.col(n) * need).alias(f"pin_{n}") for n in SEX_AGE_FIELDS),
    ]
    names = [c.meta.output_name() for c in counts]
    return (
        joined.select("unit_id", "sector", "place", *counts)
        .group_by("unit_id", "sector")
        .agg(pl.col("place").n_unique().alias("places"), *(pl.col(n).sum() for n in names))
    )


def area_figures(
    places: pl.DataFrame, severities: pl.DataFrame, overall: pl.DataFrame, rules: RuleSet
) -> pl.DataFrame:
    """AREA_COLUMNS, one row per unit and sector with an assessed place and one
    `intersectoral` row per unit, ordered by unit then the rule set's sectors.

    `places`: unit_id, place, group, population (and the sites' sex-age counts);
    `severities`: place, sector, severity; `overall`: place, severity.
    """
    pin_from = rules.pin_from_level
    places = _people(places).with_columns(pl.col("population").fill_null(0))
    in_need = (pl.col("severity") >= pin_from).cast(pl.Int64).alias("in_need")
    sectoral = severities.filter(pl.col("severity").is_not_null()).join(places, on="place")
    sectors = _aggregated(sectoral.with_columns(in_need), pin_from)
    # Intersectoral: the place's distribution by its overall severity; its PiN per place and
    # group the highest sectoral figure (the group's people if any sector is in need), summed.
    highest = sectoral.with_columns(in_need).group_by("place", "group").agg(pl.col("in_need").max())
    across = (
        overall.filter(pl.col("severity").is_not_null())
        .join(places, on="place")
        .join(highest, on=["place", "group"], how="left")
        .with_columns(pl.col("in_need").fill_null(0), pl.lit(INTERSECTORAL).alias("sector"))
    )
    intersectoral = _aggregated(across, pin_from)
    order = {code: i for i, code in enumerate([*rules.sector_codes(), INTERSECTORAL])}
    frame = pl.concat([sectors, intersectoral], how="vertical_relaxed").with_columns(
        area_severity(rules).alias("severity"),
        pl.when(pl.col("sector") == INTERSECTORAL)
        .then(pl.lit(PIN_INTERSECTORAL.format(level=pin_from)))
        .otherwise(pl.lit(PIN_SECTOR.format(level=pin_from)))
        .alias("pin_method"),
        pl.col("sector").replace_strict(order, return_dtype=pl.Int64).alias("_order"),
    )
    return (
        frame.with_columns(pl.col(c).cast(pl.Int64) for c in COUNTS)
        .sort("unit_id", "_order")
        .select(AREA_COLUMNS)
    )


def location_places(baselines: pl.DataFrame) -> pl.DataFrame:
    """The places of baseline locations (`place`, `unit_id`, `idp_ind`, `idp_hh`,
    `idp_hh_sites`, `returnee_idp_ind`, `returnee_abroad_ind`): a `host` row with the IDPs
    outside sites (idp_ind less the share of households living in sites, rounded; sites are
    places of their own) and a `returnees` row (returned IDPs and returnees from abroad)."""
    in_sites = (
        pl.when(pl.col("idp_hh").fill_null(0) > 0)
        .then(
            (
                pl.col("idp_ind").cast(pl.Float64)
                * pl.col("idp_hh_sites").fill_null(0).cast(pl.Float64)
                / pl.col("idp_hh").cast(pl.Float64)
            ).round(0)
        )
        .otherwise(0.0)
        .cast(pl.Int64)
    )
    host = baselines.select(
        "unit_id",
        "place",
        pl.lit(PopulationGroup.HOST.value).alias("group"),
        (pl.col("idp_ind").fill_null(0) - in_sites).clip(lower_bound=0).alias("population"),
    )
    returnees = baselines.select(
        "unit_id",
        "place",
        pl.lit(PopulationGroup.RETURNEES.value).alias("group"),
        (pl.col("returnee_idp_ind").fill_null(0) + pl.col("returnee_abroad_ind").fill_null(0))
        .cast(pl.Int64)
        .alias("population"),
    )
    return pl.concat([host, returnees], how="vertical_relaxed")


def site_places(sites: pl.DataFrame) -> pl.DataFrame:
    """The places of site assessments (`place`, `unit_id`, `ind` and the ten sex-age counts):
    one `sites` row; the sex-age counts kept only when all ten were given."""
    complete = pl.all_horizontal(pl.col(n).is_not_null() for n in SEX_AGE_FIELDS)
    return sites.select(
        "unit_id",
        "place",
        pl.lit(PopulationGroup.SITES.value).alias("group"),
        pl.col("ind").fill_null(0).cast(pl.Int64).alias("population"),
        *(pl.when(complete).then(pl.col(n)).cast(pl.Int64).alias(n) for n in SEX_AGE_FIELDS),
    )


# --- priority needs ------------------------------------------------------------------------

PRIORITY_COLUMNS = (
    "unit_id",
    "need",
    "source",
    "places",
    "places_assessed",
    "share_places",
    "people",
    "people_assessed",
    "share_people",
)


def _shares(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.when(pl.col("_w_all") > 0).then(pl.col("_w") / pl.col("_w_all")).alias("share_places"),
        pl.when(pl.col("_wp_all") > 0)
        .then(pl.col("_wp") / pl.col("_wp_all"))
        .alias("share_people"),
    )


def priority_needs(locations: pl.DataFrame, sites: pl.DataFrame, rules: RuleSet) -> pl.DataFrame:
    """PRIORITY_COLUMNS per unit and need, for each `source`:

    - `locations` (`unit_id`, `place`, `idp_ind`, `priority_needs` list): the share of the
      locations that answered which name the need, and of their IDPs living in them;
    - `sites` (`unit_id`, `place`, `ind`, `priority_need_1..3`): each site's named needs
      weighted by rank (`priority_need_weights`), the share the need takes of all weights
      given (of sites, and of sites' people: weights times `ind`).

    `places` is how many places name the need (at any rank), `places_assessed` how many
    answered; `people` the IDPs of the places naming it, `people_assessed` of those answering.
    """
    answered = locations.filter(pl.col("priority_needs").list.len() > 0).with_columns(
        pl.col("idp_ind").fill_null(0).cast(pl.Int64)
    )
    totals = answered.group_by("unit_id").agg(
        pl.len().alias("places_assessed"), pl.col("idp_ind").sum().alias("people_assessed")
    )
    named = (
        answered.explode("priority_needs")
        .unique(["place", "priority_needs"])
        .group_by("unit_id", pl.col("priority_needs").alias("need"))
        .agg(pl.len().alias("places"), pl.col("idp_ind").sum().alias("people"))
        .join(totals, on="unit_id")
        .with_columns(
            pl.col("places").cast(pl.Float64).alias("_w"),
            pl.col("places_assessed").cast(pl.Float64).alias("_w_all"),
            pl.col("people").cast(pl.Float64).alias("_wp"),
            pl.col("people_assessed").cast(pl.Float64).alias("_wp_all"),
            pl.lit("locations").alias("source"),
        )
    )
    weights = rules.weights
    ranked = pl.concat(
        [
            sites.select(
                "unit_id",
                "place",
                pl.col("ind").fill_null(0).cast(pl.Int64).alias("ind"),
                pl.col(f"priority_need_{rank}").alias("need"),
                pl.lit(weights[rank - 1]).alias("weight"),
            )
            for rank in (1, 2, 3)
        ]
    ).filter(pl.col("need").is_not_null())
    site_totals = ranked.group_by("unit_id").agg(
        pl.col("place").n_unique().alias("places_assessed"),
        pl.col("weight").sum().alias("_w_all"),
        (pl.col("weight") * pl.col("ind")).sum().alias("_wp_all"),
    )
    people_assessed = (
        ranked.unique("place").group_by("unit_id").agg(pl.col("ind").sum().alias("people_assessed"))
    )
    by_site = (
        ranked.group_by("unit_id", "need")
        .agg(
            pl.col("place").n_unique().alias("places"),
            pl.col("weight").sum().alias("_w"),
            (pl.col("weight") * pl.col("ind")).sum().alias("_wp"),
            pl.col("ind").filter(pl.col("place").is_first_distinct()).sum().alias("people"),
        )
        .join(site_totals, on="unit_id")
        .join(people_assessed, on="unit_id")
        .with_columns(pl.lit("sites").alias("source"))
    )
    frame = pl.concat([_shares(named), _shares(by_site)], how="diagonal_relaxed")
    return (
        frame.with_columns(
            pl.col("places", "places_assessed", "people", "people_assessed").cast(pl.Int64)
        )
        .select(PRIORITY_COLUMNS)
        .sort(
            "unit_id",
            "source",
            pl.col("share_places"),
            "need",
            descending=[False, False, True, False],
        )
    )
