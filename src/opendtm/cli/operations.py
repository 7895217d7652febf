"""`opendtm operation|round|sites ...`: operations, their rounds and their site registry.

Thin: parse the options (dates strictly as YYYY-MM-DD), call the services and queries of
`opendtm.operations`, print. Bad input becomes one `error:` line through the CLI group.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from opendtm.cli.options import date_parse, float_parse, int_parse
from opendtm.cli.tables import table_lines
from opendtm.core.errors import InvalidInput
from opendtm.operations.choices import RoundStatus
from opendtm.operations.workflow import ROUND_TRANSITIONS

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from opendtm.operations.models import Round

# --- parsing and printing ------------------------------------------------------------------


def _when(value: datetime | None) -> str:
    """A moment as an ISO UTC timestamp (no spaces, so list columns stay split on blanks)."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else "-"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _status_of(site: Any) -> str:
    """A site's status and where it comes from (`operations.queries.SiteState`)."""
    if site.status_round is None:
        return f"{site.current_status} (recorded in the registry)"
    return f"{site.current_status} (round {site.status_round}, reported {site.status_on})"


def _cli_user() -> User:
    from opendtm.accounts.services import user_for_cli

    return user_for_cli()


# --- opendtm operation ---------------------------------------------------------------------


@click.group("operation")
def operation() -> None:
    """Operations: one crisis response in one country."""


@operation.command("create")
@click.argument("code")
@click.option("--country", "country", required=True, help="ISO 3166 alpha-3 code, e.g. PHL.")
@click.option("--name", required=True, help="Name shown to people.")
@click.option("--crisis", required=True, help="typhoon, flood, earthquake, conflict, ...")
@click.option("--start", required=True, help="Start date, YYYY-MM-DD.")
@click.option("--phase", required=True, help="MCOF phase: before, during or after.")
@click.option("--location-level", required=True, help="Admin level of locations (1-4).")
@click.option("--public", is_flag=True, help="Published figures are visible without login.")
def operation_create_cmd(
    code: str,
    country: str,
    name: str,
    crisis: str,
    start: str,
    phase: str,
    location_level: str,
    public: bool,
) -> None:
    """Create operation CODE."""
    from opendtm.operations.services import operation_create

    op = operation_create(
        code=code,
        name=name,
        country_iso3=country,
        crisis_type=crisis,
        start_date=date_parse(start, option="--start"),
        mcof_phase=phase,
        location_level=int_parse(location_level, option="--location-level"),
        is_public=public,
        actor=_cli_user(),
    )
    gazetteer = (
        f"gazetteer {op.gazetteer_version}"
        if op.gazetteer_version
        else f"no gazetteer of {op.country_iso3} loaded yet"
    )
    click.echo(
        f"created operation {op.code} ({op.country_iso3}, {op.crisis_type}, "
        f"{op.mcof_phase}, {'public' if op.is_public else 'private'}; {gazetteer})"
    )


@operation.command("update")
@click.argument("code")
@click.option("--name", default=None, help="New name.")
@click.option("--phase", default=None, help="New MCOF phase: before, during or after.")
@click.option("--public/--private", "public", default=None, help="Change the visibility.")
@click.option("--end", default=None, help="End date, YYYY-MM-DD.")
@click.option(
    "--needs-rules", default=None, metavar="VERSION", help="Needs rule set version to score with."
)
def operation_update_cmd(
    code: str,
    name: str | None,
    phase: str | None,
    public: bool | None,
    end: str | None,
    needs_rules: str | None,
) -> None:
    """Change the name, phase, visibility, end date or needs rule set of operation CODE."""
    from opendtm.operations.queries import operation_get
    from opendtm.operations.services import UNSET, operation_update

    user = _cli_user()
    op = operation_get(user=user, code=code)
    before = op.updated_at
    operation_update(
        operation=op,
        actor=user,
        name=UNSET if name is None else name,
        mcof_phase=UNSET if phase is None else phase,
        is_public=UNSET if public is None else public,
        end_date=UNSET if end is None else date_parse(end, option="--end"),
        needs_rules=UNSET if needs_rules is None else needs_rules,
    )
    click.echo(f"updated operation {op.code}" if op.updated_at != before else "nothing changed")


@operation.command("list")
def operation_list_cmd() -> None:
    """One operation per line: code, country, phase, rounds, public/private, name."""
    from opendtm.operations.queries import operation_list

    rows = [
        (
            op.code,
            op.country_iso3,
            op.mcof_phase,
            _plural(op.round_count, "round"),
            "public" if op.is_public else "private",
            op.name,
        )
        for op in operation_list(user=_cli_user())
    ]
    if not rows:
        click.echo("no operations: create one with `opendtm operation create`.", err=True)
    for line in table_lines(rows):
        click.echo(line)


@operation.command("show")
@click.argument("code")
def operation_show_cmd(code: str) -> None:
    """Every field of operation CODE, its rounds and its sites by status."""
    from opendtm.accounts.choices import Action
    from opendtm.accounts.queries import grants_of
    from opendtm.accounts.roles import can
    from opendtm.gazetteer.countries import country_get
    from opendtm.operations.choices import CrisisType, McofPhase
    from opendtm.operations.queries import operation_get, rounds_of, site_counts_by_status

    user = _cli_user()
    op = operation_get(user=user, code=code)
    counts = site_counts_by_status(user=user, operation=op)
    rounds = list(rounds_of(operation=op, user=user))
    fields = [
        ("operation", op.code),
        ("name", op.name),
        ("country", f"{op.country_iso3} ({country_get(op.country_iso3).name})"),
        ("crisis", f"{op.crisis_type} ({CrisisType(op.crisis_type).label})"),
        ("phase", f"{op.mcof_phase} ({McofPhase(op.mcof_phase).label})"),
        ("start", op.start_date.isoformat()),
        ("end", op.end_date.isoformat() if op.end_date else "-"),
        ("location level", str(op.location_level)),
        ("public", "yes" if op.is_public else "no"),
        ("gazetteer", str(op.gazetteer_version) if op.gazetteer_version else "none"),
        ("created", _when(op.created_at)),
    ]
    round_lines = table_lines(
        (r.number, r.status, r.start_date, r.end_date, _when(r.published_at)) for r in rounds
    )
    total = sum(counts.values())
    detail = ", ".join(f"{status} {n}" for status, n in counts.items())
    sections: list[tuple[str, str, list[str]]] = [(k, v, []) for k, v in fields]
    sections += [("rounds", str(len(rounds)), round_lines), ("sites", f"{total} ({detail})", [])]
    if can(user, Action.MANAGE_OPERATION, op):
        grants = table_lines((g.user.username, g.role) for g in grants_of(op))
        sections.append(("grants", str(len(grants)), grants))
    _sections_echo(sections)


@operation.command("adopt-gazetteer")
@click.option("--operation", "operation_code", required=True, help="Operation code.")
@click.option("--version", "label", required=True, help="Label of a loaded gazetteer version.")
@click.option("--reason", required=True, help="Why (kept in the audit trail).")
def operation_adopt_gazetteer_cmd(operation_code: str, label: str, reason: str) -> None:
    """Move an operation to a newer gazetteer version: rounds published from now on carry it."""
    from opendtm.gazetteer.queries import version_get
    from opendtm.operations.queries import operation_get
    from opendtm.operations.services import operation_gazetteer_adopt

    user = _cli_user()
    op = operation_get(user=user, code=operation_code)
    before = op.gazetteer_version_id
    version = version_get(country_iso3=op.country_iso3, label=label)
    operation_gazetteer_adopt(operation=op, version=version, actor=user, reason=reason)
    if op.gazetteer_version_id == before:
        click.echo(f"operation {op.code} is already on gazetteer {version}: nothing changed")
    else:
        click.echo(
            f"operation {op.code} now on gazetteer {version}: rounds published from now on carry it"
        )


def _sections_echo(sections: Sequence[tuple[str, str, list[str]]]) -> None:
    """`key  value` lines with the keys padded alike, each followed by its indented rows."""
    width = max(len(key) for key, _, _ in sections)
    for key, value, rows in sections:
        click.echo(f"{key.ljust(width)}  {value}".rstrip())
        for row in rows:
            click.echo(f"  {row}")


# --- opendtm round -------------------------------------------------------------------------


@click.group("round")
def round_group() -> None:
    """Rounds of data collection: open -> validated -> published (read-only)."""


def _round_for(operation_code: str, number: str) -> tuple[User, Round]:
    from opendtm.operations.queries import operation_get, round_get

    user = _cli_user()
    op = operation_get(user=user, code=operation_code)
    return user, round_get(operation=op, number=int_parse(number, option="--number"), user=user)


@round_group.command("open")
@click.option("--operation", "operation_code", required=True, help="Operation code.")
@click.option("--number", default=None, help="Round number (default: the last one + 1).")
@click.option("--start", required=True, help="Start date, YYYY-MM-DD.")
def round_open_cmd(operation_code: str, number: str | None, start: str) -> None:
    """Open the next round of an operation."""
    from opendtm.operations.queries import operation_get
    from opendtm.operations.services import round_open

    user = _cli_user()
    op = operation_get(user=user, code=operation_code)
    round_ = round_open(
        operation=op,
        start_date=date_parse(start, option="--start"),
        number=None if number is None else int_parse(number, option="--number"),
        actor=user,
    )
    click.echo(f"opened round {round_.number} of {op.code}, starting {round_.start_date}")


# What each workflow move means, for its command's help; the moves themselves, their targets
# and whether they need a reason come from operations.workflow.ROUND_TRANSITIONS.
MOVE_HELP = {
    "validate": "the round's data are checked and complete.",
    "publish": "figures become visible to viewers; the round is read-only.",
    "reopen": "the validated round takes changes again.",
}


def _move_command(verb: str, current: str, target: RoundStatus, needs_reason: bool) -> None:
    """Add `opendtm round VERB` for one move of the round workflow."""

    @round_group.command(verb, help=f"{current} -> {target}: {MOVE_HELP[verb]}")
    @click.option("--operation", "operation_code", required=True, help="Operation code.")
    @click.option("--number", required=True, help="Round number.")
    @click.option(
        "--reason",
        required=needs_reason,
        default=None if needs_reason else "",
        help="Why (kept in the round's history).",
    )
    def command(operation_code: str, number: str, reason: str) -> None:
        from opendtm.operations.services import round_transition

        user, round_ = _round_for(operation_code, number)
        before = round_.status
        round_transition(round=round_, to_status=target, actor=user, reason=reason)
        click.echo(f"round {round_.number} of {round_.operation.code}: {before} -> {round_.status}")


for (_current, _target), _move in ROUND_TRANSITIONS.items():
    _move_command(_move.verb, _current, _target, _move.reason_required)


@round_group.command("list")
@click.option("--operation", "operation_code", required=True, help="Operation code.")
def round_list_cmd(operation_code: str) -> None:
    """One round per line: number, status, start, end, published at, transitions."""
    from opendtm.operations.queries import operation_get, rounds_of

    user = _cli_user()
    op = operation_get(user=user, code=operation_code)
    rows = [
        (
            r.number,
            r.status,
            r.start_date,
            r.end_date,
            _when(r.published_at),
            _plural(r.transition_count, "transition"),
        )
        for r in rounds_of(operation=op, user=user)
    ]
    if not rows:
        click.echo(f"operation {op.code} has no round you may see.", err=True)
    for line in table_lines(rows):
        click.echo(line)


# --- opendtm sites -------------------------------------------------------------------------

CSV_COLUMNS = (
    "site_id",
    "name",
    "site_type",
    "status",
    "admin_pcode",
    "admin_name",
    "latitude",
    "longitude",
    "opened_on",
    "closed_on",
)


@click.group("sites")
def sites() -> None:
    """The site registry of an operation: sites that persist across rounds."""


@sites.command("list")
@click.option("--operation", "operation_code", required=True, help="Operation code.")
@click.option("--status", default=None, help="planned, open, closing or closed.")
@click.option("--type", "site_type", default=None, help="Site type, e.g. evacuation_centre.")
@click.option("--admin", "admin_pcode", default=None, help="Sites in this unit or below it.")
@click.option("--format", "fmt", default="table", help="table (default) or csv.")
def sites_list_cmd(
    operation_code: str,
    status: str | None,
    site_type: str | None,
    admin_pcode: str | None,
    fmt: str,
) -> None:
    """One site per line: site ID, status, type, admin P-code, name (or CSV)."""
    from opendtm.core.spreadsheets import CsvWriter
    from opendtm.operations.queries import operation_get, sites_of

    if fmt not in ("table", "csv"):
        raise InvalidInput(f"--format {fmt!r} is not a format.", hint="Use table or csv.")
    user = _cli_user()
    op = operation_get(user=user, code=operation_code)
    found = sites_of(
        user=user, operation=op, status=status, site_type=site_type, admin_pcode=admin_pcode
    )
    if fmt == "csv":
        writer = CsvWriter(sys.stdout)
        writer.writerow(CSV_COLUMNS)
        for s in found:
            writer.writerow(
                (
                    s.site_id,
                    s.name,
                    s.site_type,
                    s.current_status,
                    s.admin_unit.pcode,
                    s.admin_unit.name,
                    "" if s.latitude is None else s.latitude,
                    "" if s.longitude is None else s.longitude,
                    s.opened_on or "",
                    s.current_closed_on or "",
                )
            )
        return
    lines = table_lines(
        (s.site_id, s.current_status, s.site_type, s.admin_unit.pcode, s.name) for s in found
    )
    if not lines:
        click.echo("no site matches.", err=True)
    for line in lines:
        click.echo(line)


@sites.command("show")
@click.option("--operation", "operation_code", required=True, help="Operation code.")
@click.argument("site_id")
def sites_show_cmd(operation_code: str, site_id: str) -> None:
    """Every field of one site and its status history."""
    from opendtm.operations.choices import SiteType
    from opendtm.operations.queries import operation_get, site_get, site_history

    user = _cli_user()
    op = operation_get(user=user, code=operation_code)
    site = site_get(user=user, operation=op, site_id=site_id)
    unit = site.admin_unit
    where = "-" if site.latitude is None else f"{site.latitude}, {site.longitude}"
    fields = [
        ("site", site.site_id),
        ("operation", op.code),
        ("name", site.name),
        ("type", f"{site.site_type} ({SiteType(site.site_type).label})"),
        ("status", _status_of(site)),
        ("admin", f"{unit.pcode} {unit.name} (level {unit.level})"),
        ("location", where),
        ("opened", site.opened_on),
        ("closed", site.current_closed_on),
        ("closure", site.closure_reason or "-"),
    ]
    history = table_lines(
        (c.on, f"{c.from_status or '-'} -> {c.to_status}", f"by {c.by.username}", c.reason)
        for c in site_history(user=user, site=site)
    )
    _sections_echo(
        [(k, "-" if v is None else str(v), []) for k, v in fields]
        + [("history", _plural(len(history), "change"), history)]
    )


@sites.command("add")
@click.option("--operation", "operation_code", required=True, help="Operation code.")
@click.argument("site_id")
@click.option("--name", required=True, help="Site name.")
@click.option("--type", "site_type", required=True, help="Site type, e.g. evacuation_centre.")
@click.option("--admin", "admin_pcode", required=True, help="P-code of its admin unit.")
@click.option("--lat", default=None, help="Latitude, decimal degrees.")
@click.option("--lon", default=None, help="Longitude, decimal degrees.")
@click.option("--opened", default=None, help="Opening date, YYYY-MM-DD.")
def sites_add_cmd(
    operation_code: str,
    site_id: str,
    name: str,
    site_type: str,
    admin_pcode: str,
    lat: str | None,
    lon: str | None,
    opened: str | None,
) -> None:
    """Register site SITE_ID in an operation's registry."""
    from opendtm.operations.queries import admin_unit_for_code, operation_get
    from opendtm.operations.services import site_register

    user = _cli_user()
    op = operation_get(user=user, code=operation_code)
    site = site_register(
        operation=op,
        site_id=site_id,
        name=name,
        site_type=site_type,
        admin_unit=admin_unit_for_code(country_iso3=op.country_iso3, code=admin_pcode),
        latitude=float_parse(lat, option="--lat"),
        longitude=float_parse(lon, option="--lon"),
        opened_on=None if opened is None else date_parse(opened, option="--opened"),
        actor=user,
    )
    click.echo(
        f"registered site {site.site_id} ({site.name}) in {site.admin_unit.pcode} of {op.code}"
    )


@sites.command("status")
@click.option("--operation", "operation_code", required=True, help="Operation code.")
@click.argument("site_id")
@click.option("--to", "to_status", required=True, help="open, closing or closed.")
@click.option("--on", "on", required=True, help="Date of the change, YYYY-MM-DD.")
@click.option("--reason", default="", help="Why (needed to close without closing, reopen).")
def sites_status_cmd(
    operation_code: str, site_id: str, to_status: str, on: str, reason: str
) -> None:
    """Move a site through its life cycle: planned -> open -> closing -> closed."""
    from opendtm.operations.queries import operation_get, site_get
    from opendtm.operations.services import site_status_change

    user = _cli_user()
    op = operation_get(user=user, code=operation_code)
    site = site_get(user=user, operation=op, site_id=site_id)
    when = date_parse(on, option="--on")
    before = site.status
    site_status_change(site=site, to_status=to_status, on=when, reason=reason, actor=user)
    click.echo(f"site {site.site_id} of {op.code}: {before} -> {site.status} on {when}")


COMMANDS: list[click.Command] = [operation, round_group, sites]
