"""The rules a gazetteer source must keep before anything is stored, checked column-wise.

Each rule looks at the whole table at once (Polars group-bys and joins, no row loops) and the
first broken rule raises one `InvalidInput` that names the file, row, column and rule, plus how
many other rows break it. Parent links come from the data, never from code prefixes: the PSGC
has children whose codes do not start with their parent's (NCR's cities, the independent cities
in their pseudo-provinces), and a COD-AB may too.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from opendtm.core.errors import InvalidInput
from opendtm.gazetteer.models import MAX_LEVEL, AdminUnit
from opendtm.gazetteer.tables import GazetteerTable

NOTHING_LOADED = "Nothing was loaded."
PCODE_MAX = AdminUnit._meta.get_field("pcode").max_length or 32
NAME_MAX = AdminUnit._meta.get_field("name").max_length or 200

UNIT_COLUMNS = [
    "pcode",
    "name",
    "level",
    "parent_pcode",
    "population",
    "latitude",
    "longitude",
    "wkb",
    "valid_from",
    "valid_to",
    "row",
    "part",
]


def place(table: GazetteerTable, row: dict[str, Any], column: str | None = None) -> str:
    """`file, sheet S, row N, column C` for one mention."""
    text = table.source
    if row.get("part"):
        text += f", {table.part_word} {row['part']}"
    if row.get("row") is not None:
        text += f", {table.row_word} {row['row']}"
    if column:
        text += f", column {column}"
    return text


def fail(
    table: GazetteerTable,
    offenders: pl.DataFrame,
    column_field: str | None,
    message: str,
    hint: str,
) -> None:
    """Raise for the first offending mention (by row), counting the others."""
    if offenders.is_empty():
        return
    offenders = offenders.sort("row", nulls_last=True)
    first = offenders.row(0, named=True)
    column = first.get(column_field) if column_field else None
    others = offenders.height - 1
    more = f" ({others} more row{'s' if others > 1 else ''} break the same rule.)" if others else ""
    raise InvalidInput(
        f"{place(table, first, column)}: {message.format(**first)}.{more}",
        hint=f"{hint} {NOTHING_LOADED}".strip(),
    )


def table_check(
    table: GazetteerTable, *, iso2: str, iso3: str, known: pl.DataFrame
) -> pl.DataFrame:
    """One row per unit (UNIT_COLUMNS), parents before children, or InvalidInput.

    `known` holds the units already stored for the country (`pcode`, `level`, `current`), so
    that a file may name a parent loaded earlier, and so that a code is never moved to
    another level.
    """
    mentions = table.mentions
    if mentions.is_empty():
        raise InvalidInput(
            f"{table.source}: no admin units found (the file has a header but no data rows).",
            hint=f"Add one row per unit. {NOTHING_LOADED}",
        )
    fail(
        table,
        mentions.filter(pl.col("pcode").is_in([iso2, iso3])),
        "pcode_column",
        f"P-code '{{pcode}}' is the code of the country itself ({iso3}), not of a level-1-4 unit",
        "The country is level 0 and is created by every load; give its units their own codes.",
    )
    fail(
        table,
        mentions.filter(pl.col("pcode").str.len_chars() > PCODE_MAX),
        "pcode_column",
        f"P-code '{{pcode}}' is longer than {PCODE_MAX} characters",
        "Check that the column holds P-codes.",
    )
    fail(
        table,
        mentions.filter(pl.col("name").str.len_chars() > NAME_MAX),
        "name_column",
        f"the name '{{name}}' is longer than {NAME_MAX} characters",
        "Check that the column holds names.",
    )
    spread = mentions.group_by("pcode").agg(
        pl.col("level").min().alias("low"),
        pl.col("level").max().alias("high"),
        pl.col("row").filter(pl.col("level") == pl.col("level").min()).min().alias("low_row"),
    )
    fail(
        table,
        mentions.join(spread.filter(pl.col("low") != pl.col("high")), on="pcode").filter(
            pl.col("level") == pl.col("high")
        ),
        "pcode_column",
        f"duplicate P-code '{{pcode}}': it is given at level {{high}} here and at level {{low}} "
        f"on {table.row_word} {{low_row}}",
        "A P-code names one unit at one level; correct one of the rows.",
    )
    leaves = mentions.filter(pl.col("leaf"))
    dup = leaves.filter(pl.col("pcode").is_duplicated()).with_columns(
        pl.col("row").min().over("pcode").alias("first_row")
    )
    fail(
        table,
        dup.filter(pl.col("row") != pl.col("first_row")),
        "pcode_column",
        "duplicate P-code '{pcode}': the same unit is already described on row {first_row}",
        "Keep one row per unit.",
    )
    _agree(table, mentions, "parent_pcode", "parent_column", "parents")
    _agree(table, mentions, "name", "name_column", "names")
    units = (
        mentions.sort(["leaf", "row"], descending=[True, False], nulls_last=True)
        .unique("pcode", keep="first", maintain_order=True)
        .with_columns(pl.col("parent_pcode").fill_null(iso2))
    )
    if table.explicit_parents:
        units = _levels_from_parents(table, units, iso2=iso2, known=known)
    _parents_exist(table, units, iso2=iso2, iso3=iso3, known=known)
    _known_levels(table, units, known=known)
    return units.sort(["level", "pcode"]).select(UNIT_COLUMNS)


def _agree(
    table: GazetteerTable, mentions: pl.DataFrame, field: str, column_field: str, what: str
) -> None:
    """Every mention of a code gives it the same parent (or name)."""
    firsts = (
        mentions.filter(pl.col(field).is_not_null())
        .sort("row")
        .unique("pcode", keep="first", maintain_order=True)
        .select("pcode", pl.col(field).alias("first_value"), pl.col("row").alias("first_row"))
    )
    differs = mentions.join(firsts, on="pcode").filter(
        pl.col(field).fill_null("") != pl.col("first_value")
    )
    noun = "parent" if field == "parent_pcode" else "name"
    fail(
        table,
        differs.with_columns(pl.col(field).fill_null("(none)").alias("value")),
        column_field,
        f"P-code '{{pcode}}' has two {what}: '{{first_value}}' on row {{first_row}} "
        f"and '{{value}}' here",
        f"A unit has one {noun}; make the rows agree (duplicate P-codes are refused).",
    )


def _levels_from_parents(
    table: GazetteerTable, units: pl.DataFrame, *, iso2: str, known: pl.DataFrame
) -> pl.DataFrame:
    """Follow explicit parent links: refuse cycles, and derive levels when none were given.

    Walks all chains at once, one join per step; a chain still unfinished after more steps
    than there are levels loops back on itself.
    """
    parents = units.select("pcode", pl.col("parent_pcode").alias("next"))
    current_known = known.filter(pl.col("current")).select("pcode", "level")
    walk = units.select("pcode", pl.col("parent_pcode").alias("at"), pl.lit(1).alias("steps"))
    depth: list[pl.DataFrame] = []
    for _ in range(MAX_LEVEL + 2):
        at_top = walk.filter(pl.col("at") == iso2).select(
            "pcode", pl.col("steps").cast(pl.Int8).alias("depth")
        )
        outside = walk.filter(
            (pl.col("at") != iso2) & ~pl.col("at").is_in(parents["pcode"].implode())
        )
        from_db = outside.join(current_known, left_on="at", right_on="pcode", how="left")
        depth.append(at_top)
        depth.append(
            from_db.select(
                "pcode",
                (pl.col("level").cast(pl.Int16) + pl.col("steps")).cast(pl.Int8).alias("depth"),
            )
        )
        walk = (
            walk.join(parents, left_on="at", right_on="pcode", how="inner")
            .select("pcode", pl.col("next").alias("at"), pl.col("steps") + 1)
            .filter(pl.col("at").is_not_null())
        )
        if walk.is_empty():
            break
    if not walk.is_empty():
        _cycle_fail(table, units, walk["pcode"].to_list())
    depths = pl.concat(depth)
    units = units.join(depths, on="pcode", how="left")
    units = units.with_columns(pl.coalesce("level", "depth").cast(pl.Int8).alias("level"))
    fail(
        table,
        units.filter(pl.col("level") > MAX_LEVEL),
        "parent_column",
        f"P-code '{{pcode}}' sits {{level}} levels below the country; the deepest level "
        f"is {MAX_LEVEL}",
        "Check the parent codes of this branch.",
    )
    return units.drop("depth")


def _cycle_fail(table: GazetteerTable, units: pl.DataFrame, looping: list[str]) -> None:
    parent_of = dict(zip(units["pcode"].to_list(), units["parent_pcode"].to_list(), strict=True))
    rows = units.select("pcode", "row", "part", "parent_column")
    start = rows.filter(pl.col("pcode").is_in(looping)).sort("row").row(0, named=True)
    chain = [start["pcode"]]
    while (nxt := parent_of.get(chain[-1])) not in chain:
        if nxt is None or nxt not in parent_of:
            raise InvalidInput(
                f"{place(table, start, start['parent_column'])}: P-code '{start['pcode']}' sits "
                f"more than {MAX_LEVEL} levels below the country (deepest level {MAX_LEVEL}).",
                hint=f"Check the parent codes of this branch. {NOTHING_LOADED}",
            )
        chain.append(nxt)
    cycle = [*chain[chain.index(nxt) :], nxt]
    cycle_rows = rows.filter(pl.col("pcode").is_in(cycle)).sort("row")["row"].to_list()
    first = rows.filter(pl.col("pcode") == cycle[0]).row(0, named=True)
    raise InvalidInput(
        f"{place(table, first, first['parent_column'])}: parent P-codes form a cycle: "
        f"{' -> '.join(cycle)} ({table.row_word}s {', '.join(str(r) for r in cycle_rows)}).",
        hint=f"Each unit's parent must lead up to the country; correct one parent code. "
        f"{NOTHING_LOADED}",
    )


def _parents_exist(
    table: GazetteerTable, units: pl.DataFrame, *, iso2: str, iso3: str, known: pl.DataFrame
) -> None:
    """Each parent is the country, a unit in the file or a current unit already loaded,
    one level up."""
    in_file = units.select(pl.col("pcode").alias("parent_pcode"), pl.col("level").alias("pl"))
    in_db = known.filter(pl.col("current")).select(
        pl.col("pcode").alias("parent_pcode"), pl.col("level").alias("dl")
    )
    linked = (
        units.join(in_file, on="parent_pcode", how="left")
        .join(in_db, on="parent_pcode", how="left")
        .with_columns(
            pl.when(pl.col("parent_pcode") == iso2)
            .then(pl.lit(0, pl.Int8))
            .otherwise(pl.coalesce("pl", "dl"))
            .alias("parent_level")
        )
    )
    missing = linked.filter(pl.col("parent_level").is_null())
    fail(
        table,
        missing,
        "parent_column",
        f"parent P-code '{{parent_pcode}}' of '{{pcode}}' is neither in the file nor in the "
        f"loaded {iso3} gazetteer",
        "Add a row for the parent or correct the code.",
    )
    fail(
        table,
        linked.filter(pl.col("parent_level") != pl.col("level") - 1).with_columns(
            pl.coalesce("level_column", "pcode_column").alias("level_column")
        ),
        "level_column",
        "P-code '{pcode}' is at level {level} but its parent '{parent_pcode}' is at level "
        "{parent_level}: a code at the wrong level",
        "A unit is exactly one level below its parent; correct the level or the parent.",
    )


def _known_levels(table: GazetteerTable, units: pl.DataFrame, *, known: pl.DataFrame) -> None:
    """A code already loaded keeps its level: codes are never re-used for another level."""
    clash = units.join(
        known.select("pcode", pl.col("level").alias("known_level")), on="pcode"
    ).filter(pl.col("level") != pl.col("known_level"))
    fail(
        table,
        clash,
        "pcode_column",
        "P-code '{pcode}' is at level {level} here but at level {known_level} in the loaded "
        "gazetteer: a code at the wrong level",
        "P-codes are never re-used at another level; give the unit a new code.",
    )
