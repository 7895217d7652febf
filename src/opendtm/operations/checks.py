"""Checks of the values operations, rounds and sites are written with, shared by their services.

Each returns the cleaned value or raises InvalidInput with one message naming the field, the
rule and what to give instead.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Final

from opendtm.core.errors import InvalidInput

CODE_RE: Final = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
CODE_MAX: Final = 50


class Unset:
    """Marks an argument that was not given (None is a value: it clears a date)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset()


def _cap(text: str) -> str:
    """A field name at the start of a sentence."""
    return text[:1].upper() + text[1:]


def operation_code_clean(code: str) -> str:
    """An operation code as stored: lower case, letters and digits joined by single - or _."""
    cleaned = (code or "").strip().lower()
    if not cleaned or len(cleaned) > CODE_MAX or not CODE_RE.match(cleaned):
        raise InvalidInput(
            f"Operation code {code!r} is not a valid code.",
            hint=f"Use up to {CODE_MAX} letters and digits joined by - or _, "
            "e.g. phl-typhoon-2026.",
        )
    return cleaned


def text_clean(value: str, *, field: str, max_length: int) -> str:
    """A required one-line text: inner runs of spaces collapsed, not empty, fits the column."""
    cleaned = " ".join((value or "").split())
    if not cleaned:
        raise InvalidInput(f"{_cap(field)} is empty.", hint=f"Give the {field}.")
    if len(cleaned) > max_length:
        raise InvalidInput(f"{_cap(field)} is longer than {max_length} characters.")
    return cleaned


def date_check(value: object, *, field: str) -> date:
    """A calendar date (not a datetime, not a string): services take parsed dates only."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidInput(
            f"{_cap(field)} {value!r} is not a date.", hint="Give a date as YYYY-MM-DD."
        )
    return value


def level_check(value: object) -> int:
    """An operation's location level: the admin level 1-4 its baseline locations are at."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
        raise InvalidInput(
            f"Location level {value!r} is not an admin level from 1 to 4.",
            hint="Give the admin level baseline locations are assessed at, e.g. 3.",
        )
    return value


def coordinates_check(latitude: object, longitude: object) -> tuple[float | None, float | None]:
    """Both coordinates or neither; finite decimal degrees in range (WGS 84)."""
    if latitude is None and longitude is None:
        return None, None
    if latitude is None or longitude is None:
        raise InvalidInput(
            "Only one of latitude and longitude is given.", hint="Give both, or neither."
        )
    checked: list[float] = []
    for field, value, limit in (("latitude", latitude, 90), ("longitude", longitude, 180)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput(f"{_cap(field)} {value!r} is not a number.")
        number = float(value)
        if not math.isfinite(number) or not -limit <= number <= limit:
            raise InvalidInput(
                f"{_cap(field)} {value!r} is outside -{limit}..{limit}.",
                hint="Give decimal degrees (WGS 84), e.g. 14.5995, 120.9842.",
            )
        checked.append(number)
    return checked[0], checked[1]


def iso(value: date | None) -> str | None:
    """A date as the audit log stores it (JSON has no date type)."""
    return value.isoformat() if value else None
