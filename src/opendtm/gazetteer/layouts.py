"""Turn the text tables of a file into gazetteer mentions, whatever the column layout.

Two layouts are understood, in any letter case:
- wide (COD-AB as published): `adm1_pcode, adm1_en, adm2_pcode, adm2_en, ...` (names also as
  `admN_name`), each row describing its deepest unit and naming its ancestors; names in further
  languages (`adm1_fr`, `adm1_es`, `adm1_ht`: any ISO 639-1 code), alternative names
  (`adm1alt1en`, `adm1alt2fr`, ...), reference names (`adm1_ref`), `validOn` and `validTo` of
  the deepest unit; optional `adm0_pcode`, and `population`, `latitude`, `longitude`. One sheet
  per level (an `adm0`-only sheet is skipped) or one wide sheet;
- long: `pcode, name, level, parent_pcode` (level optional: derived from the parent chain), also
  HDX's global P-code list (`Location, Admin Level, P-Code, Name, Parent P-Code, Valid from
  date`), whose rows of other countries are left out.
A geographic file's polygon belongs to the deepest unit of its feature.
"""

from __future__ import annotations

import re
from functools import cache

import polars as pl
import pycountry

from opendtm.core.errors import InvalidInput
from opendtm.gazetteer.choices import NameKind
from opendtm.gazetteer.models import MAX_LEVEL
from opendtm.gazetteer.pcodes import pcode_normalise_expr
from opendtm.gazetteer.readers import (
    CENTROID_LAT,
    CENTROID_LON,
    GEOMETRY,
    NOTHING,
    RESERVED,
    ROW,
    RawSource,
    RawTable,
)
from opendtm.gazetteer.tables import MENTION_SCHEMA, NAME_SCHEMA, GazetteerTable, empty_frame

_WIDE_PCODE = re.compile(rf"^adm([0-{MAX_LEVEL}])_pcode$")
NAME_SUFFIXES = ("name", "en", "name_en")
POPULATION = ("population", "pop")
LATITUDE = ("latitude", "lat")
LONGITUDE = ("longitude", "lon", "lng", "long")
LONG_PCODE = ("pcode", "p_code")
LONG_NAME = ("name", "name_en")
LONG_LEVEL = ("level", "admin_level", "adm_level")
LONG_PARENT = ("parent_pcode", "parent_p_code", "parent_code", "parent")
LOCATION = ("location", "country", "iso3")
VALID_FROM = ("validon", "valid_on", "valid_from", "valid_from_date")
VALID_TO = ("validto", "valid_to", "valid_to_date")
_LANGUAGE = re.compile(r"^adm([0-4])_([a-z]{2})$")
_ALTERNATIVE = re.compile(r"^adm([0-4])_?alt_?(\d+)_?([a-z]{2})$")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T].*)?$")


@cache
def is_language(code: str) -> bool:
    """True for an ISO 639-1 language code (fr, es, ht, ...)."""
    return pycountry.languages.get(alpha_2=code) is not None


def header_key(header: str) -> str:
    """How a column name is compared: any case, spaces and hyphens as underscores."""
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


class _Part:
    """One sheet or layer with its columns looked up by normalised name."""

    def __init__(self, source: RawSource, table: RawTable) -> None:
        self.source = source
        self.part = table.part if len(source.tables) > 1 else ""
        keys: dict[str, str] = {}
        for column in table.frame.columns:
            if column in RESERVED:
                continue
            key = header_key(column)
            if key in keys:
                raise InvalidInput(
                    f"{self.where()}: columns '{keys[key]}' and '{column}' are the same column "
                    "in a different letter case.",
                    hint=f"Keep one of them. {NOTHING}",
                )
            keys[key] = column
        self.keys = keys
        text = [c for c in table.frame.columns if c not in RESERVED]
        frame = table.frame.with_columns(
            pl.col(c).str.strip_chars().replace("", None).alias(c) for c in text
        )
        self.frame = frame.filter(~pl.all_horizontal(pl.col(c).is_null() for c in text))
        self.is_geo = GEOMETRY in frame.columns

    def where(self, row: int | None = None, column: str | None = None) -> str:
        text = self.source.name
        if self.part:
            text += f", {self.source.part_word} {self.part}"
        if row is not None:
            text += f", {self.source.row_word} {row}"
        if column:
            text += f", column {column}"
        return text

    def column(self, *keys: str) -> str | None:
        return next((self.keys[k] for k in keys if k in self.keys), None)

    def fail(self, bad: pl.DataFrame, column: str | None, message: str, hint: str) -> None:
        """Raise for the first bad row; `message` may use {value}."""
        if bad.is_empty():
            return
        first = bad.sort(ROW).row(0, named=True)
        others = bad.height - 1
        more = (
            f" ({others} more row{'s' if others > 1 else ''} break the same rule.)"
            if others
            else ""
        )
        value = first.get(column) if column else None
        raise InvalidInput(
            f"{self.where(first[ROW], column)}: {message.format(value=value)}.{more}",
            hint=f"{hint} {NOTHING}",
        )

    def whole_numbers(self, column: str | None) -> pl.Expr:
        if column is None:
            return pl.lit(None, pl.Int64)
        number = pl.col(column).str.replace_all(r"\s", "").cast(pl.Float64, strict=False)
        bad = self.frame.filter(
            pl.col(column).is_not_null()
            & (number.is_null() | (number < 0) | (number != number.floor()) | number.is_nan())
        )
        self.fail(bad, column, "'{value}' is not a whole number >= 0", "Correct the value.")
        return number.cast(pl.Int64)

    def degrees(self, column: str | None, limit: int, fallback: str) -> pl.Expr:
        if column is None:
            return pl.col(fallback) if fallback in self.frame.columns else pl.lit(None, pl.Float64)
        number = pl.col(column).cast(pl.Float64, strict=False)
        bad = self.frame.filter(
            pl.col(column).is_not_null()
            & (number.is_null() | (number.abs() > limit) | number.is_nan())
        )
        self.fail(
            bad,
            column,
            f"'{{value}}' is not a number of degrees between -{limit} and {limit}",
            "Use decimal degrees (WGS 84) with a dot.",
        )
        if fallback in self.frame.columns:
            return pl.coalesce(number, pl.col(fallback))
        return number

    def dates(self, column: str | None) -> pl.Expr:
        """A date column (YYYY-MM-DD, a time after it is ignored) as dates."""
        if column is None:
            return pl.lit(None, pl.Date)
        parsed = pl.col(column).str.extract(_DATE.pattern).str.to_date("%Y-%m-%d", strict=False)
        self.fail(
            self.frame.filter(pl.col(column).is_not_null() & parsed.is_null()),
            column,
            "'{value}' is not a date in the form YYYY-MM-DD",
            "Correct the date.",
        )
        return parsed

    def extras(self) -> list[pl.Expr]:
        """Population, coordinates, geometry and validity dates of the row's own unit."""
        return [
            self.whole_numbers(self.column(*POPULATION)).alias("population"),
            self.degrees(self.column(*LATITUDE), 90, CENTROID_LAT).alias("latitude"),
            self.degrees(self.column(*LONGITUDE), 180, CENTROID_LON).alias("longitude"),
            (pl.col(GEOMETRY) if self.is_geo else pl.lit(None, pl.Binary)).alias("wkb"),
            self.dates(self.column(*VALID_FROM)).alias("valid_from"),
            self.dates(self.column(*VALID_TO)).alias("valid_to"),
        ]

    def name_columns(self, level: int, primary: str) -> list[tuple[str, str, str]]:
        """(column, language, kind) of the other names of a level: further languages,
        alternative names and the reference name, in file order."""
        found = []
        for key, column in self.keys.items():
            if column == primary:
                continue
            if (m := _LANGUAGE.match(key)) and int(m.group(1)) == level:
                if is_language(m.group(2)):
                    found.append((column, m.group(2), NameKind.OFFICIAL.value))
            elif (m := _ALTERNATIVE.match(key)) and int(m.group(1)) == level:
                found.append((column, m.group(3), NameKind.ALTERNATIVE.value))
            elif key == f"adm{level}_ref":
                found.append((column, "", NameKind.ALTERNATIVE.value))
        return found

    def primary_name(self, level: int) -> str | None:
        """The column of a level's names: admN_name or admN_en, else the first language."""
        named = self.column(*(f"adm{level}_{suffix}" for suffix in NAME_SUFFIXES))
        if named is not None:
            return named
        return next(
            (
                column
                for key, column in self.keys.items()
                if (m := _LANGUAGE.match(key))
                and int(m.group(1)) == level
                and is_language(m.group(2))
            ),
            None,
        )


def layout_read(source: RawSource, *, iso2: str, iso3: str) -> GazetteerTable:
    """The mentions of every sheet or layer that holds P-codes."""
    frames: list[pl.DataFrame] = []
    names: list[pl.DataFrame] = []
    explicit_parents = False
    for raw in source.tables:
        part = _Part(source, raw)
        wide_levels = {m.group(1) for k in part.keys if (m := _WIDE_PCODE.match(k))}
        if wide_levels == {"0"} and len(source.tables) > 1:
            continue  # the country sheet of a COD-AB workbook with one sheet per level
        if wide_levels:
            mentions, other_names = _wide(part, iso2=iso2, iso3=iso3)
            frames.append(mentions)
            names.append(other_names)
        elif part.column(*LONG_PCODE):
            frames.append(_long(part, iso2=iso2, iso3=iso3))
            explicit_parents = True
        elif len(source.tables) == 1:
            found = ", ".join(part.keys.values()) or "none"
            raise InvalidInput(
                f"{source.name}: no P-code columns. Expected adm1_pcode, adm1_name, adm2_pcode, "
                f"... (COD-AB) or pcode, name, level, parent_pcode; found: {found}.",
                hint=f"Rename the columns. {NOTHING}",
            )
    if not frames:
        raise InvalidInput(
            f"{source.name}: no {source.part_word} has P-code columns (adm1_pcode, ... or "
            f"pcode); {source.part_word}s: {', '.join(t.part for t in source.tables)}.",
            hint=f"Rename the columns. {NOTHING}",
        )
    return GazetteerTable(
        source=source.name,
        sha256=source.sha256,
        default_label=source.path.stem,
        mentions=pl.concat(frames, how="vertical"),
        names=pl.concat([empty_frame(NAME_SCHEMA), *names]).unique(maintain_order=True),
        row_word=source.row_word,
        part_word=source.part_word,
        explicit_parents=explicit_parents,
    )


def _finish(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(pl.col(c).cast(t) for c, t in MENTION_SCHEMA.items())


def _wide(part: _Part, *, iso2: str, iso3: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    levels = sorted(
        int(m.group(1)) for k in part.keys if (m := _WIDE_PCODE.match(k)) and m.group(1) != "0"
    )
    if not levels:
        raise InvalidInput(
            f"{part.where()}: only adm0 columns; no adm1_pcode column.",
            hint=f"Add the adm1_pcode and adm1_name columns. {NOTHING}",
        )
    pcode_col: dict[int, str] = {}
    name_col: dict[int, str] = {}
    for level in range(1, levels[-1] + 1):
        pcode = part.column(f"adm{level}_pcode")
        if pcode is None:
            raise InvalidInput(
                f"{part.where()}: column adm{level}_pcode is missing, but "
                f"adm{levels[-1]}_pcode is there; every level above the deepest needs its codes.",
                hint=f"Add the adm{level}_pcode and adm{level}_name columns. {NOTHING}",
            )
        name = part.primary_name(level)
        if name is None:
            raise InvalidInput(
                f"{part.where()}: column adm{level}_name (or adm{level}_en, or names in another "
                f"language such as adm{level}_fr) is missing.",
                hint=f"Add the names of the adm{level} units. {NOTHING}",
            )
        pcode_col[level], name_col[level] = pcode, name
    frame = part.frame.with_columns(
        pcode_normalise_expr(c).alias(f"__p{lv}") for lv, c in pcode_col.items()
    )
    part.frame = frame
    if adm0 := part.column("adm0_pcode"):
        part.fail(
            frame.filter(~pcode_normalise_expr(adm0).is_in([iso2, iso3])),
            adm0,
            f"'{{value}}' is not the code of {iso3} ({iso2})",
            f"Load each country's file with its own --country, or correct adm0_pcode to {iso2}.",
        )
    deepest = pl.max_horizontal(
        pl.when(pl.col(f"__p{lv}").is_not_null()).then(pl.lit(lv)) for lv in pcode_col
    )
    frame = frame.with_columns(deepest.alias("__deepest"))
    part.frame = frame
    part.fail(
        frame.filter(pl.col("__deepest").is_null()),
        pcode_col[1],
        "the row has values but no P-code",
        "Give the P-codes of the unit and its parents, or delete the row.",
    )
    for level in pcode_col:
        code, name = pcode_col[level], name_col[level]
        part.fail(
            frame.filter(pl.col(f"__p{level}").is_null() & (pl.col("__deepest") > level)),
            code,
            f"empty, but a deeper level's P-code is given on this row; adm{level} is its parent",
            "Fill in the parent's P-code.",
        )
        part.fail(
            frame.filter(pl.col(f"__p{level}").is_not_null() & pl.col(name).is_null()),
            name,
            "empty name for a P-code given on this row",
            "Every unit needs a name.",
        )
        part.fail(
            frame.filter(pl.col(f"__p{level}").is_null() & pl.col(name).is_not_null()),
            code,
            "empty, but the name beside it is given",
            "Add the P-code of that unit.",
        )
    extras = part.extras()
    mentions = []
    for level in pcode_col:
        leaf = pl.col("__deepest") == level
        parent = pl.col(f"__p{level - 1}") if level > 1 else pl.lit(iso2)
        mentions.append(
            frame.filter(pl.col(f"__p{level}").is_not_null()).select(
                pl.col(f"__p{level}").alias("pcode"),
                pl.col(name_col[level]).alias("name"),
                pl.lit(level).alias("level"),
                parent.alias("parent_pcode"),
                *(pl.when(leaf).then(e) for e in extras),
                leaf.alias("leaf"),
                pl.col(ROW).alias("row"),
                pl.lit(part.part).alias("part"),
                pl.lit(pcode_col[level]).alias("pcode_column"),
                pl.lit(name_col[level]).alias("name_column"),
                pl.lit(pcode_col.get(level - 1, pcode_col[level])).alias("parent_column"),
                pl.lit(None, pl.Utf8).alias("level_column"),
            )
        )
    return _finish(pl.concat(mentions, how="vertical_relaxed")), _other_names(part, frame, name_col)


def _other_names(part: _Part, frame: pl.DataFrame, name_col: dict[int, str]) -> pl.DataFrame:
    """Names in further languages, alternative and reference names of every unit named.

    A unit has one name per language: rows naming it in the same language differently are
    refused like two primary names are.
    """
    rows = []
    for level, primary in name_col.items():
        named = frame.filter(pl.col(f"__p{level}").is_not_null())
        for column, language, kind in part.name_columns(level, primary):
            rows.append(
                named.filter(pl.col(column).is_not_null()).select(
                    pl.col(f"__p{level}").alias("pcode"),
                    pl.col(column).alias("name"),
                    pl.lit(language).alias("language"),
                    pl.lit(kind).alias("kind"),
                    pl.col(ROW),
                    pl.lit(column).alias("column"),
                    pl.col(primary).alias("primary"),
                )
            )
    if not rows:
        return empty_frame(NAME_SCHEMA)
    names = pl.concat(rows).filter(
        pl.col("name").str.to_lowercase() != pl.col("primary").str.to_lowercase()
    )
    official = names.filter(pl.col("kind") == NameKind.OFFICIAL.value).sort(ROW)
    firsts = official.unique(["pcode", "language"], keep="first", maintain_order=True).select(
        "pcode", "language", pl.col("name").alias("first"), pl.col(ROW).alias("first_row")
    )
    clash = official.join(firsts, on=["pcode", "language"]).filter(
        pl.col("name") != pl.col("first")
    )
    if not clash.is_empty():
        bad = clash.row(0, named=True)
        raise InvalidInput(
            f"{part.where(bad[ROW], bad['column'])}: P-code '{bad['pcode']}' has two names in "
            f"'{bad['language']}': '{bad['first']}' on {part.source.row_word} "
            f"{bad['first_row']} and '{bad['name']}' here.",
            hint=f"A unit has one name per language; make the rows agree. {NOTHING}",
        )
    return names.select(list(NAME_SCHEMA)).unique(maintain_order=True)


def _one_country(part: _Part, column: str, *, iso2: str, iso3: str) -> pl.DataFrame:
    """The rows of one country from a list of many (HDX's global P-codes: `Location`)."""
    mine = part.frame.filter(pcode_normalise_expr(column).is_in([iso3, iso2]))
    if mine.is_empty():
        listed = sorted({str(v) for v in part.frame[column].drop_nulls().unique().to_list()})
        shown = ", ".join(listed[:10]) + (
            f" and {len(listed) - 10} more" if len(listed) > 10 else ""
        )
        raise InvalidInput(
            f"{part.where(column=column)}: no rows for {iso3}; the file lists {shown or 'none'}.",
            hint=f"Check --country. {NOTHING}",
        )
    return mine


def _long(part: _Part, *, iso2: str, iso3: str) -> pl.DataFrame:
    pcode = part.column(*LONG_PCODE)
    name = part.column(*LONG_NAME)
    level = part.column(*LONG_LEVEL)
    parent = part.column(*LONG_PARENT)
    assert pcode is not None
    if name is None:
        raise InvalidInput(
            f"{part.where()}: column 'name' is missing beside '{pcode}'.",
            hint=f"Add the names of the units. {NOTHING}",
        )
    if location := part.column(*LOCATION):
        part.frame = _one_country(part, location, iso2=iso2, iso3=iso3)
    frame = part.frame.with_columns(pcode_normalise_expr(pcode).alias("__p"))
    frame = frame.with_columns(
        (
            pcode_normalise_expr(parent).replace(iso3, iso2) if parent else pl.lit(None, pl.Utf8)
        ).alias("__parent"),
        (
            pl.col(level)
            .str.to_lowercase()
            .str.extract(r"^(?:adm(?:in)?)?[_ ]?(\d+)$")
            .cast(pl.Int8)
            if level
            else pl.lit(None, pl.Int8)
        ).alias("__level"),
    )
    part.frame = frame
    part.fail(frame.filter(pl.col("__p").is_null()), pcode, "empty P-code", "Every row needs one.")
    part.fail(frame.filter(pl.col(name).is_null()), name, "empty name", "Every unit needs a name.")
    if level:
        part.fail(
            frame.filter(
                pl.col(level).is_not_null()
                & (pl.col("__level").is_null() | (pl.col("__level") > MAX_LEVEL))
            ),
            level,
            f"'{{value}}' is not a level from 0 to {MAX_LEVEL} (or adm0 to adm{MAX_LEVEL})",
            "Correct the level.",
        )
    country = pl.col("__p").is_in([iso2, iso3])
    part.fail(
        frame.filter((pl.col("__level") == 0) & ~country),
        level,
        f"level 0 is the country, but the P-code is not {iso2}",
        "Give the country row its ISO code, or correct the level.",
    )
    frame = frame.filter(~(country & pl.col("__level").fill_null(0).eq(0)))
    part.frame = frame
    part.fail(
        frame.filter(pl.col("__parent").is_null() & (pl.col("__level").fill_null(1) > 1)),
        parent or pcode,
        "no parent P-code for a unit below level 1",
        "Fill in the parent's P-code.",
    )
    extras = part.extras()
    return _finish(
        frame.select(
            pl.col("__p").alias("pcode"),
            pl.col(name).alias("name"),
            pl.col("__level").alias("level"),
            pl.col("__parent").fill_null(iso2).alias("parent_pcode"),
            *extras,
            pl.lit(True).alias("leaf"),
            pl.col(ROW).alias("row"),
            pl.lit(part.part).alias("part"),
            pl.lit(pcode).alias("pcode_column"),
            pl.lit(name).alias("name_column"),
            pl.lit(parent or pcode).alias("parent_column"),
            pl.lit(level).alias("level_column"),
        )
    )
