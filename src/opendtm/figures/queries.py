"""The figures query layer: the one place the CLI, the web pages and the API read figures from.

Every function takes the user and an operation they may see (`operations.queries.operation_get`)
and checks the rest: a round that is not published exists only for those who may see
unpublished rounds (VIEW_UNPUBLISHED), others get NotFound. Published figures come from the
round's snapshot and have their small counts suppressed; `exact=True` (analysts and up) lifts
the suppression. Unpublished rounds are computed live, with exact values.

Rows come ordered by a stable key (P-code, site code, destination then origin) so that
`limit`/`offset` pages never overlap; `total_rows` counts the whole answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Subquery

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import can
from opendtm.core.errors import InvalidInput, NotFound, PermissionDenied
from opendtm.core.periods import date_range_check, reported_within
from opendtm.figures import comparison, live
from opendtm.figures.choices import FigureSource
from opendtm.figures.measures import (
    ADMIN_NAMES,
    CHANGE_MEASURES,
    LABEL_COLUMNS,
    ORIGIN_NAMES,
    PEOPLE,
    SITE_NAMES,
)
from opendtm.figures.models import FigureSnapshot
from opendtm.figures.request import origin_level_check, page_check
from opendtm.figures.results import (
    ADMIN_COLUMNS,
    ORIGIN_COLUMNS,
    SERIES_COLUMNS,
    SITE_CHANGE_MEASURES,
    SITE_COLUMNS,
    AdminFigures,
    Headline,
    OriginMatrix,
    Provenance,
    SiteFigures,
    TimeSeries,
    change_columns,
)
from opendtm.figures.series import SeriesPlace
from opendtm.figures.sources import LiveFigures, RoundFigures, SnapshotFigures
from opendtm.figures.suppression import MASK, is_hidden, masked, total_shown
from opendtm.gazetteer.models import MAX_LEVEL, AdminUnit, GazetteerVersion
from opendtm.operations.choices import RoundStatus
from opendtm.operations.models import Operation, Round
from opendtm.operations.queries import admin_unit_for_code

AnyUser = AbstractBaseUser | AnonymousUser | None

__all__ = [
    "figures_by_admin",
    "figures_by_site",
    "figures_default_round",
    "figures_headline",
    "figures_level_values",
    "figures_origin_matrix",
    "figures_time_series",
]


# --- who may see which round ----------------------------------------------------------------


@dataclass
class _Access:
    operation: Operation
    unpublished: bool  # may see unpublished rounds (and exact published values)
    rounds: list[Round]  # the rounds the user may see, by number, with their snapshots

    def round(self, number: int) -> Round:
        for round_ in self.rounds:
            if round_.number == number:
                return round_
        numbers = ", ".join(str(r.number) for r in self.rounds)
        raise NotFound(
            f"Operation {self.operation.code} has no round {number} you may see.",
            hint=f"Its rounds: {numbers}." if numbers else "It has no published round yet.",
        )

    def previous(self, round_: Round) -> Round | None:
        """The round a round's change is measured against: the latest earlier published round
        for a published round (so a published change never depends on unpublished data), the
        latest earlier round for an unpublished one."""
        earlier = [
            r
            for r in self.rounds
            if r.number < round_.number
            and (round_.status != RoundStatus.PUBLISHED or r.status == RoundStatus.PUBLISHED)
        ]
        return earlier[-1] if earlier else None


def _access(user: AnyUser, operation: Operation, *, exact: bool = False) -> _Access:
    unpublished = can(user, Action.VIEW_UNPUBLISHED, operation)
    if not unpublished and not can(user, Action.VIEW_PUBLISHED, operation):
        raise NotFound(f"No operation {operation.code!r}.")
    if exact and not unpublished:
        raise PermissionDenied(
            f"Exact values of published figures of {operation.code} are for analysts: "
            "published outputs hide small counts.",
            hint="Leave out --exact, or ask an admin of the operation for the analyst role.",
        )
    latest = GazetteerVersion.objects.filter(country_iso3=operation.country_iso3).order_by("-id")
    rounds = (
        Round.objects.visible_to(user, operation)
        .select_related("figure_snapshot__gazetteer_version", "gazetteer_version")
        .annotate(latest_gazetteer=Subquery(latest.values("id")[:1]))
    )
    found: list[Round] = list(rounds.order_by("number"))
    for round_ in found:
        round_.operation = operation
    return _Access(operation, unpublished, found)


def _snapshot(round_: Round) -> FigureSnapshot | None:
    try:
        return round_.figure_snapshot
    except ObjectDoesNotExist:
        return None


@dataclass
class _Source:
    figures: RoundFigures
    provenance: Provenance
    # The gazetteer version the round's units belong to: the one it was published with, or for
    # a round not published yet the country's latest (imports store today's units).
    version_id: int | None


def _source(access: _Access, round_: Round, *, exact: bool) -> _Source:
    """The round's figures as this user may read them, and their provenance."""
    threshold = settings.OPENDTM_SUPPRESSION_THRESHOLD
    published = round_.status == RoundStatus.PUBLISHED
    suppress = published and not exact
    snapshot = _snapshot(round_) if published else None
    figures: RoundFigures
    if snapshot is not None and (not suppress or snapshot.threshold == threshold):
        figures = SnapshotFigures(snapshot, exact=not suppress)
        version = snapshot.gazetteer_version
        units_version = snapshot.gazetteer_version_id
        batches = tuple(snapshot.batch_ids)
        source, built = FigureSource.SNAPSHOT, snapshot.built_at
    else:
        figures = LiveFigures(round_, access.operation, threshold=threshold if suppress else None)
        version = round_.gazetteer_version or access.operation.gazetteer_version
        units_version = (
            round_.gazetteer_version_id if published else getattr(round_, "latest_gazetteer", None)
        )
        batches = tuple(live.batches_of(round_))
        source, built = FigureSource.LIVE, None
    previous = access.previous(round_)
    provenance = Provenance(
        operation=access.operation.code,
        country_iso3=access.operation.country_iso3,
        round_number=round_.number,
        round_status=round_.status,
        reporting_date=round_.reporting_date,
        previous_round_number=previous.number if previous else None,
        source=source.value,
        built_at=built,
        gazetteer_version=str(version) if version else None,
        batch_ids=batches,
        threshold=threshold if suppress else None,
    )
    return _Source(figures, provenance, units_version)


def _exact(source: _Source) -> bool:
    """Whether a source holds exact values: then the previous round is read exact too (its
    reader may see unpublished rounds), so a change is never half suppressed, half exact."""
    return source.provenance.threshold is None


def _round_and_source(
    user: AnyUser, operation: Operation, round_number: int | None, exact: bool
) -> tuple[_Access, Round, _Source]:
    access = _access(user, operation, exact=exact)
    round_ = access.round(round_number) if round_number is not None else _default_round(access)
    return access, round_, _source(access, round_, exact=exact)


def figures_default_round(*, user: AnyUser, operation: Operation) -> Round:
    """The round shown when none is named: the latest the user may see (the latest published
    one for viewers and the public)."""
    return _default_round(_access(user, operation))


def _default_round(access: _Access) -> Round:
    if not access.rounds:
        raise NotFound(
            f"Operation {access.operation.code} has no round you may see yet.",
            hint="Figures appear once a round is published.",
        )
    return access.rounds[-1]


# --- arguments ------------------------------------------------------------------------------


def _within(operation: Operation, pcode: str | None, *, finest: int) -> AdminUnit | None:
    if not pcode:
        return None
    unit = admin_unit_for_code(country_iso3=operation.country_iso3, code=pcode)
    if unit.level > finest:
        raise InvalidInput(
            f"{unit.pcode} is an admin level {unit.level} unit: it holds no units of level "
            f"{finest}.",
            hint="Name a unit of the same or a coarser level.",
        )
    return unit


# --- change against the previous round -------------------------------------------------------


def _with_change(
    frame: pl.DataFrame,
    previous: pl.DataFrame | None,
    *,
    key: str,
    names: tuple[str, ...],
    measures: tuple[str, ...],
) -> pl.DataFrame:
    """Add `<m>_previous`, `<m>_change` and `<m>_change_pct` for each measure in `names`.

    No previous round: all null. A unit absent from the previous round counts 0 there. A
    change is null when either side is hidden; the % is null when the previous value is 0.
    """
    if previous is None:
        return frame.with_columns(
            expr
            for n in names
            for expr in (
                pl.lit(None, pl.Int64).alias(f"{n}_previous"),
                pl.lit(None, pl.Int64).alias(f"{n}_change"),
                pl.lit(None, pl.Float64).alias(f"{n}_change_pct"),
            )
        )
    prev = previous.select(
        key,
        pl.lit(True).alias("_seen"),
        *(
            pl.when(is_hidden(measures, n)).then(None).otherwise(pl.col(n)).alias(f"_p_{n}")
            for n in names
        ),
    )
    joined = frame.join(prev, on=key, how="left")
    columns = []
    for n in names:
        before = pl.when(pl.col("_seen").is_null()).then(0).otherwise(pl.col(f"_p_{n}"))
        now = pl.when(is_hidden(measures, n)).then(None).otherwise(pl.col(n))
        columns += _change(n, now, before)
    return joined.with_columns(columns).drop("_seen", *(f"_p_{n}" for n in names))


def _change(name: str, now: pl.Expr, before: pl.Expr) -> list[pl.Expr]:
    """`<name>_previous`, `<name>_change` and `<name>_change_pct` of a value against its value
    before: the one place a change and its % are computed (tables, series and headline). Null
    when either side is; the % is null when the value before is 0, rounded to 0.1."""
    change = now - before
    return [
        before.cast(pl.Int64).alias(f"{name}_previous"),
        change.cast(pl.Int64).alias(f"{name}_change"),
        pl.when(before == 0)
        .then(None)
        .otherwise((change * 100.0 / before).round(1))
        .alias(f"{name}_change_pct"),
    ]


def _totals(
    frame: pl.DataFrame, names: tuple[str, ...], measures: tuple[str, ...]
) -> dict[str, Any]:
    """The first row's values of `names` (taken from `measures`), hidden ones as None."""
    if not frame.height:
        return dict.fromkeys(names, 0)
    row = masked(frame.head(1), measures).row(0, named=True)
    return {n: row[n] for n in names}


# --- the queries ----------------------------------------------------------------------------


def figures_by_admin(
    *,
    user: AnyUser,
    operation: Operation,
    round_number: int | None,
    level: int,
    parent_pcode: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    exact: bool = False,
) -> AdminFigures:
    """Figures of every unit at `level` (0 = country) with data in the round, under
    `parent_pcode` if given, by P-code, with the change in IDPs since the previous round."""
    page_check(limit, offset)
    live.level_check(operation, level)
    access, round_, source = _round_and_source(user, operation, round_number, exact)
    within = _within(operation, parent_pcode, finest=level)
    rows, total_rows = source.figures.admin(level, within, limit, offset)
    previous = access.previous(round_)
    before = None
    notes: pl.DataFrame | None = None
    reported = comparison.changes_empty(CHANGE_MEASURES)
    if previous is not None:
        prior = _source(access, previous, exact=_exact(source))
        through = comparison.crossing(
            country_iso3=operation.country_iso3, earlier=prior.version_id, later=source.version_id
        )
        if through is None:
            before = prior.figures.admin_units(level, rows.get_column("unit_id").to_list())
        else:  # another version: today's units may hold earlier ones under other codes
            whole, _ = prior.figures.admin(level, None, None, 0)
            before, notes = comparison.previous_mapped(whole, through, level=level)
            reported = comparison.changes_reported(
                whole, through, level=level, names=CHANGE_MEASURES, measures=ADMIN_NAMES
            )
            if within is not None:
                reported = _changes_within(reported, whole, rows, within)
    rows = _with_change(rows, before, key="unit_id", names=CHANGE_MEASURES, measures=ADMIN_NAMES)
    rows = _with_notes(rows, notes)
    if within is not None:
        total = source.figures.admin_unit(within)
    else:
        total, _ = source.figures.admin(0, None, None, 0)
    return AdminFigures(
        provenance=source.provenance,
        rows=masked(rows, ADMIN_NAMES).select(ADMIN_COLUMNS),
        total_rows=total_rows,
        offset=offset,
        limit=limit,
        level=level,
        within=within.pcode if within else None,
        totals=_totals(total, ADMIN_NAMES, ADMIN_NAMES),
        gazetteer_changes=reported,
    )


def _with_notes(rows: pl.DataFrame, notes: pl.DataFrame | None) -> pl.DataFrame:
    """`change_note` from the crosswalk; a unit with no single previous figure (born of a split
    or a merge) gets no previous value and no change."""
    if notes is None:
        return rows.with_columns(pl.lit(None, pl.Utf8).alias(comparison.NOTE))
    rows = rows.join(notes, on="unit_id", how="left", maintain_order="left")
    apart = pl.col("comparable").fill_null(True).not_()
    return rows.with_columns(
        pl.when(apart).then(None).otherwise(pl.col(c)).alias(c)
        for c in change_columns(CHANGE_MEASURES)
    ).drop("comparable")


def _changes_within(
    reported: pl.DataFrame, whole: pl.DataFrame, rows: pl.DataFrame, within: AdminUnit
) -> pl.DataFrame:
    """The reported changes of units that were inside `within` in the earlier round, or whose
    place is now inside it."""
    inside = whole.filter(pl.col(f"adm{within.level}_pcode") == within.pcode)["pcode"]
    now = set(rows["pcode"].to_list())
    return reported.filter(
        pl.col("pcode").is_in(inside.implode())
        | pl.col("now").fill_null("").str.split(", ").list.eval(pl.element().is_in(now)).list.any()
    )


def figures_by_site(
    *,
    user: AnyUser,
    operation: Operation,
    round_number: int | None,
    parent_pcode: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    exact: bool = False,
    site_type: str | None = None,
    site_status: str | None = None,
) -> SiteFigures:
    """Every site assessed in the round (under `parent_pcode` if given; of `site_type` and
    with `site_status` this round if given), by site code, with its status this round,
    coordinates and the change in its population since the previous round. Filtered by type or
    status, the totals are the kept sites' sums (hidden when any of them is)."""
    page_check(limit, offset)
    access, round_, source = _round_and_source(user, operation, round_number, exact)
    within = _within(operation, parent_pcode, finest=MAX_LEVEL)
    kept = {
        name: value
        for name, value in (("site_type", site_type), ("site_status", site_status))
        if value
    } or None
    rows, total_rows = source.figures.sites(within, limit, offset, kept)
    previous = access.previous(round_)
    before = None
    if previous is not None:
        before = _source(access, previous, exact=_exact(source)).figures.sites_of(
            rows.get_column("site_pk").to_list()
        )
    rows = _with_change(
        rows, before, key="site_pk", names=SITE_CHANGE_MEASURES, measures=SITE_NAMES
    )
    totals: dict[str, int | None]
    if within is None and kept is None:
        totals = _site_totals(source.figures.admin(0, None, None, 0)[0])
    elif within is not None and within.level <= operation.location_level and kept is None:
        totals = _site_totals(source.figures.admin_unit(within))
    else:  # finer than the locations, or some sites only: their sum, hidden if any cell is
        every = (
            rows
            if limit is None and offset == 0
            else source.figures.sites(within, None, 0, kept)[0]
        )
        shown = masked(every, SITE_NAMES)
        totals = {
            n: None if shown.get_column(n).null_count() else int(every.get_column(n).sum())
            for n in SITE_NAMES
        }
    return SiteFigures(
        provenance=source.provenance,
        rows=masked(rows, SITE_NAMES).select(SITE_COLUMNS),
        total_rows=total_rows,
        offset=offset,
        limit=limit,
        within=within.pcode if within else None,
        totals=totals,
    )


def _site_totals(admin_row: pl.DataFrame) -> dict[str, Any]:
    """The sites' totals of a unit, from its admin row (its site_hh, site_ind, sex-age)."""
    values = _totals(admin_row, ADMIN_NAMES, ADMIN_NAMES)
    return {"hh": values["site_hh"], "ind": values["site_ind"]} | {
        n: values[n] for n in ADMIN_NAMES if n.startswith("ind_")
    }


def figures_origin_matrix(
    *,
    user: AnyUser,
    operation: Operation,
    round_number: int | None,
    origin_level: int,
    destination_level: int,
    parent_pcode: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    exact: bool = False,
) -> OriginMatrix:
    """IDPs by place of origin (rolled up to `origin_level`) and current location (at
    `destination_level`, under `parent_pcode` if given), by destination then origin."""
    page_check(limit, offset)
    origin_level_check(origin_level)
    live.level_check(operation, destination_level, what="Destination level")
    _, _round, source = _round_and_source(user, operation, round_number, exact)
    within = _within(operation, parent_pcode, finest=destination_level)
    rows, total_rows = source.figures.origins(
        origin_level, destination_level, within, limit, offset
    )
    sums, coarser_rows = source.figures.origin_totals(origin_level, destination_level, within)
    threshold = source.provenance.threshold
    totals: dict[str, int | None] = {
        n: total_shown(sums[n], threshold)
        for n in ORIGIN_NAMES
        if n in PEOPLE  # a sum of "locations reporting" over origins counts nothing useful
    }
    return OriginMatrix(
        provenance=source.provenance,
        rows=masked(rows, ORIGIN_NAMES).select(ORIGIN_COLUMNS),
        total_rows=total_rows,
        offset=offset,
        limit=limit,
        origin_level=origin_level,
        destination_level=destination_level,
        within=within.pcode if within else None,
        totals=totals,
        coarser_rows=coarser_rows,
    )


def figures_time_series(
    *,
    user: AnyUser,
    operation: Operation,
    pcode: str,
    exact: bool = False,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> TimeSeries:
    """The figures of one admin unit in every round the user may see, oldest first, each with
    the change since the round its change is measured against.

    Across gazetteer versions the unit is followed through the crosswalk (one implementation,
    `figures.comparison`): an old code of a recoded unit names today's unit; a round on an
    earlier version shows the figures the unit had there, `pcode` the code it had then; a unit
    born of a split or a merge has no figure of its own in those rounds (null, never the sum
    of its predecessors) and a unit split, merged or retired since has none in the rounds on
    the later versions, each with a `change_note` saying why.

    `date_from`/`date_to` keep the rounds reported in that range (inclusive); the first kept
    round's change is still measured against the round before it.
    """
    date_range_check(date_from, date_to)
    access = _access(user, operation, exact=exact)
    asked = _within(operation, pcode, finest=operation.location_level)
    if asked is None:
        raise InvalidInput("A time series needs the P-code of an admin unit.")
    unit = comparison.recoded_successor(asked)
    labels = live.unit_labels(AdminUnit.objects.filter(pk=unit.pk)).row(0, named=True)
    sources = {r.pk: _source(access, r, exact=exact) for r in access.rounds}
    latest = getattr(access.rounds[0], "latest_gazetteer", None) if access.rounds else None
    place = SeriesPlace(operation, unit, latest)
    current = {r.pk: place.values(sources[r.pk]) for r in access.rounds}
    rows = []
    for round_ in access.rounds:
        source = sources[round_.pk]
        frame, note = current[round_.pk]
        previous = access.previous(round_)
        before = None
        if previous is not None:
            same = _exact(sources[previous.pk]) == _exact(source)
            before = (
                current[previous.pk][0]
                if same
                else place.values(_source(access, previous, exact=_exact(source)))[0]
            )
            note = note or place.change_note(sources[previous.pk], source)
        row = _with_change(
            frame, before, key="unit_id", names=CHANGE_MEASURES, measures=ADMIN_NAMES
        ).with_columns(
            pl.lit(round_.number, pl.Int64).alias("round_number"),
            pl.lit(round_.status).alias("round_status"),
            pl.lit(source.provenance.reporting_date).alias("reporting_date"),
            pl.lit(source.provenance.source).alias("source"),
            pl.lit(note, pl.Utf8).alias(comparison.NOTE),
        )
        rows.append(masked(row, ADMIN_NAMES).select(SERIES_COLUMNS))
    kept = [
        (round_, row)
        for round_, row in zip(access.rounds, rows, strict=True)
        if reported_within(sources[round_.pk].provenance.reporting_date, date_from, date_to)
    ]
    if kept:
        frame = pl.concat([row for _, row in kept])
    elif rows:  # no round in the date range: no row, with the columns' types
        frame = rows[0].clear()
    else:
        frame = pl.DataFrame(schema=SERIES_COLUMNS).with_columns(pl.col(MASK).cast(pl.Int64))
    return TimeSeries(
        unit={c: labels[c] for c in LABEL_COLUMNS},
        rows=frame,
        provenance=tuple(sources[r.pk].provenance for r, _ in kept),
    )


def figures_level_values(
    *, user: AnyUser, operation: Operation, level: int, measure: str
) -> list[int | None]:
    """`measure` of every unit at `level` in every published round, as published (a hidden
    value is None), or, while none is published, in every round the user may see. The same
    for every reader of the published rounds, whichever round they look at: what the map's
    classes are made from, so that rounds compare."""
    live.level_check(operation, level)
    if measure not in ADMIN_NAMES:
        raise InvalidInput(f"{measure!r} is not a measure of the figures by admin unit.")
    access = _access(user, operation)
    published = [r for r in access.rounds if r.status == RoundStatus.PUBLISHED]
    values: list[int | None] = []
    for round_ in published or access.rounds:
        rows, _ = _source(access, round_, exact=False).figures.admin(level, None, None, 0)
        values += masked(rows, ADMIN_NAMES).get_column(measure).to_list()
    return values


def figures_headline(
    *,
    user: AnyUser,
    operation: Operation,
    round_number: int | None,
    pcode: str | None = None,
    exact: bool = False,
) -> Headline:
    """The round's totals for the whole operation (or the admin unit `pcode`: its row of the
    figures by admin unit), and their change since the previous round. Across gazetteer
    versions a unit's change is left out (its earlier figure may be under other codes)."""
    access, round_, source = _round_and_source(user, operation, round_number, exact)
    unit = _within(operation, pcode, finest=operation.location_level)
    unit = unit if unit is not None and unit.level > 0 else None

    def unit_row(read: _Source) -> pl.DataFrame:
        return read.figures.admin_unit(unit) if unit else read.figures.admin(0, None, None, 0)[0]

    current, previous, before = unit_row(source), access.previous(round_), None
    if previous is not None:
        earlier = _source(access, previous, exact=_exact(source))
        versions = {"earlier": earlier.version_id, "later": source.version_id}
        if (
            unit is None
            or comparison.crossing(country_iso3=operation.country_iso3, **versions) is None
        ):
            before = unit_row(earlier)
    figures = _totals(current, ADMIN_NAMES, ADMIN_NAMES)
    prior = _totals(before, ADMIN_NAMES, ADMIN_NAMES) if before is not None else None
    change: dict[str, Any] = dict.fromkeys(ADMIN_NAMES)
    pct: dict[str, Any] = dict.fromkeys(ADMIN_NAMES)
    if prior is not None:
        both = pl.DataFrame(
            [[figures[n] for n in ADMIN_NAMES] + [prior[n] for n in ADMIN_NAMES]],
            schema={f"{side}{n}": pl.Int64 for side in ("now_", "then_") for n in ADMIN_NAMES},
            orient="row",
        )
        row = both.select(
            e for n in ADMIN_NAMES for e in _change(n, pl.col(f"now_{n}"), pl.col(f"then_{n}"))
        ).row(0, named=True)
        change = {n: row[f"{n}_change"] for n in ADMIN_NAMES}
        pct = {n: row[f"{n}_change_pct"] for n in ADMIN_NAMES}
    return Headline(
        provenance=source.provenance,
        figures=figures,
        previous=prior,
        change=change,
        change_pct=pct,
    )
