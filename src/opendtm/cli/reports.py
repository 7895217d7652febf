"""`opendtm report`: a site profile or a round report as a PDF, the same document the web
pages offer (`reports.documents`), read as the command line's user.

The file is written beside its target and renamed when complete, so a failed render never
leaves half a PDF; a machine without the renderer's system libraries gets one line naming
them (`reports.rendering.renderer_check`), before any figure is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from opendtm.core.errors import InvalidInput
from opendtm.core.languages import CODES

if TYPE_CHECKING:
    from opendtm.reports.documents import Document


def _output_check(output: Path | None) -> Path | None:
    if output is None:
        return None
    output = output.expanduser()
    if not output.parent.is_dir():
        raise InvalidInput(
            f"Cannot write {output}: folder {output.parent} does not exist.",
            hint="Create it first, or choose another --output.",
        )
    return output


def _save(document: Document, output: Path | None) -> None:
    target = output if output is not None else Path(document.name)
    partial = target.with_name(f".{target.name}.part")
    try:
        partial.write_bytes(document.content)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    click.echo(f"Wrote {target} ({len(document.content):,} bytes).")


OUTPUT = click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="PDF file to write (default: a name of its own in this folder).",
)
LANGUAGE = click.option(
    "--lang",
    "language",
    type=click.Choice(CODES),
    default="en",
    show_default=True,
    help="The language of the report's words (fa-af: Dari, right to left).",
)


@click.group("report")
def report_group() -> None:
    """PDF reports: a site profile or a round report (published rounds only for viewers)."""


@report_group.command("site")
@click.argument("operation_code", metavar="OPERATION")
@click.argument("site_id")
@click.option("--round", "number", type=int, help="As of this round (default: the latest).")
@OUTPUT
@LANGUAGE
def report_site(
    operation_code: str, site_id: str, number: int | None, output: Path | None, language: str
) -> None:
    """The profile of site SITE_ID: population, sex and age, needs, vulnerable persons,
    diseases, movements, site management, sector indicators, map and provenance."""
    from opendtm.accounts.services import user_for_cli
    from opendtm.operations.queries import operation_get
    from opendtm.reports.documents import site_profile_pdf
    from opendtm.reports.rendering import renderer_check

    target = _output_check(output)
    renderer_check()
    user = user_for_cli()
    operation = operation_get(user=user, code=operation_code)
    from django.utils import translation

    with translation.override(language):
        document = site_profile_pdf(
            user=user, operation=operation, site_id=site_id, round_number=number
        )
    _save(document, target)


@report_group.command("round")
@click.argument("operation_code", metavar="OPERATION")
@click.argument("number", type=int)
@OUTPUT
@LANGUAGE
def report_round(operation_code: str, number: int, output: Path | None, language: str) -> None:
    """The report of round NUMBER: headline figures, map, breakdown, sites, origins, sector
    indicators, suppression note and provenance."""
    from opendtm.accounts.services import user_for_cli
    from opendtm.operations.queries import operation_get
    from opendtm.reports.documents import round_report_pdf
    from opendtm.reports.rendering import renderer_check

    target = _output_check(output)
    renderer_check()
    user = user_for_cli()
    operation = operation_get(user=user, code=operation_code)
    from django.utils import translation

    with translation.override(language):
        document = round_report_pdf(user=user, operation=operation, round_number=number)
    _save(document, target)


COMMANDS = [report_group]
