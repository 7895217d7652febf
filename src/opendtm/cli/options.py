"""Values typed on the command line, parsed strictly: one parser per kind for every command.

Dates are YYYY-MM-DD and nothing else (no 2026-1-5, no 20260105, no time), so a script's date
means the same in every command; a bad value is InvalidInput naming the option.
"""

from __future__ import annotations

import re
from datetime import date

from opendtm.core.errors import InvalidInput

DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def date_parse(value: str, *, option: str) -> date:
    """A date given as YYYY-MM-DD (spaces around it ignored)."""
    text = (value or "").strip()
    try:
        if DATE_RE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise InvalidInput(
        f"{option} {value!r} is not a date in the form YYYY-MM-DD.", hint="For example 2026-01-31."
    )


def int_parse(value: str, *, option: str) -> int:
    """A whole number given on the command line: the rule of every whole number given as text
    (`figures.request.whole_number`, bounded so no database integer overflows), required."""
    from opendtm.figures.request import whole_number

    number = whole_number(option, value)
    if number is None:
        raise InvalidInput(f"{option} {value!r} is not a whole number.")
    return number


def float_parse(value: str | None, *, option: str) -> float | None:
    """A decimal number given on the command line, or None when the option was left out."""
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        raise InvalidInput(f"{option} {value!r} is not a decimal number.") from None
