"""`opendtm funding import|summary`: incoming-funding flows from FTS exports. Thin."""

from __future__ import annotations

import json
from pathlib import Path

import click

from opendtm.cli.tables import lines_echo, table_lines


@click.group("funding")
def funding() -> None:
    """Funding flows (FTS incoming funding) and their summary."""


@funding.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and write the report; store nothing.")
@click.option("--report", "report", type=click.Path(path_type=Path), help="Report .csv or .xlsx.")
def import_cmd(file: Path, dry_run: bool, report: Path | None) -> None:
    """Import an FTS incoming-funding export (CSV or XLSX); repeated flow ids are reported."""
    from opendtm.accounts.services import user_for_cli
    from opendtm.portfolio.funding import funding_import

    outcome = funding_import(path=file, actor=user_for_cli(), report_path=report, dry_run=dry_run)
    lines_echo(outcome.summary_lines())


@funding.command("summary")
@click.option("--country", default="", help="Destination country (ISO3).")
@click.option("--year", type=int, help="Year of the flow's date.")
@click.option("--recipient", default="", help="Destination organisation (exact name, any case).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def summary_cmd(country: str, year: int | None, recipient: str, fmt: str) -> None:
    """The number of flows, their USD total and the number of donors."""
    from opendtm.accounts.services import user_for_cli
    from opendtm.portfolio.funding import funding_summary

    summary = funding_summary(user_for_cli(), country=country, year=year, recipient=recipient)
    if fmt == "json":
        click.echo(json.dumps(summary))
        return
    lines_echo(table_lines(summary.items(), header=("measure", "value")))


COMMANDS = [funding]
