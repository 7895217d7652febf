"""A round compared with an earlier one published on another gazetteer version.

Rounds keep the version they were published with, so two rounds may name places with different
codes. The comparison goes through the crosswalk between the two versions
(`gazetteer.queries.crosswalk_between`): a recoded or renamed unit is the same place, its
previous figure found under its old code; a unit born of a split or a merge has no single
previous figure, so its change stays empty with a note saying what happened (never a silent
sum); the earlier round's units that have no single successor (split, merged, retired) are
listed with their previous figures, so nothing disappears unexplained.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from opendtm.figures.suppression import is_hidden
from opendtm.gazetteer.choices import ChangeKind
from opendtm.gazetteer.models import AdminUnit, CrosswalkChange, GazetteerVersion
from opendtm.gazetteer.queries import crosswalk_between

NOTE = "change_note"
# What `AdminFigures.gazetteer_changes` holds: one row per unit of the earlier round (with
# figures there) that the crosswalk recoded, split, merged or retired.
CHANGES_SCHEMA: dict[str, pl.DataType] = {
    "kind": pl.Utf8(),
    "pcode": pl.Utf8(),
    "name": pl.Utf8(),
    "now": pl.Utf8(),
    NOTE: pl.Utf8(),
}
_OLD_SIDE = [ChangeKind.RECODED, ChangeKind.SPLIT, ChangeKind.MERGED, ChangeKind.RETIRED]


def changes_empty(names: tuple[str, ...]) -> pl.DataFrame:
    return pl.DataFrame(schema={**CHANGES_SCHEMA, **{f"{n}_previous": pl.Int64 for n in names}})


@dataclass(frozen=True)
class Crossing:
    """The crosswalk between the versions of two rounds, from the earlier to the later."""

    from_label: str
    to_label: str
    changes: pl.DataFrame  # crosswalk_between(...) rows


def crossing(*, country_iso3: str, earlier: int | None, later: int | None) -> Crossing | None:
    """The crosswalk from version id `earlier` to `later`, or None (no query) when the rounds
    are on the same version, a version is unknown, or the earlier round is on the later-loaded
    version (there is no crosswalk backwards: the rounds are then compared as they are)."""
    if earlier is None or later is None or earlier >= later:
        return None
    labels = dict(
        GazetteerVersion.objects.filter(pk__in=[earlier, later]).values_list("id", "label")
    )
    changes = crosswalk_between(
        country_iso3=country_iso3, from_version=labels[earlier], to_version=labels[later]
    )
    return Crossing(labels[earlier], labels[later], changes)


def _notes(level_changes: pl.DataFrame, to_label: str) -> pl.DataFrame:
    """unit_id (today's), change_note, comparable (False: no single previous figure)."""
    kind = pl.col("kind")
    olds = pl.col("old_pcode").drop_nulls().unique().sort().str.join(", ")
    per_unit = (
        level_changes.filter(pl.col("new_unit_id").is_not_null())
        .group_by("new_unit_id", "kind")
        .agg(
            olds.alias("olds"),
            pl.col("old_name").first().alias("old_name"),
            pl.col("note").first().alias("note"),
        )
        .with_columns(
            pl.when(kind == ChangeKind.RECODED.value)
            .then(pl.lit("recoded from ") + pl.col("olds"))
            .when(kind == ChangeKind.RENAMED.value)
            .then(pl.lit("renamed from ") + pl.col("old_name"))
            .when(kind == ChangeKind.MOVED.value)
            .then(pl.lit("moved: ") + pl.col("note"))
            .when(kind == ChangeKind.NEW.value)
            .then(pl.lit("new in ") + pl.lit(to_label))
            .otherwise(kind + pl.lit(" from ") + pl.col("olds"))
            .alias(NOTE),
            kind.is_in([ChangeKind.SPLIT.value, ChangeKind.MERGED.value]).alias("_apart"),
        )
    )
    return (
        per_unit.sort(NOTE)
        .group_by("new_unit_id")
        .agg(pl.col(NOTE).str.join("; "), (~pl.col("_apart").any()).alias("comparable"))
        .rename({"new_unit_id": "unit_id"})
    )


def previous_mapped(
    previous: pl.DataFrame, through: Crossing, *, level: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The earlier round's rows at `level` keyed by today's unit (a recoded unit's figure under
    its new id; units with no single successor left out), and the notes of today's units
    (unit_id, change_note, comparable)."""
    at_level = through.changes.filter(pl.col("level") == level)
    recoded = at_level.filter(pl.col("kind") == ChangeKind.RECODED.value).select(
        pl.col("old_unit_id").alias("unit_id"), pl.col("new_unit_id").alias("_new")
    )
    gone = at_level.filter(
        pl.col("kind").is_in([ChangeKind.SPLIT.value, ChangeKind.MERGED.value])
        | (pl.col("kind") == ChangeKind.RETIRED.value)
    )["old_unit_id"].drop_nulls()
    mapped = (
        previous.filter(~pl.col("unit_id").is_in(gone.implode()))
        .join(recoded, on="unit_id", how="left")
        .with_columns(pl.coalesce("_new", "unit_id").alias("unit_id"))
        .drop("_new")
    )
    return mapped, _notes(at_level, through.to_label)


def changes_reported(
    previous: pl.DataFrame,
    through: Crossing,
    *,
    level: int,
    names: tuple[str, ...],
    measures: tuple[str, ...],
) -> pl.DataFrame:
    """The earlier round's units at `level` that were recoded, split, merged or retired, with
    their previous figures (hidden ones null) and what became of them (CHANGES_SCHEMA)."""
    at_level = through.changes.filter(
        (pl.col("level") == level)
        & pl.col("kind").is_in([k.value for k in _OLD_SIDE])
        & pl.col("old_unit_id").is_not_null()
    )
    if not at_level.height or not previous.height:
        return changes_empty(names)
    per_old = _old_side(at_level, through.to_label)
    values = previous.select(
        pl.col("unit_id").alias("old_unit_id"),
        *(
            pl.when(is_hidden(measures, n))
            .then(None)
            .otherwise(pl.col(n))
            .cast(pl.Int64)
            .alias(f"{n}_previous")
            for n in names
        ),
    )
    return (
        per_old.join(values, on="old_unit_id", how="inner")
        .sort("pcode", "kind")
        .select(*CHANGES_SCHEMA, *(f"{n}_previous" for n in names))
        .cast(pl.Schema(CHANGES_SCHEMA))
    )


def _old_side(at_level: pl.DataFrame, to_label: str) -> pl.DataFrame:
    """Per unit of the earlier version that did not carry on as itself: old_unit_id, kind,
    pcode, name, now (today's codes), change_note ("split into PH01006, PH01007")."""
    kind = pl.col("kind")
    return (
        at_level.group_by("old_unit_id", "kind")
        .agg(
            pl.col("old_pcode").first().alias("pcode"),
            pl.col("old_name").first().alias("name"),
            pl.col("new_pcode").drop_nulls().unique().sort().str.join(", ").alias("now"),
        )
        .with_columns(
            pl.when(kind == ChangeKind.RETIRED.value)
            .then(pl.lit("retired in ") + pl.lit(to_label) + pl.lit(" with no successor"))
            .when(kind == ChangeKind.RECODED.value)
            .then(pl.lit("recoded to ") + pl.col("now"))
            .otherwise(kind + pl.lit(" into ") + pl.col("now"))
            .alias(NOTE),
            pl.when(pl.col("now") == "").then(None).otherwise(pl.col("now")).alias("now"),
        )
    )


# --- one unit across rounds (the time series) ------------------------------------------------


def recoded_successor(unit: AdminUnit) -> AdminUnit:
    """The unit that holds a recoded unit's place today (recodes followed one after another),
    or the unit itself: a unit split, merged or retired keeps its own series. One query per
    recode."""
    while unit.retired_in_id is not None:
        successors = list(
            CrosswalkChange.objects.filter(
                kind=ChangeKind.RECODED, old_unit=unit, new_unit__isnull=False
            ).select_related("new_unit")[:2]
        )
        if len(successors) != 1 or successors[0].new_unit is None:
            break
        unit = successors[0].new_unit
    return unit


def unit_note(through: Crossing, *, unit_id: int, level: int) -> tuple[str | None, bool]:
    """The crosswalk's note on one of the later version's units ("recoded from PH01002") and
    whether it has a single earlier figure (False: born of a split or a merge)."""
    found = _notes(through.changes.filter(pl.col("level") == level), through.to_label).filter(
        pl.col("unit_id") == unit_id
    )
    if not found.height:
        return None, True
    return found.item(0, NOTE), bool(found.item(0, "comparable"))


def unit_earlier(
    previous: pl.DataFrame, through: Crossing, *, unit_id: int, level: int
) -> tuple[pl.DataFrame | None, str | None]:
    """One of the later version's units in a round on the earlier version: its row there
    (keyed by its later id, `pcode` the code it had then; empty when it had no row) and the
    note ("before v2: recoded from PH01002"). None instead of a row when it has no single
    earlier figure (split, merged): its predecessors are never summed."""
    note, comparable = unit_note(through, unit_id=unit_id, level=level)
    text = f"before {through.to_label}: {note}" if note else None
    if not comparable:
        return None, text
    mapped, _ = previous_mapped(previous, through, level=level)
    return mapped.filter(pl.col("unit_id") == unit_id), text


def unit_gone(through: Crossing, *, unit_id: int, level: int) -> str | None:
    """What became of one of the earlier version's units in the later one ("split into
    PH01006, PH01007"), or None when it carried on as itself."""
    at_level = through.changes.filter(
        (pl.col("level") == level)
        & pl.col("kind").is_in([k.value for k in _OLD_SIDE])
        & (pl.col("old_unit_id") == unit_id)
    )
    if not at_level.height:
        return None
    gone = _old_side(at_level, through.to_label)
    note = str(gone.item(0, NOTE))
    retired = gone.item(0, "kind") == ChangeKind.RETIRED.value  # its note names the version
    return note if retired else f"{note} in {through.to_label}"
