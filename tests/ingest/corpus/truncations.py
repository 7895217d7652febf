"""Valid exports cut short, as an interrupted download or a full USB stick leaves them: XLSX
cut inside the local headers, the deflated parts and the central directory; CSV cut inside
the header, a row, a quoted value and a UTF-8 character."""

from __future__ import annotations

from pathlib import Path

from tests.ingest.corpus import Case, Cases
from tests.ingest.corpus.shapes import Exports, csv_text, with_cell

CATEGORY = "truncation"
EOCD = 22  # bytes of a zip's end-of-central-directory record without a comment


def _offsets(
    size: int, fractions: tuple[float, ...], ends: tuple[int, ...]
) -> list[tuple[str, int]]:
    """(name, cut) at fractions of the size and at bytes before its end, named so that a
    case keeps its name when the file is a byte longer (a workbook holds its creation time)."""
    cuts = {f"{round(f * 100)}pct": int(size * f) for f in fractions}
    cuts |= {f"end-{e}": size - e for e in ends}
    return [(name, cut) for name, cut in cuts.items() if 0 < cut < size]


def cases(ex: Exports, folder: Path) -> list[Case]:
    out = Cases(folder, CATEGORY)
    site = ex.site_xlsx.read_bytes()
    heads = (1, 2, 4, 30, 31, 100, 512)
    cuts = [(str(h), h) for h in heads]
    cuts += _offsets(len(site), (0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 0.95),
                     (100, EOCD + 1, EOCD, EOCD - 1, 2, 1))  # fmt: skip
    for name, cut in cuts:
        out.add(f"site_xlsx_{name}", site[:cut], ".xlsx", f"site XLSX cut to {cut} bytes")
    shared = ex.site_shared_xlsx.read_bytes()
    for name, cut in _offsets(len(shared), (0.3, 0.6, 0.9), (EOCD, 1)):
        out.add(f"site_shared_xlsx_{name}", shared[:cut], ".xlsx",
                f"site XLSX (shared strings) cut to {cut} bytes")  # fmt: skip
    baseline = ex.baseline_xlsx.read_bytes()
    for name, cut in _offsets(len(baseline), (0.1, 0.4, 0.7, 0.85, 0.97), (EOCD, 1)):
        out.add(f"baseline_xlsx_{name}", baseline[:cut], ".xlsx",
                f"baseline XLSX cut to {cut} bytes", kind="baseline", before=("baseline",),
                keeps_origins=True)  # fmt: skip
    # The CSV: row 3's name quoted (a comma and quotes in it), row 2's with two-byte letters.
    rows = with_cell(ex.site_rows, 3, "site_name", 'Site 3, "annex"')
    text = csv_text(rows).encode()
    header_end = text.index(b"\n")
    row2 = text.index(b"\n", header_end + 1) + 1
    quote = text.index(b'"Site 3')
    wide = text.index("ñ".encode())
    cuts = {
        "header_5": 5,
        "header_mid": header_end // 2,
        "header_no_newline": header_end,
        "header_only": header_end + 1,
        "row1_mid": (header_end + row2) // 2,
        "row1_end_no_newline": row2 - 1,
        "after_row1": row2,
        "inside_utf8_char": wide + 1,
        "after_utf8_char": wide + 2,
        "inside_quotes": quote + 5,
        "after_open_quote": quote + 1,
        "before_close_quote": text.index(b'"",', quote) + 2,
        "last_byte": len(text) - 1,
        "last_3": len(text) - 3,
        "half": len(text) // 2,
        "row3_first_cell": text.rindex(b"\n", 0, len(text) - 1) + 3,
    }
    for name, cut in cuts.items():
        out.add(f"site_csv_{name}", text[:cut], ".csv", f"site CSV cut at byte {cut} ({name})")
    base = ex.baseline_csv.read_bytes()
    for fraction in (0.3, 0.6, 0.99):
        cut = int(len(base) * fraction)
        out.add(
            f"baseline_csv_{round(fraction * 100)}pct",
            base[:cut],
            ".csv",
            f"baseline CSV without its repeat, cut to {cut} bytes",
            kind="baseline",
            before=("baseline",),
            keeps_origins=True,
        )
    origins = ex.origins_csv.read_bytes()
    for fraction in (0.05, 0.5, 0.9):
        cut = int(len(origins) * fraction)
        side = out.side(f"origins_{round(fraction * 100)}pct.csv", origins[:cut])
        out.add(
            f"origins_csv_{round(fraction * 100)}pct",
            ex.baseline_csv,
            ".csv",
            f"baseline CSV with its origins CSV cut to {cut} bytes",
            kind="baseline",
            repeats=(("origins", side),),
            before=("baseline",),
        )
    return out.items
