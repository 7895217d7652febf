"""The crosswalk between two versions of a country's gazetteer: which old unit holds its place in
the new version, each change typed.

Units are identified by P-code. A unit in both versions *continues*; one only in the old version
is *gone*, one only in the new version is *added*. Two steps, column-wise:

1. `links_find` links gone units to the units that took their place, level by level, top down:
   - recoded, one to one, among gone and added units of a level: the polygons cover each other
     (both shares >= RECODE_SHARE, when both versions have polygons); or the same name under the
     same parent (an old parent read as its recoded successor); or the same name and the same
     code below a parent whose code changed (PH06045 -> PH18045: same "045");
   - then, bottom up: a unit's children now sit under another unit (`children`; a gone unit
     whose children all went to one added unit, and nothing else did, is that unit recoded,
     for the level above too); a gone unit's name is kept as a former name of a new or
     continuing unit under the same parent (`former_name`); a polygon lies mostly inside
     another one (`polygon`, share >= CONTAIN_SHARE).
2. `changes_classify` types every change: a link from an old unit with several successors is a
   `split`; into a unit with several predecessors a `merged` (a continuing unit takes part with
   a link to itself); any other link `recoded`; gone units without a link `retired`, added ones
   `new`; a continuing unit not involved in any of those is `renamed` when its name changed and
   `moved` when its parent is no successor of its old parent. Rows of one split or merge share a
   `group` number.

`links_compose` follows the links through several versions, so that any two versions can be
compared (`queries.crosswalk_between`).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import shapely

from opendtm.gazetteer.choices import ChangeKind, LinkMethod
from opendtm.gazetteer.names import name_key

RECODE_SHARE = 0.9  # both polygons this much inside each other: the same place
CONTAIN_SHARE = 0.8  # one polygon this much inside the other: part of it

SIDE_SCHEMA: dict[str, pl.DataType] = {
    "pcode": pl.Utf8(),
    "name": pl.Utf8(),
    "level": pl.Int8(),
    "parent_pcode": pl.Utf8(),
    "wkb": pl.Binary(),
}
LINK_SCHEMA: dict[str, pl.DataType] = {
    "old_pcode": pl.Utf8(),
    "new_pcode": pl.Utf8(),
    "method": pl.Utf8(),
    "share": pl.Float64(),
}
CHANGE_SCHEMA: dict[str, pl.DataType] = {
    "kind": pl.Utf8(),
    "level": pl.Int8(),
    "group": pl.Int64(),
    "old_pcode": pl.Utf8(),
    "new_pcode": pl.Utf8(),
    "old_name": pl.Utf8(),
    "new_name": pl.Utf8(),
    "method": pl.Utf8(),
    "share": pl.Float64(),
    "note": pl.Utf8(),
}


def side_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """A version's units in SIDE_SCHEMA (a missing wkb column means no polygons)."""
    return frame.select(
        pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
        for c, t in SIDE_SCHEMA.items()
    )


def _keyed(frame: pl.DataFrame) -> pl.DataFrame:
    names = frame["name"].unique().to_list()
    keys = {name: name_key(name) for name in names}
    return frame.with_columns(
        pl.col("name").replace_strict(keys, return_dtype=pl.Utf8).alias("key")
    )


def _one_to_one(pairs: pl.DataFrame) -> pl.DataFrame:
    return pairs.filter(pl.col("old_pcode").is_unique() & pl.col("new_pcode").is_unique())


def _tail(code: str, parent: str) -> pl.Expr:
    """The part of a code after its parent's code, when it starts with it."""
    return (
        pl.when(pl.col(code).str.starts_with(pl.col(parent)))
        .then(pl.col(code).str.slice(pl.col(parent).str.len_chars()))
        .alias("tail")
    )


def links_find(old: pl.DataFrame, new: pl.DataFrame, *, new_names: pl.DataFrame) -> pl.DataFrame:
    """Links (LINK_SCHEMA) from gone old units to the new units that took their place.

    `old`, `new`: SIDE_SCHEMA; `new_names`: other names of new units (pcode, name).
    """
    old, new = _keyed(side_frame(old)), _keyed(side_frame(new))
    gone = old.filter(~pl.col("pcode").is_in(new["pcode"].implode()))
    added = new.filter(~pl.col("pcode").is_in(old["pcode"].implode()))
    polygons = old["wkb"].is_not_null().any() and new["wkb"].is_not_null().any()
    partner: dict[str, str] = {}
    found: list[pl.DataFrame] = []
    for level in sorted(set(gone["level"].to_list()) & set(added["level"].to_list())):
        r = gone.filter(pl.col("level") == level)
        c = added.filter(pl.col("level") == level)
        steps = []
        if polygons:
            steps.append(("polygon", lambda r, c: _overlaps(r, c, mutual=True)))
        steps.append(("name_parent", _same_name_parent))
        steps.append(("name_code", _same_name_code))
        for _, step in steps:
            if r.is_empty() or c.is_empty():
                break
            pairs = _one_to_one(step(r.with_columns(_mapped(partner)), c))
            if pairs.is_empty():
                continue
            partner.update(
                zip(pairs["old_pcode"].to_list(), pairs["new_pcode"].to_list(), strict=True)
            )
            found.append(pairs.select(list(LINK_SCHEMA)))
            r = r.filter(~pl.col("pcode").is_in(pairs["old_pcode"].implode()))
            c = c.filter(~pl.col("pcode").is_in(pairs["new_pcode"].implode()))
    found.append(_children_links(old, new, gone, added, partner))
    linked = pl.concat([pl.DataFrame(schema=LINK_SCHEMA), *found])
    lone = gone.filter(~pl.col("pcode").is_in(linked["old_pcode"].implode()))
    found.append(_former_name_links(lone.with_columns(_mapped(partner)), new, new_names))
    if polygons:
        paired = pl.DataFrame(
            {"old_pcode": list(partner), "new_pcode": list(partner.values())},
            schema={"old_pcode": pl.Utf8, "new_pcode": pl.Utf8},
        )
        gone_ids = set(gone["pcode"].to_list())
        added_ids = set(added["pcode"].to_list())
        contained = _overlaps(
            old.filter(~pl.col("pcode").is_in(list(partner))),
            new.filter(~pl.col("pcode").is_in(list(partner.values()))),
            mutual=False,
        ).filter(
            pl.col("old_pcode").is_in(list(gone_ids)) | pl.col("new_pcode").is_in(list(added_ids))
        )
        found.append(contained.join(paired, on=["old_pcode", "new_pcode"], how="anti"))
    links = pl.concat(
        [pl.DataFrame(schema=LINK_SCHEMA), *(f.select(list(LINK_SCHEMA)) for f in found)]
    )
    return (
        links.group_by("old_pcode", "new_pcode", maintain_order=True)
        .agg(pl.col("method").unique(maintain_order=True).str.join(","), pl.col("share").max())
        .sort("old_pcode", "new_pcode")
    )


def _mapped(partner: dict[str, str]) -> pl.Expr:
    """An old unit's parent read in the new version: its recoded successor, or itself."""
    return pl.col("parent_pcode").replace(partner).alias("mapped_parent")


def _same_name_parent(r: pl.DataFrame, c: pl.DataFrame) -> pl.DataFrame:
    return r.join(
        c, left_on=["key", "mapped_parent"], right_on=["key", "parent_pcode"], suffix="_new"
    ).select(
        pl.col("pcode").alias("old_pcode"),
        pl.col("pcode_new").alias("new_pcode"),
        pl.lit(LinkMethod.NAME_PARENT.value).alias("method"),
        pl.lit(None, pl.Float64).alias("share"),
    )


def _same_name_code(r: pl.DataFrame, c: pl.DataFrame) -> pl.DataFrame:
    old = r.with_columns(_tail("pcode", "parent_pcode")).filter(pl.col("tail").is_not_null())
    new = c.with_columns(_tail("pcode", "parent_pcode")).filter(pl.col("tail").is_not_null())
    return old.join(new, on=["key", "tail"], suffix="_new").select(
        pl.col("pcode").alias("old_pcode"),
        pl.col("pcode_new").alias("new_pcode"),
        pl.lit(LinkMethod.NAME_CODE.value).alias("method"),
        pl.lit(None, pl.Float64).alias("share"),
    )


def _children_links(
    old: pl.DataFrame,
    new: pl.DataFrame,
    gone: pl.DataFrame,
    added: pl.DataFrame,
    partner: dict[str, str],
) -> pl.DataFrame:
    """old parent -> new parent, where a unit (continuing or recoded) changed parent and one of
    the two parents is gone or added.

    Bottom up, level by level: a gone unit whose children all went to one added unit, and
    nothing else did, is that unit recoded, and counts as such for the level above.
    """
    same = dict(partner)
    kept = old.join(new.select("pcode"), on="pcode")["pcode"]
    gone_codes, added_codes = gone["pcode"].implode(), added["pcode"].implode()
    old_parent = old.select(pl.col("pcode").alias("old_pcode"), pl.col("parent_pcode").alias("op"))
    new_parent = new.select(
        pl.col("pcode").alias("new_pcode"),
        pl.col("parent_pcode").alias("np"),
        pl.col("level").alias("child_level"),
    )
    found: list[pl.DataFrame] = []
    levels = sorted(set(new["level"].to_list()), reverse=True)
    for level in levels:
        identity = pl.concat(
            [
                pl.DataFrame({"old_pcode": kept, "new_pcode": kept}),
                pl.DataFrame(
                    {"old_pcode": list(same), "new_pcode": list(same.values())},
                    schema={"old_pcode": pl.Utf8, "new_pcode": pl.Utf8},
                ),
            ]
        )
        moved = (
            identity.join(old_parent, on="old_pcode")
            .join(new_parent, on="new_pcode")
            .filter(pl.col("child_level") == level)
            .filter(pl.col("op").is_not_null() & pl.col("np").is_not_null())
            .filter(pl.col("op").replace(same) != pl.col("np"))
            .filter(pl.col("op").is_in(gone_codes) | pl.col("np").is_in(added_codes))
            .select(pl.col("op").alias("old_pcode"), pl.col("np").alias("new_pcode"))
            .unique(maintain_order=True)
        )
        if moved.is_empty():
            continue
        found.append(moved)
        recoded = _one_to_one(moved).filter(
            pl.col("old_pcode").is_in(gone_codes)
            & ~pl.col("old_pcode").is_in(list(same))
            & pl.col("new_pcode").is_in(added_codes)
            & ~pl.col("new_pcode").is_in(list(same.values()))
        )
        same.update(
            zip(recoded["old_pcode"].to_list(), recoded["new_pcode"].to_list(), strict=True)
        )
    links = pl.concat([pl.DataFrame(schema={"old_pcode": pl.Utf8, "new_pcode": pl.Utf8}), *found])
    return links.unique(maintain_order=True).with_columns(
        pl.lit(LinkMethod.CHILDREN.value).alias("method"), pl.lit(None, pl.Float64).alias("share")
    )


def _former_name_links(lone: pl.DataFrame, new: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    """A gone unit whose name a new unit keeps as a former name, under the same parent."""
    if lone.is_empty() or names.is_empty():
        return pl.DataFrame(schema=LINK_SCHEMA)
    former = _keyed(names.select("pcode", "name")).join(
        new.select("pcode", "level", "parent_pcode"), on="pcode"
    )
    pairs = lone.join(
        former,
        left_on=["key", "level", "mapped_parent"],
        right_on=["key", "level", "parent_pcode"],
        suffix="_new",
    ).select(
        pl.col("pcode").alias("old_pcode"),
        pl.col("pcode_new").alias("new_pcode"),
        pl.lit(LinkMethod.FORMER_NAME.value).alias("method"),
        pl.lit(None, pl.Float64).alias("share"),
    )
    return pairs.unique().filter(pl.col("old_pcode").is_unique())


def _overlaps(r: pl.DataFrame, c: pl.DataFrame, *, mutual: bool) -> pl.DataFrame:
    """Pairs of the same level whose polygons cover each other (mutual) or one mostly covers
    the other; `share` is the part of the old polygon inside the new one."""
    r = r.filter(pl.col("wkb").is_not_null())
    c = c.filter(pl.col("wkb").is_not_null())
    if r.is_empty() or c.is_empty():
        return pl.DataFrame(schema=LINK_SCHEMA)
    old_geoms = shapely.from_wkb(r["wkb"].to_list())
    new_geoms = shapely.from_wkb(c["wkb"].to_list())
    tree = shapely.STRtree(old_geoms)
    new_index, old_index = tree.query(new_geoms, predicate="intersects")
    same_level = r["level"].to_numpy()[old_index] == c["level"].to_numpy()[new_index]
    new_index, old_index = new_index[same_level], old_index[same_level]
    if not len(new_index):
        return pl.DataFrame(schema=LINK_SCHEMA)
    inter = shapely.area(shapely.intersection(old_geoms[old_index], new_geoms[new_index]))
    old_share = inter / np.maximum(shapely.area(old_geoms[old_index]), 1e-300)
    new_share = inter / np.maximum(shapely.area(new_geoms[new_index]), 1e-300)
    if mutual:
        keep = (old_share >= RECODE_SHARE) & (new_share >= RECODE_SHARE)
    else:
        keep = (old_share >= CONTAIN_SHARE) | (new_share >= CONTAIN_SHARE)
    return pl.DataFrame(
        {
            "old_pcode": np.array(r["pcode"].to_list(), dtype=object)[old_index[keep]].tolist(),
            "new_pcode": np.array(c["pcode"].to_list(), dtype=object)[new_index[keep]].tolist(),
            "method": [LinkMethod.POLYGON.value] * int(keep.sum()),
            "share": np.round(old_share[keep], 4).tolist(),
        },
        schema=LINK_SCHEMA,
    )


def links_compose(alive: list[pl.Series], edges: list[pl.DataFrame]) -> pl.DataFrame:
    """Links from the first version to the last through the ones between.

    `alive[i]`: P-codes of version i; `edges[i]`: links (old_pcode, new_pcode, method, share)
    from version i to i+1. A unit alive in both versions of a step follows itself. With one
    step the links keep their method; through several, the method is `composed`.
    """
    if len(edges) == 1:
        return edges[0].select(list(LINK_SCHEMA))
    reach = pl.DataFrame({"origin": alive[0], "at": alive[0]})
    for i, step in enumerate(edges):
        kept = alive[i].filter(alive[i].is_in(alive[i + 1].implode()))
        moves = pl.concat(
            [
                pl.DataFrame({"old_pcode": kept, "new_pcode": kept}),
                step.select("old_pcode", "new_pcode"),
            ]
        )
        reach = (
            reach.join(moves, left_on="at", right_on="old_pcode")
            .select("origin", pl.col("new_pcode").alias("at"))
            .unique()
        )
    return (
        reach.filter(pl.col("origin") != pl.col("at"))
        .select(
            pl.col("origin").alias("old_pcode"),
            pl.col("at").alias("new_pcode"),
            pl.lit(LinkMethod.COMPOSED.value).alias("method"),
            pl.lit(None, pl.Float64).alias("share"),
        )
        .sort("old_pcode", "new_pcode")
    )


def changes_classify(old: pl.DataFrame, new: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """Every change from `old` to `new` (SIDE_SCHEMA frames), typed (CHANGE_SCHEMA)."""
    old, new = side_frame(old), side_frame(new)
    kept = old.join(new.select("pcode"), on="pcode")["pcode"]
    involved = pl.concat([links["old_pcode"], links["new_pcode"]]).unique()
    selves = kept.filter(kept.is_in(involved.implode()))
    edges = pl.concat(
        [
            links.select(list(LINK_SCHEMA)),
            pl.DataFrame(
                {"old_pcode": selves, "new_pcode": selves},
                schema={"old_pcode": pl.Utf8, "new_pcode": pl.Utf8},
            ).with_columns(
                pl.lit("same_code").alias("method"), pl.lit(None, pl.Float64).alias("share")
            ),
        ]
    )
    edges = edges.with_columns(
        pl.len().over("old_pcode").alias("out"), pl.len().over("new_pcode").alias("in")
    ).with_columns(
        pl.when(pl.col("out") > 1)
        .then(pl.lit(ChangeKind.SPLIT.value))
        .when(pl.col("in") > 1)
        .then(pl.lit(ChangeKind.MERGED.value))
        .otherwise(pl.lit(ChangeKind.RECODED.value))
        .alias("kind")
    )
    olds = old.select(pl.col("pcode").alias("old_pcode"), pl.col("name").alias("old_name"), "level")
    news = new.select(pl.col("pcode").alias("new_pcode"), pl.col("name").alias("new_name"))
    linked = (
        edges.join(olds, on="old_pcode", how="left")
        .join(news, on="new_pcode", how="left")
        .with_columns(
            pl.when(
                (pl.col("kind") == ChangeKind.RECODED.value)
                & (pl.col("old_name") != pl.col("new_name"))
            )
            .then(pl.lit("also renamed"))
            .alias("note"),
            _components(edges).alias("component"),
        )
    )
    retired = old.filter(
        ~pl.col("pcode").is_in(new["pcode"].implode())
        & ~pl.col("pcode").is_in(edges["old_pcode"].implode())
    ).select(
        pl.lit(ChangeKind.RETIRED.value).alias("kind"),
        "level",
        pl.col("pcode").alias("old_pcode"),
        pl.col("name").alias("old_name"),
    )
    added = new.filter(
        ~pl.col("pcode").is_in(old["pcode"].implode())
        & ~pl.col("pcode").is_in(edges["new_pcode"].implode())
    ).select(
        pl.lit(ChangeKind.NEW.value).alias("kind"),
        "level",
        pl.col("pcode").alias("new_pcode"),
        pl.col("name").alias("new_name"),
    )
    rows = pl.concat(
        [
            linked.select(
                "kind",
                "level",
                "component",
                "old_pcode",
                "new_pcode",
                "old_name",
                "new_name",
                "method",
                "share",
                "note",
            ),
            retired,
            added,
            _renamed_or_moved(old, new, edges, involved),
        ],
        how="diagonal_relaxed",
    )
    first = pl.coalesce("old_pcode", "new_pcode")
    order = (
        rows.with_columns(first.alias("first"))
        .group_by(
            pl.coalesce(pl.col("component").cast(pl.Utf8), pl.lit("u:") + pl.col("first")).alias(
                "unit_group"
            )
        )
        .agg(pl.col("level").min().alias("glevel"), pl.col("first").min().alias("gfirst"))
    )
    order = order.sort("glevel", "gfirst").with_row_index("group", offset=1)
    return (
        rows.with_columns(
            pl.coalesce(pl.col("component").cast(pl.Utf8), pl.lit("u:") + first).alias("unit_group")
        )
        .join(order.select("unit_group", "group"), on="unit_group")
        .sort("group", "old_pcode", "new_pcode", nulls_last=True)
        .select(
            pl.col(c).cast(t) if c in rows.columns or c == "group" else pl.lit(None, t).alias(c)
            for c, t in CHANGE_SCHEMA.items()
        )
    )


def _components(edges: pl.DataFrame) -> pl.Series:
    """A component number for each edge (old and new units linked directly or not)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    pairs = list(zip(edges["old_pcode"].to_list(), edges["new_pcode"].to_list(), strict=True))
    for o, n in pairs:
        a, b = find("o:" + o), find("n:" + n)
        if a != b:
            parent[a] = b
    roots = [find("o:" + o) for o, _ in pairs]
    number = {root: i for i, root in enumerate(dict.fromkeys(roots))}
    return pl.Series([number[root] for root in roots], dtype=pl.Int64)


def _renamed_or_moved(
    old: pl.DataFrame, new: pl.DataFrame, edges: pl.DataFrame, involved: pl.Series
) -> pl.DataFrame:
    """Continuing units outside any link whose name or parent changed."""
    both = old.join(new, on="pcode", suffix="_new").filter(
        ~pl.col("pcode").is_in(involved.implode())
    )
    kept = both.select(pl.col("pcode").alias("old_pcode"), pl.col("pcode").alias("new_pcode"))
    successors = pl.concat([kept, edges.select("old_pcode", "new_pcode")])
    stayed = both.join(
        successors,
        left_on=["parent_pcode", "parent_pcode_new"],
        right_on=["old_pcode", "new_pcode"],
        how="semi",
    )["pcode"]
    both = both.with_columns(
        (~pl.col("pcode").is_in(stayed.implode()) & pl.col("parent_pcode").is_not_null()).alias(
            "moved"
        ),
        (pl.col("name") != pl.col("name_new")).alias("renamed"),
    ).filter(pl.col("moved") | pl.col("renamed"))
    return both.select(
        pl.when(pl.col("renamed"))
        .then(pl.lit(ChangeKind.RENAMED.value))
        .otherwise(pl.lit(ChangeKind.MOVED.value))
        .alias("kind"),
        "level",
        pl.col("pcode").alias("old_pcode"),
        pl.col("pcode").alias("new_pcode"),
        pl.col("name").alias("old_name"),
        pl.col("name_new").alias("new_name"),
        pl.when(pl.col("moved"))
        .then(pl.lit("parent ") + pl.col("parent_pcode") + " -> " + pl.col("parent_pcode_new"))
        .alias("note"),
    )
