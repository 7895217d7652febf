"""`opendtm fmp add|list|show|status`: the flow monitoring point registry of an operation.

Thin: parse the options (dates as YYYY-MM-DD, hours as HH:MM), call `opendtm.flows`, print.
Bad input becomes one `error:` line through the CLI group.
"""

from __future__ import annotations

import re
import sys
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from opendtm.cli.options import date_parse, float_parse
from opendtm.cli.tables import table_lines
from opendtm.core.errors import InvalidInput

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from opendtm.operations.models import Operation

TIME_RE = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
CSV_COLUMNS = (
    "code",
    "name",
    "fmp_type",
    "status",
    "admin_pcode",
    "admin_name",
    "neighbour_iso3",
    "latitude",
    "longitude",
    "observation_days",
    "observed_from",
    "observed_to",
)


def _time_parse(value: str, *, option: str) -> time:
    match = TIME_RE.fullmatch((value or "").strip())
    if match is None:
        raise InvalidInput(
            f"{option} {value!r} is not a time in the form HH:MM.", hint="For example 06:00."
        )
    return time(int(match[1]), int(match[2]))


def _names(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def _target(operation_code: str) -> tuple[User, Operation]:
    from opendtm.accounts.services import user_for_cli
    from opendtm.operations.queries import operation_get

    user = user_for_cli()
    return user, operation_get(user=user, code=operation_code)


@click.group("fmp")
def fmp() -> None:
    """The flow monitoring points of an operation: border crossings, stations, ports."""


@fmp.command("add")
@click.option("--operation", "operation_code", required=True, help="Operation code.")
@click.argument("code")
@click.option("--name", required=True, help="Point name.")
@click.option("--type", "fmp_type", required=True, help="Point type, e.g. bus_station.")
@click.option("--admin", "admin_pcode", required=True, help="P-code of its admin unit.")
@click.option("--active-from", "active_from", required=True, help="First day, YYYY-MM-DD.")
@click.option("--hours", default="06:00-18:00", help="Daily observation window HH:MM-HH:MM.")
@click.option("--days", default="mon-sun", help="Observation days, e.g. mon-fri or mon,wed.")
@click.option("--neighbour", default="", help="Country across the border (ISO3), border points.")
@click.option("--lat", default=None, help="Latitude, decimal degrees.")
@click.option("--lon", default=None, help="Longitude, decimal degrees.")
@click.option("--exclusions", default="", help="What is not counted, e.g. market visits.")
@click.option("--services", default="", help="Services present, separated by ';'.")
@click.option("--organisations", default="", help="Organisations present, separated by ';'.")
def fmp_add_cmd(
    operation_code: str,
    code: str,
    name: str,
    fmp_type: str,
    admin_pcode: str,
    active_from: str,
    hours: str,
    days: str,
    neighbour: str,
    lat: str | None,
    lon: str | None,
    exclusions: str,
    services: str,
    organisations: str,
) -> None:
    """Register flow monitoring point CODE in an operation."""
    from opendtm.flows.services import fmp_add
    from opendtm.operations.queries import admin_unit_for_code

    user, op = _target(operation_code)
    start, sep, end = hours.partition("-")
    if not sep:
        raise InvalidInput(f"--hours {hours!r} is not HH:MM-HH:MM.", hint="E.g. 06:00-18:00.")
    point = fmp_add(
        operation=op,
        code=code,
        name=name,
        fmp_type=fmp_type,
        admin_unit=admin_unit_for_code(country_iso3=op.country_iso3, code=admin_pcode),
        observed_from=_time_parse(start, option="--hours"),
        observed_to=_time_parse(end, option="--hours"),
        observation_days=days,
        active_from=date_parse(active_from, option="--active-from"),
        neighbour_iso3=neighbour,
        latitude=float_parse(lat, option="--lat"),
        longitude=float_parse(lon, option="--lon"),
        exclusions=exclusions,
        services=_names(services),
        organisations=_names(organisations),
        actor=user,
    )
    click.echo(
        f"registered point {point.code} ({point.name}, {point.fmp_type}) in "
        f"{point.admin_unit.pcode} of {op.code}"
    )


def _days_shown(days: str) -> str:
    from opendtm.flows.choices import WEEKDAYS

    names = {number: name for name, number in WEEKDAYS.items()}
    return ",".join(names[int(d)] for d in days)


@fmp.command("list")
@click.option("--operation", "operation_code", required=True, help="Operation code.")
@click.option("--status", default=None, help="active, inactive, resumed or closed.")
@click.option("--type", "fmp_type", default=None, help="Point type, e.g. port.")
@click.option("--format", "fmt", default="table", help="table (default) or csv.")
def fmp_list_cmd(operation_code: str, status: str | None, fmp_type: str | None, fmt: str) -> None:
    """One point per line: code, status, type, admin P-code, name (or CSV)."""
    from opendtm.core.spreadsheets import CsvWriter
    from opendtm.flows.registry import fmp_list

    if fmt not in ("table", "csv"):
        raise InvalidInput(f"--format {fmt!r} is not a format.", hint="Use table or csv.")
    user, op = _target(operation_code)
    found = fmp_list(user=user, operation=op, status=status, fmp_type=fmp_type)
    if fmt == "csv":
        writer = CsvWriter(sys.stdout)
        writer.writerow(CSV_COLUMNS)
        for p in found:
            writer.writerow(
                (
                    p.code,
                    p.name,
                    p.fmp_type,
                    p.status,
                    p.admin_unit.pcode,
                    p.admin_unit.name,
                    p.neighbour_iso3,
                    "" if p.latitude is None else p.latitude,
                    "" if p.longitude is None else p.longitude,
                    p.observation_days,
                    f"{p.observed_from:%H:%M}",
                    f"{p.observed_to:%H:%M}",
                )
            )
        return
    lines = table_lines((p.code, p.status, p.fmp_type, p.admin_unit.pcode, p.name) for p in found)
    if not lines:
        click.echo("no point matches.", err=True)
    for line in lines:
        click.echo(line)


@fmp.command("show")
@click.option("--operation", "operation_code", required=True, help="Operation code.")
@click.argument("code")
def fmp_show_cmd(operation_code: str, code: str) -> None:
    """Every field of one point, its profile and its status history."""
    from opendtm.flows.choices import FmpType
    from opendtm.flows.registry import fmp_get, fmp_history

    user, op = _target(operation_code)
    p = fmp_get(user=user, operation=op, code=code)
    unit = p.admin_unit
    fields = [
        ("point", p.code),
        ("operation", op.code),
        ("name", p.name),
        ("type", f"{p.fmp_type} ({FmpType(p.fmp_type).label})"),
        ("status", p.status),
        ("admin", f"{unit.pcode} {unit.name} (level {unit.level})"),
        ("location", "-" if p.latitude is None else f"{p.latitude}, {p.longitude}"),
        ("neighbour", p.neighbour_iso3 or "-"),
        (
            "observed",
            f"{_days_shown(p.observation_days)} {p.observed_from:%H:%M}-{p.observed_to:%H:%M} "
            f"({p.daily_hours:g} h a day)",
        ),
        ("exclusions", p.exclusions or "-"),
        ("services", "; ".join(p.services) or "-"),
        ("organisations", "; ".join(p.organisations) or "-"),
    ]
    history = table_lines(
        (c.on, f"{c.from_status or '-'} -> {c.to_status}", f"by {c.by.username}", c.reason)
        for c in fmp_history(user=user, point=p)
    )
    width = max(len(k) for k, _ in [*fields, ("history", "")])
    for key, value in fields:
        click.echo(f"{key:<{width}}  {value}")
    click.echo(f"{'history':<{width}}  {len(history)} change{'' if len(history) == 1 else 's'}")
    for line in history:
        click.echo(f"  {line}")


@fmp.command("status")
@click.option("--operation", "operation_code", required=True, help="Operation code.")
@click.argument("code")
@click.option("--to", "to_status", required=True, help="inactive, resumed or closed.")
@click.option("--on", "on", required=True, help="Date of the change, YYYY-MM-DD.")
@click.option("--reason", default="", help="Why (needed to suspend, close or reopen).")
def fmp_status_cmd(operation_code: str, code: str, to_status: str, on: str, reason: str) -> None:
    """Move a point's activity status: active -> inactive -> resumed ... -> closed."""
    from opendtm.flows.registry import fmp_get
    from opendtm.flows.services import fmp_status_set

    user, op = _target(operation_code)
    point = fmp_get(user=user, operation=op, code=code)
    when = date_parse(on, option="--on")
    before = point.status
    fmp_status_set(point=point, to_status=to_status, on=when, reason=reason, actor=user)
    click.echo(f"point {point.code} of {op.code}: {before} -> {point.status} on {when}")


COMMANDS: list[click.Command] = [fmp]


def flow_figures_echo(
    *,
    operation_code: str,
    by: str,
    fmt: str,
    period: str,
    date_from: str | None,
    date_to: str | None,
    fmp_code: str | None,
    net: bool,
    destination: str,
    top: int | None,
    output: Path | None,
) -> None:
    """`opendtm figures --by flow|corridor`: flow figures with their coverage statement."""
    from opendtm.accounts.choices import Action
    from opendtm.accounts.roles import authorize
    from opendtm.flows.exports import flow_figures_write
    from opendtm.flows.queries import FlowFilter, flow_corridors, flow_movements, flow_net

    user, op = _target(operation_code)
    if fmt != "table":
        authorize(user, Action.EXPORT, op)
    where = FlowFilter(
        operation=op,
        date_from=None if date_from is None else date_parse(date_from, option="--from"),
        date_to=None if date_to is None else date_parse(date_to, option="--to"),
        fmp_code=fmp_code,
    )
    if by == "corridor":
        figures = flow_corridors(user=user, where=where, destination=destination, top=top)
    elif net:
        figures = flow_net(user=user, where=where, period=period)
    else:
        figures = flow_movements(user=user, where=where, period=period)
    if output is None:
        flow_figures_write(figures, fmt, sys.stdout)
        return
    partial = output.with_name(f".{output.name}.part")
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            written = flow_figures_write(figures, fmt, handle)
        partial.replace(output)
    except OSError as exc:
        raise InvalidInput(f"Cannot write {output}: {exc.strerror}.") from None
    finally:
        partial.unlink(missing_ok=True)
    click.echo(f"Wrote {written:,} rows to {output} ({fmt}).")
