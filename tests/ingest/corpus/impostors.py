"""Files that are not exports of the form under an export's name: images, PDF, archives (a
gzipped CSV among them), executables, other office documents, HTML and XML spreadsheets, OLE
files; empty files, headers without rows; the other form's export; a folder and symlinks."""

from __future__ import annotations

import bz2
import gzip
import lzma
import random
import zipfile
from dataclasses import replace
from pathlib import Path

from tests.forms.workbooks import xlsx_write
from tests.ingest.corpus import Case, Cases
from tests.ingest.corpus.shapes import SITE_SHEET, Exports, csv_text

CATEGORY = "impostor"
# Rows an accepted file must have been read as (the others are refused, or hold no rows).
READS = {"xlsx_named_csv": 3, "csv_named_xlsx": 3, "symlink": 3, "header_only_csv": 0,
         "header_only_no_newline": 0, "header_only_xlsx": 0, "header_only_baseline": 0,
         "one_column": 1}  # fmt: skip
CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SUFFIX = {"json": ".csv", "html_table": ".xls", "xml_spreadsheet_2003": ".xls", "jpeg": ".csv",
          "bzip2_csv": ".csv", "xz_csv": ".csv"}  # fmt: skip


def cases(ex: Exports, folder: Path) -> list[Case]:
    out = Cases(folder, CATEGORY)
    add = out.add
    csv_bytes = ex.site_csv.read_bytes()
    noise = random.Random(11).randbytes(65_536)
    for name, data, what in (
        ("png", b"\x89PNG\r\n\x1a\n" + noise[:2000], "a PNG image"),
        ("jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF" + noise[:2000], "a JPEG photo"),
        ("gif", b"GIF89a" + noise[:500], "a GIF image"),
        ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "a PDF document"),
        ("gzip_csv", gzip.compress(csv_bytes), "the site CSV, gzipped"),
        ("bzip2_csv", bz2.compress(csv_bytes), "the site CSV, bzip2"),
        ("xz_csv", lzma.compress(csv_bytes), "the site CSV, xz"),
        ("zstd_frame", b"\x28\xb5\x2f\xfd" + noise[:500], "a zstd frame"),
        ("rar", b"Rar!\x1a\x07\x00" + noise[:500], "a RAR archive"),
        ("7z", b"7z\xbc\xaf\x27\x1c" + noise[:500], "a 7-Zip archive"),
        ("elf", b"\x7fELF\x02\x01\x01" + noise[:4000], "a Linux executable"),
        ("exe", b"MZ\x90\x00" + noise[:4000], "a Windows executable"),
        ("random", noise, "64 KiB of random bytes"),
        ("zeros", bytes(1 << 20), "1 MiB of zero bytes"),
        ("json", b'[{"site_id": "S-001", "hh": 20}]', "a JSON file"),
        (
            "html_table",
            b"<html><body><table><tr><td>site_id</td></tr></table></body></html>",
            "an HTML table saved as a spreadsheet",
        ),
        (
            "xml_spreadsheet_2003",
            b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:'
            b'spreadsheet"><Worksheet ss:Name="s"><Table><Row><Cell><Data ss:Type="String">'
            b"site_id</Data></Cell></Row></Table></Worksheet></Workbook>",
            "an XML Spreadsheet 2003",
        ),
        ("cfb_garbage", CFB + noise[:4096], "an OLE compound file that is not a workbook"),
        (
            "cfb_encrypted",
            CFB + bytes(504) + "EncryptedPackage".encode("utf-16-le") + bytes(512),
            "an OLE file holding an encrypted package (a password-protected workbook)",
        ),
        ("zip_magic_noise", b"PK\x03\x04" + noise[:8192], "zip magic and random bytes"),
        ("zip_empty", b"PK\x05\x06" + bytes(18), "an empty zip archive"),
    ):
        both = name in ("png", "pdf", "gzip_csv", "random", "cfb_garbage", "zip_magic_noise")
        for suffix in (".xlsx", ".csv") if both else (SUFFIX.get(name, ".xlsx"),):
            add(f"{name}{suffix.replace('.', '_')}", data, suffix, f"{what} named {suffix}")
    scratch = folder / "impostor-scratch.zip"
    with zipfile.ZipFile(scratch, "w") as archive:
        archive.writestr("export.csv", csv_bytes)
    add("zip_of_csv", scratch, ".xlsx", "a zip holding the site CSV, named .xlsx")
    with zipfile.ZipFile(scratch, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<w:document/>")
    add("docx", scratch, ".xlsx", "a Word document named .xlsx")
    with zipfile.ZipFile(scratch, "w") as archive:
        archive.writestr("mimetype", b"application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", b"<office:document-content/>")
    add("ods", scratch, ".xlsx", "an OpenDocument spreadsheet named .xlsx")
    add("xlsx_named_csv", ex.site_shared_xlsx, ".csv", "a valid XLSX named .csv")
    add("csv_named_xlsx", csv_bytes, ".xlsx", "the site CSV named .xlsx")
    for name, data in (
        ("empty", b""),
        ("space", b" "),
        ("newline", b"\n"),
        ("crlf", b"\r\n"),
        ("spaces_lines", b"  \n\t\n \r\n"),
        ("nul", b"\x00"),
    ):
        add(f"{name}_csv", data, ".csv", f"{name!r} only, named .csv")
    add("empty_xlsx", b"", ".xlsx", "an empty file named .xlsx")
    header = ex.site_rows[0]
    add("header_only_csv", csv_text([header]).encode(), ".csv", "the header and no rows")
    add(
        "header_only_no_newline",
        csv_text([header]).encode().rstrip(b"\n"),
        ".csv",
        "the header without a newline",
    )
    add(
        "header_only_xlsx",
        xlsx_write(scratch, {SITE_SHEET: [header]}),
        ".xlsx",
        "a workbook with the header and no rows",
    )
    add("empty_sheet_xlsx", xlsx_write(scratch, {SITE_SHEET: []}), ".xlsx", "an empty sheet")
    add(
        "header_only_baseline",
        csv_text([ex.baseline_rows[0]]).encode(),
        ".csv",
        "the baseline header and no rows",
        kind="baseline",
        before=("baseline",),
        keeps_origins=True,
    )
    add("baseline_as_site", ex.baseline_xlsx, ".xlsx", "the baseline export imported as sites")
    add(
        "site_as_baseline",
        ex.site_csv,
        ".csv",
        "the site export imported as a baseline",
        kind="baseline",
        before=("baseline",),
        keeps_origins=True,
    )
    add("one_column", b"site_id\nS-001\n", ".csv", "one column of the form")
    folder_case = add("folder", b"", ".csv", "a folder named like a CSV")
    path = folder / folder_case.file
    path.unlink()
    path.mkdir()
    link = add("symlink", b"", ".csv", "a symbolic link to the valid site CSV")
    (folder / link.file).unlink()
    (folder / link.file).symlink_to(ex.site_csv)
    dangling = add("symlink_dangling", b"", ".csv", "a symbolic link to nothing")
    (folder / dangling.file).unlink()
    (folder / dangling.file).symlink_to(folder / "nothing-here.csv")
    return [replace(c, reads=READS.get(c.id.split("/", 1)[1])) for c in out.items]
