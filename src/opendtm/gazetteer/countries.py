"""Country codes and names from pycountry (ISO 3166), the maintained source."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pycountry

from opendtm.core.errors import InvalidInput


@dataclass(frozen=True)
class Country:
    """An ISO 3166-1 country: alpha-3 code, alpha-2 code (the adm0 P-code) and English name."""

    iso3: str
    iso2: str
    name: str


@cache
def country_get(code: str) -> Country:
    """The country for an ISO alpha-3 (or alpha-2) code, any letter case; InvalidInput if none."""
    cleaned = (code or "").strip().upper()
    record = None
    if len(cleaned) == 3:
        record = pycountry.countries.get(alpha_3=cleaned)
    elif len(cleaned) == 2:
        record = pycountry.countries.get(alpha_2=cleaned)
    if record is None:
        raise InvalidInput(
            f"{code!r} is not an ISO 3166 country code.",
            hint="Use the three-letter code, e.g. PHL for the Philippines.",
        )
    name = getattr(record, "common_name", None) or record.name
    return Country(iso3=record.alpha_3, iso2=record.alpha_2, name=name)
