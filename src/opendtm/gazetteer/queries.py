"""Reads of the gazetteer. Every other domain reads admin units through these functions."""

from __future__ import annotations

from django.db.models import QuerySet

from opendtm.gazetteer.models import AdminUnit


def current_units(*, country_iso3: str, max_level: int = 4) -> QuerySet[AdminUnit]:
    """Units of a country that are not retired, down to `max_level`, parents first."""
    return AdminUnit.objects.filter(
        country_iso3=country_iso3.upper(), level__lte=max_level, retired_in__isnull=True
    ).order_by("level", "pcode")
