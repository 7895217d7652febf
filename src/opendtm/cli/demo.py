"""`opendtm demo`: the typhoon scenario, end to end, on the embedded database."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click


@click.command("demo")
@click.option("--seed", default=7, show_default=True, type=int, help="Same seed, same numbers.")
@click.option(
    "--output",
    "output",
    type=click.Path(path_type=Path),
    help="Folder for the generated Kobo exports and reports [default: OPENDTM_HOME/demo].",
)
@click.option(
    "--serve",
    is_flag=True,
    help="Then serve the dashboard, as `opendtm serve` does (Ctrl-C stops).",
)
@click.option("--port", default=8000, show_default=True, type=int, help="Port to serve on.")
def demo(seed: int, output: Path | None, serve: bool, port: int) -> None:
    """Build a typhoon scenario on the real Philippine gazetteer and import it like a user would.

    Writes three rounds of Kobo-style XLSX exports (baseline and site assessments, with the
    mistakes field data carries), imports them through the import service, publishes each round
    and prints what was accepted and rejected, the figures, and how to open the dashboard.
    """
    from django.conf import settings

    from opendtm.accounts.services import user_for_cli
    from opendtm.cli.figures import figures_command, headline_lines
    from opendtm.cli.serve import serve_command
    from opendtm.core.errors import InvalidInput
    from opendtm.demo.services import (
        DASHBOARD_HOST,
        OPERATION_CODE,
        demo_next_steps,
        demo_run,
    )
    from opendtm.figures.queries import figures_headline

    if serve and not 0 < port < 65536:  # refused before the demo runs, not after
        raise InvalidInput(f"Port {port} is not between 1 and 65535.")
    directory = output or Path(settings.HOME) / "demo"
    user = user_for_cli()
    result = demo_run(seed=seed, directory=directory, actor=user, say=click.echo)
    click.echo("")
    click.echo(f"Operation {result.operation.code}: {result.operation.name}")
    header = (
        f"{'round':>5}  {'form':<13} {'read':>6} {'accepted':>8} {'rejected':>8} {'flagged':>7}"
    )
    click.echo(header)
    for done in result.rounds:
        for form_id, res in done.imports:
            click.echo(
                f"{done.number:>5}  {form_id:<13} {res.rows_read:>6,} {res.rows_accepted:>8,} "
                f"{res.rows_rejected:>8,} {res.rows_flagged:>7,}"
            )
    click.echo(f"Exports and validation reports: {directory}")
    for done in result.rounds:
        click.echo("")
        click.echo(f"Round {done.number}:")
        headline = figures_headline(user=user, operation=result.operation, round_number=done.number)
        for line in headline_lines(headline):
            click.echo(f"  {line}")
    if result.events is not None:
        from opendtm.events.queries import events_alert

        alert = events_alert(user=user, operation=result.operation)
        click.echo("")
        click.echo(f"Events (opendtm events list --operation {OPERATION_CODE} --alert):")
        click.echo(f"  {alert.headline()}")
    click.echo("")
    click.echo(f"Last round by province (opendtm figures --operation {OPERATION_CODE} --level 2):")
    click.echo("")
    context = click.get_current_context()
    context.invoke(figures_command, operation_code=OPERATION_CODE, level=2, by="admin", fmt="table")
    click.echo("")
    for line in demo_next_steps(
        program=_program(),
        home=os.environ.get("OPENDTM_HOME") or None,
        port=port,
        username=user.username,
    ):
        click.echo(line)
    if serve:
        click.echo("")
        context.invoke(serve_command, host=DASHBOARD_HOST, port=port)


def _program() -> str:
    """The command as the user typed it (`.venv/bin/opendtm` after `make demo`), so the lines
    the demo ends with can be pasted as they are; `opendtm` when run some other way."""
    typed = sys.argv[0] if sys.argv else ""
    return typed if Path(typed).name == "opendtm" else "opendtm"


COMMANDS = [demo]
