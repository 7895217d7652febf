"""Reads of needs figures: rule sets, the severity of each place, area figures (severity, people
in need) and priority needs of a round, always given the acting user and starting from the
rounds that user may see (`Round.objects.visible_to`).

A published round is scored with the rule set it was published with
(`Round.needs_rules_version`), any other round with its operation's current one; its exact
area figures and priority needs are read from what was stored when it was published
(`needs.snapshot`), any other round's computed from its assessments. Published figures have
their small counts of people hidden (`figures.suppression`), unless `exact` is asked by
someone who may see unpublished rounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
from django.conf import settings
from django.db import models
from django.db.models import F, TextField
from django.db.models.functions import Cast

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import can
from opendtm.core.errors import InvalidInput, NotFound, PermissionDenied
from opendtm.figures import comparison
from opendtm.figures.live import level_check, under, unit_at, unit_labels
from opendtm.figures.suppression import cells_suppressed
from opendtm.gazetteer.models import AdminUnit, GazetteerVersion
from opendtm.mobility.models import SEX_AGE_FIELDS, BaselineAssessment, SiteAssessment
from opendtm.needs import areas, scoring, snapshot
from opendtm.needs.choices import INTERSECTORAL, SnapshotPart
from opendtm.needs.models import NeedsRuleSet
from opendtm.needs.rules import SHIPPED, RuleSet, shipped
from opendtm.operations.choices import RoundStatus
from opendtm.operations.models import Operation, Round
from opendtm.operations.queries import AnyUser, admin_unit_for_code

# --- rule sets -----------------------------------------------------------------------------


def ruleset_list() -> list[dict[str, Any]]:
    """Every rule set known: the shipped ones, then those loaded, by version."""
    rows: list[dict[str, Any]] = [
        {"version": v, "title": shipped(v).title, "source": "shipped", "loaded_at": None}
        for v in SHIPPED
    ]
    for r in NeedsRuleSet.objects.order_by("version"):
        rows.append(
            {
                "version": r.version,
                "title": r.title,
                "source": r.source_name,
                "loaded_at": r.loaded_at,
            }
        )
    return rows


def ruleset_get(*, version: str) -> RuleSet:
    """The rule set of `version`, shipped or loaded."""
    if version in SHIPPED:
        return shipped(version)
    row = NeedsRuleSet.objects.filter(version=version).first()
    if row is None:
        known = ", ".join(r["version"] for r in ruleset_list())
        raise NotFound(f"No needs rule set {version!r}.", hint=f"Known rule sets: {known}.")
    return RuleSet(row.version, row.title, row.document, row.source_name)


def ruleset_text(*, version: str) -> str:
    """The rule set file as shipped or loaded."""
    from opendtm.needs.rules import shipped_text

    if version in SHIPPED:
        return shipped_text(version)
    ruleset_get(version=version)
    return str(NeedsRuleSet.objects.values_list("text", flat=True).get(version=version))


def _rules_version(round_: Round, operation: Operation) -> str:
    """The rule set a round is scored with: the one it was published with, else the
    operation's current one."""
    if round_.status == RoundStatus.PUBLISHED and round_.needs_rules_version:
        return round_.needs_rules_version
    return operation.needs_rules_version


# --- which round ---------------------------------------------------------------------------


def _round(user: AnyUser, operation: Operation, number: int | None, exact: bool) -> Round:
    unpublished = can(user, Action.VIEW_UNPUBLISHED, operation)
    if not unpublished and not can(user, Action.VIEW_PUBLISHED, operation):
        raise NotFound(f"No operation {operation.code!r}.")
    if exact and not unpublished:
        raise PermissionDenied(
            f"Exact values of published figures of {operation.code} are for analysts: "
            "published outputs hide small counts.",
            hint="Leave out --exact, or ask an admin of the operation for the analyst role.",
        )
    rounds = Round.objects.visible_to(user, operation).order_by("number")
    round_ = rounds.filter(number=number).first() if number is not None else rounds.last()
    if round_ is None:
        numbers = ", ".join(str(n) for n in rounds.values_list("number", flat=True))
        what = f"round {number}" if number is not None else "round"
        raise NotFound(
            f"Operation {operation.code} has no {what} you may see.",
            hint=f"Its rounds: {numbers}." if numbers else "It has no published round yet.",
        )
    round_.operation = operation
    return round_


@dataclass(frozen=True)
class NeedsRound:
    """The round a needs question reads and the rule set it is scored with."""

    number: int
    status: str
    rules: RuleSet


def needs_round(
    *, user: AnyUser, operation: Operation, round_number: int | None = None, exact: bool = False
) -> NeedsRound:
    """The round `round_number` (default: the latest the user may see) and its rule set; a
    round the user may not see is NotFound, `exact` for a non-analyst PermissionDenied."""
    round_ = _round(user, operation, round_number, exact)
    rules = ruleset_get(version=_rules_version(round_, operation))
    return NeedsRound(round_.number, round_.status, rules)


def sector_check(rules: RuleSet, sector: str | None) -> None:
    """`sector` is one of the rule set's sectors or intersectoral (None: every sector)."""
    codes = [*rules.sector_codes(), INTERSECTORAL]
    if sector is not None and sector not in codes:
        raise InvalidInput(
            f"Sector {sector!r} is not one of rule set {rules.version}: {', '.join(codes)}."
        )


# --- reading assessments -------------------------------------------------------------------

_POLARS: dict[type[models.Field[Any, Any]], Any] = {
    models.BooleanField: pl.Boolean,
    models.FloatField: pl.Float64,
    models.IntegerField: pl.Int64,
    models.CharField: pl.Utf8,
    models.JSONField: pl.List(pl.Utf8),
}


def _schema(model: type[models.Model], fields: list[str]) -> dict[str, Any]:
    out = {}
    for name in fields:
        field = model._meta.get_field(name)
        out[name] = next(t for k, t in _POLARS.items() if isinstance(field, k))
    return out


def _read(rows: Any, model: type[models.Model], fields: list[str]) -> pl.DataFrame:
    """The rows' `fields` as a frame (with `place_pk`, `unit_id`). A JSON field (a
    select_multiple's list) is read as its text and decoded by Polars, column-wise: decoding
    it row by row in Python was most of the time of a 100,000-location read."""
    schema = {"place_pk": pl.Int64, "unit_id": pl.Int64} | _schema(model, fields)
    texts = {
        name: Cast(name, TextField())
        for name in fields
        if isinstance(model._meta.get_field(name), models.JSONField)
    }
    read = [f"_text_{f}" if f in texts else f for f in fields]
    raw = {"place_pk": pl.Int64, "unit_id": pl.Int64} | {
        r: (pl.Utf8 if f in texts else schema[f]) for r, f in zip(read, fields, strict=True)
    }
    values = rows.order_by().annotate(**{f"_text_{k}": v for k, v in texts.items()})
    frame = pl.DataFrame(
        list(values.values_list("pk", "unit_key", *read)), schema=raw, orient="row"
    )
    return frame.with_columns(
        pl.col(f"_text_{name}").str.json_decode(schema[name]).alias(name) for name in texts
    ).select(list(schema))


def _fields(rules: RuleSet, kind: str, always: tuple[str, ...]) -> list[str]:
    read = [f for i in rules.indicators(kind) for f in scoring.fields_read(i["value"])]
    return list(dict.fromkeys([*always, *read]))


_SITE_ALWAYS = (
    "site_status",
    "ind",
    *SEX_AGE_FIELDS,
    "priority_need_1",
    "priority_need_2",
    "priority_need_3",
)
_BASELINE_ALWAYS = (
    "idp_ind",
    "idp_hh",
    "idp_hh_sites",
    "returnee_idp_ind",
    "returnee_abroad_ind",
    "priority_needs",
)


@dataclass(frozen=True)
class _Assessed:
    sites: pl.DataFrame  # place, unit_id, the site fields
    locations: pl.DataFrame  # place, unit_id, the baseline fields


def _assessed(
    round_: Round, operation: Operation, rules: RuleSet, level: int, within: AdminUnit | None
) -> _Assessed:
    """The round's site and baseline rows with their unit at `level`. Two queries."""
    sites = SiteAssessment.objects.filter(round=round_).annotate(
        unit_key=unit_at("admin_unit", level)
    )
    sites = sites.filter(unit_key__isnull=False)
    depth = operation.location_level - level
    baselines = BaselineAssessment.objects.filter(round=round_).annotate(
        unit_key=F("location" + "__parent" * depth)
    )
    if within is not None:
        sites = sites.filter(under("admin_unit", within))
        baselines = baselines.filter(under("location", within))
    site_frame = _read(sites, SiteAssessment, _fields(rules, "site", _SITE_ALWAYS))
    base_frame = _read(baselines, BaselineAssessment, _fields(rules, "location", _BASELINE_ALWAYS))
    return _Assessed(
        # a place is a site by its assessment's id, a location by the negated id of its
        # baseline: whole numbers sort and join faster than text
        site_frame.with_columns(pl.col("place_pk").alias("place")),
        base_frame.with_columns(
            (-pl.col("place_pk")).alias("place"),
            pl.col("priority_needs").fill_null(pl.lit([], dtype=pl.List(pl.Utf8))),
        ),
    )


def _severities(assessed: _Assessed, rules: RuleSet) -> tuple[pl.DataFrame, pl.DataFrame]:
    """place x sector severities and place overall severities, sites and locations stacked."""
    sector_parts, overall_parts = [], []
    for kind, frame in (("site", assessed.sites), ("location", assessed.locations)):
        levels = scoring.indicator_levels(frame, rules, kind, ["place"])
        sectors = scoring.sector_severity(levels, rules, ["place"])
        sector_parts.append(sectors.select("place", "sector", "severity"))
        overall_parts.append(
            scoring.overall_severity(sectors, rules, ["place"]).select("place", "severity")
        )
    return pl.concat(sector_parts), pl.concat(overall_parts)


# --- answers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedsFigures:
    """Area needs figures of one round: `rows` (areas.AREA_COLUMNS with the unit's labels and
    `severity_distribution`), and what they were computed from."""

    operation: str
    round_number: int
    round_status: str
    rules_version: str
    level: int
    threshold: int | None  # small counts hidden below it; None: exact
    rows: pl.DataFrame
    previous_round_number: int | None = None  # the round the change is measured against


def _scope(operation: Operation, level: int, pcode: str | None) -> AdminUnit | None:
    level_check(operation, level)
    if pcode is None:
        return None
    return admin_unit_for_code(country_iso3=operation.country_iso3, code=pcode)


def _live_area(assessed: _Assessed, rules: RuleSet) -> pl.DataFrame:
    severities, overall = _severities(assessed, rules)
    places = pl.concat(
        [areas.site_places(assessed.sites), areas.location_places(assessed.locations)],
        how="diagonal_relaxed",
    )
    return areas.area_figures(places, severities, overall, rules)


def live_frames(
    round_: Round, operation: Operation, rules: RuleSet, level: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The exact area figures (areas.AREA_COLUMNS) and priority needs
    (areas.PRIORITY_COLUMNS) of every unit at `level`, computed from the stored assessments
    (what `needs.snapshot` stores for a published round, with `area_suppressed` and
    `priority_suppressed` of them)."""
    assessed = _assessed(round_, operation, rules, level, None)
    return _live_area(assessed, rules), areas.priority_needs(
        assessed.locations, assessed.sites, rules
    )


def area_suppressed(rows: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """Area rows as published: counts of people below `threshold` hidden, with the cells that
    would give them back (over the rows of the frame as one table)."""
    return cells_suppressed(
        rows,
        areas.COUNTS,
        group=None,
        row_groups=[
            ("pin_ind", *areas.PIN_GROUPS),
            areas.PIN_SEX_AGE,
            ("assessed", *areas.DISTRIBUTION),
        ],
        threshold=threshold,
    )


def priority_suppressed(frame: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """Priority needs as published: counts of people below `threshold` emptied."""
    return cells_suppressed(
        frame, ("people", "people_assessed"), group=None, row_groups=[], threshold=threshold
    ).drop("suppressed")


def _area_rows(
    round_: Round, operation: Operation, level: int, within: AdminUnit | None, *, exact: bool
) -> tuple[pl.DataFrame, RuleSet, int | None]:
    """areas.AREA_COLUMNS of a round as the reader may see them (small counts hidden in a
    published round unless `exact`), its rule set and the threshold applied. A published
    round's rows are the stored ones (`needs.snapshot`), already suppressed for a whole
    level."""
    rules = ruleset_get(version=_rules_version(round_, operation))
    suppress = round_.status == RoundStatus.PUBLISHED and not exact
    threshold = settings.OPENDTM_SUPPRESSION_THRESHOLD if suppress else None
    if threshold is not None and within is None:
        public = snapshot.stored(
            round_, rules.version, SnapshotPart.AREA_PUBLISHED, level, None, threshold=threshold
        )
        if public is not None:
            return public, rules, threshold
    rows = snapshot.stored(round_, rules.version, SnapshotPart.AREA, level, within)
    if rows is None:
        rows = _live_area(_assessed(round_, operation, rules, level, within), rules)
    if threshold is not None:
        rows = area_suppressed(rows, threshold)
    return rows, rules, threshold


def _previous(user: AnyUser, operation: Operation, round_: Round) -> Round | None:
    """The round a change is measured against: the latest earlier round the user may see,
    published only when `round_` is (a published change never reads unpublished data)."""
    earlier = Round.objects.visible_to(user, operation).filter(number__lt=round_.number)
    if round_.status == RoundStatus.PUBLISHED:
        earlier = earlier.filter(status=RoundStatus.PUBLISHED)
    found = earlier.order_by("number").last()
    if found is not None:
        found.operation = operation
    return found


def _version_id(round_: Round, operation: Operation) -> int | None:
    """The gazetteer version a round's units belong to: the one it was published with, else
    the country's latest (imports store today's units)."""
    if round_.status == RoundStatus.PUBLISHED:
        return round_.gazetteer_version_id
    latest = GazetteerVersion.objects.filter(country_iso3=operation.country_iso3).order_by("-id")
    return latest.values_list("id", flat=True).first()


def _with_change(
    rows: pl.DataFrame,
    round_: Round,
    previous: Round | None,
    operation: Operation,
    level: int,
    within: AdminUnit | None,
    exact: bool,
) -> pl.DataFrame:
    """The rows with CHANGE_COLUMNS: the previous round's severity and people in need of the
    same unit and sector (each round scored with its own rule set), through the gazetteer
    crosswalk when the rounds are on different versions (figures.comparison)."""
    empty = rows.with_columns(
        pl.lit(None, dtype=pl.Int64).alias("severity_previous"),
        pl.lit(None, dtype=pl.Int64).alias("pin_ind_previous"),
        pl.lit(None, dtype=pl.Utf8).alias("change_note"),
    )
    if previous is None:
        return _changes(empty)
    through = comparison.crossing(
        country_iso3=operation.country_iso3,
        earlier=_version_id(previous, operation),
        later=_version_id(round_, operation),
    )
    before, _, _ = _area_rows(
        previous, operation, level, within if through is None else None, exact=exact
    )
    notes = None
    if through is not None:
        before, notes = comparison.previous_mapped(before, through, level=level)
    before = before.select(
        "unit_id",
        "sector",
        pl.col("severity").alias("severity_previous"),
        pl.col("pin_ind").alias("pin_ind_previous"),
    )
    joined = rows.join(before, on=["unit_id", "sector"], how="left")
    if notes is not None:
        joined = joined.join(
            notes.select("unit_id", "change_note", "comparable"), on="unit_id", how="left"
        )
        apart = pl.col("comparable").fill_null(True).not_()
        joined = joined.with_columns(
            pl.when(apart).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("severity_previous", "pin_ind_previous")
        ).drop("comparable")
    else:
        joined = joined.with_columns(pl.lit(None, dtype=pl.Utf8).alias("change_note"))
    return _changes(joined)


CHANGE_COLUMNS = (
    "severity_previous",
    "severity_change",
    "pin_ind_previous",
    "pin_ind_change",
    "change_note",
)


def _changes(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.with_columns(
        (pl.col("severity") - pl.col("severity_previous")).alias("severity_change"),
        (pl.col("pin_ind") - pl.col("pin_ind_previous")).alias("pin_ind_change"),
    )


def needs_by_admin(
    *,
    user: AnyUser,
    operation: Operation,
    round_number: int | None = None,
    level: int = 1,
    parent_pcode: str | None = None,
    sector: str | None = None,
    exact: bool = False,
) -> NeedsFigures:
    """Per admin unit at `level` and sector (and one intersectoral row per unit): places,
    area severity with its distribution, people in need by group and by sex and age, and
    their change since the previous round (CHANGE_COLUMNS; a hidden count has no change)."""
    round_ = _round(user, operation, round_number, exact)
    rules = ruleset_get(version=_rules_version(round_, operation))
    sector_check(rules, sector)
    within = _scope(operation, level, parent_pcode)
    rows, rules, threshold = _area_rows(round_, operation, level, within, exact=exact)
    previous = _previous(user, operation, round_)
    rows = _with_change(rows, round_, previous, operation, level, within, exact)
    if sector is not None:
        rows = rows.filter(pl.col("sector") == sector)
    units = AdminUnit.objects.filter(id__in=rows.get_column("unit_id").unique().to_list())
    labels = unit_labels(units).select("unit_id", "pcode", "name", "level")
    rows = labels.join(rows, on="unit_id", how="inner", maintain_order="right").with_columns(
        pl.struct([pl.col(f"pop_l{k}").alias(str(k)) for k in range(1, 6)]).alias(
            "severity_distribution"
        )
    )
    return NeedsFigures(
        operation=operation.code,
        round_number=round_.number,
        round_status=round_.status,
        rules_version=rules.version,
        level=level,
        threshold=threshold,
        rows=rows.sort("pcode", maintain_order=True),
        previous_round_number=previous.number if previous else None,
    )


def needs_priority(
    *,
    user: AnyUser,
    operation: Operation,
    round_number: int | None = None,
    level: int = 1,
    parent_pcode: str | None = None,
    exact: bool = False,
) -> pl.DataFrame:
    """Priority needs per admin unit at `level` (areas.PRIORITY_COLUMNS with `pcode`, `name`):
    shares of locations and IDPs, and of sites weighted by rank. Shares and counts of
    places, never counts of people below the suppression threshold (those are emptied)."""
    round_ = _round(user, operation, round_number, exact)
    rules = ruleset_get(version=_rules_version(round_, operation))
    within = _scope(operation, level, parent_pcode)
    threshold = settings.OPENDTM_SUPPRESSION_THRESHOLD
    suppress = round_.status == RoundStatus.PUBLISHED and not exact
    frame = None
    if suppress and within is None:
        frame = snapshot.stored(
            round_, rules.version, SnapshotPart.PRIORITY_PUBLISHED, level, None, threshold=threshold
        )
    if frame is None:
        frame = snapshot.stored(round_, rules.version, SnapshotPart.PRIORITY, level, within)
        if frame is None:
            assessed = _assessed(round_, operation, rules, level, within)
            frame = areas.priority_needs(assessed.locations, assessed.sites, rules)
        if suppress:
            frame = priority_suppressed(frame, threshold)
    units = AdminUnit.objects.filter(id__in=frame.get_column("unit_id").unique().to_list())
    labels = unit_labels(units).select("unit_id", "pcode", "name")
    return labels.join(frame, on="unit_id", how="inner").sort(
        "pcode", "source", "share_places", "need", descending=[False, False, True, False]
    )


def site_severity(
    *,
    user: AnyUser,
    operation: Operation,
    round_number: int | None = None,
    parent_pcode: str | None = None,
    site_id: str | None = None,
) -> pl.DataFrame:
    """Sector and overall severity of every site assessed in a round the user may see (only
    those within the admin unit `parent_pcode`, or the one site `site_id`, when given):
    `site_code`, `site_name`, `sector` (or `intersectoral`), `severity`, `worst_indicator`
    (the indicator behind the score; for the overall row the worst sector), most severe
    first."""
    round_ = _round(user, operation, round_number, False)
    rules = ruleset_get(version=_rules_version(round_, operation))
    rows = SiteAssessment.objects.filter(round=round_).annotate(unit_key=F("admin_unit_id"))
    if parent_pcode is not None:
        within = admin_unit_for_code(country_iso3=operation.country_iso3, code=parent_pcode)
        rows = rows.filter(under("admin_unit", within))
    if site_id is not None:
        rows = rows.filter(site__site_id=site_id)
    fields = _fields(rules, "site", _SITE_ALWAYS)
    frame = _read(rows, SiteAssessment, fields).with_columns(pl.col("place_pk").alias("place"))
    levels = scoring.indicator_levels(frame, rules, "site", ["place"])
    sectors = scoring.sector_severity(levels, rules, ["place"])
    overall = scoring.overall_severity(sectors, rules, ["place"]).select(
        "place",
        pl.lit(INTERSECTORAL).alias("sector"),
        "severity",
        pl.col("worst_sector").alias("worst_indicator"),
    )
    scored = pl.concat([sectors.select("place", "sector", "severity", "worst_indicator"), overall])
    names = pl.DataFrame(
        list(rows.order_by().values_list("pk", "site__site_id", "site__name")),
        schema={"place": pl.Int64, "site_code": pl.Utf8, "site_name": pl.Utf8},
        orient="row",
    )
    return (
        names.join(scored, on="place")
        .sort(
            pl.col("severity").filter(pl.col("sector") == INTERSECTORAL).first().over("place"),
            "site_code",
            "sector",
            descending=[True, False, False],
            nulls_last=True,
        )
        .drop("place")
    )


@dataclass(frozen=True)
class SiteScores:
    """One site's severity in one round: per sector (in the rule set's order) its level and
    the indicator behind it, then the intersectoral level and the sector behind it."""

    round_number: int
    rules_version: str
    sectors: list[dict[str, Any]]  # sector, label, severity, indicator, indicator_label
    overall: dict[str, Any] | None  # severity, sector, label


def site_scores(
    *, user: AnyUser, operation: Operation, site_id: str, round_number: int
) -> SiteScores:
    """The severity of site `site_id` in round `round_number` (a round the user may see),
    scored with that round's rule set, labelled for a page."""
    round_ = _round(user, operation, round_number, False)
    rules = ruleset_get(version=_rules_version(round_, operation))
    rows = site_severity(
        user=user, operation=operation, round_number=round_number, site_id=site_id
    ).to_dicts()
    labels = {i["key"]: i["label"] for i in rules.indicators("site")}
    by_sector = {r["sector"]: r for r in rows}
    sectors = [
        {
            "sector": code,
            "label": rules.sector_label(code),
            "severity": by_sector[code]["severity"],
            "indicator": by_sector[code]["worst_indicator"],
            "indicator_label": labels.get(by_sector[code]["worst_indicator"], ""),
        }
        for code in rules.sector_codes()
        if code in by_sector
    ]
    across = by_sector.get(INTERSECTORAL)
    overall = None
    if across is not None and across["severity"] is not None:
        overall = {
            "severity": across["severity"],
            "sector": across["worst_indicator"],
            "label": rules.sector_label(across["worst_indicator"]),
        }
    return SiteScores(round_.number, rules.version, sectors, overall)


__all__ = [
    "needs_by_admin",
    "needs_priority",
    "needs_round",
    "ruleset_get",
    "ruleset_list",
    "sector_check",
    "site_scores",
    "site_severity",
]
