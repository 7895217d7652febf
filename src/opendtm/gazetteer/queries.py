"""Reads of the gazetteer. Every other domain reads admin units through these functions.

Codes: `unit_resolve`/`units_resolve` give the unit a code names (retired or not);
`resolution.code_resolve`/`codes_resolve`/`codes_resolution_frame` follow the crosswalk to the
current unit with a status and a reason. Versions: `crosswalk_between` (typed changes between
two versions) and `accepted_parents_frame` (parent links of every version and edition).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl
from django.db.models import Count, Q, QuerySet

from opendtm.core.errors import InvalidInput, NotFound
from opendtm.gazetteer.choices import ChangeKind
from opendtm.gazetteer.countries import country_get
from opendtm.gazetteer.crosswalk import LINK_SCHEMA, changes_classify, links_compose
from opendtm.gazetteer.models import (
    MAX_LEVEL,
    AdminUnit,
    AdminUnitCode,
    AdminUnitName,
    CrosswalkChange,
    GazetteerVersion,
    VersionUnit,
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
    # A NUL byte cannot be stored in a code (and PostgreSQL refuses it in a query).
    forms = {form for options in forms_of.values() for form in options if "\x00" not in form}
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


def version_get(*, country_iso3: str, label: str) -> GazetteerVersion:
    """A loaded version of a country by label; NotFound listing the labels there are."""
    country = country_get(country_iso3)
    versions = GazetteerVersion.objects.filter(country_iso3=country.iso3).order_by("id")
    found = versions.filter(label=(label or "").strip()).first()
    if found is None:
        labels = ", ".join(versions.values_list("label", flat=True)) or "none loaded"
        raise NotFound(
            f"No version {label!r} of the {country.iso3} gazetteer; versions: {labels}.",
            hint="See `opendtm gazetteer list`.",
        )
    return found


def _snapshot(version_id: int) -> pl.DataFrame:
    """A version's units: pcode, name, level, parent_pcode (one query)."""
    rows = VersionUnit.objects.filter(version_id=version_id).values_list(
        "unit__pcode", "name", "unit__level", "parent__pcode"
    )
    return pl.DataFrame(
        list(rows),
        schema={"pcode": pl.Utf8, "name": pl.Utf8, "level": pl.Int8, "parent_pcode": pl.Utf8},
        orient="row",
    )


def _step_links(country_iso3: str, to_version_id: int) -> pl.DataFrame:
    """The links recorded when a version was loaded (recoded, split and merged rows)."""
    rows = CrosswalkChange.objects.filter(
        country_iso3=country_iso3,
        to_version_id=to_version_id,
        kind__in=[ChangeKind.RECODED, ChangeKind.SPLIT, ChangeKind.MERGED],
    ).values_list("old_pcode", "new_pcode", "method", "share")
    return pl.DataFrame(list(rows), schema=LINK_SCHEMA, orient="row").filter(
        pl.col("old_pcode") != pl.col("new_pcode")
    )


def crosswalk_versions(
    *, country_iso3: str, from_version: str | None = None, to_version: str | None = None
) -> list[GazetteerVersion]:
    """The versions from `from_version` to `to_version`, in load order (defaults: the latest
    and the one loaded just before it); InvalidInput or NotFound with one clear line."""
    country = country_get(country_iso3)
    versions = list(GazetteerVersion.objects.filter(country_iso3=country.iso3).order_by("id"))
    if not versions:
        raise NotFound(
            f"No {country.iso3} gazetteer is loaded.",
            hint="Load one with `opendtm gazetteer load`.",
        )
    end = version_get(country_iso3=country.iso3, label=to_version) if to_version else versions[-1]
    position = {v.pk: i for i, v in enumerate(versions)}
    if from_version:
        start = version_get(country_iso3=country.iso3, label=from_version)
    elif position[end.pk] > 0:
        start = versions[position[end.pk] - 1]
    else:
        raise InvalidInput(
            f"Version {end.label} is the first {country.iso3} version: there is nothing before it "
            "to compare with.",
            hint="Load a newer edition, or give --from and --to.",
        )
    if position[start.pk] > position[end.pk]:
        raise InvalidInput(
            f"Version {start.label} was loaded after {end.label}; the crosswalk runs from an older "
            "version to a newer one.",
            hint=f"Swap them: --from {end.label} --to {start.label}.",
        )
    return versions[position[start.pk] : position[end.pk] + 1]


def crosswalk_between(
    *, country_iso3: str, from_version: str | None = None, to_version: str | None = None
) -> pl.DataFrame:
    """The typed changes from one version of a country's gazetteer to a later one.

    Defaults: `to_version` the latest, `from_version` the one loaded just before it. Columns:
    kind (renamed, recoded, moved, split, merged, new, retired), level, group (rows of one
    split or merge share it), old_pcode, new_pcode, old_name, new_name, method, share, note,
    old_unit_id, new_unit_id. Between consecutive versions these are the changes recorded at
    load; across several, the links are followed through the versions between (a unit recoded
    twice is one `recoded` row from its first code to its last).
    """
    country = country_get(country_iso3)
    between = crosswalk_versions(
        country_iso3=country.iso3, from_version=from_version, to_version=to_version
    )
    start, end = between[0], between[-1]
    old, new = _snapshot(start.pk), _snapshot(end.pk)
    if len(between) == 1:
        changes = changes_classify(old, new, pl.DataFrame(schema=LINK_SCHEMA))
    else:
        alive = [old["pcode"]]
        alive += [
            pl.Series(
                "pcode",
                list(VersionUnit.objects.filter(version=v).values_list("unit__pcode", flat=True)),
                dtype=pl.Utf8,
            )
            for v in between[1:-1]
        ]
        alive.append(new["pcode"])
        edges = [_step_links(country.iso3, v.pk) for v in between[1:]]
        changes = changes_classify(old, new, links_compose(alive, edges))
    ids = pl.DataFrame(
        list(AdminUnit.objects.filter(country_iso3=country.iso3).values_list("pcode", "id")),
        schema={"pcode": pl.Utf8, "id": pl.Int64},
        orient="row",
    )
    return changes.join(
        ids.rename({"pcode": "old_pcode", "id": "old_unit_id"}), on="old_pcode", how="left"
    ).join(ids.rename({"pcode": "new_pcode", "id": "new_unit_id"}), on="new_pcode", how="left")


def accepted_parents_frame(*, country_iso3: str) -> pl.DataFrame:
    """Every (unit, parent) pair some version or edition of the country's gazetteer had.

    Columns: unit_id, parent_id, sources ("current", version labels, edition labels such as
    cod-ab-2023, comma-joined). A row coded on an older version or on the COD-AB edition keeps
    a valid parent chain by this table even after units moved (Negros Occidental under
    Western Visayas in cod-ab-2023, Tacloban City inside Leyte). Four queries.
    """
    country = country_get(country_iso3)
    current = pl.DataFrame(
        list(
            AdminUnit.objects.filter(country_iso3=country.iso3, parent__isnull=False).values_list(
                "id", "parent_id"
            )
        ),
        schema={"unit_id": pl.Int64, "parent_id": pl.Int64},
        orient="row",
    ).with_columns(pl.lit("current").alias("source"))
    snapshots = pl.DataFrame(
        list(
            VersionUnit.objects.filter(
                version__country_iso3=country.iso3, parent__isnull=False
            ).values_list("unit_id", "parent_id", "version__label")
        ),
        schema={"unit_id": pl.Int64, "parent_id": pl.Int64, "source": pl.Utf8},
        orient="row",
    )
    editions = pl.DataFrame(
        list(
            AdminUnitCode.objects.filter(country_iso3=country.iso3)
            .exclude(parent_code="")
            .values_list("unit_id", "parent_code", "edition")
        ),
        schema={"unit_id": pl.Int64, "parent_code": pl.Utf8, "source": pl.Utf8},
        orient="row",
    )
    if not editions.is_empty():
        from opendtm.gazetteer.resolution import codes_resolve

        parents = codes_resolve(
            country_iso3=country.iso3, codes=editions["parent_code"].unique().to_list()
        ).select(pl.col("input").alias("parent_code"), pl.col("unit_id").alias("parent_id"))
        editions = editions.join(parents, on="parent_code", how="left")
    if "parent_id" not in editions.columns:
        editions = editions.with_columns(pl.lit(None, pl.Int64).alias("parent_id"))
    editions = editions.filter(pl.col("parent_id").is_not_null())
    return (
        pl.concat([current, snapshots, editions.select("unit_id", "parent_id", "source")])
        .group_by("unit_id", "parent_id", maintain_order=True)
        .agg(pl.col("source").unique(maintain_order=True).str.join(",").alias("sources"))
        .sort("unit_id", "parent_id")
    )


def unit_or_below(path: str, unit: AdminUnit) -> Q:
    """`path` (a foreign key to an admin unit) is `unit` or a unit below it, followed through
    the parent links, not the code's prefix (which is not hierarchical in every gazetteer)."""
    inside = Q(**{path: unit})
    for _ in range(MAX_LEVEL):
        path += "__parent"
        inside |= Q(**{path: unit})
    return inside
