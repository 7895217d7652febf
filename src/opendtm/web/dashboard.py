"""The dashboard's filters and widgets: one filtered question, every widget an answer to it.

The page's state lives in its query string only (`round`, `pcode`, `site_type`,
`site_status`), so back/forward, reload and a shared link show the same page. `Filters` reads
it once; each widget (headline, map, trend, pyramid, tables, downloads) asks
`figures.answers` the same `FiguresRequest`, changed only in its grouping and level, so the
headline, the sum of a table and its download are one number.

The site filters keep sites: the figures by site, the headline's site counts and the pyramid
of people in sites follow them. The IDPs of a location come from its baseline, which no site
filter can split: those figures stay whole and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict

from opendtm.figures import queries as fq
from opendtm.figures.answers import figures_answer
from opendtm.figures.choices import Grouping
from opendtm.figures.request import (
    DEFAULT_LEVEL,
    DEFAULT_ORIGIN_LEVEL,
    FiguresRequest,
    whole_number,
)
from opendtm.figures.results import AdminFigures, Headline, OriginMatrix, SiteFigures, TimeSeries
from opendtm.gazetteer.models import AdminUnit
from opendtm.gazetteer.outlines import basemap, outline_levels, unit_outlines
from opendtm.operations.choices import RoundStatus, SiteStatus, SiteType
from opendtm.operations.queries import admin_unit_for_code
from opendtm.web import charts

CHOROPLETH_MAX_UNITS = 400
"""More outlines than this make a page too heavy for a field office's connection."""
SITES_SHOWN = 20
"""Sites listed on the dashboard (the download and the sites page hold them all)."""
ORIGINS_SHOWN = 10
MAP_MEASURE = "idp_ind"


@dataclass(frozen=True)
class Filters:
    """What the dashboard's query string asks: a round (None: the default one), an admin unit
    (`pcode`; `parent` is its older name, from drill-down links), a site type and status."""

    round_number: int | None = None
    pcode: str | None = None
    site_type: str | None = None
    site_status: str | None = None

    @classmethod
    def read(cls, query: QueryDict) -> Filters:
        def text(name: str) -> str | None:
            return (query.get(name) or "").strip() or None

        return cls(
            round_number=whole_number("round", query.get("round")),
            pcode=text("parent") or text("pcode"),
            site_type=text("site_type"),
            site_status=text("site_status"),
        )

    def query(self, **changes: Any) -> str:
        """The query string of these filters, with `changes` (None drops a filter)."""
        asked = replace(self, **changes)
        pairs = (
            ("round", asked.round_number),
            ("pcode", asked.pcode),
            ("site_type", asked.site_type),
            ("site_status", asked.site_status),
        )
        return urlencode([(k, v) for k, v in pairs if v is not None])

    @property
    def sites_filtered(self) -> bool:
        return bool(self.site_type or self.site_status)

    def request(
        self,
        operation: Any,
        grouping: Grouping,
        *,
        level: int = DEFAULT_LEVEL,
        origin_level: int = DEFAULT_ORIGIN_LEVEL,
    ) -> FiguresRequest:
        """The one figures question of these filters for a widget of `grouping`. The site
        filters go to the figures by site only (the others count locations)."""
        site = grouping == Grouping.SITE
        return FiguresRequest(
            operation=operation,
            grouping=grouping,
            round_number=self.round_number,
            level=level,
            origin_level=origin_level,
            pcode=self.pcode,
            site_type=self.site_type if site else None,
            site_status=self.site_status if site else None,
        )


def figures_request(
    query: QueryDict, operation: Any, grouping: Grouping, *, level: int
) -> FiguresRequest:
    """The figures question of a page's query string: the filters, and `level` and
    `origin_level` when given (else `level` and the default origin level)."""
    return Filters.read(query).request(
        operation,
        grouping,
        level=whole_number("level", query.get("level"), level),
        origin_level=whole_number("origin_level", query.get("origin_level"), DEFAULT_ORIGIN_LEVEL),
    )


def default_round(rounds: list[Any]) -> int | None:
    """The round a dashboard opens on: the latest published one the user may see (analysts
    too: a draft is shown only when asked for), else the latest they may see."""
    published = [r.number for r in rounds if r.status == RoundStatus.PUBLISHED]
    if published:
        return published[-1]
    return rounds[-1].number if rounds else None


def ancestry(operation: Any, pcode: str | None) -> list[AdminUnit]:
    """The unit `pcode` names and its parents, country first; [] for the whole operation."""
    if not pcode:
        return []
    unit: AdminUnit | None = admin_unit_for_code(country_iso3=operation.country_iso3, code=pcode)
    chain = []
    while unit is not None:
        chain.append(unit)
        unit = unit.parent
    return chain[::-1]


def breadcrumbs(filters: Filters, chain: list[AdminUnit], operation: Any) -> list[dict[str, Any]]:
    """Links up the drill-down, each naming its unit; the last (the unit shown) has none."""
    crumbs = [{"name": operation.name, "query": filters.query(pcode=None)}]
    crumbs += [
        {"name": f"{u.name} ({u.pcode})", "query": filters.query(pcode=u.pcode)}
        for u in chain
        if u.level > 0
    ]
    crumbs[-1]["query"] = None
    return crumbs


def breakdown_context(answer: AdminFigures, finest: int, filters: Filters) -> dict[str, Any]:
    """The breakdown table: its rows, each a drill-down link (keeping the other filters) while
    a finer level exists, and its totals."""
    rows = list(answer.rows.iter_rows(named=True))
    drill = answer.level < finest
    for row in rows:
        row["query"] = filters.query(pcode=row["pcode"]) if drill else None
    return {
        "rows": rows,
        "level": answer.level,
        "within": answer.within,
        "totals": answer.totals,
        "drill": drill,
        "round": answer.provenance.round_number,
        "download_query": urlencode(
            [("round", answer.provenance.round_number), ("level", answer.level)]
            + ([("pcode", answer.within)] if answer.within else [])
        ),
    }


def _choropleth(user: Any, operation: Any, answer: AdminFigures) -> dict[str, Any] | None:
    """The answer's units drawn as filled outlines, in classes fixed for the operation, the
    level and the measure (`charts.class_breaks` of `figures_level_values`: the published
    rounds' values), the same for every reader and every round. None without outlines or past
    CHOROPLETH_MAX_UNITS."""
    if answer.level not in outline_levels(operation.country_iso3):
        return None
    if answer.rows.height > CHOROPLETH_MAX_UNITS:
        return None
    outlines = unit_outlines(answer.rows.get_column("unit_id").to_list())
    values = fq.figures_level_values(
        user=user, operation=operation, level=answer.level, measure=MAP_MEASURE
    )
    return charts.choropleth_data(answer, outlines, charts.class_breaks(values))


@dataclass
class Widgets:
    """The answers of one dashboard, all to the same filters."""

    headline: Headline
    breakdown: AdminFigures
    sites: SiteFigures
    origins: OriginMatrix
    trend: TimeSeries | None


def widgets(user: Any, operation: Any, filters: Filters, unit: AdminUnit | None) -> Widgets:
    """Every widget's answer to `filters` (their round already chosen)."""
    finest = operation.location_level
    level = min(unit.level + 1, finest) if unit is not None else min(DEFAULT_LEVEL, finest)

    def ask(grouping: Grouping, **options: Any) -> Any:
        return figures_answer(user=user, request=filters.request(operation, grouping, **options))

    trend: Any = None
    place = unit.pcode if unit is not None else None
    if place is None:
        country = ask(Grouping.ADMIN, level=0)
        place = country.rows.get_column("pcode")[0] if country.rows.height else None
    if place is not None:
        trend = figures_answer(
            user=user,
            request=FiguresRequest(operation=operation, grouping=Grouping.ROUND, pcode=place),
        )
    return Widgets(
        headline=ask(Grouping.HEADLINE),
        breakdown=ask(Grouping.ADMIN, level=level),
        sites=ask(Grouping.SITE),
        origins=ask(Grouping.ORIGIN, level=unit.level if unit is not None else 0),
        trend=trend,
    )


def dashboard_context(user: Any, operation: Any, filters: Filters) -> dict[str, Any]:
    """Everything the dashboard template shows for `filters` (their round chosen)."""
    chain = ancestry(operation, filters.pcode)
    unit = chain[-1] if chain else None
    w = widgets(user, operation, filters, unit)
    areas = _choropleth(user, operation, w.breakdown)
    figure_map = charts.map_data(w.breakdown, w.sites, areas)
    bounds = charts.map_bounds(figure_map)
    if bounds is not None:
        figure_map["bounds"] = [round(b, 3) for b in bounds]
        figure_map["basemap"] = basemap(bounds)
    headline = w.headline
    kpi_sites = {"sites": headline.figures["sites"], "site_ind": headline.figures["site_ind"]}
    if filters.sites_filtered:
        kpi_sites = {"sites": w.sites.total_rows, "site_ind": w.sites.totals["ind"]}
    return {
        "filters": filters,
        "query": filters.query(),
        "draft": headline.provenance.round_status != RoundStatus.PUBLISHED,
        "unit": unit,
        "selected_pcode": unit.pcode if unit is not None and unit.level > 0 else "",
        "crumbs": breadcrumbs(filters, chain, operation),
        "areas": _area_choices(chain, w.breakdown),
        "site_types": SiteType.choices,
        "site_statuses": SiteStatus.choices,
        "headline": headline,
        "kpi_sites": kpi_sites,
        "breakdown": breakdown_context(w.breakdown, operation.location_level, filters),
        "sites": w.sites,
        "site_rows": [
            row
            | {
                "type_label": SiteType(row["site_type"]).label
                if row["site_type"] in SiteType.values
                else row["site_type"],
                "status_label": SiteStatus(row["site_status"]).label
                if row["site_status"] in SiteStatus.values
                else row["site_status"],
            }
            for row in w.sites.rows.head(SITES_SHOWN).iter_rows(named=True)
        ],
        "site_query": filters.query(),
        "map": figure_map,
        "trend": charts.trend_data(w.trend) if w.trend is not None else None,
        "trend_query": urlencode({"pcode": w.trend.unit["pcode"]}) if w.trend else "",
        "pyramid": charts.sites_pyramid(w.sites)
        if filters.sites_filtered
        else charts.headline_pyramid(headline),
        "origins": charts.origins_top(w.origins, ORIGINS_SHOWN),
        "origin_query": urlencode(
            [("round", filters.round_number), ("level", unit.level if unit else 0)]
            + ([("pcode", unit.pcode)] if unit is not None and unit.level > 0 else [])
            + [("origin_level", DEFAULT_ORIGIN_LEVEL)]
        ),
        "provenance": headline.provenance,
    }


def _area_choices(chain: list[AdminUnit], breakdown: AdminFigures) -> list[dict[str, Any]]:
    """The admin-area selector: the whole operation, the units up the drill-down, and the units
    one level down (the breakdown's rows)."""
    indent = "\u00a0\u00a0"
    choices: list[dict[str, Any]] = [{"pcode": "", "label": None}]
    choices += [
        {"pcode": u.pcode, "label": f"{indent * (i + 1)}{u.name} ({u.pcode})"}
        for i, u in enumerate(u for u in chain if u.level > 0)
    ]
    seen = {c["pcode"] for c in choices}
    below = indent * len(choices)
    choices += [
        {"pcode": r["pcode"], "label": f"{below}{r['name']} ({r['pcode']})"}
        for r in breakdown.rows.iter_rows(named=True)
        if r["pcode"] not in seen
    ]
    return choices
