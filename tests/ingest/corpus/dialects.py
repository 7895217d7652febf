"""The site CSV in the dialects spreadsheets and scripts write, and broken ones: line endings
(bare CR, CRLF, mixed), delimiters, unbalanced and odd quoting, ragged rows, duplicate and
empty headers, 100,000 columns, repeated data rows, concatenated exports, blank lines."""

from __future__ import annotations

from pathlib import Path

from tests.ingest.corpus import Case, Cases
from tests.ingest.corpus.shapes import Exports, column, csv_text, swap, with_cell

CATEGORY = "dialect"
# Rows an accepted file must have been read as, where the dialect leaves no doubt (the export
# has three); a file left out may be read either way, or refused.
READS = {"bare_cr": 3, "crlf": 3, "mixed_endings": 3, "semicolons": 3, "tabs": 3,
         "semicolons_decimal_comma": 3, "excel_sep_line": 3, "quoted_newline": 3,
         "quoted_everything": 3, "blank_lines": 3, "trailing_delimiter": 3,
         "header_trailing_delimiter": 3, "ragged_short": 3, "ragged_long": 3,
         "ragged_one_cell": 4, "duplicate_header": 3, "duplicate_all_headers": 3,
         "empty_header": 3, "header_bom_inside": 3, "header_1mib_name": 3, "columns_100000": 3,
         "columns_100000_one_row": 3, "same_header_10000": 3, "rows_repeated_x2": 6,
         "rows_repeated_x4": 12, "rows_repeated_x5": 15, "rows_block_repeated_x5": 15,
         "concatenated_exports": 7, "header_as_data": 4, "unicode_line_separator": 3,
         "header_then_newlines": 0, "rows_60000_same_site": 60_000}  # fmt: skip


def cases(ex: Exports, folder: Path) -> list[Case]:
    out = Cases(folder, CATEGORY)
    rows = ex.site_rows
    header, data = rows[0], rows[1:]
    text = csv_text(rows)

    def add(name: str, body: str | bytes, what: str, **kw: object) -> None:
        data = body.encode() if isinstance(body, str) else body
        out.add(name, data, ".csv", what, reads=READS.get(name), **kw)

    add("bare_cr", csv_text(rows, newline="\r"), "bare CR line endings (old Mac Excel)")
    add("crlf", csv_text(rows, newline="\r\n"), "CRLF line endings")
    add("cr_cr_lf", csv_text(rows, newline="\r\r\n"), "CR CR LF line endings")
    lines = text.splitlines()
    add(
        "mixed_endings",
        lines[0] + "\r\n" + lines[1] + "\n" + lines[2] + "\r" + lines[3] + "\n",
        "CRLF, LF and CR in one file",
    )
    add("semicolons", csv_text(rows, delimiter=";"), "semicolon-delimited (Kobo's default)")
    add("tabs", csv_text(rows, delimiter="\t"), "tab-delimited")
    add("pipes", csv_text(rows, delimiter="|"), "pipe-delimited")
    add(
        "semicolons_decimal_comma",
        csv_text(with_cell(rows, 1, "covered_area_m2", "350,5"), delimiter=";"),
        "semicolons and a decimal comma",
    )
    add("excel_sep_line", "sep=;\n" + csv_text(rows, delimiter=";"), "Excel's 'sep=;' first line")
    add("title_line", "DTM site assessment export\n" + text, "a title line above the header")
    add(
        "quote_unbalanced_value",
        swap(text, "Site 3", '"Site 3'),
        "an opening quote never closed in a value",
    )
    add(
        "quote_unbalanced_header",
        swap(text, "start", '"start'),
        "an opening quote never closed in the header",
    )
    add(
        "quote_inside_value",
        swap(text, "Site 1", 'Site "1"'),
        "quotes inside an unquoted value",
    )
    add("quote_backslash", swap(text, "Site 1", '"Site \\"1\\""'), "backslash-escaped quotes")
    add(
        "quote_single",
        swap(text, "Site 1", "'Site, 1'"),
        "single quotes around a comma",
    )
    add(
        "quoted_newline",
        csv_text(with_cell(rows, 1, "site_name", "Site\n1\r\nannex")),
        "a site name with newlines inside quotes",
    )
    add(
        "quoted_everything",
        "".join(",".join(f'"{v}"' for v in r) + "\n" for r in rows),
        "every cell quoted",
    )
    short = [header, data[0][:-10], *data[1:]]
    add("ragged_short", csv_text(short), "a row with its last 10 cells missing")
    add(
        "ragged_long",
        csv_text([header, [*data[0], "x", "y", "z"], *data[1:]]),
        "a row with 3 cells more than the header",
    )
    add("ragged_one_cell", csv_text([header, ["only one"], *data]), "a row of one cell")
    add("blank_lines", text.replace("\n", "\n\n"), "a blank line after every line")
    add("delimiter_lines", text + ("," * (len(header) - 1) + "\n") * 3, "rows of commas only")
    add(
        "trailing_delimiter", "".join(line + ",\n" for line in lines), "a comma at every line's end"
    )
    add(
        "header_trailing_delimiter",
        lines[0] + ",\n" + "\n".join(lines[1:]) + "\n",
        "a comma at the header's end only",
    )
    site_name = column(rows, "site_name")
    duped = [
        [*r[: site_name + 1], r[site_name] + (" copy" if i else ""), *r[site_name + 1 :]]
        for i, r in enumerate(rows)
    ]
    duped[0][site_name + 1] = header[site_name]
    add("duplicate_header", csv_text(duped), "the site name column twice, different values")
    add("duplicate_all_headers", csv_text([r + r for r in rows]), "every column twice")
    add(
        "empty_header",
        csv_text([["" if i == 5 else h for i, h in enumerate(header)], *data]),
        "the site name's header empty",
    )
    add("all_headers_empty", csv_text([[""] * len(header), *data]), "every header empty")
    add(
        "header_bom_inside",
        swap(text, "site/site_id", "\ufeffsite/site_id"),
        "a BOM in the middle of the header",
    )
    add(
        "header_1mib_name",
        csv_text([[*header, "h" * (1 << 20)], *[[*r, "1"] for r in data]]),
        "a header name of 1 MiB",
    )
    extra = [f"x{i}" for i in range(100_000)]
    add(
        "columns_100000",
        csv_text([[*header, *extra], *[[*r, *[""] * len(extra)] for r in data]]),
        "100,000 extra columns",
    )
    add(
        "columns_100000_one_row",
        csv_text([header, [*data[0], *["1"] * 100_000], *data[1:]]),
        "one row with 100,000 cells more than the header",
    )
    add(
        "same_header_10000",
        csv_text([[*header, *["dup"] * 10_000], *[[*r, *["1"] * 10_000] for r in data]]),
        "10,000 extra columns all named 'dup'",
    )
    for times in (2, 4, 5):
        add(
            f"rows_repeated_x{times}",
            csv_text([header, *[r for r in data for _ in range(times)]]),
            f"every data row repeated {times} times",
        )
    add(
        "rows_block_repeated_x5", csv_text([header, *data * 5]), "the block of data rows five times"
    )
    add("concatenated_exports", text + text, "two exports concatenated (a header mid-file)")
    add("header_as_data", csv_text([header, header, *data]), "the header repeated as a data row")
    add("only_newlines", "\n" * 100_000, "100,000 empty lines")
    add("header_then_newlines", lines[0] + "\n" * 100_000, "the header and 100,000 empty lines")
    add("no_newline_1mib", "x" * (1 << 20), "one 1 MiB line with no newline")
    add("form_feeds", text.replace("\n", "\f"), "form feeds instead of newlines")
    add(
        "unicode_line_separator",
        csv_text(with_cell(rows, 1, "site_name", "Site\u20281")),
        "U+2028 LINE SEPARATOR inside a name",
    )
    add("nul_delimiter", csv_text(rows, delimiter="\x00"), "NUL bytes as delimiters")
    uuid = column(rows, "_uuid")
    many = [header, *[[*data[0][:uuid], f"dup-{i}", *data[0][uuid + 1 :]] for i in range(60_000)]]
    add(
        "rows_60000_same_site",
        csv_text(many),
        "60,000 rows of one site (past a 50,000-row batch)",
        dry_run=True,
    )
    return out.items
