"""`opendtm figures`: displacement figures by admin unit, site, origin or round, as a table in
the terminal or as a file partners use (CSV, XLSX, HXL, JSON, GeoJSON).

Thin: build a `FiguresRequest` from the options, read its pages through the one dispatcher
(`figures.answers`) and write them through
`opendtm.figures.exports`. A file is written next to its target and renamed when complete, so
a failed export never leaves half a file behind.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from opendtm.core.errors import InvalidInput
from opendtm.figures.choices import ExportFormat, Grouping
from opendtm.figures.request import DEFAULT_LEVEL, DEFAULT_ORIGIN_LEVEL

BY = [g for g in Grouping.values if g != Grouping.HEADLINE]  # the headline tops --by admin
FLOW_BY = ["flow", "corridor"]  # flow monitoring figures (`opendtm.flows`), dated, no round

if TYPE_CHECKING:
    from opendtm.figures.results import Headline


def headline_lines(headline: Headline) -> list[str]:
    """The round's headline figures, as printed above the admin table."""
    from opendtm.figures.exports import number

    f, change, pct = headline.figures, headline.change, headline.change_pct
    previous = headline.provenance.previous_round_number

    def count(name: str) -> str:
        return number(f[name], hidden=f[name] is None)

    def since(name: str) -> str:
        if previous is None:
            return ""
        return f" ({number(change[name], 'c')}, {number(pct[name], 'p')} since round {previous})"

    return [
        f"IDPs: {count('idp_hh')} households, {count('idp_ind')} individuals{since('idp_ind')}",
        f"Returned IDPs: {count('returnee_idp_hh')} households, {count('returnee_idp_ind')} "
        f"individuals; returned from abroad: {count('returnee_abroad_ind')} individuals",
        f"Sites assessed: {count('sites')} ({count('sites_open')} open, "
        f"{count('sites_closing')} closing, {count('sites_closed')} closed), "
        f"{count('site_ind')} individuals in sites",
        f"Assessed locations: {count('locations')} ({count('locations_flagged')} flagged)",
    ]


def _write(pages: Iterable[Any], fmt: str, output: Path | None) -> int:
    from opendtm.figures.exports import export_write

    if output is None:
        stream: IO[bytes] = sys.stdout.buffer
        try:
            written = export_write(pages, fmt, stream)
            stream.flush()
        except BrokenPipeError:  # the reader (head, less) stopped reading: not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
            return 0
        return written
    output = output.expanduser()
    if not output.parent.is_dir():
        raise InvalidInput(
            f"Cannot write {output}: folder {output.parent} does not exist.",
            hint="Create it first, or choose another --output.",
        )
    partial = output.with_name(f".{output.name}.part")
    try:
        with partial.open("wb") as handle:
            written = export_write(pages, fmt, handle)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    return written


@click.command("figures")
@click.option("--operation", "operation_code", required=True, help="Operation code.")
@click.option("--round", "number", type=int, help="Round number (default: the latest you may see).")
@click.option(
    "--level",
    type=int,
    default=DEFAULT_LEVEL,
    show_default=True,
    help="Admin level 0-4 (--by origin: the level of the current location).",
)
@click.option(
    "--by",
    type=click.Choice([*BY, *FLOW_BY]),
    default=Grouping.ADMIN.value,
    show_default=True,
    help="Break down by admin unit, site, origin -> current location, across rounds, or needs; "
    "flow: movements at flow monitoring points, corridor: their origins -> destinations.",
)
@click.option(
    "--origin-level",
    type=int,
    default=DEFAULT_ORIGIN_LEVEL,
    show_default=True,
    help="--by origin: admin level the places of origin are rolled up to.",
)
@click.option("--pcode", help="Only the units under this P-code (--by round: the unit).")
@click.option("--sector", help="--by needs: only this sector's rows (or intersectoral).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(ExportFormat.values),
    default=ExportFormat.TABLE.value,
    show_default=True,
)
@click.option("--site-type", help="--by site: only the sites of this type (planned_camp, ...).")
@click.option("--site-status", help="--by site: only the sites with this status this round.")
@click.option("--output", type=click.Path(path_type=Path), help="File to write (default: screen).")
@click.option("--exact", is_flag=True, help="Exact values of a published round (analysts).")
@click.option("--rebuild", is_flag=True, help="Rebuild the published round's snapshot first.")
@click.option("--period", default="week", help="--by flow: day, week (default) or month.")
@click.option("--from", "date_from", help="--by flow|corridor: first day, YYYY-MM-DD.")
@click.option("--to", "date_to", help="--by flow|corridor: last day, YYYY-MM-DD.")
@click.option("--fmp", "fmp_code", help="--by flow|corridor: only this point.")
@click.option("--net", is_flag=True, help="--by flow: net flow (incoming - outgoing) by point.")
@click.option("--destination", default="next", help="--by corridor: next (default) or final.")
@click.option("--top", type=int, help="--by corridor: only the N main corridors.")
def figures_command(
    operation_code: str,
    number: int | None,
    level: int,
    by: str,
    origin_level: int,
    pcode: str | None,
    sector: str | None,
    fmt: str,
    site_type: str | None,
    site_status: str | None,
    output: Path | None,
    exact: bool,
    rebuild: bool,
    period: str,
    date_from: str | None,
    date_to: str | None,
    fmp_code: str | None,
    net: bool,
    destination: str,
    top: int | None,
) -> None:
    """Displacement figures of a round: IDPs, returnees, sex and age, sites, change since the
    previous round, origins, one unit across rounds, or needs (severity and people in need by
    sector). Published rounds hide small counts."""
    from dataclasses import replace

    from opendtm.accounts.choices import Action
    from opendtm.accounts.roles import authorize
    from opendtm.accounts.services import user_for_cli
    from opendtm.figures.answers import figures_answer, figures_pages
    from opendtm.figures.request import FiguresRequest
    from opendtm.figures.results import Headline
    from opendtm.figures.services import figures_snapshot_build
    from opendtm.operations.queries import operation_get, round_get

    if by in FLOW_BY:
        from opendtm.cli.flows import flow_figures_echo

        if number is not None:
            raise InvalidInput("Flow figures are dated, not tied to a round: drop --round.")
        flow_figures_echo(
            operation_code=operation_code,
            by=by,
            fmt=fmt,
            period=period,
            date_from=date_from,
            date_to=date_to,
            fmp_code=fmp_code,
            net=net,
            destination=destination,
            top=top,
            output=output,
        )
        return
    if sector is not None and by != Grouping.NEEDS:
        raise InvalidInput("--sector is for needs figures: add --by needs.")
    user = user_for_cli()
    operation = operation_get(user=user, code=operation_code)
    asked = FiguresRequest(
        operation=operation,
        grouping=Grouping(by),
        round_number=number,
        level=level,
        origin_level=origin_level,
        pcode=pcode,
        exact=exact,
        site_type=site_type,
        site_status=site_status,
        sector=sector,
    )
    if fmt == ExportFormat.XLSX and output is None:
        raise InvalidInput("An XLSX workbook needs a file: give --output PATH.xlsx.")
    if fmt != ExportFormat.TABLE:
        authorize(user, Action.EXPORT, operation)
    if rebuild:
        if number is None:
            raise InvalidInput("--rebuild needs the round: give --round N.")
        snapshot = figures_snapshot_build(
            round=round_get(operation=operation, number=number, user=user), actor=user
        )
        click.echo(
            f"Rebuilt the figures of round {number} of {operation.code} "
            f"(suppression threshold {snapshot.threshold})."
        )
    if asked.grouping == Grouping.NEEDS:
        from opendtm.cli.needs import needs_figures_echo
        from opendtm.figures.answers import figures_needs

        written = needs_figures_echo(figures_needs(user=user, request=asked), fmt, output)
        if output is not None:
            click.echo(f"Wrote {written:,} rows to {output} ({fmt}).")
        return
    pages = figures_pages(user=user, request=asked)
    first = next(pages)  # the first page checks every option before anything is printed
    pages = itertools.chain([first], pages)
    if fmt == ExportFormat.TABLE and by == Grouping.ADMIN and output is None:
        headline = figures_answer(
            user=user, request=replace(asked, grouping=Grouping.HEADLINE, pcode=None)
        )
        assert isinstance(headline, Headline)
        for line in headline_lines(headline):
            click.echo(line)
        click.echo("")
    written = _write(pages, fmt, output)
    if output is not None:
        click.echo(f"Wrote {written:,} rows to {output} ({fmt}).")


COMMANDS = [figures_command]
