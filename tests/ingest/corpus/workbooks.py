"""Crafted XLSX workbooks: a valid site export (shared strings, number and date cells) with one
part changed. Extreme and invalid cell references and dimensions, bad shared-string indexes,
huge shared strings, Excel error cells, odd cell types, missing or broken parts, zip archives
that claim sizes they do not hold, and decompression bombs."""

from __future__ import annotations

import re
import struct
import warnings
import zipfile
from dataclasses import replace
from pathlib import Path

from tests.ingest.corpus import Case, Cases
from tests.ingest.corpus.shapes import (
    Exports,
    cell_sub,
    col_letters,
    column,
    parts_read,
    parts_write,
    swap,
)

CATEGORY = "workbook"
SHEET = "xl/worksheets/sheet1.xml"
SST = "xl/sharedStrings.xml"
MIB = 1 << 20
BAD_INDEXES = {"sst_index_minus_1", "sst_index_abc", "sst_index_out_of_range",
               "sst_index_u32_overflow", "sst_index_fraction", "sst_index_empty",
               "sst_missing"}  # fmt: skip
UNCOUNTED = {"ref_XFD1048576", "ref_A1048576", "ref_A1048577", "ref_A0",
             "ref_A99999999999999999999", "row_huge_r", "empty_rows_to_1048576", "sheet_empty",
             "bomb_cells_one_row", "duplicate_member"}  # fmt: skip


def _ref(ex: Exports, header: str, row: int = 2) -> str:
    return f"{col_letters(column(ex.site_rows, header))}{row}"


def cell_append(xml: bytes, row: int, cell: str) -> bytes:
    """Add a cell at the end of row `row`, or a new row with it at the end of the sheet."""
    match = re.search(rb'<row r="%d"[^>]*>.*?</row>' % row, xml, re.S)
    if match:
        end = match.end() - len(b"</row>")
        return xml[:end] + cell.encode() + xml[end:]
    return xml.replace(b"</sheetData>", b'<row r="%d">%s</row></sheetData>' % (row, cell.encode()))


def resub(pattern: bytes, new: bytes, data: bytes, count: int = 0, flags: int = 0) -> bytes:
    """re.sub that must change something (a case never silently holds the valid file)."""
    out, n = re.subn(pattern, new, data, count=count, flags=flags)
    assert n, f"{pattern!r} is not in the part"
    return out


def sst_append(parts: dict[str, bytes], text: str | bytes) -> int:
    """Add a shared string; its index."""
    body = text.encode() if isinstance(text, str) else text
    index = parts[SST].count(b"<si>")
    parts[SST] = parts[SST].replace(
        b"</sst>", b'<si><t xml:space="preserve">' + body + b"</t></si></sst>"
    )
    return index


def claimed(
    data: bytes,
    member: str,
    *,
    size: int | None = None,
    csize: int | None = None,
    crc: int | None = None,
) -> bytes:
    """The zip with a member's local and central headers claiming other sizes or CRC."""
    out = bytearray(data)
    name = member.encode()
    for signature, at in ((b"PK\x03\x04", 14), (b"PK\x01\x02", 16)):
        start = 0
        while (start := out.find(signature, start)) >= 0:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if out[name_at : name_at + len(name)] == name:
                old_crc, old_c, old_u = struct.unpack_from("<III", out, start + at)
                struct.pack_into(
                    "<III",
                    out,
                    start + at,
                    old_crc if crc is None else crc,
                    old_c if csize is None else csize,
                    old_u if size is None else size,
                )
            start += 4
    return bytes(out)


def _stream(
    path: Path,
    parts: dict[str, bytes],
    member: str,
    head: bytes,
    fill: bytes,
    times: int,
    tail: bytes,
) -> Path:
    """A workbook whose `member` is head + fill * times + tail, written as a stream (a bomb
    of a gigabyte is never whole in memory)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in parts.items():
            if name != member:
                zf.writestr(name, data)
                continue
            with zf.open(name, "w", force_zip64=True) as stream:
                stream.write(head)
                for _ in range(times):
                    stream.write(fill)
                stream.write(tail)
    return path


def cases(ex: Exports, folder: Path) -> list[Case]:
    out = Cases(folder, CATEGORY)
    base = parts_read(ex.site_shared_xlsx)
    scratch = folder / "workbook-scratch.xlsx"

    def book(name: str, what: str, sheet: bytes | None = None, **changes: bytes | None) -> None:
        parts = dict(base)
        if sheet is not None:
            parts[SHEET] = sheet
        for part, data in changes.items():
            key = {
                "sst": SST,
                "workbook": "xl/workbook.xml",
                "rels": "xl/_rels/workbook.xml.rels",
                "types": "[Content_Types].xml",
            }[part]
            if data is None:
                parts.pop(key)
            else:
                parts[key] = data
        out.add(name, parts_write(scratch, parts), ".xlsx", what)

    xml = base[SHEET]
    name_ref, hh_ref, ind_ref = _ref(ex, "site_name"), _ref(ex, "hh"), _ref(ex, "ind")
    date_ref, area_ref = _ref(ex, "assessment_date"), _ref(ex, "covered_area_m2")

    # Cell references and dimensions.
    for ref in (
        "XFD1048576",
        "ZZZZZZ3",
        "A1048576",
        "A1048577",
        "XFD1",
        "XFE2",
        "A0",
        "AAAAAAAAAAAAA1",
        "A99999999999999999999",
    ):
        row = int(re.sub(r"[A-Z]", "", ref) or 0)
        in_row = row if 0 < row < 1 << 32 else 5
        book(
            f"ref_{ref}",
            f"one extra cell at {ref}",
            cell_append(xml, in_row, f'<c r="{ref}"><v>1</v></c>'),
        )
    book(
        "ref_lowercase",
        "a cell reference in lower case",
        cell_append(xml, 3, '<c r="zz3"><v>1</v></c>'),
    )
    book(
        "ref_garbage",
        "a cell reference that is not one",
        cell_append(xml, 3, '<c r="R1C1!"><v>1</v></c>'),
    )
    book("ref_missing", "cells without their r attribute", resub(rb'<c r="[A-Z]+4"', b"<c", xml))
    book(
        "ref_duplicate",
        "the site name cell given twice",
        cell_append(xml, 2, f'<c r="{name_ref}" t="inlineStr"><is><t>Other</t></is></c>'),
    )
    book(
        "row_huge_r",
        "a row numbered 4294967296",
        xml.replace(b"</sheetData>", b'<row r="4294967296"><c><v>1</v></c></row></sheetData>'),
    )
    book(
        "rows_reversed",
        "the data rows in reverse order",
        resub(
            rb'(<row r="2".*?</row>)(<row r="3".*?</row>)(<row r="4".*?</row>)',
            rb"\3\2\1",
            xml,
            flags=re.S,
        ),
    )
    for dim in ("A1:XFD1048576", "A1:ZZZZZZ99999999", "A1:", "XFD1048576"):
        book(
            f"dimension_{dim.replace(':', '-')}",
            f"the sheet claims dimension {dim}",
            resub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{dim}"/>'.encode(), xml),
        )
    book(
        "empty_rows_to_1048576",
        "one empty row element per row down to 1048576",
        xml.replace(
            b"</sheetData>",
            b"".join(b'<row r="%d"/>' % r for r in range(5, 1_048_577, 997))
            + b'<row r="1048576"/></sheetData>',
        ),
    )

    # Shared strings.
    own = re.search(rb'<c r="%s" t="s"><v>(\d+)</v>' % name_ref.encode(), xml)
    assert own, "the site name is a shared string"
    for label, index in (
        ("minus_1", "-1"),
        ("abc", "abc"),
        ("out_of_range", "99999"),
        ("u32_overflow", "4294967296"),
        ("fraction", "1.5"),
        ("empty", ""),
        ("own_in_spaces", f" {own.group(1).decode()} "),
    ):
        book(
            f"sst_index_{label}",
            f"the site name's shared-string index is {index!r}",
            cell_sub(xml, name_ref, f'<c r="{name_ref}" t="s"><v>{index}</v></c>'),
        )
    book("sst_missing", "cells point at a shared-string table the workbook lacks", sst=None)
    book(
        "sst_truncated_xml",
        "the shared-string table cut in the middle of a tag",
        sst=base[SST][: len(base[SST]) // 2],
    )
    book(
        "sst_claims_2g",
        "the table claims 2^31 - 1 strings",
        sst=resub(
            rb'uniqueCount="\d+"',
            b'uniqueCount="2147483647"',
            resub(rb'count="\d+"', b'count="2147483647"', base[SST], count=1),
        ),
    )
    parts = dict(base)
    rich = sst_append(parts, "")
    parts[SST] = parts[SST].replace(
        b'<si><t xml:space="preserve"></t></si></sst>',
        b"<si><r><t>Rich </t></r><r><rPr><b/></rPr><t>site</t></r></si></sst>",
    )
    out.add(
        "sst_rich_text",
        parts_write(
            scratch,
            {**parts, SHEET: cell_sub(xml, name_ref, f'<c r="{name_ref}" t="s"><v>{rich}</v></c>')},
        ),
        ".xlsx",
        "the site name as rich text (two runs)",
    )
    for label, text, what in (
        ("sst_nul_entity", "Site&#0;1", "a shared string holding &#0;"),
        ("sst_control_entity", "Site&#1;&#27;1", "a shared string holding control characters"),
        ("sst_bad_entity", "Site &bogus; 1", "an undefined XML entity"),
        ("sst_64k", "S" * 65_536, "a 64 KiB site name"),
    ):
        parts = dict(base)
        index = sst_append(parts, text)
        parts[SHEET] = cell_sub(xml, name_ref, f'<c r="{name_ref}" t="s"><v>{index}</v></c>')
        out.add(label, parts_write(scratch, parts), ".xlsx", what)
    decl, rest = base[SST].split(b"\n", 1)
    laughs = b"".join(b'<!ENTITY %c "%s">' % (98 + i, (b"&%c;" % (97 + i)) * 10) for i in range(8))
    book(
        "sst_billion_laughs",
        "an entity-expansion bomb (10^9 characters) in a header",
        sst=decl
        + b'<!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">'
        + laughs
        + b"]>"
        + swap(rest, b"<t>start</t>", b"<t>&i;</t>"),
    )
    book(
        "sst_external_entity",
        "an external entity naming /etc/passwd in a header",
        sst=decl
        + b'<!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + swap(rest, b"<t>start</t>", b"<t>&x;</t>"),
    )

    # Huge shared strings: 8 MiB used by 333 cells; 64 MiB in one cell; a gigabyte.
    parts = dict(base)
    big = sst_append(parts, "x" * (8 * MIB))
    wide = xml
    for row in (1, 2, 3):
        cells = "".join(
            f'<c r="{col_letters(200 + i)}{row}" t="s"><v>{big}</v></c>' for i in range(111)
        )
        wide = cell_append(wide, row, cells)
    out.add(
        "sst_8mib_x333",
        parts_write(scratch, {**parts, SHEET: wide}),
        ".xlsx",
        "one 8 MiB shared string used by 333 cells",
    )
    for label, mib in (("sst_64mib_name", 64), ("sst_1gib_name", 1024)):
        parts = dict(base)
        index = parts[SST].count(b"<si>")
        parts[SHEET] = cell_sub(xml, name_ref, f'<c r="{name_ref}" t="s"><v>{index}</v></c>')
        head, tail = parts[SST].rsplit(b"</sst>", 1)
        _stream(scratch, parts, SST, head + b"<si><t>", b"n" * MIB, mib, b"</t></si></sst>")
        out.add(label, scratch, ".xlsx", f"a {mib} MiB site name in the shared strings")

    # Error cells and odd cell types.
    for ref, code in (
        (name_ref, "#N/A"),
        (hh_ref, "#REF!"),
        (ind_ref, "#DIV/0!"),
        (date_ref, "#VALUE!"),
        (area_ref, "#NUM!"),
        (hh_ref, "#NAME?"),
        (ind_ref, "#NULL!"),
        (hh_ref, "#GETTING_DATA"),
    ):
        book(
            f"error_{code.strip('#!?/')}_{ref}",
            f"an Excel error cell {code} at {ref}",
            cell_sub(xml, ref, f'<c r="{ref}" t="e"><v>{code}</v></c>'),
        )
        out.items[-1] = replace(out.items[-1], report_has=code)
    every = xml
    for ref in (name_ref, hh_ref, ind_ref):
        every = cell_sub(every, ref, f'<c r="{ref}" t="e"><v>#N/A</v></c>')
    book("error_cells_three", "three error cells in one row", every)
    out.items[-1] = replace(out.items[-1], report_has="#N/A")
    book(
        "formula_hyperlink_cached",
        "a formula cell =HYPERLINK(...) with its cached text",
        cell_sub(
            xml,
            name_ref,
            f'<c r="{name_ref}" t="str"><f>HYPERLINK("http://example.invalid/",'
            f'"Click me")</f><v>Click me</v></c>',
        ),
    )
    book(
        "formula_no_value",
        "a formula cell with no cached value",
        cell_sub(xml, hh_ref, f'<c r="{hh_ref}"><f>10+10</f></c>'),
    )
    book(
        "formula_dde",
        "a DDE formula cell",
        cell_sub(
            xml, name_ref, f'<c r="{name_ref}" t="str"><f>cmd|\' /C calc\'!A0</f><v>0</v></c>'
        ),
    )
    for label, ref, cell, what in (
        ("bool_hh", hh_ref, f'<c r="{hh_ref}" t="b"><v>1</v></c>', "households as a boolean"),
        (
            "isodate_cell",
            date_ref,
            f'<c r="{date_ref}" t="d"><v>2026-11-10</v></c>',
            "an ISO date cell (t=d)",
        ),
        ("number_abc", hh_ref, f'<c r="{hh_ref}"><v>abc</v></c>', "a number cell holding abc"),
        ("number_1e309", area_ref, f'<c r="{area_ref}"><v>1e309</v></c>', "a number cell 1e309"),
        ("number_nan", area_ref, f'<c r="{area_ref}"><v>NaN</v></c>', "a number cell NaN"),
        (
            "number_2p63",
            hh_ref,
            f'<c r="{hh_ref}"><v>9223372036854775808</v></c>',
            "a number cell 2^63 for households",
        ),
        (
            "inline_no_text",
            name_ref,
            f'<c r="{name_ref}" t="inlineStr"/>',
            "an empty inline string",
        ),
        ("unknown_type", name_ref, f'<c r="{name_ref}" t="zz"><v>1</v></c>', "cell type t=zz"),
    ):
        book(label, what, cell_sub(xml, ref, cell))
    date_cell = re.search(rb'<c r="%s" s="(\d+)"><v>(\d+)</v></c>' % date_ref.encode(), xml)
    assert date_cell, "the assessment date is a date cell"
    for serial in ("-1", "0", "2958466", "1e12", "46336.999999999", "NaN"):
        book(
            f"date_serial_{serial}",
            f"the assessment date cell holds serial {serial}",
            cell_sub(
                xml,
                date_ref,
                f'<c r="{date_ref}" s="{date_cell.group(1).decode()}"><v>{serial}</v></c>',
            ),
        )

    # Structure of the package.
    book(
        "no_sheets",
        "a workbook that lists no sheets",
        workbook=resub(rb"<sheets>.*</sheets>", b"<sheets/>", base["xl/workbook.xml"]),
    )
    book(
        "sheet_part_missing",
        "the sheet's part is missing from the archive",
        **{"rels": swap(base["xl/_rels/workbook.xml.rels"], b"sheet1.xml", b"sheet9.xml")},
    )
    book("content_types_missing", "no [Content_Types].xml", types=None)
    book("workbook_missing", "no xl/workbook.xml", workbook=None)
    book(
        "sheet_empty",
        "the main sheet has no rows",
        resub(rb"<sheetData>.*</sheetData>", b"<sheetData/>", xml, flags=re.S),
    )
    book("sheet_xml_cut", "the sheet's XML cut in the middle", xml[: len(xml) // 2])
    book("sheet_not_xml", "the sheet part is not XML", b"\x00\x01binary" * 100)
    many = dict(base)
    many["xl/workbook.xml"] = base["xl/workbook.xml"].replace(
        b"</sheets>",
        b"".join(b'<sheet name="S%d" sheetId="%d" r:id="rId1"/>' % (i, i + 2) for i in range(300))
        + b"</sheets>",
    )
    out.add("sheets_300", parts_write(scratch, many), ".xlsx", "300 sheets naming the same part")
    out.add("xlsm_name", ex.site_shared_xlsx, ".xlsm", "a valid export named .xlsm")
    data = parts_write(scratch, base).read_bytes()
    out.add(
        "claims_4gib",
        claimed(data, SHEET, size=0xFFFFFFF0),
        ".xlsx",
        "the sheet's headers claim 4 GiB uncompressed",
    )
    out.add(
        "claims_zero",
        claimed(data, SHEET, size=0),
        ".xlsx",
        "the sheet's headers claim 0 bytes uncompressed",
    )
    out.add(
        "claims_csize",
        claimed(data, SHEET, csize=0x7FFFFFFF),
        ".xlsx",
        "the sheet's headers claim 2 GiB compressed",
    )
    out.add("bad_crc", claimed(data, SHEET, crc=0xDEADBEEF), ".xlsx", "the sheet's CRC is wrong")
    with (
        warnings.catch_warnings(category=UserWarning, action="ignore"),  # "Duplicate name"
        zipfile.ZipFile(scratch, "w", compression=zipfile.ZIP_DEFLATED) as zf,
    ):
        for name, part in base.items():
            zf.writestr(name, part)
        zf.writestr(SHEET, b"<not/>")
    out.add("duplicate_member", scratch, ".xlsx", "two members named like the sheet")
    with zipfile.ZipFile(scratch, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, part in base.items():
            zf.writestr(name, part)
        for i in range(5000):
            zf.writestr(f"xl/media/junk{i}.bin", b"")
        zf.writestr("../../escape.xml", b"<x/>")
        zf.comment = b"c" * 65535
    out.add("junk_members", scratch, ".xlsx", "5,000 junk members, a ../ name and a 64 KiB comment")

    # Bombs: sheets that inflate a thousandfold.
    head, tail = xml.split(b"</sheetData>")
    _stream(scratch, base, SHEET, head, b" " * MIB, 128, b"</sheetData>" + tail)
    out.add("bomb_128mib_spaces", scratch, ".xlsx", "the sheet inflates to 128 MiB of spaces")
    cell = b'<c r="A5"><v>1</v></c>' * (MIB // 22)
    _stream(scratch, base, SHEET, head + b'<row r="5">', cell, 100, b"</row></sheetData>" + tail)
    out.add("bomb_cells_one_row", scratch, ".xlsx", "5 million copies of one cell in one row")
    _stream(scratch, base, SHEET, head + b"<!--", b"c" * MIB, 128, b"--></sheetData>" + tail)
    out.add("bomb_128mib_comment", scratch, ".xlsx", "a 128 MiB XML comment inside the sheet")
    wide_header = "".join(
        f'<c r="{col_letters(74 + i)}1" t="inlineStr"><is><t>x{i}</t></is></c>'
        for i in range(16_000)
    )
    book("columns_16000", "16,000 extra header columns", cell_append(xml, 1, wide_header))
    return [_expected(case) for case in out.items]


def _expected(case: Case) -> Case:
    """Every workbook holds the export's three rows, but those that add rows or may lose the
    sheet; a bad shared-string index is refused (read, it would be another cell's text)."""
    name = case.id.split("/", 1)[1]
    return replace(
        case,
        reads=None if name in UNCOUNTED else 3,
        refuse=name in BAD_INDEXES,
    )
