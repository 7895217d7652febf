"""Writes of the gazetteer: loading a version of a country's admin units.

A load is compared with what is stored, column-wise, and only the difference is written, in
bulk, inside one transaction: new units are created, changed ones updated, units missing from
the new version retired (never deleted: published figures keep resolving their codes), and the
whole load is one audited `GazetteerVersion` with a snapshot of its units and, when a version
came before it, the typed crosswalk from that version (`crosswalk`). Loading the same content
again writes nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
import shapely
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Count, Q

from opendtm.accounts.roles import authorize_superuser
from opendtm.accounts.services import audit_record
from opendtm.core.bulk import rows_insert, rows_update, tables_analyze
from opendtm.core.errors import Conflict, InvalidInput
from opendtm.gazetteer.builtin import builtin_table
from opendtm.gazetteer.checks import table_check
from opendtm.gazetteer.choices import NameKind
from opendtm.gazetteer.countries import Country, country_get
from opendtm.gazetteer.layouts import layout_read
from opendtm.gazetteer.models import (
    MAX_LEVEL,
    AdminBoundary,
    AdminUnit,
    AdminUnitCode,
    AdminUnitName,
    GazetteerVersion,
    VersionUnit,
)
from opendtm.gazetteer.outlines import outlines_simplify
from opendtm.gazetteer.readers import source_read
from opendtm.gazetteer.tables import GazetteerTable
from opendtm.gazetteer.version_records import crosswalk_write, side_frame_of, snapshot_write

BATCH = 500  # ids per UPDATE ... WHERE id IN (...): within every SQLite's parameter limit
_COMPARED = ("name", "level", "parent_pcode", "population", "latitude", "longitude")


@dataclass
class LevelCounts:
    """What a load did to the units of one level."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0


@dataclass
class LoadResult:
    """The outcome of `gazetteer_load`: counts per level (0-4) and the version loaded."""

    version: GazetteerVersion
    levels: dict[int, LevelCounts] = field(
        default_factory=lambda: {level: LevelCounts() for level in range(MAX_LEVEL + 1)}
    )
    codes_added: int = 0
    names_added: int = 0
    boundaries_written: int = 0
    seconds: float = 0.0
    changed: bool = True
    previous: GazetteerVersion | None = None  # the version the crosswalk starts from
    changes: dict[str, int] = field(default_factory=dict)  # crosswalk rows per kind

    def total(self) -> LevelCounts:
        total = LevelCounts()
        for counts in self.levels.values():
            total.created += counts.created
            total.updated += counts.updated
            total.unchanged += counts.unchanged
            total.retired += counts.retired
        return total


@transaction.atomic
def gazetteer_load(
    *,
    path: Path | None,
    country_iso3: str,
    builtin: bool = False,
    version_label: str | None = None,
    valid_from: date | None = None,
    actor: User,
) -> LoadResult:
    """Load a gazetteer file (or the built-in one) as a version of a country's gazetteer.

    Instance administrators only: a gazetteer belongs to a country, not to one operation,
    and every operation of the country codes its places with it. Refused with one clear
    error, writing nothing, when the file is broken; reports everything unchanged, writing
    nothing, when the same content was loaded before.
    """
    authorize_superuser(actor, "load a gazetteer")
    started = time.perf_counter()
    country = country_get(country_iso3)
    if builtin and path is not None:
        raise InvalidInput("Give either a file or --builtin, not both.")
    if builtin:
        table = builtin_table(country.iso3)
    elif path is None:
        raise InvalidInput(
            "No file given.", hint="Give a gazetteer file, or --builtin ISO3 for a built-in one."
        )
    else:
        table = layout_read(source_read(Path(path)), iso2=country.iso2, iso3=country.iso3)
    label = (version_label or table.default_label).strip()
    if not label or len(label) > 100:
        raise InvalidInput(
            f"Version label {label!r} must be 1 to 100 characters.", hint="Use e.g. cod-ab-2023."
        )
    versions = GazetteerVersion.objects.filter(country_iso3=country.iso3)
    same_label = versions.filter(label=label).first()
    if same_label is not None and same_label.sha256 != table.sha256:
        raise Conflict(
            f"Version {label!r} of {country.iso3} was already loaded from different content "
            f"({same_label.source}).",
            hint="Give this edition its own label with --version LABEL. Nothing was loaded.",
        )
    latest = versions.order_by("-id").first()
    if same_label is not None or (latest is not None and latest.sha256 == table.sha256):
        version = same_label or latest
        assert version is not None
        return _unchanged(version, started)

    known = _stored_units(country.iso3)
    units = table_check(
        table,
        iso2=country.iso2,
        iso3=country.iso3,
        known=known.select("pcode", "level", pl.col("retired_in_id").is_null().alias("current")),
    )
    if valid_from is None and units["valid_from"].is_not_null().any():
        valid_from = units["valid_from"].max()  # type: ignore[assignment]
    # Rows with a validTo describe units that ended: loaded (codes keep resolving), retired.
    ended = units.filter(pl.col("valid_to").is_not_null())
    already = known.filter(pl.col("retired_in_id").is_not_null()).select("pcode")
    units = units.join(ended.join(already, on="pcode").select("pcode"), on="pcode", how="anti")
    ended = ended.join(already, on="pcode", how="anti")
    old = side_frame_of(known.filter(pl.col("retired_in_id").is_null()), country.iso3, table)
    plan = _plan(units, known)
    boundaries = _boundary_changes(units, known, country.iso3)
    plan = plan.with_columns(
        pl.when(
            (pl.col("action") == "unchanged") & pl.col("pcode").is_in(boundaries["pcode"].implode())
        )
        .then(pl.lit("updated"))
        .otherwise(pl.col("action"))
        .alias("action")
    )
    retire = _to_retire(units, known, iso2=country.iso2)
    id_of = dict(zip(known["pcode"].to_list(), known["id"].to_list(), strict=True))
    codes = _new_codes(table, country.iso3, id_of)
    names = _new_names(table, country.iso3, id_of)
    has_country = country.iso2 in id_of
    nothing = (
        plan.filter(pl.col("action") != "unchanged").is_empty()
        and retire.is_empty()
        and codes.is_empty()
        and names.is_empty()
        and ended.is_empty()
        and has_country
    )
    if nothing and latest is not None:
        return _unchanged(latest, started)

    version = GazetteerVersion.objects.create(
        country_iso3=country.iso3,
        label=label,
        source=table.source[:500],
        sha256=table.sha256,
        valid_from=valid_from,
        loaded_by=actor,
    )
    result = LoadResult(version=version)
    if not has_country:
        id_of[country.iso2] = _country_create(country, version, valid_from).pk
        result.levels[0].created = 1
    else:
        result.levels[0].unchanged = 1
    _create_units(plan.filter(pl.col("action") == "created"), id_of, version, valid_from)
    _update_units(plan.filter(pl.col("action") == "updated"), id_of)
    _retire_units(retire, version, valid_from)
    for (day,), group in ended.group_by("valid_to"):
        _retire_units(group.select(pl.col("pcode").replace_strict(id_of).alias("id")), version, day)
    retire = pl.concat([retire.select("pcode", "level"), ended.select("pcode", "level")])
    result.boundaries_written = _write_boundaries(boundaries, id_of)
    result.codes_added = _write_codes(_new_codes(table, country.iso3, id_of), id_of, country.iso3)
    table.names = pl.concat([table.names, _former_primary_names(plan)])
    _demote_replaced_names(table, country.iso3, id_of)
    result.names_added = _write_names(_new_names(table, country.iso3, id_of), id_of)
    for level, action, count in plan.group_by("level", "action").len().iter_rows():
        setattr(result.levels[int(level)], action, int(count))
    for level, count in retire.group_by("level").len().iter_rows():
        result.levels[int(level)].retired = int(count)
    snapshot_write(version)
    if latest is not None:
        result.previous = latest
        result.changes = crosswalk_write(old, table, version, latest, _stored_units)
    tables_analyze(AdminUnit, AdminUnitCode, AdminUnitName, AdminBoundary, VersionUnit)
    version.unit_count = AdminUnit.objects.filter(
        country_iso3=country.iso3, retired_in__isnull=True
    ).count()
    version.save(update_fields=["unit_count"])
    result.seconds = time.perf_counter() - started
    totals = result.total()
    audit_record(
        actor=actor,
        action="gazetteer.load",
        obj=version,
        summary=(
            f"loaded {country.iso3} gazetteer {label}: {totals.created} created, "
            f"{totals.updated} updated, {totals.unchanged} unchanged, {totals.retired} retired"
        ),
        changes={
            "source": table.source,
            "sha256": table.sha256,
            "levels": {str(lv): vars(c) for lv, c in result.levels.items()},
            "codes_added": result.codes_added,
            "names_added": result.names_added,
            "boundaries_written": result.boundaries_written,
            "crosswalk_from": latest.label if latest is not None else None,
            "crosswalk": result.changes,
        },
    )
    return result


def _unchanged(version: GazetteerVersion, started: float) -> LoadResult:
    """The result of loading content that is already stored: every unit unchanged."""
    result = LoadResult(version=version, changed=False)
    alive = (
        AdminUnit.objects.filter(
            country_iso3=version.country_iso3, introduced_in_id__lte=version.pk
        )
        .filter(Q(retired_in__isnull=True) | Q(retired_in_id__gt=version.pk))
        .values("level")
        .annotate(n=Count("id"))
    )
    for row in alive:
        result.levels[row["level"]].unchanged = row["n"]
    result.seconds = time.perf_counter() - started
    return result


def _stored_units(iso3: str) -> pl.DataFrame:
    """Every stored unit of the country (retired ones too) with its parent's P-code."""
    rows = AdminUnit.objects.filter(country_iso3=iso3).values_list(
        "id",
        "pcode",
        "name",
        "level",
        "parent_id",
        "population",
        "latitude",
        "longitude",
        "retired_in_id",
    )
    frame = pl.DataFrame(
        list(rows),
        schema={
            "id": pl.Int64,
            "pcode": pl.Utf8,
            "name": pl.Utf8,
            "level": pl.Int8,
            "parent_id": pl.Int64,
            "population": pl.Int64,
            "latitude": pl.Float64,
            "longitude": pl.Float64,
            "retired_in_id": pl.Int64,
        },
        orient="row",
    )
    parents = frame.select(pl.col("id").alias("parent_id"), pl.col("pcode").alias("parent_pcode"))
    return frame.join(parents, on="parent_id", how="left")


def _plan(units: pl.DataFrame, known: pl.DataFrame) -> pl.DataFrame:
    """Each unit of the new version with what to do: created, updated or unchanged.

    A value the new version does not give (population, coordinates) keeps the stored one.
    """
    stored = known.select(
        "pcode", "id", "retired_in_id", *(pl.col(c).alias(f"old_{c}") for c in _COMPARED)
    )
    joined = units.join(stored, on="pcode", how="left").with_columns(
        pl.coalesce(c, f"old_{c}").alias(c) for c in ("population", "latitude", "longitude")
    )
    differs = pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"old_{c}")) for c in _COMPARED)
    return joined.with_columns(
        pl.when(pl.col("id").is_null())
        .then(pl.lit("created"))
        .when(differs | pl.col("retired_in_id").is_not_null())
        .then(pl.lit("updated"))
        .otherwise(pl.lit("unchanged"))
        .alias("action")
    )


def _to_retire(units: pl.DataFrame, known: pl.DataFrame, *, iso2: str) -> pl.DataFrame:
    """Current stored units the new version no longer has.

    Units the new version names only as parents it did not list itself (a file that hangs its
    units under already-loaded parents), and their ancestors, stay current.
    """
    listed = set(units["pcode"].to_list())
    parent_of = dict(zip(known["pcode"].to_list(), known["parent_pcode"].to_list(), strict=True))
    keep = {iso2}
    for parent in set(units["parent_pcode"].to_list()) - listed:
        while parent is not None and parent not in keep:
            keep.add(parent)
            parent = parent_of.get(parent)
    return known.filter(
        pl.col("retired_in_id").is_null()
        & (pl.col("level") > 0)
        & ~pl.col("pcode").is_in(list(listed | keep))
    ).select("id", "pcode", "level")


def _boundary_changes(units: pl.DataFrame, known: pl.DataFrame, iso3: str) -> pl.DataFrame:
    """Units whose polygon is new or differs from the stored one (pcode, wkb, exists)."""
    given = units.filter(pl.col("wkb").is_not_null()).select("pcode", "wkb")
    if given.is_empty():
        return given.with_columns(pl.lit(False).alias("exists"))
    ids = known.select("id", "pcode").join(given.select("pcode"), on="pcode")
    stored = pl.DataFrame(
        [
            (unit_id, bytes(wkb))
            for unit_id, wkb in AdminBoundary.objects.filter(unit__country_iso3=iso3).values_list(
                "unit_id", "wkb"
            )
        ],
        schema={"id": pl.Int64, "old_wkb": pl.Binary},
        orient="row",
    ).join(ids, on="id")
    return (
        given.join(stored.select("pcode", "old_wkb"), on="pcode", how="left")
        .filter(pl.col("wkb").ne_missing(pl.col("old_wkb")))
        .select("pcode", "wkb", pl.col("old_wkb").is_not_null().alias("exists"))
    )


def _new_codes(table: GazetteerTable, iso3: str, id_of: dict[str, int]) -> pl.DataFrame:
    """Alternative codes not stored yet, or stored for another unit."""
    stored = pl.DataFrame(
        list(AdminUnitCode.objects.filter(country_iso3=iso3).values_list("code", "unit_id")),
        schema={"code": pl.Utf8, "stored_unit_id": pl.Int64},
        orient="row",
    )
    wanted = table.codes.with_columns(
        pl.col("pcode").replace_strict(id_of, default=None, return_dtype=pl.Int64).alias("unit_id")
    )
    return wanted.join(stored, on="code", how="left").filter(
        pl.col("stored_unit_id").is_null() | pl.col("unit_id").ne_missing(pl.col("stored_unit_id"))
    )


def _former_primary_names(plan: pl.DataFrame) -> pl.DataFrame:
    """A renamed unit keeps its old name as a former name, so matching still finds it."""
    return plan.filter(
        (pl.col("action") == "updated")
        & pl.col("old_name").is_not_null()
        & (pl.col("old_name") != pl.col("name"))
    ).select(
        "pcode",
        pl.col("old_name").alias("name"),
        pl.lit("").alias("language"),
        pl.lit(NameKind.FORMER.value).alias("kind"),
    )


def _demote_replaced_names(table: GazetteerTable, iso3: str, id_of: dict[str, int]) -> None:
    """A stored name in a language the file now names differently becomes a former name."""
    given = table.names.filter(pl.col("kind") == NameKind.OFFICIAL.value).with_columns(
        pl.col("pcode").replace_strict(id_of, default=None, return_dtype=pl.Int64).alias("unit_id")
    )
    if given.is_empty():
        return
    stored = pl.DataFrame(
        list(
            AdminUnitName.objects.filter(unit__country_iso3=iso3).values_list(
                "id", "unit_id", "name", "language", "kind"
            )
        ),
        schema={
            "id": pl.Int64,
            "unit_id": pl.Int64,
            "name": pl.Utf8,
            "language": pl.Utf8,
            "kind": pl.Utf8,
        },
        orient="row",
    )
    official = stored.filter(pl.col("kind") == NameKind.OFFICIAL.value)
    replaced = (
        official.join(given.select("unit_id", "language").unique(), on=["unit_id", "language"])
        .join(
            given.select("unit_id", "language", "name"),
            on=["unit_id", "language", "name"],
            how="anti",
        )
        .join(
            stored.filter(pl.col("kind") == NameKind.FORMER.value).select(
                "unit_id", "name", "language"
            ),
            on=["unit_id", "name", "language"],
            how="anti",
        )
    )
    rows_update(
        AdminUnitName,
        ("id",),
        ("kind",),
        [(i, NameKind.FORMER.value) for i in replaced["id"].to_list()],
    )


def _new_names(table: GazetteerTable, iso3: str, id_of: dict[str, int]) -> pl.DataFrame:
    """Other names (former, alternative, other languages) not stored yet."""
    stored = pl.DataFrame(
        list(
            AdminUnitName.objects.filter(unit__country_iso3=iso3).values_list(
                "unit_id", "name", "language", "kind"
            )
        ),
        schema={"unit_id": pl.Int64, "name": pl.Utf8, "language": pl.Utf8, "kind": pl.Utf8},
        orient="row",
    )
    wanted = table.names.with_columns(
        pl.col("pcode").replace_strict(id_of, default=None, return_dtype=pl.Int64).alias("unit_id"),
        pl.col("language").fill_null(""),
    )
    return wanted.join(stored, on=["unit_id", "name", "language", "kind"], how="anti")


def _country_create(
    country: Country, version: GazetteerVersion, valid_from: date | None
) -> AdminUnit:
    return AdminUnit.objects.create(
        country_iso3=country.iso3,
        pcode=country.iso2,
        name=country.name,
        level=0,
        introduced_in=version,
        valid_from=valid_from,
    )


def _create_units(
    new: pl.DataFrame, id_of: dict[str, int], version: GazetteerVersion, valid_from: date | None
) -> None:
    """Create new units level by level, parents first, so every parent id is known.

    Rows go in through the driver's fast path (`core.bulk.rows_insert`), then one query per level
    reads back the new ids.
    """
    for level in range(1, MAX_LEVEL + 1):
        rows = new.filter(pl.col("level") == level)
        if rows.is_empty():
            continue
        rows_insert(
            AdminUnit,
            (
                "country_iso3",
                "pcode",
                "name",
                "level",
                "parent_id",
                "population",
                "latitude",
                "longitude",
                "introduced_in_id",
                "valid_from",
            ),
            [
                (
                    version.country_iso3,
                    pcode,
                    name,
                    level,
                    id_of[parent],
                    pop,
                    lat,
                    lon,
                    version.pk,
                    connection.ops.adapt_datefield_value(day or valid_from),
                )
                for pcode, name, parent, pop, lat, lon, day in rows.select(
                    "pcode",
                    "name",
                    "parent_pcode",
                    "population",
                    "latitude",
                    "longitude",
                    "valid_from",
                ).iter_rows()
            ],
        )
        id_of.update(
            AdminUnit.objects.filter(
                country_iso3=version.country_iso3, introduced_in=version, level=level
            ).values_list("pcode", "id")
        )


def _update_units(changed: pl.DataFrame, id_of: dict[str, int]) -> None:
    """Write new names, levels, parents, population and coordinates; un-retire returning units."""
    rows_update(
        AdminUnit,
        ("id",),
        (
            "name",
            "level",
            "parent_id",
            "population",
            "latitude",
            "longitude",
            "retired_in_id",
            "valid_to",
        ),
        [
            (unit_id, name, level, id_of[parent], population, latitude, longitude, None, None)
            for unit_id, name, level, parent, population, latitude, longitude in changed.select(
                "id", "name", "level", "parent_pcode", "population", "latitude", "longitude"
            ).iter_rows()
        ],
    )


def _retire_units(retire: pl.DataFrame, version: GazetteerVersion, valid_to: date | None) -> None:
    ids = retire["id"].to_list()
    for start in range(0, len(ids), BATCH):
        AdminUnit.objects.filter(id__in=ids[start : start + BATCH]).update(
            retired_in=version, valid_to=valid_to
        )


def _write_boundaries(changes: pl.DataFrame, id_of: dict[str, int]) -> int:
    """Store polygons with their bounding boxes: insert new ones, replace changed ones."""
    if changes.is_empty():
        return 0
    wkb = changes["wkb"].to_list()
    bounds = shapely.bounds(shapely.from_wkb(wkb)).tolist()
    display = outlines_simplify(wkb)
    rows = [
        (id_of[pcode], data, shown, *box)
        for pcode, data, shown, box in zip(
            changes["pcode"].to_list(), wkb, display, bounds, strict=True
        )
    ]
    exists = changes["exists"].to_list()
    rows_insert(
        AdminBoundary,
        ("unit_id", "wkb", "display_wkb", "min_x", "min_y", "max_x", "max_y"),
        [row for row, old in zip(rows, exists, strict=True) if not old],
    )
    rows_update(
        AdminBoundary,
        ("unit_id",),
        ("wkb", "display_wkb", "min_x", "min_y", "max_x", "max_y"),
        [row for row, old in zip(rows, exists, strict=True) if old],
    )
    return len(rows)


def _write_codes(codes: pl.DataFrame, id_of: dict[str, int], iso3: str) -> int:
    """Add alternative codes; a code that now leads to another unit is moved to it."""
    if codes.is_empty():
        return 0
    fresh = codes.filter(pl.col("stored_unit_id").is_null())
    moved = codes.filter(pl.col("stored_unit_id").is_not_null())
    columns = ("code", "pcode", "kind", "note", "edition", "parent_code")
    rows_insert(
        AdminUnitCode,
        ("country_iso3", "code", "unit_id", "kind", "note", "edition", "parent_code"),
        [
            (iso3, code, id_of[pcode], kind, note or "", edition or "", parent or "")
            for code, pcode, kind, note, edition, parent in fresh.select(columns).iter_rows()
        ],
    )
    rows_update(
        AdminUnitCode,
        ("country_iso3", "code"),
        ("unit_id", "kind", "note", "edition", "parent_code"),
        [
            (iso3, code, id_of[pcode], kind, note or "", edition or "", parent or "")
            for code, pcode, kind, note, edition, parent in moved.select(columns).iter_rows()
        ],
    )
    return codes.height


def _write_names(names: pl.DataFrame, id_of: dict[str, int]) -> int:
    rows_insert(
        AdminUnitName,
        ("unit_id", "name", "language", "kind"),
        [
            (id_of[pcode], name, language or "", kind)
            for pcode, name, language, kind in names.select(
                "pcode", "name", "language", "kind"
            ).iter_rows()
        ],
    )
    return names.height
