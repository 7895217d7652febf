"""The site CSV in every encoding a spreadsheet or an editor saves, and broken ones: UTF-16 LE
and BE with and without BOM, cut by a byte, with unpaired surrogates; UTF-32; Latin-1 and
Windows-1252 in the header, a row, or past the first 64 KiB; mixed encodings; invalid UTF-8
(overlong forms, encoded surrogates); BOMs alone or doubled."""

from __future__ import annotations

import codecs
from pathlib import Path

from tests.ingest.corpus import Case, Cases
from tests.ingest.corpus.shapes import Exports, csv_text, swap, with_cell

CATEGORY = "encoding"
# Rows an accepted file must have been read as: the three of the export, but for these.
READS = {"utf16le_cut_mid": None, "utf16le_bom_only": None, "utf16le_bom_newline": None,
         "utf8_bom_only": None, "mixed_utf8_then_latin1": 4, "mixed_utf16_rows": None,
         "mixed_utf8_bom_utf16": None, "mixed_utf16_bom_utf8": None}  # fmt: skip


def cases(ex: Exports, folder: Path) -> list[Case]:
    out = Cases(folder, CATEGORY)
    text = csv_text(ex.site_rows)
    tabbed = csv_text(ex.site_rows, delimiter="\t", newline="\r\n")
    le = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    be = codecs.BOM_UTF16_BE + text.encode("utf-16-be")

    def add(name: str, data: bytes, suffix: str, what: str) -> None:
        out.add(name, data, suffix, what, reads=READS.get(name, 3))

    add("utf16le_bom", le, ".csv", "UTF-16 LE with BOM")
    add("utf16be_bom", be, ".csv", "UTF-16 BE with BOM")
    add(
        "utf16le_bom_tabs",
        codecs.BOM_UTF16_LE + tabbed.encode("utf-16-le"),
        ".csv",
        "Excel's 'Unicode text': UTF-16 LE, tabs, CRLF",
    )
    add("utf16le_no_bom", text.encode("utf-16-le"), ".csv", "UTF-16 LE without BOM")
    add("utf16be_no_bom", text.encode("utf-16-be"), ".csv", "UTF-16 BE without BOM")
    add("utf16le_cut_1", le[:-1], ".csv", "UTF-16 LE with BOM cut by one byte")
    add("utf16be_cut_1", be[:-1], ".csv", "UTF-16 BE with BOM cut by one byte")
    add("utf16le_cut_mid", le[: len(le) // 2 | 1], ".csv", "UTF-16 LE cut to an odd length")
    add("utf16le_bom_only", codecs.BOM_UTF16_LE, ".csv", "a UTF-16 LE BOM and nothing else")
    add(
        "utf16le_bom_newline",
        codecs.BOM_UTF16_LE + "\n".encode("utf-16-le"),
        ".csv",
        "a UTF-16 LE BOM and one newline",
    )
    name = "Site 3".encode("utf-16-le")
    for label, unit in (("high", b"\x00\xd8"), ("low", b"\x00\xdc")):
        add(
            f"utf16le_lone_{label}_surrogate",
            swap(le, name, unit + name),
            ".csv",
            f"UTF-16 LE with an unpaired {label} surrogate in a site name",
        )
    add(
        "utf16le_surrogate_at_end",
        le + b"\x3d\xd8",
        ".csv",
        "UTF-16 LE ending in half a surrogate pair",
    )
    add(
        "utf16be_lone_surrogate",
        swap(be, "Site 3".encode("utf-16-be"), b"\xdb\xff" + "Site 3".encode("utf-16-be")),
        ".csv",
        "UTF-16 BE with an unpaired high surrogate",
    )
    add(
        "utf16le_emoji",
        codecs.BOM_UTF16_LE
        + csv_text(with_cell(ex.site_rows, 1, "site_name", "Site 😀 1")).encode("utf-16-le"),
        ".csv",
        "UTF-16 LE with a surrogate pair (emoji) in a name",
    )
    add(
        "utf32le_bom",
        codecs.BOM_UTF32_LE + text.encode("utf-32-le"),
        ".csv",
        "UTF-32 LE with BOM (starts like UTF-16 LE)",
    )
    add("utf32be_bom", codecs.BOM_UTF32_BE + text.encode("utf-32-be"), ".csv", "UTF-32 BE")
    add("utf8_bom", codecs.BOM_UTF8 + text.encode(), ".csv", "UTF-8 with BOM")
    add("utf8_double_bom", codecs.BOM_UTF8 * 2 + text.encode(), ".csv", "two UTF-8 BOMs")
    add("utf8_bom_only", codecs.BOM_UTF8, ".csv", "a UTF-8 BOM and nothing else")
    latin = csv_text(ex.site_rows).replace("\u2013", "-")
    add("latin1_row", latin.encode("latin-1"), ".csv", "Latin-1 (Niño in a row)")
    header = csv_text([[*ex.site_rows[0], "remarqué"], *[[*r, "é"] for r in ex.site_rows[1:]]])
    add(
        "latin1_header",
        header.replace("\u2013", "-").encode("latin-1"),
        ".csv",
        "Latin-1 in a header",
    )
    smart = csv_text(with_cell(ex.site_rows, 1, "site_name", "“Site 1”")).replace("\u2013", "-")
    add("cp1252_quotes", smart.encode("cp1252"), ".csv", "Windows-1252 curly quotes")
    add(
        "mixed_utf8_then_latin1",
        text.encode() + csv_text([ex.site_rows[1]]).replace("\u2013", "-").encode("latin-1"),
        ".csv",
        "UTF-8 rows, then a row appended in Latin-1",
    )
    add(
        "mixed_utf8_bom_utf16",
        codecs.BOM_UTF8 + text.encode("utf-16-le"),
        ".csv",
        "a UTF-8 BOM before UTF-16 LE text",
    )
    add(
        "mixed_utf16_bom_utf8",
        codecs.BOM_UTF16_LE + text.encode(),
        ".csv",
        "a UTF-16 LE BOM before UTF-8 text",
    )
    add(
        "mixed_utf16_rows",
        le + "S,x\n".encode("utf-16-be"),
        ".csv",
        "UTF-16 LE with a row appended in UTF-16 BE",
    )
    late = csv_text(
        with_cell(with_cell(ex.site_rows, 1, "site_name", "x" * 70_000), 3, "site_name", "Niño")
    )
    add(
        "latin1_after_64k",
        late.replace("\u2013", "-").encode("latin-1"),
        ".csv",
        "Latin-1 in a row after the first 64 KiB",
    )
    for label, bad in (
        ("overlong_slash", b"\xc0\xaf"),
        ("encoded_surrogate", b"\xed\xa0\x80"),
        ("lone_continuation", b"\x80"),
        ("ff_byte", b"\xff"),
        ("cut_sequence", b"\xe2\x82"),
    ):
        add(
            f"utf8_{label}",
            swap(text.encode(), b"Site 3", b"Site " + bad + b"3"),
            ".csv",
            f"invalid UTF-8 in a row ({bad!r})",
        )
    add(
        "utf8_invalid_header",
        swap(text.encode(), b"start", b"st\xe9rt"),
        ".csv",
        "a byte that is not UTF-8 in the header",
    )
    add(
        "gb18030",
        csv_text(with_cell(ex.site_rows, 1, "site_name", "避难所"))
        .replace("\u2013", "-")
        .encode("gb18030"),
        ".csv",
        "GB18030 (Chinese) text",
    )
    return out.items
