"""`opendtm events list|confirm --operation OP`: the operation's events (event tracking), and
the confirmation of an event's locations by a later baseline. Thin: parse, call, print."""

from __future__ import annotations

import sys

import click

from opendtm.cli.options import date_parse


@click.group("events")
def events() -> None:
    """Event tracking: new displacement reported between rounds (not verified, never summed
    into a round's figures)."""


@events.command("list")
@click.option("--operation", "operation_code", required=True, help="Operation code.")
@click.option("--since", "since", help="Only events dated on or after YYYY-MM-DD.")
@click.option(
    "--alert",
    is_flag=True,
    help="Only the events since the last published round (the alert), with its headline.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json", "hxl"]), default="table"
)
def events_list_cmd(operation_code: str, since: str | None, alert: bool, fmt: str) -> None:
    """The operation's events, newest first."""
    from opendtm.accounts.services import user_for_cli
    from opendtm.events.exports import export_write
    from opendtm.events.queries import events_alert, events_of
    from opendtm.operations.queries import operation_get

    user = user_for_cli()
    operation = operation_get(user=user, code=operation_code)
    day = date_parse(since, option="--since") if since is not None else None
    headline = events_alert(user=user, operation=operation)
    if alert and headline.since is not None:
        day = headline.since if day is None else max(day, headline.since)
    rows = events_of(user=user, operation=operation, since=day)
    head = {
        "operation": operation.code,
        "since": day.isoformat() if day else None,
        "last_published_round": headline.round_number,
    }
    export_write(rows, fmt, sys.stdout, head=head)
    if fmt == "table" and alert:
        click.echo(headline.headline())


@events.command("confirm")
@click.argument("event_id")
@click.option("--operation", "operation_code", required=True, help="Operation code.")
@click.option("--round", "number", required=True, type=int, help="The later round's number.")
@click.option("--note", default="", help="Why (kept with the confirmation).")
def events_confirm_cmd(event_id: str, operation_code: str, number: int, note: str) -> None:
    """Confirm event EVENT_ID's locations with the baseline of a later round (links them)."""
    from opendtm.accounts.services import user_for_cli
    from opendtm.events.queries import event_get
    from opendtm.events.services import event_confirm
    from opendtm.operations.queries import operation_get, round_get

    user = user_for_cli()
    operation = operation_get(user=user, code=operation_code)
    event = event_get(user=user, operation=operation, submission_id=event_id)
    round_ = round_get(operation=operation, number=number, user=user)
    links = event_confirm(event=event, round=round_, actor=user, note=note)
    places = ", ".join(link.location.pcode for link in links)
    click.echo(f"event {event.submission_id} confirmed by round {number} at: {places}")


COMMANDS: list[click.Command] = [events]
