"""Column-wise parsers of export cells, as Polars expressions over text columns.

Every parser takes the cell text (`cell(header)`: stripped, empty as null) and returns typed
output expressions plus an error mask: a cell that was given but cannot be read. The reader
turns the mask into issue rows; the typed column holds null there. No Python runs per row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from opendtm.forms.limits import INTEGER_MAX
from opendtm.forms.spec import Choice

INTEGER_RE = r"^[+-]?\d+(\.0*)?$"
DECIMAL_RE = r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$"
ISO_DATE_RE = r"^\d{4}-\d{2}-\d{2}([T ].*)?$"
DMY_RE = r"^(\d{1,2}/\d{1,2}/\d{4})([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$"
SERIAL_RE = r"^\d+(\.\d+)?$"
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01, past Excel's phantom 29 Feb 1900
SERIAL_MAX = 2958465  # 9999-12-31
TRUE_WORDS = ("1", "1.0", "true", "yes")
FALSE_WORDS = ("0", "0.0", "false", "no")
GEO_PARTS = ("lat", "lon", "alt", "acc")
# Control characters no answer holds (C0 but tab, LF and CR; DEL). PostgreSQL refuses NUL in
# text, SQLite keeps it: text values lose them (`ingest.rules.text`), what a report shows has
# each as its visible symbol (U+2400 + code; DEL U+2421), the same on both databases.
CONTROLS = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)]
CONTROL_RE = "[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F]"
PICTURES = [chr(0x2421) if c == "\x7f" else chr(0x2400 + ord(c)) for c in CONTROLS]
_PICTURE_OF = str.maketrans(dict(zip(CONTROLS, PICTURES, strict=True)))


def cell(header: str) -> pl.Expr:
    """The text of a cell with surrounding spaces removed; an empty cell is null."""
    text = pl.col(header).str.strip_chars()
    return pl.when(text.str.len_bytes() > 0).then(text)


def controls_removed(text: pl.Expr) -> pl.Expr:
    """Text without the control characters no answer holds (CONTROLS)."""
    return text.str.replace_all(CONTROL_RE, "")


def controls_shown(text: pl.Expr) -> pl.Expr:
    """Text with each control character as its visible symbol (NUL as U+2400), for reports."""
    return text.str.replace_many(CONTROLS, PICTURES)


def controls_shown_text(text: str) -> str:
    """`controls_shown` of one string (a header, a sheet name)."""
    return text.translate(_PICTURE_OF)


def normalise(text: str) -> str:
    """The key a choice answer is matched on: lower case, single spaces, no outer spaces."""
    return " ".join(text.split()).lower()


def normalised(expr: pl.Expr) -> pl.Expr:
    """`normalise` as an expression."""
    return expr.str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()


@dataclass(frozen=True)
class Parsed:
    """Typed output columns of one field, and which given cells could not be read.

    `stages` are temporary columns computed first, in order (Polars does not always share a
    sub-expression used by several outputs; naming it once keeps it computed once).
    `final`: `error` already marks the bad cells (no second, full pass needed).
    """

    outputs: list[pl.Expr]
    error: pl.Expr | None  # True where a cell was given but could not be read
    value: pl.Expr  # the cell text shown in an issue row
    stages: list[list[pl.Expr]] = field(default_factory=list)
    final: bool = False


def integer_parse(text: pl.Expr) -> pl.Expr:
    """'12', '12.0', '+12' -> 12; '12.5', 'abc', overflow -> null."""
    digits = text.str.replace(r"\.0*$", "").str.strip_prefix("+")
    return pl.when(text.str.contains(INTEGER_RE)).then(digits.cast(pl.Int64, strict=False))


def integer_bounded(out: pl.Expr, maximum: int) -> tuple[pl.Expr, pl.Expr]:
    """`out` where it lies in -INTEGER_MAX..maximum, else null; and where it lies outside."""
    outside = ((out > maximum) | (out < -INTEGER_MAX)).fill_null(False)
    return pl.when(~outside).then(out), outside


def decimal_parse(text: pl.Expr) -> pl.Expr:
    """'12.5', '12,5' (decimal comma), '1e3' -> float; 'inf', 'nan', '1e309', 'abc' -> null."""
    number = text.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
    return pl.when(text.str.contains(DECIMAL_RE) & number.is_finite()).then(number)


def date_parse(text: pl.Expr) -> pl.Expr:
    """ISO date or datetime (its date part as written), dd/mm/yyyy, or an Excel serial."""
    iso = pl.when(text.str.contains(ISO_DATE_RE)).then(
        text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    )
    dmy = text.str.extract(DMY_RE, 1).str.to_date("%d/%m/%Y", strict=False)
    days = text.str.replace(r"\.\d*$", "").cast(pl.Int64, strict=False)
    serial = pl.when(text.str.contains(SERIAL_RE) & days.is_between(1, SERIAL_MAX)).then(
        (pl.lit(EXCEL_EPOCH) + pl.duration(days=days)).cast(pl.Date)
    )
    return pl.coalesce(iso, dmy, serial)


def datetime_parse(text: pl.Expr) -> pl.Expr:
    """A submission time as naive UTC: ISO with 'T' or a space, optional fraction, Z or offset."""
    spaced = text.str.replace("T", " ", literal=True)
    aware = (
        spaced.str.to_datetime("%Y-%m-%d %H:%M:%S%.f%:z", strict=False, time_unit="us")
        .dt.convert_time_zone("UTC")
        .dt.replace_time_zone(None)
    )
    naive = spaced.str.strip_suffix("Z").str.to_datetime(
        "%Y-%m-%d %H:%M:%S%.f", strict=False, time_unit="us"
    )
    return pl.coalesce(aware, naive)


def choice_keys(choices: tuple[Choice, ...]) -> dict[str, str]:
    """Normalised name or label -> choice name. A name wins over another choice's label."""
    keys = {normalise(c.label): c.name for c in choices if c.label}
    keys.update({normalise(c.name): c.name for c in choices})
    return keys


def select_one_parse(text: pl.Expr, choices: tuple[Choice, ...]) -> pl.Expr:
    """A choice given by name or label, any letter case, stray spaces -> its name; else null."""
    keys = choice_keys(choices)
    return normalised(text).replace_strict(
        list(keys), list(keys.values()), default=None, return_dtype=pl.Utf8
    )


def select_multiple_parse(text: pl.Expr, choices: tuple[Choice, ...]) -> pl.Expr:
    """Space-separated names or labels -> the list of names, in the order given, no repeats.

    Labels may hold spaces, so the text is cut into the longest known names or labels; text
    that cannot be cut entirely into known answers gives null.
    """
    keys = choice_keys(choices)
    alternatives = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
    padded = normalised(text) + pl.lit(" ")
    tokens = padded.str.extract_all(f"(?:{alternatives}) ")
    names = tokens.list.eval(
        pl.element()
        .str.strip_suffix(" ")
        .replace_strict(list(keys), list(keys.values()), default=None, return_dtype=pl.Utf8)
    ).list.unique(maintain_order=True)
    covered = tokens.list.join("") == padded
    return pl.when(covered).then(names)


def onehot_parse(columns: dict[str, str]) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """One 0/1 column per choice ({choice name: header}) -> (list of names, error, values).

    A row with no 1 is unanswered (null). A cell that is not 0/1 (or true/false, yes/no) is an
    error for the whole answer, which is then null; the issue shows only such cells.
    """
    truths, bad, shown = [], [], []
    for name, header in columns.items():
        word = cell(header).str.to_lowercase()
        odd = word.is_not_null() & ~word.is_in((*TRUE_WORDS, *FALSE_WORDS))
        truths.append(pl.when(word.is_in(TRUE_WORDS)).then(pl.lit(name)))
        bad.append(odd)
        shown.append(pl.when(odd).then(pl.format(f"{header}={{}}", cell(header))))
    chosen = pl.concat_list(truths).list.drop_nulls()
    error = pl.any_horizontal(bad)
    value = pl.concat_str(shown, separator=", ", ignore_nulls=True)
    return pl.when(~error & (chosen.list.len() > 0)).then(chosen), error, value


# --- fast paths ------------------------------------------------------------------------------
# What KoboToolbox and ODK write (plain numbers, ISO dates, choice names) parses with plain
# casts. Each fast parser returns its outputs and a `suspect` mask: cells it could not read.
# Only a column with a suspect cell is parsed again with the full parsers above.


def integer_fast(raw: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    out = raw.cast(pl.Int64, strict=False)
    return out, raw.is_not_null() & out.is_null()


def decimal_fast(raw: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    out = raw.cast(pl.Float64, strict=False)
    return out, raw.is_not_null() & ~out.is_finite().fill_null(False)


def date_fast(raw: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    out = raw.str.to_date("%Y-%m-%d", strict=False)
    return out, raw.is_not_null() & out.is_null()


def datetime_fast(raw: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """KoboToolbox's `_submission_time` form, 2026-03-02T14:07:00 (UTC, no offset)."""
    out = raw.str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False, time_unit="us")
    return out, raw.is_not_null() & out.is_null()


def select_one_fast(raw: pl.Expr, names: tuple[str, ...]) -> tuple[pl.Expr, pl.Expr]:
    known = raw.is_in(names)
    return pl.when(known).then(raw), raw.is_not_null() & ~known


def onehot_fast(columns: dict[str, str]) -> tuple[pl.Expr, pl.Expr]:
    truths = [pl.when(pl.col(h) == "1").then(pl.lit(name)) for name, h in columns.items()]
    chosen = pl.concat_list(truths).list.drop_nulls()
    odd = pl.any_horizontal(
        [pl.col(h).is_not_null() & ~pl.col(h).is_in(("0", "1")) for h in columns.values()]
    )
    return pl.when(chosen.list.len() > 0).then(chosen), odd


def geopoint_parse(
    texts: list[pl.Expr], *, single: bool, fast: bool, prefix: str
) -> tuple[list[list[pl.Expr]], list[pl.Expr], pl.Expr, pl.Expr]:
    """A geopoint from one 'lat lon [alt [acc]]' column (`single`) or four part columns.

    Returns (stages, the four numbers, valid, given). `fast` reads with plain casts; otherwise
    spaces are normalised and numbers must look like numbers (no 'nan', no 'inf').
    Latitude must lie in -90..90 and longitude in -180..180; altitude and accuracy, when
    given, must be numbers.
    """
    stages: list[list[pl.Expr]] = []
    if single:
        text = texts[0] if fast else texts[0].str.replace_all(r"\s+", " ")
        stages.append([text.str.splitn(" ", 4).alias(f"{prefix}split")])
        parts = [pl.col(f"{prefix}split").struct.field(f"field_{i}") for i in range(4)]
        given = texts[0].is_not_null()
    else:
        parts = texts
        given = pl.any_horizontal([t.is_not_null() for t in texts])
    number = (lambda t: t.cast(pl.Float64, strict=False)) if fast else decimal_parse
    stages.append(
        [number(t).alias(f"{prefix}n{i}") for i, t in enumerate(parts)]
        + [t.is_not_null().alias(f"{prefix}g{i}") for i, t in enumerate(parts)]
    )
    numbers = [pl.col(f"{prefix}n{i}") for i in range(4)]
    valid = numbers[0].is_between(-90, 90) & numbers[1].is_between(-180, 180)
    for i in (2, 3):
        valid = valid & (~pl.col(f"{prefix}g{i}") | numbers[i].is_finite())
    return stages, numbers, valid.fill_null(False), given


def dictionary_parse(
    series: pl.Series, parse: Callable[[pl.Expr], pl.Expr], dtype: pl.DataType
) -> tuple[pl.Expr, pl.Expr]:
    """Parse each distinct value of a column once, then map every cell to its result.

    For columns with few distinct values and a costly parser (select_multiple answers):
    returns the typed column and the mask of cells given but not parseable.
    """
    distinct = series.drop_nulls().unique(maintain_order=True)
    if distinct.len() == 0:
        return pl.lit(None, dtype), pl.lit(False)
    table = pl.DataFrame({"v": distinct}).select(
        parse(cell("v")).alias("out"), cell("v").is_not_null().alias("given")
    )
    position = pl.col(series.name).replace_strict(
        distinct, pl.Series(range(distinct.len()), dtype=pl.UInt32), default=None
    )
    bad = table["given"] & table["out"].is_null()
    return pl.lit(table["out"]).gather(position), pl.lit(bad).gather(position).fill_null(False)
