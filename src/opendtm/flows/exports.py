"""Flow figures as files partners use: CSV and HXL (through `core.spreadsheets.CsvWriter`,
which neutralises text a spreadsheet would run as a formula) and JSON, each with the
figure's coverage statement; and as terminal lines."""

from __future__ import annotations

import json
from datetime import date
from typing import IO, Any

from opendtm.core.errors import InvalidInput
from opendtm.core.spreadsheets import CsvWriter
from opendtm.flows.queries import HXL, FlowFigures

FORMATS = ("table", "csv", "json", "hxl")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def flow_figures_write(figures: FlowFigures, fmt: str, out: IO[str]) -> int:
    """Write the figure in `fmt`; the number of rows written. CSV and HXL carry the coverage
    statement in a `coverage` column on every row, JSON beside the rows, a table above them."""
    if fmt not in FORMATS:
        raise InvalidInput(
            f"Flow figures are not written as {fmt}.", hint=f"Use one of: {', '.join(FORMATS)}."
        )
    columns = list(figures.rows.columns)
    rows = [[_plain(v) for v in row] for row in figures.rows.iter_rows()]
    if fmt == "json":
        json.dump(
            {
                "title": figures.title,
                "coverage": figures.coverage.as_dict(),
                "notes": figures.notes,
                "rows": [dict(zip(columns, row, strict=True)) for row in rows],
            },
            out,
            ensure_ascii=False,
            indent=1,
        )
        out.write("\n")
        return len(rows)
    if fmt in ("csv", "hxl"):
        writer = CsvWriter(out)
        writer.writerow([*columns, "coverage"])
        if fmt == "hxl":
            writer.writerow([HXL[c] for c in [*columns, "coverage"]])
        statement = figures.coverage.statement
        writer.writerows([*("" if v is None else v for v in row), statement] for row in rows)
        return len(rows)
    from opendtm.cli.tables import table_lines

    out.write(f"{figures.title}: {figures.coverage.statement}\n")
    for note in figures.notes:
        out.write(f"({note})\n")
    lines = table_lines(rows, header=columns)
    out.write("\n".join(lines) + "\n" if lines else "No movement was recorded.\n")
    return len(rows)
