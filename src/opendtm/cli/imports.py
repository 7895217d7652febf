"""`opendtm import baseline|site|ett|fmr FILE` and `opendtm cleaning-log`: thin wrappers around
the import service and the cleaning log query. Bad input becomes one `error:` line (CLI group).
Event tracking (`ett`) and the flow monitoring registry (`fmr`) are dated, not tied to a round:
they take no --round."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from opendtm.cli.tables import table_lines
from opendtm.core.errors import InvalidInput
from opendtm.forms.definitions import (
    BASELINE_FORM_ID,
    EVENT_FORM_ID,
    FLOW_REGISTRY_FORM_ID,
    SITE_FORM_ID,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from opendtm.operations.models import Operation, Round

FORMS = {"baseline": BASELINE_FORM_ID, "site": SITE_FORM_ID, "ett": EVENT_FORM_ID}
DATED = frozenset({"ett"})
# Flow monitoring records: dated, imported into the operation by the flows' own commit.
DATED_FORMS = {"fmr": FLOW_REGISTRY_FORM_ID}


def _target(operation_code: str, number: int) -> tuple[User, Operation, Round]:
    from opendtm.accounts.services import user_for_cli
    from opendtm.operations.queries import operation_get, round_get

    user = user_for_cli()
    operation = operation_get(user=user, code=operation_code)
    return user, operation, round_get(operation=operation, number=number, user=user)


def _repeats(values: tuple[str, ...]) -> dict[str, Path] | None:
    repeats: dict[str, Path] = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not name.strip() or not path.strip():
            raise InvalidInput(
                f"--repeat {value!r} is not NAME=FILE.", hint="For example --repeat origins=o.csv."
            )
        repeats[name.strip()] = Path(path.strip())
    return repeats or None


@click.command("import")
@click.argument("kind", type=click.Choice(sorted({**FORMS, **DATED_FORMS})))
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--operation", "operation_code", required=True, help="Operation code.")
@click.option(
    "--round", "number", type=int, help="Round number (baseline and site; ett and fmr are dated)."
)
@click.option("--repeat", "repeat", multiple=True, help="A repeat group's own CSV: NAME=FILE.")
@click.option("--dry-run", is_flag=True, help="Validate and write the report; store nothing.")
@click.option("--report", "report", type=click.Path(path_type=Path), help="Report .csv or .xlsx.")
@click.option("--reason", default="", help="Why (recorded with every corrected value).")
@click.option(
    "--clear-repeats",
    is_flag=True,
    help="Remove the stored origins of submissions the file brings none for (needs --reason).",
)
def import_command(
    kind: str,
    file: Path,
    operation_code: str,
    number: int | None,
    repeat: tuple[str, ...],
    dry_run: bool,
    report: Path | None,
    reason: str,
    clear_repeats: bool,
) -> None:
    """Import a KoboToolbox/ODK export (XLSX or CSV) of the baseline or site form into a round,
    or of the event tracking form (ett) or the flow monitoring registry (fmr) into the
    operation (both are dated)."""
    from opendtm.accounts.services import user_for_cli
    from opendtm.ingest.services import import_commit
    from opendtm.operations.queries import operation_get

    if kind in DATED_FORMS:
        _dated_import(kind, file, operation_code, number, dry_run, report, reason)
        return
    round_: Round | None = None
    if kind in DATED:
        if number is not None:
            raise InvalidInput(
                "Events are dated, not tied to a round: leave out --round.",
                hint=f"opendtm import ett {file} --operation {operation_code}",
            )
        user = user_for_cli()
        operation = operation_get(user=user, code=operation_code)
    elif number is None:
        raise InvalidInput(f"Say which round the {kind} export goes into.", hint="--round N")
    else:
        user, operation, round_ = _target(operation_code, number)
    result = import_commit(
        operation=operation,
        round=round_,
        form_id=FORMS[kind],
        path=file,
        repeat_files=_repeats(repeat),
        dry_run=dry_run,
        reason=reason,
        clear_repeats=clear_repeats,
        actor=user,
        report_path=report,
    )
    # A dry run also lists what a correction would change; the import itself logs it.
    for line in [*result.summary_lines(), *(result.change_lines() if dry_run else [])]:
        click.echo(line)


def _dated_import(
    kind: str,
    file: Path,
    operation_code: str,
    number: int | None,
    dry_run: bool,
    report: Path | None,
    reason: str,
) -> None:
    from opendtm.accounts.services import user_for_cli
    from opendtm.ingest.flows import flows_import_commit
    from opendtm.operations.queries import operation_get

    if number is not None:
        raise InvalidInput(
            f"import {kind} takes no --round: flow records are dated, not tied to a round."
        )
    user = user_for_cli()
    result = flows_import_commit(
        operation=operation_get(user=user, code=operation_code),
        form_id=DATED_FORMS[kind],
        path=file,
        dry_run=dry_run,
        reason=reason,
        actor=user,
        report_path=report,
    )
    for line in [*result.summary_lines(), *(result.change_lines() if dry_run else [])]:
        click.echo(line)


@click.command("cleaning-log")
@click.option("--operation", "operation_code", required=True, help="Operation code.")
@click.option("--round", "number", required=True, type=int, help="Round number.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table")
@click.option("--output", type=click.Path(path_type=Path), help="Write to this file.")
def cleaning_log_command(operation_code: str, number: int, fmt: str, output: Path | None) -> None:
    """Every value a corrected import changed in the round: old, new, who, when and why."""
    from opendtm.accounts.choices import Action
    from opendtm.accounts.roles import authorize
    from opendtm.ingest.cleaning_log import (
        CLEANING_LOG_COLUMNS,
        cleaning_log_as_csv,
        cleaning_log_rows,
    )
    from opendtm.ingest.queries import cleaning_log

    user, operation, round_ = _target(operation_code, number)
    authorize(user, Action.VIEW_RAW, operation)
    rows = list(cleaning_log_rows(cleaning_log(user=user, round_=round_)))
    if fmt == "csv":
        text = cleaning_log_as_csv(rows)
    elif rows:
        text = "\n".join(table_lines(rows, header=CLEANING_LOG_COLUMNS)) + "\n"
    else:
        text = "The cleaning log of this round is empty.\n"
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"Cannot write {output}: {exc.strerror}.") from None
    click.echo(f"{len(rows)} change(s) written to {output}")


COMMANDS: list[click.Command] = [import_command, cleaning_log_command]
