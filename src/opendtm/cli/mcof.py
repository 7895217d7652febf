"""`opendtm mcof sectors|groups`: the MCOF reference data, as a table or JSON. Thin."""

from __future__ import annotations

import json

import click

from opendtm.cli.tables import lines_echo, table_lines


@click.group("mcof")
def mcof() -> None:
    """MCOF reference data: sectors of assistance and coordination groups."""


@mcof.command("sectors")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def sectors_cmd(fmt: str) -> None:
    """The 15 MCOF sectors with their IASC coordination groups (* = name not confirmed)."""
    from opendtm.mcof.queries import sector_list

    rows = sector_list()
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    lines = table_lines(
        (
            (
                r["number"],
                r["code"],
                r["name"] + ("" if r["confirmed"] else " *"),
                " ".join(r["groups"]),
            )
            for r in rows
        ),
        header=("no", "code", "name", "groups"),
    )
    lines_echo(lines)


@mcof.command("groups")
def groups_cmd() -> None:
    """The coordination groups with their HXL sector codes and MCOF sector numbers."""
    from opendtm.mcof.queries import group_list

    lines = table_lines(
        (
            (g["code"], g["hxl"], g["parent"], " ".join(map(str, g["sectors"])), g["name"])
            for g in group_list()
        ),
        header=("code", "hxl", "parent", "sectors", "name"),
    )
    lines_echo(lines)


COMMANDS = [mcof]
