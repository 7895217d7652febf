"""`opendtm portfolio import|template|overview|grant|move`: the regional project portfolio.

Thin: parse the options, call one service or query, print its lines.
"""

from __future__ import annotations

from pathlib import Path

import click

from opendtm.cli.tables import lines_echo, table_lines


@click.group("portfolio")
def portfolio() -> None:
    """The regional EPC project portfolio: import, template, overview, workflow."""


@portfolio.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and write the report; store nothing.")
@click.option("--report", "report", type=click.Path(path_type=Path), help="Report .csv or .xlsx.")
def import_cmd(file: Path, dry_run: bool, report: Path | None) -> None:
    """Import a portfolio spreadsheet (XLSX or CSV), one row per project x donor x year."""
    from opendtm.accounts.services import user_for_cli
    from opendtm.portfolio.imports import portfolio_import

    outcome = portfolio_import(path=file, actor=user_for_cli(), dry_run=dry_run, report_path=report)
    lines_echo(outcome.summary_lines())


@portfolio.command("template")
@click.argument("out", type=click.Path(path_type=Path))
def template_cmd(out: Path) -> None:
    """Write the import template OUT.xlsx (the columns, an example row and a notes sheet)."""
    from opendtm.portfolio.exports import template_write

    click.echo(f"template written to {template_write(out)}")


@portfolio.command("overview")
@click.option("--year", type=int, help="Only this year's contributions and expenditure.")
@click.option("--subregion", help="Only this sub-region's countries (e.g. Pacific).")
@click.option("--phase", default="", help="Only projects in this MCOF phase.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
def overview_cmd(year: int | None, subregion: str | None, phase: str, fmt: str) -> None:
    """Total value, projects by type, expenditure per country and the donors."""
    from opendtm.accounts.services import user_for_cli
    from opendtm.core.choices import choice_parse
    from opendtm.operations.choices import McofPhase
    from opendtm.portfolio.exports import overview_rows, overview_text
    from opendtm.portfolio.queries import portfolio_overview

    if phase:
        phase = choice_parse(McofPhase, phase, field="phase")
    overview = portfolio_overview(user_for_cli(), year=year, subregion=subregion, phase=phase)
    if fmt == "table":
        lines_echo(table_lines(overview_rows(overview), header=("measure", "key", "value")))
        return
    click.echo(overview_text(overview, fmt), nl=False)


@portfolio.command("subregions")
def subregions_cmd() -> None:
    """The sub-regions of the region and their countries."""
    from opendtm.portfolio.queries import subregion_list

    lines_echo(
        table_lines(
            ((r["name"], " ".join(r["countries"])) for r in subregion_list()),
            header=("subregion", "countries"),
        )
    )


@portfolio.command("grant")
@click.argument("username")
@click.argument("role")
@click.option("--country", default="", help="The country office (ISO3); none: the region.")
def grant_cmd(username: str, role: str, country: str) -> None:
    """Give USERNAME the portfolio ROLE (project_developer, regional_reviewer...)."""
    from django.contrib.auth import get_user_model

    from opendtm.accounts.services import user_for_cli
    from opendtm.core.errors import NotFound
    from opendtm.portfolio.services import portfolio_grant

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"No user {username!r}.", hint="Create it with `opendtm user create`.")
    grant = portfolio_grant(user=user, role=role, country_iso3=country, actor=user_for_cli())
    click.echo(f"{username} is {grant.role} for {grant.country_iso3 or 'the region'}")


@portfolio.command("move")
@click.argument("code")
@click.argument("status")
@click.option("--reason", default="", help="Why (required to withdraw or return).")
def move_cmd(code: str, status: str, reason: str) -> None:
    """Move project CODE to STATUS along the proposal workflow."""
    from opendtm.accounts.services import user_for_cli
    from opendtm.portfolio.queries import project_get
    from opendtm.portfolio.services import project_transition

    user = user_for_cli()
    project = project_transition(
        project=project_get(user, code), to_status=status, actor=user, reason=reason
    )
    click.echo(f"project {project.code} is {project.status} (version {project.version})")


@portfolio.command("export")
@click.option("--year", type=int, help="Only this year's contributions.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "hxl"]), default="csv")
@click.option("--output", type=click.Path(path_type=Path), required=True, help="File to write.")
def export_cmd(year: int | None, fmt: str, output: Path) -> None:
    """The portfolio's contributions (donor, country, sector, year, USD) as CSV, XLSX or HXL."""
    from opendtm.accounts.services import user_for_cli
    from opendtm.portfolio.exports import contributions_write
    from opendtm.portfolio.queries import contributions_list

    written = contributions_write(contributions_list(user_for_cli(), year=year), fmt, output)
    click.echo(f"{written} contribution(s) written to {output}")


COMMANDS = [portfolio]
