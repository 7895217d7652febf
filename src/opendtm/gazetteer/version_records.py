"""What each load records besides the units: the version's snapshot and the crosswalk from the
version before it. Called by `services.gazetteer_load` inside its transaction."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
from django.db import connection

from opendtm.core.bulk import rows_insert
from opendtm.gazetteer.crosswalk import changes_classify, links_find
from opendtm.gazetteer.models import (
    AdminBoundary,
    AdminUnit,
    AdminUnitName,
    CrosswalkChange,
    GazetteerVersion,
    VersionUnit,
)
from opendtm.gazetteer.tables import GazetteerTable


def snapshot_write(version: GazetteerVersion) -> None:
    """The version's units as they stand after the load: one INSERT ... SELECT."""
    table = connection.ops.quote_name(VersionUnit._meta.db_table)
    units = connection.ops.quote_name(AdminUnit._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (version_id, unit_id, name, parent_id) "
            f"SELECT %s, id, name, parent_id FROM {units} "
            "WHERE country_iso3 = %s AND retired_in_id IS NULL",
            [version.pk, version.country_iso3],
        )


def side_frame_of(units: pl.DataFrame, iso3: str, table: GazetteerTable) -> pl.DataFrame:
    """Current units (pcode, name, level, parent_pcode, wkb) for the crosswalk; polygons only
    when the file brings some (the stored ones are read once, then)."""
    frame = units.select("pcode", "name", "level", "parent_pcode")
    if table.mentions["wkb"].is_null().all():
        return frame.with_columns(pl.lit(None, pl.Binary).alias("wkb"))
    stored = pl.DataFrame(
        [
            (pcode, bytes(wkb))
            for pcode, wkb in AdminBoundary.objects.filter(unit__country_iso3=iso3).values_list(
                "unit__pcode", "wkb"
            )
        ],
        schema={"pcode": pl.Utf8, "wkb": pl.Binary},
        orient="row",
    )
    return frame.join(stored, on="pcode", how="left")


def crosswalk_write(
    old: pl.DataFrame,
    table: GazetteerTable,
    version: GazetteerVersion,
    previous: GazetteerVersion,
    stored_units: Callable[[str], pl.DataFrame],
) -> dict[str, int]:
    """Compare the units before the load (`old`, from `side_frame_of`) with those after it
    (`stored_units`: every stored unit with id, pcode, name, level, parent_pcode,
    retired_in_id); store the typed changes and count them by kind."""
    after = stored_units(version.country_iso3)
    new = side_frame_of(
        after.filter(pl.col("retired_in_id").is_null()), version.country_iso3, table
    )
    given = table.mentions.filter(pl.col("wkb").is_not_null()).select(
        "pcode", pl.col("wkb").alias("w")
    )
    if not given.is_empty():
        new = new.join(given.unique("pcode"), on="pcode", how="left").select(
            "pcode", "name", "level", "parent_pcode", pl.coalesce("w", "wkb").alias("wkb")
        )
    names = pl.DataFrame(
        list(
            AdminUnitName.objects.filter(
                unit__country_iso3=version.country_iso3, unit__retired_in__isnull=True
            ).values_list("unit__pcode", "name")
        ),
        schema={"pcode": pl.Utf8, "name": pl.Utf8},
        orient="row",
    )
    changes = changes_classify(old, new, links_find(old, new, new_names=names))
    id_of = dict(zip(after["pcode"].to_list(), after["id"].to_list(), strict=True))
    rows_insert(
        CrosswalkChange,
        (
            "country_iso3",
            "from_version_id",
            "to_version_id",
            "kind",
            "level",
            "group",
            "old_unit_id",
            "new_unit_id",
            "old_pcode",
            "new_pcode",
            "old_name",
            "new_name",
            "method",
            "share",
            "note",
        ),
        [
            (
                version.country_iso3,
                previous.pk,
                version.pk,
                kind,
                level,
                group,
                id_of.get(old_pcode) if old_pcode else None,
                id_of.get(new_pcode) if new_pcode else None,
                old_pcode or "",
                new_pcode or "",
                old_name or "",
                new_name or "",
                method or "",
                share,
                note or "",
            )
            for (
                kind,
                level,
                group,
                old_pcode,
                new_pcode,
                old_name,
                new_name,
                method,
                share,
                note,
            ) in changes.iter_rows()
        ],
    )
    return {str(k): int(n) for k, n in changes.group_by("kind").len().sort("kind").iter_rows()}
