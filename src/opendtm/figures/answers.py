"""The one dispatcher of figures questions: a `FiguresRequest` in, its answer out.

The CLI, the web pages and the API build a request from their input, call `figures_answer`
(one page) or `figures_pages` (every page, for a file), and render what comes back. The query
functions of `figures.queries` stay the readers; this only picks which one a request asks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from opendtm.core.errors import InvalidInput
from opendtm.figures import queries
from opendtm.figures.choices import Grouping
from opendtm.figures.exports import Answer as Table
from opendtm.figures.exports import answer_pages
from opendtm.figures.queries import AnyUser
from opendtm.figures.request import PAGED, FiguresRequest
from opendtm.figures.results import (
    AdminFigures,
    Headline,
    OriginMatrix,
    SiteFigures,
    TimeSeries,
)
from opendtm.needs.queries import NeedsFigures, needs_by_admin

Answer = AdminFigures | SiteFigures | OriginMatrix | TimeSeries | Headline
Paged = AdminFigures | SiteFigures | OriginMatrix


def figures_answer(*, user: AnyUser, request: FiguresRequest) -> Answer:
    """The answer to `request` as `user` may read it (one page of a table)."""
    q = request
    if q.grouping == Grouping.ROUND:
        assert q.pcode is not None  # FiguresRequest refuses a time series without one
        return queries.figures_time_series(
            user=user,
            operation=q.operation,
            pcode=q.pcode,
            exact=q.exact,
            date_from=q.date_from,
            date_to=q.date_to,
        )
    if q.grouping == Grouping.HEADLINE:
        return queries.figures_headline(
            user=user,
            operation=q.operation,
            round_number=q.round_number,
            pcode=q.pcode,
            exact=q.exact,
        )
    if q.grouping == Grouping.NEEDS:
        raise InvalidInput("Needs figures are answered by figures_needs.")
    return _paged(user, q)


def figures_needs(*, user: AnyUser, request: FiguresRequest) -> NeedsFigures:
    """The answer to a `needs` request: severity and people in need by unit and sector (one
    answer, not paged: a row per unit and sector of one level)."""
    q = request
    if q.grouping != Grouping.NEEDS:
        raise InvalidInput(f"A {q.grouping} request is not a needs request.")
    return needs_by_admin(
        user=user,
        operation=q.operation,
        round_number=q.round_number,
        level=q.level,
        parent_pcode=q.pcode,
        sector=q.sector,
        exact=q.exact,
    )


def _paged(user: AnyUser, q: FiguresRequest) -> Paged:
    common: dict[str, Any] = {
        "user": user,
        "operation": q.operation,
        "round_number": q.round_number,
        "parent_pcode": q.pcode,
        "limit": q.limit,
        "offset": q.offset,
        "exact": q.exact,
    }
    if q.grouping == Grouping.SITE:
        return queries.figures_by_site(**common, site_type=q.site_type, site_status=q.site_status)
    if q.grouping == Grouping.ORIGIN:
        return queries.figures_origin_matrix(
            **common,
            origin_level=q.origin_level,
            destination_level=q.level,
        )
    return queries.figures_by_admin(**common, level=q.level)


def figures_pages(*, user: AnyUser, request: FiguresRequest) -> Iterator[Table]:
    """Every page of the answer from `request.offset` on, for a file; one answer when the
    request names its `limit` or is a time series. A headline has no file form."""
    if request.grouping == Grouping.HEADLINE:
        raise InvalidInput("The headline of a round is not a table: it has no file form.")
    if request.grouping == Grouping.NEEDS:
        raise InvalidInput(
            "Needs figures are written by opendtm.needs.exports.",
            hint="Use opendtm figures --by needs --format csv|hxl|json.",
        )
    if request.limit is not None or request.grouping not in PAGED:
        answer = figures_answer(user=user, request=request)
        assert not isinstance(answer, Headline)
        yield answer
        return
    start = request.offset
    yield from answer_pages(lambda limit, offset: _paged(user, request.page(limit, start + offset)))
