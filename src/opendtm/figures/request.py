"""One figures question, one shape: what the CLI, the web pages and the API ask the figures
for, validated once, immutable, and the only input of the dispatcher (`figures.answers`) and
of the API's response-cache key (`api.cache.figures_key`).

Why one shape: when each way in lists its parameters again (for the query, then for the cache
key), the two lists can drift apart and the cache can serve an answer to another question. The
key is built from every field of this class, so a field added here (a new grouping's option)
is part of the key without anyone remembering to add it.

A new grouping (flow, needs, gap, ...) is a new `Grouping` member, any option it needs a new
field with a default, its check in `__post_init__`, and its branch in `figures.answers`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, overload

from opendtm.core.errors import InvalidInput
from opendtm.core.periods import date_range_check
from opendtm.figures.choices import Grouping

if TYPE_CHECKING:  # models load with Django; the CLI reads the defaults above before that
    from opendtm.operations.models import Operation

DEFAULT_LEVEL = 1
DEFAULT_ORIGIN_LEVEL = 2
MAX_OFFSET = 2**31 - 1  # beyond what a database integer holds; no answer is that long
PAGED = frozenset({Grouping.ADMIN, Grouping.SITE, Grouping.ORIGIN})
"""The groupings whose answer is a table read page by page (`limit`/`offset`)."""


@overload
def whole_number(name: str, text: str | None, default: int) -> int: ...
@overload
def whole_number(name: str, text: str | None, default: None = None) -> int | None: ...
def whole_number(name: str, text: str | None, default: int | None = None) -> int | None:
    """A parameter given as text (a web query string): a whole number, or `default` when it is
    missing or empty. Refuses anything else, naming the parameter."""
    if text is None or not text.strip():
        return default
    value = text.strip()
    digits = value[1:] if value[:1] in "+-" else value
    if not digits.isascii() or not digits.isdigit() or len(digits) > 18:
        raise InvalidInput(f"{name} {text!r} is not a whole number.")
    return int(value)


def origin_level_check(origin_level: Any) -> int:
    """The level origins are rolled up to: 1 to MAX_LEVEL (origins are reported at level 2 or
    finer; there is no origin country)."""
    from opendtm.gazetteer.models import MAX_LEVEL

    if isinstance(origin_level, bool) or not isinstance(origin_level, int):
        ok = False
    else:
        ok = 1 <= origin_level <= MAX_LEVEL
    if not ok:
        raise InvalidInput(
            f"Origin level {origin_level!r} is not an admin level from 1 to {MAX_LEVEL}.",
            hint="Origins are reported at admin level 2 or finer; level 1 rolls them up.",
        )
    return origin_level


def page_check(limit: Any, offset: Any) -> None:
    """A page is at most MAX_OFFSET rows in, and neither bound is negative."""
    for name, value in (("Limit", limit), ("Offset", offset)):
        if value is None and name == "Limit":
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput(f"{name} {value!r} is not a whole number.")
        if value < 0:
            raise InvalidInput(f"{name} {value} is negative.")
        if value > MAX_OFFSET:
            raise InvalidInput(f"{name} {value} is larger than {MAX_OFFSET:,}.")


def _round_check(number: Any) -> None:
    if number is None:
        return
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise InvalidInput(f"Round {number!r} is not a round number (1 or more).")
    if number > MAX_OFFSET:
        raise InvalidInput(f"Round {number} is larger than {MAX_OFFSET:,}.")


def _site_filters_check(asked: FiguresRequest) -> None:
    """A site type and a site status are one of their choices (empty: no filter), and only
    figures by site take them."""
    from opendtm.operations.choices import SiteStatus, SiteType

    for name, choices in (("site_type", SiteType), ("site_status", SiteStatus)):
        value = getattr(asked, name)
        value = value.strip() if isinstance(value, str) else value
        if value is not None and (not isinstance(value, str) or (value and value not in choices)):
            raise InvalidInput(
                f"{name} {value!r} is not one of {', '.join(choices.values)}.",
                hint=f"Leave {name} out for every site.",
            )
        object.__setattr__(asked, name, value or None)
        if value and asked.grouping != Grouping.SITE:
            raise InvalidInput(
                f"{name} filters the figures by site only: the {asked.grouping} figures count "
                "every location's people, which no site filter can split.",
                hint="Ask for the figures by site, or leave the site filters out.",
            )


@dataclass(frozen=True)
class FiguresRequest:
    """A question to the figures of one operation (the one the caller was allowed to read).

    `level` is the admin level of the rows (`origin`: of the current location); `pcode` the
    unit the rows lie within (`round`: the unit followed across rounds); `date_from`/`date_to`
    the reporting dates a time series keeps; `limit` None reads every row from `offset` on.
    `site_type`/`site_status` keep the sites of that type and status this round (`site` only:
    the other answers count locations, whose people no site filter can split). `sector` the
    one sector of needs figures (None: every sector and the intersectoral rows; other
    groupings leave it aside, as the admin grouping does `origin_level`).
    """

    operation: Operation
    grouping: Grouping
    round_number: int | None = None
    level: int = DEFAULT_LEVEL
    origin_level: int = DEFAULT_ORIGIN_LEVEL
    pcode: str | None = None
    exact: bool = False
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    limit: int | None = None
    offset: int = 0
    site_type: str | None = None
    site_status: str | None = None
    sector: str | None = None  # needs: one sector's rows (a rule set's code, or intersectoral)

    def __post_init__(self) -> None:
        from opendtm.figures import live

        if self.grouping not in Grouping.values:
            raise InvalidInput(
                f"Grouping {self.grouping!r} is not one of {', '.join(Grouping.values)}."
            )
        object.__setattr__(self, "grouping", Grouping(self.grouping))
        _round_check(self.round_number)
        live.level_check(self.operation, self.level)
        origin_level_check(self.origin_level)
        page_check(self.limit, self.offset)
        pcode = self.pcode.strip() if isinstance(self.pcode, str) else self.pcode
        if pcode is not None and not isinstance(pcode, str):
            raise InvalidInput(f"P-code {pcode!r} is not text.")
        object.__setattr__(self, "pcode", pcode or None)
        if not isinstance(self.exact, bool):
            raise InvalidInput(f"exact {self.exact!r} is not true or false.")
        for name in ("date_from", "date_to"):
            day = getattr(self, name)
            if day is not None and (isinstance(day, dt.datetime) or not isinstance(day, dt.date)):
                raise InvalidInput(f"{name} {day!r} is not a date (YYYY-MM-DD).")
        date_range_check(self.date_from, self.date_to)
        _site_filters_check(self)
        if self.sector is not None and not isinstance(self.sector, str):
            raise InvalidInput(f"Sector {self.sector!r} is not text.")
        if self.grouping == Grouping.ROUND and self.pcode is None:
            raise InvalidInput(
                "A time series needs the P-code of an admin unit.",
                hint="Give its pcode, for example PH05.",
            )

    def page(self, limit: int | None, offset: int) -> FiguresRequest:
        """The same question, another page of it."""
        return replace(self, limit=limit, offset=offset)
