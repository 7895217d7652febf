"""Entry point of the `opendtm` console script.

Every command runs inside `run_command`, so a user sees one line saying what is wrong and what
to do, never a traceback (set OPENDTM_DEBUG=1 to see one when reporting a bug).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from opendtm import __version__
from opendtm.core.errors import OpenDTMError, library_panic, panic_text

F = TypeVar("F", bound=Callable[..., Any])


class OpenDTMGroup(click.Group):
    """A click group that turns every failure into one clear line and a non-zero exit."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OpenDTMError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted: nothing was changed by the unfinished step.", err=True)
            sys.exit(130)
        except Exception as exc:
            if os.environ.get("OPENDTM_DEBUG"):
                raise
            click.echo(
                f"internal error: {type(exc).__name__}: {exc}. "
                "Set OPENDTM_DEBUG=1 and run again to see the details, then report it.",
                err=True,
            )
            sys.exit(70)
        except BaseException as exc:  # a Rust library's panic is not an Exception
            if not library_panic(exc) or os.environ.get("OPENDTM_DEBUG"):
                raise
            click.echo(
                f"internal error: a library OpenDTM uses failed ({panic_text(exc)}); nothing was "
                "changed by the unfinished step. Set OPENDTM_DEBUG=1 and run again to see the "
                "details, then report it.",
                err=True,
            )
            sys.exit(70)


@click.group(cls=OpenDTMGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="opendtm")
def cli() -> None:
    """OpenDTM: displacement tracking and crisis-response information system.

    Data live in OPENDTM_HOME (default ./var) unless DATABASE_URL names a PostgreSQL server.
    """
    from opendtm.cli.bootstrap import setup_django

    setup_django()


def _register() -> None:
    from opendtm.cli import (
        api,
        demo,
        events,
        figures,
        flows,
        forms,
        funding,
        gazetteer,
        imports,
        manage,
        mcof,
        needs,
        operations,
        portfolio,
        reports,
        serve,
        users,
        worker,
    )

    modules = (
        gazetteer,
        operations,
        forms,
        imports,
        users,
        manage,
        demo,
        figures,
        reports,
        needs,
        flows,
    )
    for module in (*modules, events, mcof, portfolio, funding, serve, api, worker):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="opendtm")


if __name__ == "__main__":
    main()
