"""The PDF documents: a site profile and a round report, for the web and the CLI alike.

Each is read for the acting user (`reports.queries`), laid out by its template and rendered
by `reports.rendering`; the name is the one a download and `--output` default to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opendtm.mobility import indicators as site_rules
from opendtm.operations.models import Operation
from opendtm.operations.queries import AnyUser
from opendtm.reports import maps
from opendtm.reports.queries import (
    RoundReport,
    SiteProfile,
    round_report,
    site_profile,
    site_pyramid_values,
)
from opendtm.reports.rendering import pdf_render
from opendtm.web import charts

SITE_ROWS = 100
"""A round report lists its largest sites up to this many (the dashboard downloads them all):
a thousand-site round would otherwise be a thirty-page PDF."""


@dataclass(frozen=True)
class Document:
    name: str
    content: bytes


def site_pyramid_rows(profile: SiteProfile) -> list[tuple[str, int | None, int | None]]:
    """The latest sex and age groups as (bracket, female, male) rows for a table."""
    values = site_pyramid_values(profile)
    if values is None:
        return []
    data = charts.pyramid_data(values)
    return list(zip(data["brackets"], data["female"], data["male"], strict=True))


def site_context(profile: SiteProfile) -> dict[str, Any]:
    value = profile.latest["ind"] if profile.latest else None
    return {
        "operation": profile.operation,
        "site": profile.site,
        "profile": profile,
        "pyramid": site_pyramid_rows(profile),
        "map": maps.site_map(profile.site, value),
    }


def site_profile_pdf(
    *, user: AnyUser, operation: Operation, site_id: str, round_number: int | None = None
) -> Document:
    """The site's profile as of the round (default: the latest the user may see) as a PDF."""
    profile = site_profile(
        user=user, operation=operation, site_id=site_id, round_number=round_number
    )
    content = pdf_render("reports/site.html", site_context(profile))
    name = f"{operation.code}-site-{profile.site.site_id}-r{profile.round_number or 0}.pdf"
    return Document(name, content)


def round_context(report: RoundReport) -> dict[str, Any]:
    areas = maps.choropleth(report.operation.country_iso3, [report.units, report.breakdown])
    return {
        "operation": report.operation,
        "report": report,
        "areas": areas,
        "map": maps.round_map(report.units, report.sites, areas),
        "breakdown_rows": list(report.breakdown.rows.iter_rows(named=True)),
        "site_rows": list(
            report.sites.rows.sort("ind", descending=True, nulls_last=True)
            .head(SITE_ROWS)
            .iter_rows(named=True)
        ),
        "site_rows_shown": min(SITE_ROWS, report.sites.total_rows),
        "rules": site_rules.VERSION,
    }


def round_report_pdf(*, user: AnyUser, operation: Operation, round_number: int) -> Document:
    """Round `round_number` as the user may read it, as a PDF."""
    report = round_report(user=user, operation=operation, round_number=round_number)
    content = pdf_render("reports/round.html", round_context(report))
    return Document(f"{operation.code}-round-{round_number}.pdf", content)
