"""Figures computed live from the stored assessments: GROUP BY in the database, through the ORM.

A baseline row sits at the operation's location level, so its unit at a coarser level is
`location__parent__...` walked as many steps as the levels between. A site assessment names
the deepest unit its row gave (the location level or finer), so its unit at a level is chosen
by the unit's own level (a CASE over the possible depths). Every function answers in a constant
number of queries however many rows the round holds, and returns a Polars frame with exact
values; suppression is applied later (`figures.suppression`).

These are the only functions that read assessments for figures: the snapshot of a published
round is built from them, so a snapshot and a live answer cannot disagree.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from opendtm.core.errors import InvalidInput
from opendtm.figures.measures import ADMIN_NAMES, IDP_SEX_AGE, LABEL_COLUMNS, SEX_AGE
from opendtm.gazetteer.models import MAX_LEVEL, AdminUnit
from opendtm.ingest.models import ImportBatch
from opendtm.mobility.models import BaselineAssessment, BaselineOrigin, SiteAssessment
from opendtm.operations.choices import SiteStatus
from opendtm.operations.models import Operation, Round

LOWEST_ORIGIN_LEVEL = 2  # origins are reported at admin level 2 or finer (docs/domain.md §4.1)

_SADD = Q(**{f"{m.name}__isnull": False for m in SEX_AGE})
# A location whose IDPs' sex and age are known: it gave the ten groups, or it has no IDPs.
_IDP_SADD = Q(**{f"{m.name}__isnull": False for m in IDP_SEX_AGE})
_NO_IDPS = Q(idp_ind__isnull=True) | Q(idp_ind=0)
_IDP_GROUPS = tuple(m.name for m in IDP_SEX_AGE)
_BASELINE_SUMS = (
    "idp_hh",
    "idp_ind",
    "returnee_idp_hh",
    "returnee_idp_ind",
    "returnee_abroad_ind",
)


def _up(path: str, steps: int) -> str:
    """`path` followed `steps` parents up: _up("location", 2) == "location__parent__parent"."""
    return path + "__parent" * steps


def _aliased(aggregates: dict[str, Any]) -> dict[str, Any]:
    """Aggregates under `agg_` aliases: an alias equal to a field name (idp_hh=Sum("idp_hh"))
    would make Django read the aggregate where a later filter means the field."""
    return {f"agg_{name}": aggregate for name, aggregate in aggregates.items()}


BASELINE_AGGREGATES = (
    "locations",
    "locations_flagged",
    *_BASELINE_SUMS,
    "idp_sadd_locations",
    *_IDP_GROUPS,
)


def _baseline_aggregates() -> dict[str, Any]:
    return _aliased(
        {
            "locations": Count("id"),
            "locations_flagged": Count("id", filter=Q(flagged=True)),
            **{name: Sum(name) for name in _BASELINE_SUMS},
            "idp_sadd_locations": Count("id", filter=_IDP_SADD | _NO_IDPS),
            **{name: Sum(name, filter=_IDP_SADD) for name in _IDP_GROUPS},
        }
    )


def idp_breakdown(frame: pl.DataFrame) -> pl.DataFrame:
    """The IDPs' ten sex-and-age groups where every assessed location of the unit gave them
    (or has no IDPs), so that they add up to its idp_ind; null elsewhere, never a partial sum.
    The one place the rule is written: live answers and the snapshot's roll-up both use it."""
    known = (pl.col("locations") > 0) & (pl.col("idp_sadd_locations") == pl.col("locations"))
    return frame.with_columns(
        pl.when(known).then(pl.col(name).fill_null(0)).otherwise(None).alias(name)
        for name in _IDP_GROUPS
    )


def _counts_filled(frame: pl.DataFrame) -> pl.DataFrame:
    """Every count 0 where a unit had no row of that kind, then the IDPs' breakdown rule."""
    return idp_breakdown(
        frame.with_columns(pl.col(n).fill_null(0) for n in ADMIN_NAMES if n not in _IDP_GROUPS)
    )


def _site_aggregates() -> dict[str, Any]:
    return _aliased(
        {
            "sites": Count("id"),
            "sites_open": Count("id", filter=Q(site_status=SiteStatus.OPEN)),
            "sites_closing": Count("id", filter=Q(site_status=SiteStatus.CLOSING)),
            "sites_closed": Count("id", filter=Q(site_status=SiteStatus.CLOSED)),
            "sites_flagged": Count("id", filter=Q(flagged=True)),
            "site_hh": Sum("hh"),
            "site_ind": Sum("ind"),
            "sadd_sites": Count("id", filter=_SADD),
            "sadd_ind": Sum("ind", filter=_SADD),
            **{m.name: Sum(m.name, filter=_SADD) for m in SEX_AGE},
        }
    )


SITE_AGGREGATES = tuple(name.removeprefix("agg_") for name in _site_aggregates())


def _frame(rows: Any, schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=schema, orient="row")


def level_check(operation: Operation, level: int, *, what: str = "Level") -> int:
    """A level the operation's figures exist at: 0 (country) down to its location level."""
    if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= MAX_LEVEL:
        raise InvalidInput(f"{what} {level!r} is not an admin level (0-{MAX_LEVEL}).")
    if level > operation.location_level:
        raise InvalidInput(
            f"{what} {level} is finer than the locations of operation {operation.code} "
            f"(admin level {operation.location_level}).",
            hint=f"Use a level from 0 to {operation.location_level}, or --by site.",
        )
    return level


def unit_at(path: str, level: int) -> Case:
    """The id of the ancestor at `level` of the unit at `path`, whatever that unit's level
    (NULL when the unit is coarser than `level`)."""
    return Case(
        *(
            When(**{f"{path}__level": level + k}, then=F(_up(path, k)))
            for k in range(MAX_LEVEL - level + 1)
        ),
        default=None,
        output_field=BigIntegerField(),
    )


def under(path: str, unit: AdminUnit) -> Q:
    """Rows whose unit at `path` is `unit` or lies anywhere below it."""
    inside = Q()
    for k in range(MAX_LEVEL - unit.level + 1):
        inside |= Q(**{_up(path, k): unit})
    return inside


# --- labels --------------------------------------------------------------------------------


def unit_labels(units: QuerySet[AdminUnit]) -> pl.DataFrame:
    """LABEL_COLUMNS of the units: code, name, level, centroid, and the code and name at each
    level down to their own (one query, whatever the units' levels)."""
    chain = [_up("", k).lstrip("_") for k in range(1, MAX_LEVEL + 1)]
    fields = ["id", "level", "pcode", "name", "latitude", "longitude"]
    for path in chain:
        fields += [f"{path}__level", f"{path}__pcode", f"{path}__name"]
    schema: dict[str, Any] = {
        "unit_id": pl.Int64,
        "level": pl.Int64,
        "pcode": pl.Utf8,
        "name": pl.Utf8,
        "latitude": pl.Float64,
        "longitude": pl.Float64,
    }
    for k in range(1, MAX_LEVEL + 1):
        schema |= {f"_l{k}": pl.Int64, f"_p{k}": pl.Utf8, f"_n{k}": pl.Utf8}
    frame = _frame(units.order_by().values_list(*fields), schema)
    levels = [("level", "pcode", "name")] + [
        (f"_l{k}", f"_p{k}", f"_n{k}") for k in range(1, MAX_LEVEL + 1)
    ]
    frame = frame.with_columns(
        expr
        for k in range(1, MAX_LEVEL + 1)
        for part, pick in (("pcode", 1), ("name", 2))
        for expr in [
            pl.coalesce(
                [pl.when(pl.col(names[0]) == k).then(pl.col(names[pick])) for names in levels]
            ).alias(f"adm{k}_{part}")
        ]
    )
    return frame.select(LABEL_COLUMNS)


def _labelled(frame: pl.DataFrame, units: QuerySet[AdminUnit]) -> pl.DataFrame:
    labels = unit_labels(units)
    return labels.join(frame, on="unit_id", how="inner").sort("pcode", "unit_id")


# --- figures by admin unit ----------------------------------------------------------------


def admin_frame(
    *, round_: Round, operation: Operation, level: int, within: AdminUnit | None = None
) -> pl.DataFrame:
    """LABEL_COLUMNS + ADMIN_NAMES for every unit at `level` with a baseline or site row in the
    round (restricted to the units under `within`), by P-code. Five queries."""
    depth = operation.location_level - level
    base_key = _up("location", depth)
    baselines = BaselineAssessment.objects.filter(round=round_)
    sites = SiteAssessment.objects.filter(round=round_).annotate(
        unit_key=unit_at("admin_unit", level)
    )
    if within is not None:
        baselines = baselines.filter(
            **{_up("location", operation.location_level - within.level): within}
        )
        sites = sites.filter(under("admin_unit", within))
    base = _frame(
        baselines.values(unit_key=F(base_key))
        .annotate(**_baseline_aggregates())
        .order_by()
        .values_list("unit_key", *_aliased(dict.fromkeys(BASELINE_AGGREGATES))),
        {"unit_id": pl.Int64} | dict.fromkeys(BASELINE_AGGREGATES, pl.Int64),
    )
    site = _frame(
        sites.filter(unit_key__isnull=False)
        .values("unit_key")
        .annotate(**_site_aggregates())
        .order_by()
        .values_list("unit_key", *_aliased(dict.fromkeys(SITE_AGGREGATES))),
        {"unit_id": pl.Int64} | dict.fromkeys(SITE_AGGREGATES, pl.Int64),
    )
    over = over_baseline(
        baselines=baselines, sites=sites, key=F(base_key), operation=operation, name="unit_id"
    )
    joined = _counts_filled(
        base.join(site, on="unit_id", how="full", coalesce=True).join(
            over, on="unit_id", how="left"
        )
    )
    units = AdminUnit.objects.filter(
        Q(id__in=baselines.values(base_key)) | Q(id__in=sites.values("unit_key"))
    )
    return _labelled(joined.select("unit_id", *ADMIN_NAMES), units)


def series_frame(*, rounds: list[Round], operation: Operation, unit: AdminUnit) -> pl.DataFrame:
    """round_id + ADMIN_NAMES of one unit in each of the rounds that has rows there. Four
    queries."""
    base_key = _up("location", operation.location_level - unit.level)
    base = _frame(
        BaselineAssessment.objects.filter(round__in=rounds, **{base_key: unit})
        .values("round_id")
        .annotate(**_baseline_aggregates())
        .order_by()
        .values_list("round_id", *_aliased(dict.fromkeys(BASELINE_AGGREGATES))),
        {"round_id": pl.Int64} | dict.fromkeys(BASELINE_AGGREGATES, pl.Int64),
    )
    site = _frame(
        SiteAssessment.objects.filter(under("admin_unit", unit), round__in=rounds)
        .values("round_id")
        .annotate(**_site_aggregates())
        .order_by()
        .values_list("round_id", *_aliased(dict.fromkeys(SITE_AGGREGATES))),
        {"round_id": pl.Int64} | dict.fromkeys(SITE_AGGREGATES, pl.Int64),
    )
    over = over_baseline(
        baselines=BaselineAssessment.objects.filter(round__in=rounds, **{base_key: unit}),
        sites=SiteAssessment.objects.filter(under("admin_unit", unit), round__in=rounds),
        key=F("round_id"),
        operation=operation,
        name="round_id",
    )
    joined = _counts_filled(
        base.join(site, on="round_id", how="full", coalesce=True).join(
            over, on="round_id", how="left"
        )
    )
    return joined.select("round_id", *ADMIN_NAMES)


def over_baseline(
    *,
    baselines: QuerySet[BaselineAssessment],
    sites: QuerySet[SiteAssessment],
    key: Any,
    operation: Operation,
    name: str,
) -> pl.DataFrame:
    """`name` (the value of `key` on the baseline rows) + `locations_over_baseline`: how many
    locations' sites hold more people than their baseline's `idp_ind`, or more sites not
    closed than its `sites_count` (the import's `consistency.sites_within_baseline`, on what
    is stored). Only the locations with sites are read. Two queries."""
    located = sites.annotate(location_key=unit_at("admin_unit", operation.location_level))
    totals = _frame(
        located.filter(location_key__isnull=False)
        .values("round_id", "location_key")
        .annotate(
            agg_ind=Coalesce(Sum("ind"), 0),
            agg_sites=Count("id", filter=~Q(site_status=SiteStatus.CLOSED)),
        )
        .order_by()
        .values_list("round_id", "location_key", "agg_ind", "agg_sites"),
        {"round_id": pl.Int64, "location_id": pl.Int64, "site_ind": pl.Int64, "sites": pl.Int64},
    )
    counted = _frame(
        baselines.filter(location_id__in=located.values("location_key"))
        .annotate(over_key=key)
        .order_by()
        .values_list("round_id", "location_id", "over_key", "idp_ind", "sites_count"),
        {
            "round_id": pl.Int64,
            "location_id": pl.Int64,
            "over_key": pl.Int64,
            "idp_ind": pl.Int64,
            "sites_count": pl.Int64,
        },
    )
    over = (pl.col("site_ind") > pl.col("idp_ind").fill_null(0)) | (
        pl.col("sites") > pl.col("sites_count")
    )
    return (
        counted.join(totals, on=["round_id", "location_id"], how="inner")
        .group_by(pl.col("over_key").alias(name))
        .agg(locations_over_baseline=over.fill_null(False).sum().cast(pl.Int64))
    )


# --- figures by site -----------------------------------------------------------------------

SITE_SCHEMA: dict[str, Any] = {
    "site_pk": pl.Int64,
    "site_code": pl.Utf8,
    "site_name": pl.Utf8,
    "site_type": pl.Utf8,
    "site_status": pl.Utf8,
    "flagged": pl.Boolean,
    "unit_id": pl.Int64,
    "location_id": pl.Int64,
    "site_latitude": pl.Float64,
    "site_longitude": pl.Float64,
    "hh": pl.Int64,
    "ind": pl.Int64,
    "sadd": pl.Boolean,
    **{m.name: pl.Int64 for m in SEX_AGE},
}


def site_frame(
    *, round_: Round, operation: Operation, within: AdminUnit | None = None
) -> pl.DataFrame:
    """One row per site assessed in the round: the site's registry code, name and type, its
    status this round, its unit's labels, coordinates (registry, else the assessment's GPS) and
    SITE_MEASURES (the sex-age groups only when all ten were reported). Two queries."""
    rows = SiteAssessment.objects.filter(round=round_).annotate(
        location_key=unit_at("admin_unit", operation.location_level),
        sadd_complete=Case(When(_SADD, then=Value(True)), default=Value(False)),
        lat=Coalesce("site__latitude", "gps_lat"),
        lon=Coalesce("site__longitude", "gps_lon"),
    )
    if within is not None:
        rows = rows.filter(under("admin_unit", within))
    frame = _frame(
        rows.order_by().values_list(
            "site_id",
            "site__site_id",
            "site__name",
            "site__site_type",
            "site_status",
            "flagged",
            "admin_unit_id",
            "location_key",
            "lat",
            "lon",
            "hh",
            "ind",
            "sadd_complete",
            *(m.name for m in SEX_AGE),
        ),
        SITE_SCHEMA,
    ).with_columns(
        pl.col("hh", "ind").fill_null(0),
        *(pl.when(pl.col("sadd")).then(pl.col(m.name)).otherwise(0) for m in SEX_AGE),
    )
    units = AdminUnit.objects.filter(id__in=rows.values("admin_unit_id"))
    return unit_labels(units).join(frame, on="unit_id", how="inner").sort("site_code")


# --- origin -> current location ------------------------------------------------------------


def _origin_rows(
    round_: Round,
    operation: Operation,
    origin_level: int,
    destination_level: int,
    within: AdminUnit | None,
) -> QuerySet[Any]:
    """The round's origin rows with `origin_key` and `destination_key` annotated."""
    dest_key = _up("assessment__location", operation.location_level - destination_level)
    origin_key = Case(
        *(
            When(origin__level=origin_level + k, then=F(_up("origin", k)))
            for k in range(MAX_LEVEL - origin_level + 1)
        ),
        default=F("origin"),
        output_field=BigIntegerField(),
    )
    rows = BaselineOrigin.objects.filter(assessment__round=round_)
    if within is not None:
        rows = rows.filter(under("assessment__location", within))
    return rows.annotate(origin_key=origin_key, destination_key=F(dest_key))


def origin_counts(
    *,
    round_: Round,
    operation: Operation,
    origin_level: int,
    destination_level: int,
    within: AdminUnit | None = None,
) -> pl.DataFrame:
    """IDPs by origin unit (rolled up to `origin_level`; a coarser origin stays at its own
    level) and current unit (at `destination_level`), with the number of locations reporting
    each pair; unit ids only. One query."""
    rows = _origin_rows(round_, operation, origin_level, destination_level, within)
    return _frame(
        rows.values("origin_key", "destination_key")
        .annotate(
            agg_locations=Count("assessment", distinct=True),
            agg_origin_hh=Coalesce(Sum("origin_hh"), 0),
            agg_origin_ind=Coalesce(Sum("origin_ind"), 0),
        )
        .order_by()
        .values_list(
            "origin_key", "destination_key", "agg_locations", "agg_origin_hh", "agg_origin_ind"
        ),
        {
            "origin_id": pl.Int64,
            "destination_id": pl.Int64,
            "locations": pl.Int64,
            "origin_hh": pl.Int64,
            "origin_ind": pl.Int64,
        },
    )


def origin_frame(
    *,
    round_: Round,
    operation: Operation,
    origin_level: int,
    destination_level: int,
    within: AdminUnit | None = None,
) -> pl.DataFrame:
    """`origin_counts` with both units' labels prefixed `origin_` and `destination_`, by
    destination then origin P-code. Three queries."""
    frame = origin_counts(
        round_=round_,
        operation=operation,
        origin_level=origin_level,
        destination_level=destination_level,
        within=within,
    )
    rows = _origin_rows(round_, operation, origin_level, destination_level, within)
    origins = unit_labels(AdminUnit.objects.filter(id__in=rows.values("origin_key")))
    destinations = unit_labels(AdminUnit.objects.filter(id__in=rows.values("destination_key")))
    return origin_labelled(frame, origins, destinations)


def origin_labelled(
    frame: pl.DataFrame, origins: pl.DataFrame, destinations: pl.DataFrame
) -> pl.DataFrame:
    """The matrix with both units' labels, by destination then origin P-code."""
    return (
        frame.join(
            origins.select(pl.all().name.prefix("origin_")),
            left_on="origin_id",
            right_on="origin_unit_id",
            how="inner",
        )
        .join(
            destinations.select(pl.all().name.prefix("destination_")),
            left_on="destination_id",
            right_on="destination_unit_id",
            how="inner",
        )
        .sort("destination_pcode", "origin_pcode")
    )


def origin_deepest_level(round_: Round) -> int:
    """The finest level any origin of the round was reported at (2 when there is none)."""
    found = (
        BaselineOrigin.objects.filter(assessment__round=round_)
        .order_by("-origin__level")
        .values_list("origin__level", flat=True)
        .first()
    )
    return max(LOWEST_ORIGIN_LEVEL, found or LOWEST_ORIGIN_LEVEL)


# --- provenance ----------------------------------------------------------------------------


def batches_of(round_: Round) -> list[int]:
    """The import batches of the round that still hold at least one stored row."""
    holds = Exists(BaselineAssessment.objects.filter(batch=OuterRef("pk"))) | Exists(
        SiteAssessment.objects.filter(batch=OuterRef("pk"))
    )
    return list(
        ImportBatch.objects.filter(round=round_)
        .filter(holds)
        .order_by("id")
        .values_list("id", flat=True)
    )
