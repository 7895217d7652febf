"""Endpoints of the figures: by admin unit, site, origin and round, and the headline.

Thin: every number comes from `figures.queries` (which applies the role rules and suppresses
small counts in published outputs), every download from `figures.exports`. `?format=csv|hxl`
returns the same rows as a file: the page asked for, or every row when no `limit` is given.
Answers of published rounds are kept by the response cache (`api.cache`), after access is
checked; unpublished rounds are computed on every request.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from opendtm.api.access import operation_for, request_user
from opendtm.api.cache import figures_response, json_response, own_key
from opendtm.api.fastpath import cacheable, query_spec, query_values
from opendtm.api.registry import DATE_FROM, DATE_TO, MAX_LIMIT, MAX_OFFSET
from opendtm.api.schemas import FiguresPage, HeadlineOut, SeriesOut
from opendtm.figures import queries
from opendtm.figures.exports import Answer, answer_pages, export_frame, export_write
from opendtm.figures.results import AdminFigures, OriginMatrix, SiteFigures
from opendtm.gazetteer.models import MAX_LEVEL

router = Router(tags=["figures"])

Format = Literal["json", "csv", "hxl"]
Paged = AdminFigures | SiteFigures | OriginMatrix
FORMAT = Query("json", description="json (default), csv, or hxl (CSV with an HXL tag row).")
ROUND = Query(None, ge=1, description="Round number; default: the latest you may see.")
PCODE = Query(None, description="Only rows within this admin unit (P-code or alt. code).")
LIMIT = Query(
    None, ge=0, le=MAX_LIMIT, description="Rows per page (JSON default 100, at most 10,000)."
)
OFFSET = Query(0, ge=0, le=MAX_OFFSET, description="Rows to skip.")
EXACT = Query(False, description="Analysts and up: published values without suppression.")
JSON_LIMIT = 100


def _rows(answer: Answer) -> list[dict[str, Any]]:
    return list(export_frame(answer).iter_rows(named=True))


def _download(pages: Iterable[Answer], fmt: str, name: str) -> HttpResponse:
    out = io.BytesIO()
    export_write(pages, fmt, out)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _answer(
    fetch: Callable[[int | None, int], Paged],
    fmt: str,
    limit: int | None,
    offset: int,
    name: str,
) -> dict[str, Any] | HttpResponse:
    if fmt != "json":
        if limit is None:
            return _download(answer_pages(fetch), fmt, name)  # type: ignore[type-var]
        return _download([fetch(limit, offset)], fmt, name)
    limit = JSON_LIMIT if limit is None else limit
    answer = fetch(limit, offset)
    return {
        "count": answer.total_rows,
        "limit": limit,
        "offset": offset,
        "provenance": answer.provenance.as_dict(),
        "totals": answer.totals,
        "results": _rows(answer),
    }


def _key(
    request: HttpRequest, code: str, endpoint: str, answering: Callable[..., Any]
) -> str | None:
    """The cache key of the answer of `answering` (`api.cache.own_key`), its query parameters
    read as the endpoint declares them; None when not cached. Checks access first."""
    values = query_values(request, query_spec(answering))
    if values is None:
        return None
    operation = operation_for(request, code)
    round_number, exact = values.pop("round"), values.pop("exact")
    return own_key(
        request,
        endpoint=endpoint,
        operation=operation,
        round_number=round_number,
        exact=exact,
        pcode=values.pop("pcode", None),
        params=values,
    )


# One key function per cached endpoint, `(request, **path kwargs) -> key or None`: the endpoint
# keys its answer with it, and so does the response cache's short path (`api.fastpath`).
@cacheable("api-v1:figures_admin")
def figures_admin_key(request: HttpRequest, *, code: str) -> str | None:
    return _key(request, code, "admin", figures_admin)


@cacheable("api-v1:figures_sites")
def figures_sites_key(request: HttpRequest, *, code: str) -> str | None:
    return _key(request, code, "sites", figures_sites)


@cacheable("api-v1:figures_origins")
def figures_origins_key(request: HttpRequest, *, code: str) -> str | None:
    return _key(request, code, "origins", figures_origins)


@cacheable("api-v1:figures_headline")
def figures_headline_key(request: HttpRequest, *, code: str) -> str | None:
    return _key(request, code, "headline", figures_headline)


def _cached(
    request: HttpRequest,
    schema: type[Schema],
    produce: Callable[[], dict[str, Any] | HttpResponse],
    key: str | None,
) -> HttpResponse:
    """The answer from the response cache when it is a published round's, else computed."""

    def made() -> HttpResponse:
        result = produce()
        return result if isinstance(result, HttpResponse) else json_response(schema, result)

    return figures_response(request, key, made)


@router.get(
    "/operations/{code}/figures/admin",
    response=FiguresPage,
    summary="Figures by admin unit",
    openapi_extra={"responses": {200: {"content": {"text/csv": {}}}}},
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
    operation = operation_for(request, code)
    user = request_user(request)
    return _cached(
        request,
        FiguresPage,
        lambda: _answer(
            lambda lim, off: queries.figures_by_admin(
                user=user,
                operation=operation,
                round_number=round,
                level=level,
                parent_pcode=pcode,
                limit=lim,
                offset=off,
                exact=exact,
            ),
            format,
            limit,
            offset,
            f"{operation.code}-admin{level}",
        ),
        figures_admin_key(request, code=code),
    )


@router.get(
    "/operations/{code}/figures/sites",
    response=FiguresPage,
    summary="Figures by site",
    openapi_extra={"responses": {200: {"content": {"text/csv": {}}}}},
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
    operation = operation_for(request, code)
    user = request_user(request)
    return _cached(
        request,
        FiguresPage,
        lambda: _answer(
            lambda lim, off: queries.figures_by_site(
                user=user,
                operation=operation,
                round_number=round,
                parent_pcode=pcode,
                limit=lim,
                offset=off,
                exact=exact,
            ),
            format,
            limit,
            offset,
            f"{operation.code}-sites",
        ),
        figures_sites_key(request, code=code),
    )


@router.get(
    "/operations/{code}/figures/origins",
    response=FiguresPage,
    summary="IDPs by origin and current location",
    openapi_extra={"responses": {200: {"content": {"text/csv": {}}}}},
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
    operation = operation_for(request, code)
    user = request_user(request)
    return _cached(
        request,
        FiguresPage,
        lambda: _answer(
            lambda lim, off: queries.figures_origin_matrix(
                user=user,
                operation=operation,
                round_number=round,
                origin_level=origin_level,
                destination_level=level,
                parent_pcode=pcode,
                limit=lim,
                offset=off,
                exact=exact,
            ),
            format,
            limit,
            offset,
            f"{operation.code}-origins",
        ),
        figures_origins_key(request, code=code),
    )


@router.get(
    "/operations/{code}/figures/rounds",
    response=SeriesOut,
    summary="Time series of an admin unit",
    openapi_extra={"responses": {200: {"content": {"text/csv": {}}}}},
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
    operation = operation_for(request, code)
    series = queries.figures_time_series(
        user=request_user(request),
        operation=operation,
        pcode=pcode,
        exact=exact,
        date_from=date_from,
        date_to=date_to,
    )
    if format != "json":
        return _download([series], format, f"{operation.code}-{pcode}-rounds")
    rows = _rows(series)
    return {
        "count": len(rows),
        "unit": series.unit,
        "provenance": [p.as_dict() for p in series.provenance],
        "results": rows,
    }


@router.get(
    "/operations/{code}/figures/headline", response=HeadlineOut, summary="Headline of a round"
)
def figures_headline(
    request: HttpRequest, code: str, round: int | None = ROUND, exact: bool = EXACT
) -> HttpResponse:
    """The round's totals for the whole operation and their change since the previous round."""
    operation = operation_for(request, code)

    def produce() -> dict[str, Any]:
        headline = queries.figures_headline(
            user=request_user(request), operation=operation, round_number=round, exact=exact
        )
        return {
            "provenance": headline.provenance.as_dict(),
            "figures": headline.figures,
            "previous": headline.previous,
            "change": headline.change,
            "change_pct": headline.change_pct,
        }

    return _cached(
        request,
        HeadlineOut,
        produce,
        figures_headline_key(request, code=code),
    )
