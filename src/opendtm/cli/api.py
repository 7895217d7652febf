"""`opendtm api schema` (the OpenAPI document) and `opendtm user token` (API tokens).

Thin: the schema comes from the NinjaAPI object, the token from `api.services.token_create`.
`token` joins the existing `user` group, so it reads `opendtm user token USERNAME`.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from opendtm.cli.tables import table_lines
from opendtm.cli.users import user as user_group
from opendtm.core.errors import InvalidInput


def openapi_text() -> str:
    """The OpenAPI document of /api/, as committed in docs/openapi.json."""
    from opendtm.api.v1 import api

    schema = api.get_openapi_schema(path_prefix="/api")
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


@click.group("api")
def api_group() -> None:
    """The public REST API (/api/v1/) and its OpenAPI document."""


@api_group.command("schema")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: stdout).",
)
def api_schema_cmd(output: Path | None) -> None:
    """Print (or write) the OpenAPI 3 document of the API."""
    text = openapi_text()
    if output is None:
        click.echo(text, nl=False)
        return
    output = output.expanduser()
    if not output.parent.is_dir():
        raise InvalidInput(
            f"Cannot write {output}: folder {output.parent} does not exist.",
            hint="Create the folder first or choose another path.",
        )
    partial = output.with_name(output.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(output)
    click.echo(f"wrote {output}", err=True)


@user_group.command("token")
@click.argument("username", required=False)
@click.option("--name", default="", help="What the token is for, e.g. 'weekly report script'.")
@click.option("--list", "listing", is_flag=True, help="List tokens (of USERNAME if given).")
@click.option(
    "--revoke", "revoke_id", type=int, default=None, help="Revoke the token with this id."
)
@click.option("--reason", default="", help="Why a token is revoked, for the audit trail.")
def user_token_cmd(
    username: str | None, name: str, listing: bool, revoke_id: int | None, reason: str
) -> None:
    """Issue an API token for USERNAME and print it once (it is stored hashed); or --list the
    tokens, or --revoke one by its id (refused from the next request on)."""
    from opendtm.accounts.services import user_for_cli

    actor = user_for_cli()
    if listing + (revoke_id is not None) + (username is not None and not listing) != 1:
        raise InvalidInput(
            "Give USERNAME to issue a token, or --list [USERNAME], or --revoke ID.",
            hint="e.g. `opendtm user token ana --name 'weekly script'`.",
        )
    if listing:
        from opendtm.api.queries import tokens_visible_to

        rows = [
            (
                str(t.pk),
                f"{t.prefix}…" if t.prefix else "-",
                t.user.username,
                t.name or "-",
                f"created {t.created:%Y-%m-%d %H:%M}",
                f"last used {t.last_used:%Y-%m-%d %H:%M}" if t.last_used else "never used",
            )
            for t in tokens_visible_to(actor, username=username)
        ]
        for line in table_lines(rows) if rows else ["no API tokens"]:
            click.echo(line)
        return
    if revoke_id is not None:
        from opendtm.api.services import token_revoke

        revoked = token_revoke(token_id=revoke_id, actor=actor, reason=reason)
        click.echo(f"revoked token {revoke_id} ({revoked.name or 'no name'}) of {revoked.user}")
        return
    from opendtm.api.services import token_create

    assert username is not None
    issued = token_create(username=username, name=name, actor=actor)
    click.echo(issued.secret)
    click.echo(
        f"token {issued.token.name or issued.token.pk} for {username}: copy it now, it is not "
        "shown again. Send it as 'Authorization: Bearer <token>' (or, for DTM API v3 clients, "
        "'Ocp-Apim-Subscription-Key: <token>').",
        err=True,
    )


COMMANDS: list[click.Command] = [api_group]
