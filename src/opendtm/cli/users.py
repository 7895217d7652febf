"""`opendtm user ...`: login accounts and their roles on operations.

Thin: parse, call `opendtm.accounts` services and queries, print one line per result.
"""

from __future__ import annotations

import sys

import click

from opendtm.cli.tables import table_lines
from opendtm.core.errors import InvalidInput


@click.group("user")
def user() -> None:
    """Login accounts and their roles per operation (viewer, analyst, manager, admin)."""


@user.command("create")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--admin", is_flag=True, help="An instance administrator (all operations).")
def user_create_cmd(username: str, password_stdin: bool, admin: bool) -> None:
    """Create login account USERNAME (without a password it cannot log in to the web yet)."""
    from opendtm.accounts.services import user_create, user_for_cli

    password = _password_from_stdin("create") if password_stdin else None
    created = user_create(
        username=username, password=password, is_admin=admin, actor=user_for_cli()
    )
    kind = "administrator" if admin else "user"
    login = "" if password else " (no password: it cannot log in to the web yet)"
    click.echo(f"created {kind} {created.username}{login}")


def _password_from_stdin(command: str) -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise InvalidInput(
            "No password on standard input.",
            hint=f"Pipe it in, e.g. `printf '%s' \"$PASS\" | opendtm user {command} NAME "
            "--password-stdin`.",
        )
    return password


@user.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_password_cmd(username: str, password_stdin: bool) -> None:
    """Set or reset USERNAME's password (asked twice, not echoed, unless --password-stdin)."""
    from opendtm.accounts.services import user_for_cli, user_password_set

    if password_stdin:
        password = _password_from_stdin("password")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    changed = user_password_set(username=username, password=password, actor=user_for_cli())
    click.echo(f"password of {changed.username} set")


@user.command("grant")
@click.argument("username")
@click.option("--operation", "operation_code", required=True, help="Operation code.")
@click.option("--role", default=None, help="viewer, analyst, manager or admin.")
@click.option("--revoke", is_flag=True, help="Take the user's role on the operation away.")
def user_grant_cmd(username: str, operation_code: str, role: str | None, revoke: bool) -> None:
    """Give USERNAME a role on an operation, change it, or take it away (--revoke)."""
    from opendtm.accounts.services import grant_set, user_for_cli
    from opendtm.operations.queries import operation_get

    if revoke == (role is not None):
        raise InvalidInput(
            "Give either --role or --revoke.",
            hint="--role viewer|analyst|manager|admin sets a role, --revoke takes it away.",
        )
    actor = user_for_cli()
    op = operation_get(user=actor, code=operation_code)
    grant = grant_set(username=username, operation=op, role=role, actor=actor)
    if grant is None:
        click.echo(f"{username} no longer has a role on {op.code}")
    else:
        click.echo(f"{grant.user.username} is {grant.role} on {op.code}")


@user.command("deactivate")
@click.argument("username")
@click.option("--reason", required=True, help="Why, for the audit trail.")
@click.option("--reactivate", is_flag=True, help="Give a deactivated account its access back.")
def user_deactivate_cmd(username: str, reason: str, reactivate: bool) -> None:
    """Deactivate USERNAME: no login, no role, every API token refused (--reactivate undoes)."""
    from opendtm.accounts.services import user_active_set, user_for_cli

    changed = user_active_set(
        username=username, active=reactivate, actor=user_for_cli(), reason=reason
    )
    click.echo(f"{changed.username} is {'active' if changed.is_active else 'deactivated'}")


@user.command("list")
def user_list_cmd() -> None:
    """One account per line: username, administrator or user, active or not, roles."""
    from opendtm.accounts.queries import users_with_grants
    from opendtm.accounts.roles import authorize_superuser
    from opendtm.accounts.services import user_for_cli

    authorize_superuser(user_for_cli(), "list user accounts")
    rows = [
        (
            u.username,
            "admin" if u.is_superuser else "user",
            "active" if u.is_active else "inactive",
            ",".join(f"{g.operation.code}:{g.role}" for g in u.grants.all()),
        )
        for u in users_with_grants()
    ]
    for line in table_lines(rows):
        click.echo(line)


COMMANDS: list[click.Command] = [user]
