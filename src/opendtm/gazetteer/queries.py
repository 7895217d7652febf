"""Reads of the gazetteer. Every other domain reads admin units through these functions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl
from django.db.models import Count, Q, QuerySet

from opendtm.gazetteer.countries import country_get
from opendtm.gazetteer.models import (
    MAX_LEVEL,
    AdminUnit,
    AdminUnitCode,
    AdminUnitName,
    GazetteerVersion,
)
from opendtm.gazetteer.pcodes import pcode_forms, pcode_normalise

# Above this many distinct code forms, reading the country's whole code list in two queries
# is cheaper than an IN (...) list, and keeps the number of queries constant.
_IN_LIST_LIMIT = 900


def current_units(*, country_iso3: str, max_level: int = 4) -> QuerySet[AdminUnit]:
    """Units of a country that are not retired, down to `max_level`, parents first."""
    return AdminUnit.objects.filter(
        country_iso3=country_iso3.upper(), level__lte=max_level, retired_in__isnull=True
    ).order_by("level", "pcode")


def unit_resolve(*, country_iso3: str, code: str) -> AdminUnit | None:
    """The unit a code leads to: its P-code in any case or spacing, with or without the
    country prefix, or any alternative code (bare PSGC, correspondence code, ...)."""
    return units_resolve(country_iso3=country_iso3, codes=[code])[code]


def units_resolve(*, country_iso3: str, codes: Iterable[str]) -> dict[str, AdminUnit | None]:
    """`unit_resolve` for many codes at once, in two queries however many codes there are.

    The answer maps each code exactly as given to its unit, or None. A code matching a P-code
    wins over one matching an alternative code; the form as sent wins over the prefixed one.
    """
    country = country_get(country_iso3)
    normal = {raw: pcode_normalise(raw) for raw in codes}
    forms_of = {n: pcode_forms(n, iso2=country.iso2) for n in set(normal.values())}
    forms = {form for options in forms_of.values() for form in options}
    units = AdminUnit.objects.filter(country_iso3=country.iso3)
    alternatives = AdminUnitCode.objects.filter(country_iso3=country.iso3)
    if len(forms) > _IN_LIST_LIMIT:
        by_pcode = {unit.pcode: unit for unit in units}
        by_id = {unit.pk: unit for unit in by_pcode.values()}
        by_code = {code: by_id[uid] for code, uid in alternatives.values_list("code", "unit_id")}
    else:
        by_pcode = {unit.pcode: unit for unit in units.filter(pcode__in=forms)}
        by_code = {
            alt.code: alt.unit for alt in alternatives.filter(code__in=forms).select_related("unit")
        }
    found: dict[str, AdminUnit | None] = {}
    for value, options in forms_of.items():
        found[value] = next(
            (hit for form in options for hit in (by_pcode.get(form), by_code.get(form)) if hit),
            None,
        )
    return {raw: found[value] for raw, value in normal.items()}


def unit_ancestors(unit: AdminUnit) -> list[AdminUnit]:
    """The unit's parents from the country (level 0) down to its direct parent; one query."""
    path = "__".join(["parent"] * MAX_LEVEL)
    unit = AdminUnit.objects.select_related(path).get(pk=unit.pk)
    chain: list[AdminUnit] = []
    node = unit.parent
    while node is not None:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))


def unit_children(unit: AdminUnit) -> QuerySet[AdminUnit]:
    """The current units directly under a unit, by P-code."""
    return AdminUnit.objects.filter(parent=unit, retired_in__isnull=True).order_by("pcode")


@dataclass
class UnitDetail:
    """A unit with what `gazetteer show` prints about it."""

    unit: AdminUnit
    ancestors: list[AdminUnit]
    codes: list[AdminUnitCode]
    names: list[AdminUnitName]
    children: int


def unit_detail(unit: AdminUnit) -> UnitDetail:
    unit = AdminUnit.objects.select_related("introduced_in", "retired_in").get(pk=unit.pk)
    return UnitDetail(
        unit=unit,
        ancestors=unit_ancestors(unit),
        codes=list(unit.codes.order_by("kind", "code")),
        names=list(unit.names.order_by("kind", "name")),
        children=unit_children(unit).count(),
    )


@dataclass
class VersionSummary:
    """A loaded gazetteer version with the number of its units at each level."""

    version: GazetteerVersion
    levels: dict[int, int] = field(default_factory=dict)


def versions_list(*, country_iso3: str | None = None) -> list[VersionSummary]:
    """Loaded versions, oldest first, each with its units per level (one query per version)."""
    versions = GazetteerVersion.objects.order_by("country_iso3", "id")
    if country_iso3:
        versions = versions.filter(country_iso3=country_get(country_iso3).iso3)
    summaries = []
    for version in versions:
        alive = (
            AdminUnit.objects.filter(
                country_iso3=version.country_iso3, introduced_in_id__lte=version.pk
            )
            .filter(Q(retired_in__isnull=True) | Q(retired_in_id__gt=version.pk))
            .values("level")
            .annotate(n=Count("id"))
            .order_by("level")
        )
        summaries.append(VersionSummary(version, {row["level"]: row["n"] for row in alive}))
    return summaries


def units_frame(*, country_iso3: str) -> pl.DataFrame:
    """The country's current units as a table: id, pcode, name, level, parent_id (one query)."""
    rows = current_units(country_iso3=country_iso3).values_list(
        "id", "pcode", "name", "level", "parent_id"
    )
    return pl.DataFrame(
        list(rows),
        schema={
            "id": pl.Int64,
            "pcode": pl.Utf8,
            "name": pl.Utf8,
            "level": pl.Int8,
            "parent_id": pl.Int64,
        },
        orient="row",
    )


def unit_names_frame(*, country_iso3: str) -> pl.DataFrame:
    """Other names (former, alternative, other languages) of the country's current units."""
    rows = AdminUnitName.objects.filter(
        unit__country_iso3=country_iso3.upper(), unit__retired_in__isnull=True
    ).values_list("unit_id", "name", "kind")
    return pl.DataFrame(
        list(rows), schema={"id": pl.Int64, "name": pl.Utf8, "kind": pl.Utf8}, orient="row"
    )
