"""Write small XLSX files from literal rows, the way export writers lay them out.

Cells keep their Python type: numbers become numeric cells and dates date cells (as Kobo writes
them unless "store numbers and dates as text" is ticked); strings stay text; None stays empty.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import xlsxwriter

Rows = list[list[Any]]


def xlsx_write(path: Path, sheets: dict[str, Rows]) -> Path:
    """One sheet per entry, in order; row 0 is the header."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.date):
                    sheet.write_datetime(r, c, value, date_format)
                elif isinstance(value, str):
                    sheet.write_string(r, c, value)
                else:
                    sheet.write(r, c, value)
    book.close()
    return path


def sheet_rows(path: Path, sheet: str) -> list[list[object]]:
    """The cells of one sheet as openpyxl reads them (None for empty), for checking a write."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return [list(row) for row in book[sheet].iter_rows(values_only=True)]
    finally:
        book.close()


# Raw packages, for the hostile workbooks no writer produces: every part given as text.
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
    '.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)


def row_xml(number: int, cells: list[tuple[str, str]]) -> str:
    """`<row>` of (reference, inner XML of the cell with its attributes) pairs, e.g.
    ("A2", 't="s"><v>0</v>') -> <c r="A2" t="s"><v>0</v></c>."""
    body = "".join(f'<c r="{ref}" {inner}</c>' for ref, inner in cells)
    return f'<row r="{number}">{body}</row>'


def text_row(number: int, values: list[str | int | None], strings: list[str]) -> str:
    """A row of shared texts (appended to `strings`) and numbers, from column A."""
    cells = []
    for col, value in enumerate(values):
        ref = f"{chr(65 + col)}{number}"
        if isinstance(value, str):
            strings.append(value)
            cells.append((ref, f't="s"><v>{len(strings) - 1}</v>'))
        elif value is not None:
            cells.append((ref, f"><v>{value}</v>"))
    return row_xml(number, cells)


def xlsx_parts_write(
    path: Path,
    sheets: dict[str, str],
    strings: list[str] | None = None,
    *,
    parts: dict[str, str | bytes] | None = None,
) -> Path:
    """A minimal XLSX package: each sheet's `<sheetData>` content as given, the shared texts,
    and `parts` added or replacing the generated ones (a part's name -> its content)."""
    import zipfile
    from xml.sax.saxutils import escape, quoteattr

    names = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>'
        for i, name in enumerate(sheets, start=1)
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    files: dict[str, str | bytes] = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://'
        'schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": _PACKAGE_RELS,
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" '
        f'xmlns:r="{REL_NS}"><sheets>{names}</sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{rels}</Relationships>",
    }
    for i, data in enumerate(sheets.values(), start=1):
        files[f"xl/worksheets/sheet{i}.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}">'
            f"<sheetData>{data}</sheetData></worksheet>"
        )
    if strings is not None:
        items = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
        files["xl/sharedStrings.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" '
            f'count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
        )
    files.update(parts or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


_MEASURED_READ = """
import json, resource, sys
from pathlib import Path

resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))  # so that no failure eats the machine
from opendtm.core.errors import InvalidInput
from opendtm.forms.queries import form_spec_get
from opendtm.forms.reader import read_export

try:
    parsed = read_export(form=form_spec_get(form_id=sys.argv[2]), path=Path(sys.argv[1]))
    out = {"read": parsed.main.height}
except InvalidInput as exc:
    out = {"refused": str(exc)}
# VmHWM, not RUSAGE_SELF: Linux carries the forking process's peak into ru_maxrss across
# exec, so under a grown pytest process RUSAGE_SELF would report pytest's peak, not this one's
own = next(
    int(line.split()[1])
    for line in Path("/proc/self/status").read_text().splitlines()
    if line.startswith("VmHWM:")
)
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
out["peak_bytes"] = (own + children) * 1024
print(json.dumps(out))
"""


def read_measured(path: Path, form_id: str = "dtm_site") -> dict[str, Any]:
    """`read_export` of the file in a process of its own: {"refused": message} or {"read": rows},
    and "peak_bytes", the peak memory of that process plus that of the largest of its children
    (the workbook reader). A crash (the reader before issue 11) gives {"crashed": stderr}."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED_READ, str(path), form_id],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    if done.returncode != 0:
        return {"crashed": done.stderr[-2000:]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))
