"""Bound what an XLSX workbook claims before any library allocates for it.

calamine, the Rust reader under fastexcel, allocates a sheet's whole rectangle, from its first
to its last value, 32 bytes a cell: one value at XFD1048576 asks for 512 GiB and aborts the
process. It copies a shared text into every cell that uses it, trusts shared-text numbers (`-1`
reads as the first text) and reads Excel's error cells (#N/A) as empty cells. So the archive is
measured here first, streamed in bounded memory: its entries and their sizes, the shared texts'
number and length, every cell reference of every sheet, and where the error cells are (the
reader reports them on their rows; each sheet is scanned by `workbook_cells`). The limits are
those of `forms.limits`.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from xml.parsers.expat import ExpatError

from opendtm.core.errors import InvalidInput
from opendtm.forms import limits
from opendtm.forms.workbook_cells import (
    DAMAGED_HINT,
    LARGE_HINT,
    ROOT,
    SheetFacts,
    SheetScan,
    size_text,
    too_many_cells,
)

log = logging.getLogger(__name__)

CHUNK_BYTES = 8 * limits.MiB
SHARED_STRINGS = "xl/sharedstrings.xml"  # where calamine reads them, whatever the relationships
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_TAGS = re.compile(rb"<[^>]*>")
_TEXT_MAX_XML = limits.CELL_TEXT_MAX_CHARS * 12  # a longest text's XML at most (entities, runs)


@dataclass
class WorkbookFacts:
    """What the check found: per sheet (by name), where its values and error cells are."""

    sheets: dict[str, SheetFacts]


def workbook_damaged(path: Path, detail: str) -> InvalidInput:
    """The refusal of a workbook a library could not read; its words go to the log only."""
    log.info("workbook unreadable (%s): %s", file_tag(path), scrubbed(detail, path))
    return InvalidInput(f"{path.name} is damaged or is not an Excel workbook.", hint=DAMAGED_HINT)


def file_tag(path: Path) -> str:
    """The file as the log names it: its size and the start of its SHA-256, not its name."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(1 << 22):
                digest.update(chunk)
        return f"{path.stat().st_size} bytes, sha256 {digest.hexdigest()[:16]}"
    except OSError:
        return "unreadable file"


def scrubbed(detail: str, path: Path) -> str:
    """A library's message without what came from the file (quoted values, its path)."""
    text = detail.replace(str(path), "FILE").replace(path.name, "FILE")
    return _QUOTED.sub("'…'", " ".join(text.split()))[:400]


def workbook_check(path: Path) -> WorkbookFacts:
    """Refuse (InvalidInput) a workbook that claims more than the limits, or that would be
    misread; otherwise where each sheet's values and error cells are."""
    try:
        with zipfile.ZipFile(path) as archive:
            return _Archive(path, archive).check()
    except InvalidInput:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, ExpatError) as exc:
        raise workbook_damaged(path, f"{type(exc).__name__}: {exc}") from None
    except (NotImplementedError, RuntimeError) as exc:  # compression method, encryption
        raise workbook_damaged(path, f"{type(exc).__name__}: {exc}") from None


def workbook_archive_check(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse a workbook whose archive directory claims more than the limits (parts, declared
    sizes, compression ratios, encryption): nothing is unpacked, so it takes milliseconds
    whatever the file holds. What the web checks before it keeps an upload."""
    _Archive(Path(name), archive)._entries_check()


class _Archive:
    def __init__(self, path: Path, archive: zipfile.ZipFile) -> None:
        self.path = path
        self.file = path.name
        self.archive = archive
        self.parts: dict[str, zipfile.ZipInfo] = {}

    def refuse(self, what: str, hint: str = DAMAGED_HINT) -> InvalidInput:
        return InvalidInput(f"{self.file}: {what}", hint=hint)

    def check(self) -> WorkbookFacts:
        self._entries_check()
        workbook = self.parts.get("xl/workbook.xml")
        if workbook is None:  # XLSB, ODS or not a workbook: the child reads it within its memory
            return WorkbookFacts(sheets={})
        sheets = self._sheets(workbook)
        for name in ("xl/styles.xml", "xl/_rels/workbook.xml.rels"):
            if name in self.parts:  # read by calamine whole: its true size is checked
                for _ in self._stream(self.parts[name]):
                    pass
        strings = self._shared_strings_check()
        facts: dict[str, SheetFacts] = {}
        cells = 0
        for name, part in sheets:
            sheet = SheetScan(self.file, name, partial(self._stream, part), strings).facts()
            cells += sheet.cells
            if cells > limits.WORKBOOK_MAX_CELLS:
                raise too_many_cells(self.file, sheet, cells)
            facts[name] = sheet
        return WorkbookFacts(sheets=facts)

    def _entries_check(self) -> None:
        infos = self.archive.infolist()
        if len(infos) > limits.ZIP_MAX_ENTRIES:
            raise self.refuse(
                f"the workbook holds {len(infos):,} parts, more than the "
                f"{limits.ZIP_MAX_ENTRIES:,} an Excel workbook may have here."
            )
        total = 0
        for info in infos:
            key = info.filename.lower()
            if key in self.parts:
                raise self.refuse(f"the workbook holds two parts named {info.filename!r}.")
            self.parts[key] = info
            if info.flag_bits & 0x1:
                raise InvalidInput(
                    f"{self.file} is a password-protected (encrypted) workbook, which cannot be "
                    "read.",
                    hint="Open it in Excel, remove the password, save it and import it again.",
                )
            total += info.file_size
            if info.file_size > limits.ZIP_ENTRY_MAX_BYTES:
                raise self.refuse(
                    f"part {info.filename!r} unpacks to {size_text(info.file_size)}, more than the "
                    f"{size_text(limits.ZIP_ENTRY_MAX_BYTES)} OpenDTM reads from one part.",
                    hint=LARGE_HINT,
                )
            if total > limits.ZIP_TOTAL_MAX_BYTES:
                raise self.refuse(
                    "the workbook unpacks to more than "
                    f"{size_text(limits.ZIP_TOTAL_MAX_BYTES)}, more than OpenDTM reads from one "
                    "workbook.",
                    hint=LARGE_HINT,
                )
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > limits.ZIP_RATIO_FROM_BYTES and ratio > limits.ZIP_MAX_RATIO:
                raise self.refuse(
                    f"part {info.filename!r} unpacks from {size_text(info.compress_size)} to "
                    f"{size_text(info.file_size)} ({ratio:,.0f} times), more than the "
                    f"{limits.ZIP_MAX_RATIO} times of any real workbook: it is a zip bomb or is "
                    "damaged."
                )

    def _stream(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """The part unpacked, in chunks; never more than it declares (zipfile stops there and
        checks the CRC, so a part that lies about its size is refused as damaged)."""
        with self.archive.open(info) as stream:
            first = True
            while chunk := stream.read(CHUNK_BYTES):
                if first:
                    self._prolog_check(info, chunk)
                    first = False
                yield chunk

    def _prolog_check(self, info: zipfile.ZipInfo, head: bytes) -> None:
        """No DTD (Office parts never have one: it is how XML entity bombs are declared)."""
        root = ROOT.search(head)
        prolog = head[: root.start()] if root else head
        if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
            raise self.refuse(f"part {info.filename!r} declares a DTD, which no workbook has.")

    def _xml_part(self, name: str) -> ET.Element:
        info = self.parts.get(name)
        if info is None:
            raise self.refuse(f"the workbook has no {name!r}.")
        if info.file_size > limits.XML_PART_MAX_BYTES:
            raise self.refuse(
                f"part {info.filename!r} is {size_text(info.file_size)}, more than the "
                f"{size_text(limits.XML_PART_MAX_BYTES)} it may have."
            )
        data = b"".join(self._stream(info))
        try:
            return ET.fromstring(data)
        except ET.ParseError as exc:
            raise workbook_damaged(self.path, f"{info.filename}: {exc}") from None

    def _sheets(self, workbook: zipfile.ZipInfo) -> list[tuple[str, zipfile.ZipInfo]]:
        """(name, part) of each worksheet, found the way calamine finds them."""
        targets = {}
        if "xl/_rels/workbook.xml.rels" in self.parts:
            for rel in self._xml_part("xl/_rels/workbook.xml.rels"):
                targets[rel.get("Id")] = rel.get("Target") or ""
        found = []
        for element in self._xml_part(workbook.filename.lower()).iter():
            if not element.tag.endswith("}sheet") and element.tag != "sheet":
                continue
            rid = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
            target = targets.get(rid, "")
            if target.startswith("/xl/"):
                target = target[1:]
            elif not target.startswith("xl/"):
                target = f"xl/{target}"
            part = self.parts.get(target.lower())
            if part is not None and target.split("/")[1:2] == ["worksheets"]:
                found.append((element.get("name") or "", part))
        return found

    def _shared_strings_check(self) -> int:
        """How many shared texts; refuses too many, or one longer than Excel allows."""
        info = self.parts.get(SHARED_STRINGS)
        if info is None:
            return 0
        count, carry, separator, prolog = 0, b"", b"", True
        for chunk in self._stream(info):
            buffer = carry + chunk
            if not separator:
                root = ROOT.search(buffer)
                separator = b"<" + (root.group(1) + b":" if root and root.group(1) else b"") + b"si"
            parts = buffer.split(separator)
            carry = parts.pop()
            count += len(parts)  # each separator starts a text
            if prolog and parts:
                parts, prolog = parts[1:], False
            if parts and max(map(len, parts)) > limits.CELL_TEXT_MAX_CHARS:
                for text in parts:
                    self._text_check(text)
            if len(carry) > _TEXT_MAX_XML:
                self._text_check(carry)
            if count > limits.SHARED_STRINGS_MAX:
                raise self.refuse(
                    f"the workbook holds more than {limits.SHARED_STRINGS_MAX:,} different "
                    "texts, more than OpenDTM reads from one workbook.",
                    hint=LARGE_HINT,
                )
        if not prolog:  # the last text, with the end of the part
            self._text_check(carry)
        return count

    def _text_check(self, raw: bytes) -> None:
        """Refuse a shared text longer than Excel's limit (counted exactly only when long)."""
        if len(raw) <= limits.CELL_TEXT_MAX_CHARS:
            return
        if len(raw) <= _TEXT_MAX_XML:
            inner = _TAGS.sub(b"", raw[raw.find(b">") + 1 :]).decode("utf-8", errors="replace")
            if len(html.unescape(inner)) <= limits.CELL_TEXT_MAX_CHARS:
                return
        raise self.refuse(
            f"a text of the workbook is longer than Excel's {limits.CELL_TEXT_MAX_CHARS:,} "
            f"characters for a cell ({size_text(len(raw))} of XML or more): the workbook was not "
            "written by Excel, or is damaged.",
        )
