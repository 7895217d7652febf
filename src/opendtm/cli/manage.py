"""`opendtm manage ...`: Django's management commands (migrate, createsuperuser, shell...)."""

from __future__ import annotations

import click


@click.command(
    "manage",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Run a Django management command (for operators)."""
    from django.core.management import execute_from_command_line

    execute_from_command_line(["opendtm manage", *args])


COMMANDS = [manage]
