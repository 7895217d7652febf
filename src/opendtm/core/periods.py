"""Reporting-date ranges, as every way in (API, queries) takes them: both ends inclusive,
either end open."""

from __future__ import annotations

import datetime as dt

from opendtm.core.errors import InvalidInput


def date_range_check(date_from: dt.date | None, date_to: dt.date | None) -> None:
    """Refuse a range that ends before it starts."""
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(
            f"date_from {date_from} is after date_to {date_to}.", hint="Swap the two dates."
        )


def reported_within(day: dt.date | None, start: dt.date | None, end: dt.date | None) -> bool:
    """Whether something reported on `day` lies in [start, end]; without a range everything
    does, with one an undated thing does not."""
    if start is None and end is None:
        return True
    return day is not None and (start is None or day >= start) and (end is None or day <= end)
