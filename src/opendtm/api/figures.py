"""Endpoints of the figures: by admin unit, site, origin and round, and the headline.

Thin: the parameters become one `figures.request.FiguresRequest`, answered by the one
dispatcher (`figures.answers`, over `figures.queries`, which applies the role rules and
suppresses small counts in published outputs) and keyed in the response cache from the same
request; every download comes from `figures.exports`. `?format=csv|hxl`
returns the same rows as a file: the page asked for, or every row when no `limit` is given.
Answers of published rounds are kept by the response cache (`api.cache`), after access is
checked; unpublished rounds are computed on every request.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from opendtm.api.access import operation_for, request_user
from opendtm.api.cache import figures_response, json_response, own_key
from opendtm.api.registry import DATE_FROM, DATE_TO, MAX_LIMIT, MAX_OFFSET
from opendtm.api.schemas import FiguresPage, HeadlineOut, SeriesOut
from opendtm.figures.answers import Answer, figures_answer, figures_pages
from opendtm.figures.choices import Grouping
from opendtm.figures.exports import Answer as Table
from opendtm.figures.exports import export_frame, export_write
from opendtm.figures.request import PAGED, FiguresRequest
from opendtm.figures.results import Headline, TimeSeries
from opendtm.gazetteer.models import MAX_LEVEL

router = Router(tags=["figures"])

Format = Literal["json", "csv", "hxl"]
FORMAT = Query("json", description="json (default), csv, or hxl (CSV with an HXL tag row).")
ROUND = Query(None, ge=1, description="Round number; default: the latest you may see.")
PCODE = Query(None, description="Only rows within this admin unit (P-code or alt. code).")
LIMIT = Query(
    None, ge=0, le=MAX_LIMIT, description="Rows per page (JSON default 100, at most 10,000)."
)
OFFSET = Query(0, ge=0, le=MAX_OFFSET, description="Rows to skip.")
EXACT = Query(False, description="Analysts and up: published values without suppression.")
JSON_LIMIT = 100


def _rows(answer: Table) -> list[dict[str, Any]]:
    return list(export_frame(answer).iter_rows(named=True))


def _download(pages: Iterable[Table], fmt: str, name: str) -> HttpResponse:
    out = io.BytesIO()
    export_write(pages, fmt, out)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _json(answer: Answer) -> dict[str, Any]:
    """The JSON body of an answer, by its kind."""
    if isinstance(answer, Headline):
        return {
            "provenance": answer.provenance.as_dict(),
            "figures": answer.figures,
            "previous": answer.previous,
            "change": answer.change,
            "change_pct": answer.change_pct,
        }
    if isinstance(answer, TimeSeries):
        rows = _rows(answer)
        return {
            "count": len(rows),
            "unit": answer.unit,
            "provenance": [p.as_dict() for p in answer.provenance],
            "results": rows,
        }
    return {
        "count": answer.total_rows,
        "limit": answer.limit,
        "offset": answer.offset,
        "provenance": answer.provenance.as_dict(),
        "totals": answer.totals,
        "results": _rows(answer),
    }


def _served(
    request: HttpRequest,
    schema: type[Schema],
    fmt: str,
    name: str,
    grouping: Grouping,
    **asked: Any,
) -> HttpResponse:
    """The answer to the question the endpoint's parameters ask, from the response cache when
    it is a published round's (its key is derived from the same request), else computed."""
    operation = operation_for(request, asked.pop("code"))
    if fmt == "json" and grouping in PAGED and asked.get("limit") is None:
        asked["limit"] = JSON_LIMIT
    figures = FiguresRequest(operation=operation, grouping=grouping, **asked)
    user = request_user(request)

    def made() -> HttpResponse:
        if fmt != "json":
            pages = figures_pages(user=user, request=figures)
            return _download(pages, fmt, f"{operation.code}-{name}")
        return json_response(schema, _json(figures_answer(user=user, request=figures)))

    return figures_response(request, own_key(request, figures, fmt=fmt), made)


CSV: dict[str, Any] = {"responses": {200: {"content": {"text/csv": {}}}}}


@router.get(
    "/operations/{code}/figures/admin",
    response=FiguresPage,
    summary="Figures by admin unit",
    openapi_extra=CSV,
)
def figures_admin(
    request: HttpRequest,
    code: str,
    round: int | None = ROUND,
    level: int = Query(1, ge=0, le=MAX_LEVEL, description="Admin level of the rows."),
    pcode: str | None = PCODE,
    limit: int | None = LIMIT,
    offset: int = OFFSET,
    exact: bool = EXACT,
    format: Format = FORMAT,
) -> Any:
    """IDPs, returnees, sites and sex-age of every unit at `level` with data, by P-code."""
    return _served(
        request,
        FiguresPage,
        format,
        f"admin{level}",
        Grouping.ADMIN,
        code=code,
        round_number=round,
        level=level,
        pcode=pcode,
        limit=limit,
        offset=offset,
        exact=exact,
    )


@router.get(
    "/operations/{code}/figures/sites",
    response=FiguresPage,
    summary="Figures by site",
    openapi_extra=CSV,
)
def figures_sites(
    request: HttpRequest,
    code: str,
    round: int | None = ROUND,
    pcode: str | None = PCODE,
    limit: int | None = LIMIT,
    offset: int = OFFSET,
    exact: bool = EXACT,
    format: Format = FORMAT,
) -> Any:
    """Every site assessed in the round, by site ID, with its population and change."""
    return _served(
        request,
        FiguresPage,
        format,
        "sites",
        Grouping.SITE,
        code=code,
        round_number=round,
        pcode=pcode,
        limit=limit,
        offset=offset,
        exact=exact,
    )


@router.get(
    "/operations/{code}/figures/origins",
    response=FiguresPage,
    summary="IDPs by origin and current location",
    openapi_extra=CSV,
)
def figures_origins(
    request: HttpRequest,
    code: str,
    round: int | None = ROUND,
    level: int = Query(1, ge=0, le=MAX_LEVEL, description="Admin level of the destination."),
    origin_level: int = Query(2, ge=1, le=MAX_LEVEL, description="Admin level of the origin."),
    pcode: str | None = PCODE,
    limit: int | None = LIMIT,
    offset: int = OFFSET,
    exact: bool = EXACT,
    format: Format = FORMAT,
) -> Any:
    """The origin matrix, by destination then origin."""
    return _served(
        request,
        FiguresPage,
        format,
        "origins",
        Grouping.ORIGIN,
        code=code,
        round_number=round,
        level=level,
        origin_level=origin_level,
        pcode=pcode,
        limit=limit,
        offset=offset,
        exact=exact,
    )


@router.get(
    "/operations/{code}/figures/rounds",
    response=SeriesOut,
    summary="Time series of an admin unit",
    openapi_extra=CSV,
)
def figures_rounds(
    request: HttpRequest,
    code: str,
    pcode: str = Query(..., min_length=1, description="The admin unit (P-code or alt. code)."),
    date_from: dt.date | None = DATE_FROM,
    date_to: dt.date | None = DATE_TO,
    exact: bool = EXACT,
    format: Format = FORMAT,
) -> Any:
    """The unit's figures in every round you may see, oldest first (rounds reported between
    `date_from` and `date_to` when given; the first one's change is still against the round
    before it)."""
    return _served(
        request,
        SeriesOut,
        format,
        f"{pcode.strip()}-rounds",
        Grouping.ROUND,
        code=code,
        pcode=pcode,
        date_from=date_from,
        date_to=date_to,
        exact=exact,
    )


@router.get(
    "/operations/{code}/figures/headline", response=HeadlineOut, summary="Headline of a round"
)
def figures_headline(
    request: HttpRequest, code: str, round: int | None = ROUND, exact: bool = EXACT
) -> HttpResponse:
    """The round's totals for the whole operation and their change since the previous round."""
    return _served(
        request,
        HeadlineOut,
        "json",
        "headline",
        Grouping.HEADLINE,
        code=code,
        round_number=round,
        exact=exact,
    )
