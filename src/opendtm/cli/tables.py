"""The one way the CLI prints a table: columns padded to their widest cell, two spaces apart.

Whole numbers stand to the right so their digits line up, everything else to the left; an empty
cell (None or "") shows as "-" so a line still splits on blanks into the same columns. Every
command that prints rows goes through `table_lines`, so all tables look and split alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

EMPTY = "-"


def _is_whole_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def table_lines(
    rows: Iterable[Sequence[object]], *, header: Sequence[str] | None = None
) -> list[str]:
    """The rows (and the header line first, if given) as aligned lines; no row, no line.

    A column is right-aligned when every one of its cells below the header is a whole number.
    """
    body: list[Sequence[object]] = [list(row) for row in rows]
    if not body:
        return []
    values: list[Sequence[object]] = [header, *body] if header is not None else body
    cells = [[EMPTY if v is None or v == "" else str(v) for v in row] for row in values]
    count = len(cells[0])
    widths = [max(len(row[i]) for row in cells) for i in range(count)]
    right = [all(_is_whole_number(row[i]) for row in body) for i in range(count)]
    return [
        "  ".join(
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, widths, right, strict=True)
        ).rstrip()
        for row in cells
    ]


def lines_echo(lines: Iterable[str]) -> None:
    """Print the lines; a reader that stops reading (`| head`) is not an error."""
    import os
    import sys

    import click

    try:
        for line in lines:
            click.echo(line)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
