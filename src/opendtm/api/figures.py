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
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from opendtm.api.access import operation_for, request_user
from opendtm.api.cache import figures_response, json_response, own_key
from opendtm.api.fastpath import cacheable, query_read
from opendtm.api.registry import MAX_LIMIT, MAX_OFFSET
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
JSON_LIMIT = 100
CSV: dict[str, Any] = {"responses": {200: {"content": {"text/csv": {}}}}}


# The parameters of each endpoint, once: they become the FiguresRequest that is answered and
# keyed (`_served`), by the field names of FiguresRequest (`round` is its `round_number`).


EXACT = Field(False, description="Analysts and up: published values without suppression.")
FORMAT: Any = Field("json", description="json (default), csv, or hxl (CSV with an HXL tag row).")


class _Exact(Schema):
    round: int | None = Field(
        None, ge=1, description="Round number; default: the latest you may see."
    )
    exact: bool = EXACT


class _Table(_Exact):
    pcode: str | None = Field(
        None, description="Only rows within this admin unit (P-code or alt. code)."
    )
    limit: int | None = Field(
        None, ge=0, le=MAX_LIMIT, description="Rows per page (JSON default 100, at most 10,000)."
    )
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Rows to skip.")
    format: Format = FORMAT


class SitesQuery(_Table):
    site_type: str | None = Field(
        None, description="Only sites of this type (planned_camp, collective_centre, ...)."
    )
    site_status: str | None = Field(
        None, description="Only sites with this status this round (planned, open, closing, closed)."
    )


class AdminQuery(_Table):
    level: int = Field(1, ge=0, le=MAX_LEVEL, description="Admin level of the rows.")


class OriginsQuery(_Table):
    level: int = Field(1, ge=0, le=MAX_LEVEL, description="Admin level of the destination.")
    origin_level: int = Field(2, ge=1, le=MAX_LEVEL, description="Admin level of the origin.")


class SeriesQuery(Schema):
    pcode: str = Field(..., min_length=1, description="The admin unit (P-code or alt. code).")
    date_from: dt.date | None = Field(None, description="Reporting date on or after (YYYY-MM-DD).")
    date_to: dt.date | None = Field(None, description="Reporting date on or before (YYYY-MM-DD).")
    exact: bool = EXACT
    format: Format = FORMAT


class HeadlineQuery(_Exact):
    pass


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


def _asked(
    request: HttpRequest, code: str, grouping: Grouping, query: Schema
) -> tuple[FiguresRequest, str]:
    """The question the endpoint's parameters ask, and the answer's format. Checks access
    first (`operation_for`)."""
    operation = operation_for(request, code)
    asked = query.model_dump()
    fmt = asked.pop("format", "json")
    if "round" in asked:
        asked["round_number"] = asked.pop("round")
    if fmt == "json" and grouping in PAGED and asked["limit"] is None:
        asked["limit"] = JSON_LIMIT
    return FiguresRequest(operation=operation, grouping=grouping, **asked), fmt


def _served(
    request: HttpRequest,
    code: str,
    grouping: Grouping,
    query: Schema,
    schema: type[Schema],
    name: str,
) -> HttpResponse:
    """The answer to the question the endpoint's parameters ask, from the response cache when
    it is a published round's (its key is derived from the same request), else computed."""
    figures, fmt = _asked(request, code, grouping, query)
    user = request_user(request)

    def made() -> HttpResponse:
        if fmt != "json":
            pages = figures_pages(user=user, request=figures)
            return _download(pages, fmt, f"{figures.operation.code}-{name}")
        return json_response(schema, _json(figures_answer(user=user, request=figures)))

    return figures_response(request, own_key(request, figures, fmt=fmt), made)


@dataclass(frozen=True)
class _Endpoint:
    """One figures endpoint: its path under /operations/{code}/figures/, the question it asks,
    its parameters and its answer's schema. Registered by `_register`, one view each."""

    path: str
    grouping: Grouping
    query: type[Schema]
    schema: type[Schema]
    summary: str
    doc: str

    def name(self, query: Any) -> str:
        """The download's file name (after the operation's code)."""
        if self.grouping == Grouping.ADMIN:
            return f"admin{query.level}"
        if self.grouping == Grouping.ROUND:
            return f"{query.pcode.strip()}-rounds"
        return self.path


ENDPOINTS = (
    _Endpoint(
        "admin",
        Grouping.ADMIN,
        AdminQuery,
        FiguresPage,
        "Figures by admin unit",
        "IDPs, returnees, sites and sex-age of every unit at `level` with data, by P-code.",
    ),
    _Endpoint(
        "sites",
        Grouping.SITE,
        SitesQuery,
        FiguresPage,
        "Figures by site",
        "Every site assessed in the round, by site ID, with its population and change.",
    ),
    _Endpoint(
        "origins",
        Grouping.ORIGIN,
        OriginsQuery,
        FiguresPage,
        "IDPs by origin and current location",
        "The origin matrix, by destination then origin.",
    ),
    _Endpoint(
        "rounds",
        Grouping.ROUND,
        SeriesQuery,
        SeriesOut,
        "Time series of an admin unit",
        "The unit's figures in every round you may see, oldest first (rounds reported between "
        "`date_from` and `date_to` when given; the first one's change is still against the "
        "round before it).",
    ),
    _Endpoint(
        "headline",
        Grouping.HEADLINE,
        HeadlineQuery,
        HeadlineOut,
        "Headline of a round",
        "The round's totals for the whole operation and their change since the previous round.",
    ),
)


def _register(endpoint: _Endpoint) -> None:
    def view(request: HttpRequest, code: str, query: Any) -> HttpResponse:
        return _served(
            request, code, endpoint.grouping, query, endpoint.schema, endpoint.name(query)
        )

    def key_of(request: HttpRequest, *, code: str) -> str | None:
        """The key the endpoint keys its answer with (`_asked`, then `own_key`), from the
        query string as django-ninja would read it; None when it reads it otherwise."""
        query = query_read(request, endpoint.query)
        if query is None:
            return None
        figures, fmt = _asked(request, code, endpoint.grouping, query)
        return own_key(request, figures, fmt=fmt)

    # ninja reads the parameters from the annotations: the endpoint's own query schema
    view.__annotations__ = {
        "request": HttpRequest,
        "code": str,
        "query": Annotated[endpoint.query, Query()],
        "return": HttpResponse,
    }
    view.__name__ = view.__qualname__ = f"figures_{endpoint.path}"
    view.__doc__ = endpoint.doc
    tables = endpoint.grouping != Grouping.HEADLINE
    router.get(
        f"/operations/{{code}}/figures/{endpoint.path}",
        response=endpoint.schema,
        summary=endpoint.summary,
        openapi_extra=CSV if tables else None,
    )(view)
    if endpoint.grouping != Grouping.ROUND:  # a time series is computed every time
        # the response cache's short path (`api.fastpath`) keys with the same function
        cacheable(f"api-v1:{view.__name__}")(key_of)


for _endpoint in ENDPOINTS:
    _register(_endpoint)
