"""What a site profile and a round report hold, read for the acting user.

Nothing is counted here: every number is an answer of the query layer as it is
(`figures.queries` for people and households, `mobility.queries` for a site's indicators and
facts, `operations.queries` for the registry), so the page, the PDF and the CLI show the same
figure and the same suppression. A round the user may not see is NotFound, as everywhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.contrib.auth.models import User
from django.utils import timezone

from opendtm.core.errors import NotFound
from opendtm.figures import queries as fq
from opendtm.figures.measures import SITE_NAMES
from opendtm.figures.results import AdminFigures, Headline, Provenance, SiteFigures
from opendtm.mobility import indicators as site_rules
from opendtm.mobility.choices import Sector, StandardStatus
from opendtm.mobility.profile import MOVEMENTS, NOT_STORED, VULNERABILITIES, share_column
from opendtm.mobility.queries import round_indicator_summary, site_facts, site_indicators
from opendtm.operations.models import Operation, Round, Site
from opendtm.operations.queries import AnyUser, round_get, rounds_of, site_get, site_history
from opendtm.reports.models import ReportRender
from opendtm.web import charts

TOP_ORIGINS = 10


@dataclass(frozen=True)
class SiteProfile:
    """One site as of a round (`round_number`; None when no round is visible): its figures
    in each visible round up to that one, and its latest assessment's indicators and facts."""

    operation: Operation
    site: Site
    round_number: int | None
    history: list[dict[str, Any]]  # figures_by_site rows of the site, by round
    latest: dict[str, Any] | None  # the history row of the last round it was assessed in
    provenance: Provenance | None  # of the figures of round `round_number`
    indicators: list[dict[str, Any]]  # site_indicators of `indicator_round`, labelled
    all_indicators: pl.DataFrame  # site_indicators up to round_number
    indicator_round: int | None
    facts: pl.DataFrame  # site_facts up to round_number
    status_history: list[Any]
    generated_at: dt.datetime

    @property
    def current_facts(self) -> dict[str, Any] | None:
        """The facts of the latest assessment (the indicators' round)."""
        found = self.facts.filter(pl.col("round") == self.indicator_round)
        return found.row(0, named=True) if found.height else None

    @property
    def vulnerabilities(self) -> list[dict[str, Any]]:
        facts = self.current_facts or {}
        hidden = facts.get("hidden") or []
        return [
            {
                "field": g.field,
                "label": g.label,
                "share": facts.get(share_column(g)),
                "hidden": share_column(g) in hidden,
            }
            for g in VULNERABILITIES
        ]

    @property
    def movements(self) -> list[dict[str, Any]]:
        facts = self.current_facts or {}
        hidden = facts.get("hidden") or []
        return [
            {
                "field": g.field,
                "label": g.label,
                "value": facts.get(g.field),
                "hidden": g.field in hidden,
            }
            for g in MOVEMENTS
        ]

    @property
    def not_stored(self) -> str:
        return str(NOT_STORED)

    @property
    def indicator_rules(self) -> str:
        return site_rules.VERSION


def _labelled(rows: pl.DataFrame) -> list[dict[str, Any]]:
    return [
        row
        | {
            "sector": Sector(row["sector"]).label,
            "status_label": StandardStatus(row["status"]).label,
        }
        for row in rows.iter_rows(named=True)
    ]


def site_profile(
    *, user: AnyUser, operation: Operation, site_id: str, round_number: int | None = None
) -> SiteProfile:
    """The site's profile as of round `round_number` (default: the latest the user may see).
    NotFound for a site or round the user may not see."""
    site = site_get(user=user, operation=operation, site_id=site_id)
    rounds: list[Round] = list(rounds_of(operation=operation, user=user))
    if round_number is not None:
        round_get(operation=operation, number=round_number, user=user)
        rounds = [r for r in rounds if r.number <= round_number]
    history = []
    provenance = None
    for round_ in rounds:
        answer = fq.figures_by_site(
            user=user,
            operation=operation,
            round_number=round_.number,
            parent_pcode=site.admin_unit.pcode,
        )
        provenance = answer.provenance
        found = answer.rows.filter(answer.rows["site_code"] == site.site_id)
        if found.height:
            history.append({"round": round_.number, **found.row(0, named=True)})
    last = rounds[-1].number if rounds else None
    scored = site_indicators(user=user, operation=operation, site=site)
    facts = site_facts(user=user, operation=operation, site=site)
    if last is not None:
        scored = scored.filter(pl.col("round") <= last)
        facts = facts.filter(pl.col("round") <= last)
    indicator_round = scored.get_column("round").max() if scored.height else None
    return SiteProfile(
        operation=operation,
        site=site,
        round_number=last,
        history=history,
        latest=history[-1] if history else None,
        provenance=provenance,
        indicators=_labelled(scored.filter(pl.col("round") == indicator_round)),
        all_indicators=scored,
        indicator_round=indicator_round,  # type: ignore[arg-type]
        facts=facts,
        status_history=list(site_history(user=user, site=site)),
        generated_at=timezone.now(),
    )


def site_pyramid_values(profile: SiteProfile) -> dict[str, int | None] | None:
    """The sex and age groups of the site's latest figures; None for an emptied site."""
    latest = profile.latest
    if not latest or latest["ind"] == 0:
        return None
    return {n: latest[n] for n in SITE_NAMES}


@dataclass(frozen=True)
class RoundReport:
    """One round of an operation: headline, map layers, breakdown, sites, origins and the
    sites' standing against each sector indicator."""

    operation: Operation
    round: Round
    headline: Headline
    breakdown: AdminFigures
    units: AdminFigures  # at the operation's location level (the map's circles)
    sites: SiteFigures
    origins: list[dict[str, Any]]
    indicators: list[dict[str, Any]]
    generated_at: dt.datetime
    # level -> the map's class bounds, fixed for the operation as the dashboard's are
    class_bounds: dict[int, list[int]] = field(default_factory=dict)

    @property
    def provenance(self) -> Provenance:
        return self.headline.provenance


def round_report(*, user: AnyUser, operation: Operation, round_number: int) -> RoundReport:
    """Round `round_number` as the user may read it (NotFound when they may not see it)."""
    round_ = round_get(operation=operation, number=round_number, user=user)
    headline = fq.figures_headline(user=user, operation=operation, round_number=round_number)
    breakdown = fq.figures_by_admin(
        user=user,
        operation=operation,
        round_number=round_number,
        level=min(1, operation.location_level),
    )
    units = fq.figures_by_admin(
        user=user, operation=operation, round_number=round_number, level=operation.location_level
    )
    sites = fq.figures_by_site(user=user, operation=operation, round_number=round_number)
    matrix = fq.figures_origin_matrix(
        user=user,
        operation=operation,
        round_number=round_number,
        origin_level=min(2, operation.location_level),
        destination_level=0,
    )
    summary = round_indicator_summary(user=user, operation=operation, round_number=round_number)
    return RoundReport(
        operation=operation,
        round=round_,
        headline=headline,
        breakdown=breakdown,
        units=units,
        sites=sites,
        origins=charts.origins_top(matrix, TOP_ORIGINS),
        indicators=[
            row | {"sector": Sector(row["sector"]).label} for row in summary.iter_rows(named=True)
        ],
        generated_at=timezone.now(),
        class_bounds={
            level: charts.class_breaks(
                fq.figures_level_values(
                    user=user, operation=operation, level=level, measure=charts.CHOROPLETH_MEASURE
                )
            )
            for level in sorted({breakdown.level, units.level})
        },
    )


def report_reader(user: AnyUser) -> User | None:
    """Whose renders a reader's are: their account's, or None for a visitor (who reads what
    the public reads, so visitors share theirs)."""
    return user if isinstance(user, User) and user.is_authenticated else None


def report_render_get(*, user: AnyUser, operation: Operation, pk: int) -> ReportRender:
    """A render of the reader's own (a visitor's: one asked for without logging in), NotFound
    otherwise: a PDF made for another reader may hold what this one may not see."""
    found = ReportRender.objects.filter(
        operation=operation, requested_by=report_reader(user), pk=pk
    ).first()
    if found is None:
        raise NotFound(f"No report {pk} of yours in {operation.code}.")
    return found
