"""The needs dashboard of one round: severity per sector and admin unit (a colour-classed
table, and a choropleth where the gazetteer has outlines), people in need by sector and unit,
the priority needs of the area with the places behind each share, and the sites ranked by
severity; its downloads (CSV, XLSX, HXL, JSON).

Thin, as the dashboard: the query string (`round`, `pcode`, `sector`) is read once
(`NeedsFilters`), every number is an answer of `needs.queries` as it is (small counts of
people already hidden in a published round; a hidden cell stays None and is shown as `*`),
and the downloads are `needs.exports`, the code of `opendtm figures --by needs`. Access is the
dashboard's: the round must be one the user may see (`Round.objects.visible_to`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

import polars as pl
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import can
from opendtm.core.errors import InvalidInput
from opendtm.figures.answers import figures_needs
from opendtm.figures.choices import Grouping
from opendtm.figures.request import DEFAULT_LEVEL, FiguresRequest, whole_number
from opendtm.forms.queries import form_spec_get
from opendtm.gazetteer.models import AdminUnit
from opendtm.gazetteer.outlines import basemap, outline_levels, unit_outlines
from opendtm.mobility.choices import AssessmentForm
from opendtm.needs.choices import INTERSECTORAL
from opendtm.needs.exports import export_bytes
from opendtm.needs.queries import (
    NeedsFigures,
    needs_by_admin,
    needs_priority,
    ruleset_get,
    site_severity,
)
from opendtm.operations.choices import RoundStatus
from opendtm.operations.models import Operation
from opendtm.operations.queries import AnyUser, rounds_of
from opendtm.web import charts
from opendtm.web.access import OperationRequest, operation_view
from opendtm.web.dashboard import CHOROPLETH_MAX_UNITS, ancestry, default_round

SITES_SHOWN = 50
"""Sites ranked on the page (the API's site severity holds them all)."""
DOWNLOADS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "hxl": ("text/csv; charset=utf-8", "hxl.csv"),
    "json": ("application/json", "json"),
}


@dataclass(frozen=True)
class NeedsFilters:
    """What the page's query string asks: a round (None: the default one), an admin unit
    (`pcode`), and a sector (None: intersectoral) for the map, the distribution and the
    ranking of sites."""

    round_number: int | None = None
    pcode: str | None = None
    sector: str | None = None

    @classmethod
    def read(cls, query: QueryDict) -> NeedsFilters:
        def text(name: str) -> str | None:
            return (query.get(name) or "").strip() or None

        return cls(
            round_number=whole_number("round", query.get("round")),
            pcode=text("pcode"),
            sector=text("sector"),
        )

    def query(self, **changes: Any) -> str:
        asked = replace(self, **changes)
        pairs = (("round", asked.round_number), ("pcode", asked.pcode), ("sector", asked.sector))
        return urlencode([(k, v) for k, v in pairs if v is not None])


def _level(operation: Operation, unit: AdminUnit | None) -> int:
    """The level of the rows: one below the unit shown (the dashboard's drill-down)."""
    finest = operation.location_level
    return min(unit.level + 1, finest) if unit is not None else min(DEFAULT_LEVEL, finest)


def _need_labels() -> dict[str, str]:
    """The label of each priority need's choice, from the baseline and site forms."""
    labels: dict[str, str] = {}
    for form_id, field in (
        (AssessmentForm.SITE, "priority_need_1"),
        (AssessmentForm.BASELINE, "priority_needs"),
    ):
        spec = form_spec_get(form_id=form_id)
        lists = [f.list_name for f in spec.fields if f.name == field and f.list_name]
        for name in lists:
            labels |= {c.name: c.label for c in spec.choices.get(name, [])}
    return labels


def severity_matrix(
    figures: NeedsFigures, sectors: list[str], filters: NeedsFilters, drill: bool
) -> list[dict[str, Any]]:
    """One row per unit: its code, name, drill-down query and, per sector, its severity and
    its people in need (None: not assessed in that sector, or hidden)."""
    rows: dict[int, dict[str, Any]] = {}
    for r in figures.rows.iter_rows(named=True):
        row = rows.setdefault(
            r["unit_id"],
            {
                "pcode": r["pcode"],
                "name": r["name"],
                "query": filters.query(pcode=r["pcode"]) if drill else None,
                "severity": {},
                "pin": {},
            },
        )
        row["severity"][r["sector"]] = r["severity"]
        row["pin"][r["sector"]] = r["pin_ind"]
    for row in rows.values():
        row["severity_cells"] = [row["severity"].get(s) for s in sectors]
        row["pin_cells"] = [
            {"value": row["pin"].get(s), "assessed": s in row["pin"]} for s in sectors
        ]
    return list(rows.values())


def ranked_sites(frame: pl.DataFrame, sector: str, count: int) -> tuple[list[dict[str, Any]], int]:
    """The sites by their severity in `sector` (intersectoral: the overall one), most severe
    first then by code, with the indicator (or sector) behind each score; and how many
    sites were scored."""
    chosen = frame.filter(pl.col("sector") == sector).filter(pl.col("severity").is_not_null())
    chosen = chosen.sort(["severity", "site_code"], descending=[True, False])
    return list(chosen.head(count).iter_rows(named=True)), chosen.height


def _choropleth(figures: NeedsFigures, sector: str, operation: Operation) -> dict[str, Any] | None:
    """The units at the figures' level shaded by their severity in `sector`; None without
    outlines or past CHOROPLETH_MAX_UNITS."""
    rows = figures.rows.filter(pl.col("sector") == sector)
    if figures.level not in outline_levels(operation.country_iso3):
        return None
    if rows.is_empty() or rows.height > CHOROPLETH_MAX_UNITS:
        return None
    outlines = unit_outlines(rows.get_column("unit_id").to_list())
    areas = charts.severity_choropleth(rows, outlines, figures.level)
    if areas is None:
        return None
    data: dict[str, Any] = {
        "areas": areas,
        "units": {"lat": [], "lon": [], "value": [], "label": []},
    }
    bounds = charts.map_bounds(data)
    if bounds is not None:
        data["bounds"] = [round(b, 3) for b in bounds]
        data["basemap"] = basemap(bounds)
    return data


def needs_context(user: AnyUser, operation: Operation, filters: NeedsFilters) -> dict[str, Any]:
    """Everything the needs page shows for `filters` (their round chosen)."""
    chain = ancestry(operation, filters.pcode)
    unit = chain[-1] if chain else None
    level = _level(operation, unit)
    within = unit.pcode if unit is not None and unit.level > 0 else None
    figures = needs_by_admin(
        user=user,
        operation=operation,
        round_number=filters.round_number,
        level=level,
        parent_pcode=within,
    )
    rules = ruleset_get(version=figures.rules_version)
    codes = [*rules.sector_codes(), INTERSECTORAL]
    labels = {c: rules.sector_label(c) for c in rules.sector_codes()}
    labels[INTERSECTORAL] = _("Intersectoral")
    sector = filters.sector or INTERSECTORAL
    if sector not in codes:
        raise InvalidInput(
            f"Sector {sector!r} is not one of rule set {rules.version}: {', '.join(codes)}."
        )
    drill = level < operation.location_level
    detail = [
        r | {"distribution": [r[f"pop_l{k}"] for k in range(1, 6)]}
        for r in figures.rows.filter(pl.col("sector") == sector).iter_rows(named=True)
    ]
    priority = needs_priority(
        user=user,
        operation=operation,
        round_number=filters.round_number,
        level=unit.level if unit is not None else 0,
        parent_pcode=within,
    )
    need_labels = _need_labels()
    bars = [
        r
        | {
            "label": need_labels.get(r["need"], r["need"]),
            "percent": round(100 * r["share_places"]) if r["share_places"] is not None else None,
            "percent_people": round(100 * r["share_people"])
            if r["share_people"] is not None
            else None,
        }
        for r in priority.iter_rows(named=True)
    ]
    sites, scored = ranked_sites(
        site_severity(
            user=user,
            operation=operation,
            round_number=filters.round_number,
            parent_pcode=within,
        ),
        sector,
        SITES_SHOWN,
    )
    indicator_labels = {i["key"]: i["label"] for i in rules.indicators("site")}
    for s in sites:
        behind = s["worst_indicator"]
        s["behind"] = (
            labels.get(behind) if sector == INTERSECTORAL else indicator_labels.get(behind)
        )
    crumbs: list[dict[str, Any]] = [{"name": operation.name, "query": filters.query(pcode=None)}]
    crumbs += [
        {"name": f"{u.name} ({u.pcode})", "query": filters.query(pcode=u.pcode)}
        for u in chain
        if u.level > 0
    ]
    crumbs[-1]["query"] = None
    indent = "\u00a0\u00a0"
    area_choices = [
        {"pcode": u.pcode, "label": f"{indent * i}{u.name} ({u.pcode})"}
        for i, u in enumerate((u for u in chain if u.level > 0), start=1)
    ]
    seen = {a["pcode"] for a in area_choices}
    area_choices += [
        {
            "pcode": r["pcode"],
            "label": f"{indent * (len(area_choices) + 1)}{r['name']} ({r['pcode']})",
        }
        for r in figures.rows.unique("unit_id", maintain_order=True).iter_rows(named=True)
        if r["pcode"] not in seen
    ]
    return {
        "filters": filters,
        "figures": figures,
        "draft": figures.round_status != RoundStatus.PUBLISHED,
        "unit": unit,
        "level": level,
        "crumbs": crumbs,
        "area_choices": area_choices,
        "sector": sector,
        "sector_label": labels[sector],
        "sectors": [{"code": c, "label": labels[c]} for c in codes],
        "matrix": severity_matrix(figures, codes, filters, drill),
        "detail": detail,
        "levels": [1, 2, 3, 4, 5],
        "bars": {
            "locations": [b for b in bars if b["source"] == "locations"],
            "sites": [b for b in bars if b["source"] == "sites"],
        },
        "ranked": sites,
        "scored_sites": scored,
        "map": _choropleth(figures, sector, operation),
        "download_query": urlencode(
            [("round", figures.round_number), ("level", level)]
            + ([("pcode", within)] if within else [])
        ),
    }


@require_GET
@operation_view(Action.VIEW_PUBLISHED)
def needs_dashboard(request: OperationRequest) -> HttpResponse:
    """Severity, people in need, priority needs and sites ranked by severity of one round, for
    the admin area and sector the query string asks."""
    operation, user = request.operation, request.user
    filters = NeedsFilters.read(request.GET)
    FiguresRequest(  # checks the round and the area as every figures question is checked
        operation=operation, grouping=Grouping.NEEDS, round_number=filters.round_number
    )
    rounds = list(rounds_of(operation=operation, user=user))
    number = filters.round_number if filters.round_number is not None else default_round(rounds)
    context: dict[str, Any] = {"operation": operation, "rounds": rounds, "number": number}
    if number is not None:
        context |= needs_context(user, operation, replace(filters, round_number=number))
    context["may_export"] = can(user, Action.EXPORT, operation)
    return render(request, "web/needs.html", context)


@require_GET
@operation_view(Action.EXPORT)
def needs_download(request: OperationRequest, fmt: str) -> HttpResponse:
    """The needs figures of the page's round, level and area as CSV, XLSX, HXL or JSON,
    written by needs.exports (the files of `opendtm figures --by needs`)."""
    if fmt not in DOWNLOADS:
        raise Http404("Unknown download.")
    query = request.GET
    asked = FiguresRequest(
        operation=request.operation,
        grouping=Grouping.NEEDS,
        round_number=whole_number("round", query.get("round")),
        level=whole_number("level", query.get("level"), DEFAULT_LEVEL),
        pcode=query.get("pcode"),
        sector=(query.get("sector") or "").strip() or None,
    )
    figures = figures_needs(user=request.user, request=asked)
    content_type, extension = DOWNLOADS[fmt]
    name = f"{request.operation.code}-r{figures.round_number}-needs{figures.level}.{extension}"
    response = HttpResponse(export_bytes(figures, fmt), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
