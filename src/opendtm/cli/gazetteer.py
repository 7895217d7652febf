"""`opendtm gazetteer load|list|show|diff|resolve|match`: admin units, P-codes and versions.

Thin: parse the options, call `opendtm.gazetteer` services and queries, print. Django models
are imported inside the commands, after the CLI group has set Django up.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
import polars as pl

from opendtm.cli.options import date_parse
from opendtm.cli.tables import table_lines
from opendtm.core.errors import InvalidInput
from opendtm.core.spreadsheets import frame_csv_text, frame_write_csv

if TYPE_CHECKING:
    from opendtm.gazetteer.services import LoadResult

LEVEL_NAMES = {0: "adm0", 1: "adm1", 2: "adm2", 3: "adm3", 4: "adm4"}


def _summary(result: LoadResult) -> list[str]:
    version = result.version
    total = result.total()
    if not result.changed:
        return [
            f"Nothing changed: {version.country_iso3} gazetteer version {version.label} already "
            f"holds this content ({total.unchanged:,} units unchanged, {result.seconds:.1f} s)."
        ]
    header = ["level", "created", "updated", "unchanged", "retired"]
    rows: list[list[object]] = []
    for level, counts in result.levels.items():
        rows.append(
            [LEVEL_NAMES[level], counts.created, counts.updated, counts.unchanged, counts.retired]
        )
    rows.append(["total", total.created, total.updated, total.unchanged, total.retired])
    lines = [
        f"Loaded {version.country_iso3} gazetteer version {version.label} from {version.source} "
        f"in {result.seconds:.1f} s.",
        *table_lines(rows, header=header),
        f"alternative codes added: {result.codes_added:,}; other names added: "
        f"{result.names_added:,}; boundaries written: {result.boundaries_written:,}",
    ]
    if result.previous is not None:
        changed = ", ".join(f"{n:,} {kind}" for kind, n in result.changes.items())
        lines.append(
            f"crosswalk from {result.previous.label}: {changed or 'no unit changed'} "
            f"(`opendtm gazetteer diff --country {version.country_iso3}` lists them)"
        )
    return lines


@click.group("gazetteer")
def gazetteer_group() -> None:
    """Admin units and P-codes: load versions, compare them, resolve codes, match names."""


@gazetteer_group.command("load")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--country", "country", metavar="ISO3", help="Country of the file, e.g. PHL.")
@click.option("--builtin", "builtin", metavar="ISO3", help="Load a built-in gazetteer (PHL).")
@click.option(
    "--version", "version_label", metavar="LABEL", help="Version label (default: file name)."
)
@click.option(
    "--valid-from", "valid_from", metavar="YYYY-MM-DD", help="Date the edition is valid from."
)
def load_command(
    file: Path | None,
    country: str | None,
    builtin: str | None,
    version_label: str | None,
    valid_from: str | None,
) -> None:
    """Load FILE (COD-AB CSV/XLSX, GeoJSON, GeoPackage, Shapefile) or --builtin PHL."""
    from opendtm.accounts.services import user_for_cli
    from opendtm.gazetteer.services import gazetteer_load

    if builtin and file is not None:
        raise InvalidInput("Give either FILE or --builtin, not both.")
    if builtin:
        if country and country.strip().upper() != builtin.strip().upper():
            raise InvalidInput(f"--country {country} and --builtin {builtin} disagree.")
        country = builtin
    elif file is None:
        raise InvalidInput(
            "No file given.",
            hint="Use `opendtm gazetteer load FILE --country ISO3` or `--builtin PHL`.",
        )
    elif not country:
        raise InvalidInput(
            f"Which country is {file.name} for?", hint="Add --country ISO3, e.g. --country PHL."
        )
    result = gazetteer_load(
        path=file,
        country_iso3=country,
        builtin=bool(builtin),
        version_label=version_label,
        valid_from=None if valid_from is None else date_parse(valid_from, option="--valid-from"),
        actor=user_for_cli(),
    )
    for line in _summary(result):
        click.echo(line)
    from opendtm.operations.queries import operations_behind_gazetteer

    behind = operations_behind_gazetteer(version=result.version)
    if behind:
        click.echo(
            f"operations on an older version: {', '.join(behind)} (they publish on it until "
            f"`opendtm operation adopt-gazetteer --operation CODE --version "
            f"{result.version.label} --reason TEXT`)"
        )


@gazetteer_group.command("list")
@click.option("--country", "country", metavar="ISO3", help="Only this country.")
def list_command(country: str | None) -> None:
    """Loaded gazetteer versions with their units per level, oldest first."""
    from opendtm.gazetteer.queries import versions_list

    summaries = versions_list(country_iso3=country)
    if not summaries:
        click.echo("No gazetteer loaded yet. Try `opendtm gazetteer load --builtin PHL`.")
        return
    header = [
        "country",
        "version",
        "valid_from",
        "loaded",
        *(f"adm{level}" for level in range(5)),
        "source",
    ]
    rows: list[list[object]] = []
    for summary in summaries:
        v = summary.version
        rows.append(
            [
                v.country_iso3,
                v.label,
                v.valid_from.isoformat() if v.valid_from else None,
                v.loaded_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                *(summary.levels.get(level, 0) for level in range(5)),
                v.source,
            ]
        )
    for line in table_lines(rows, header=header):
        click.echo(line)


@gazetteer_group.command("show")
@click.argument("pcode")
@click.option("--country", "country", required=True, metavar="ISO3", help="Country, e.g. PHL.")
def show_command(pcode: str, country: str) -> None:
    """One unit: names, level, parents, alternative codes and children."""
    from opendtm.core.errors import NotFound
    from opendtm.gazetteer.queries import unit_children, unit_detail, unit_resolve

    unit = unit_resolve(country_iso3=country, code=pcode)
    if unit is None:
        raise NotFound(
            f"No unit with code {pcode!r} in the {country.upper()} gazetteer.",
            hint="Check the code, or load the gazetteer with `opendtm gazetteer load`.",
        )
    detail = unit_detail(unit)
    unit = detail.unit
    status = f"retired in {unit.retired_in.label}" if unit.retired_in else "current"
    click.echo(f"{unit.pcode}  {unit.name}")
    click.echo(f"  level: {unit.level} ({LEVEL_NAMES[unit.level]}), {status}")
    click.echo(f"  introduced in: {unit.introduced_in.label}")
    if unit.population is not None:
        click.echo(f"  population: {unit.population:,}")
    if unit.latitude is not None and unit.longitude is not None:
        click.echo(f"  centroid: {unit.latitude:.6f}, {unit.longitude:.6f}")
    if detail.ancestors:
        chain = " > ".join(f"{a.pcode} {a.name}" for a in detail.ancestors)
        click.echo(f"  parents: {chain}")
    for code in detail.codes:
        where = "".join(f", {part}" for part in (code.edition, code.note) if part)
        click.echo(f"  code: {code.code} ({code.kind}{where})")
    for name in detail.names:
        click.echo(
            f"  name: {name.name} ({name.kind}{', ' + name.language if name.language else ''})"
        )
    click.echo(f"  children: {detail.children}")
    if detail.children and detail.children <= 100:
        for child in unit_children(unit):
            click.echo(f"    {child.pcode}  {child.name}")


@gazetteer_group.command("diff")
@click.option("--country", "country", required=True, metavar="ISO3", help="Country, e.g. PHL.")
@click.option(
    "--from", "from_version", metavar="V", help="Older version (default: the one before --to)."
)
@click.option("--to", "to_version", metavar="V", help="Newer version (default: the latest).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "csv"]),
    default="table",
    show_default=True,
    help="Aligned table for reading, or CSV.",
)
def diff_command(
    country: str, from_version: str | None, to_version: str | None, output_format: str
) -> None:
    """The crosswalk between two versions: every unit renamed, recoded, moved, split, merged,
    new or retired. Rows of one split or merge share a group number."""
    from opendtm.gazetteer.queries import crosswalk_between, crosswalk_versions

    changes = crosswalk_between(
        country_iso3=country, from_version=from_version, to_version=to_version
    )
    columns = [
        "kind",
        "level",
        "group",
        "old_pcode",
        "old_name",
        "new_pcode",
        "new_name",
        "method",
        "share",
        "note",
    ]
    if output_format == "csv":
        sys.stdout.write(frame_csv_text(changes.select(columns)))
        return
    between = crosswalk_versions(
        country_iso3=country, from_version=from_version, to_version=to_version
    )
    counts = dict(changes["kind"].value_counts().iter_rows())
    summary = ", ".join(f"{counts[k]} {k}" for k in sorted(counts)) or "no unit changed"
    click.echo(
        f"{between[0].country_iso3} gazetteer {between[0].label} -> {between[-1].label}: {summary}."
    )
    if changes.is_empty():
        return
    shown: list[str] = [c for c in columns if c != "share"]
    for line in table_lines(changes.select(shown).iter_rows(), header=shown):
        click.echo(line)


@gazetteer_group.command("resolve")
@click.argument("codes", nargs=-1, metavar="[CODE]...")
@click.option("--country", "country", required=True, metavar="ISO3", help="Country, e.g. PHL.")
@click.option(
    "--file",
    "codes_file",
    type=click.Path(path_type=Path),
    help="Codes to resolve: one per line, or the column given with --column (CSV or XLSX).",
)
@click.option("--column", "column", metavar="COL", help="Column of --file holding the codes.")
@click.option(
    "--output",
    "output",
    type=click.Path(path_type=Path),
    help="Write the CSV here (default: standard output).",
)
@click.pass_context
def resolve_command(
    ctx: click.Context,
    codes: tuple[str, ...],
    country: str,
    codes_file: Path | None,
    column: str | None,
    output: Path | None,
) -> None:
    """Resolve codes (P-codes in any case or spacing, with or without the country prefix,
    bare PSGC, correspondence codes, COD-AB codes, retired codes) to today's units.

    Writes input,pcode,name,level,version,status; status is current, alternative, retired
    (pcode: the unit it maps to now; empty, with the reason as name, when none) or unknown.
    Exits with 1 when any code is unknown.
    """
    from opendtm.gazetteer.resolution import codes_read, codes_resolve, resolve_rows

    if codes and codes_file is not None:
        raise InvalidInput("Give codes or --file, not both.")
    if codes_file is not None:
        sent = codes_read(codes_file, column=column)
    elif column:
        raise InvalidInput("--column needs --file.")
    elif codes:
        sent = list(codes)
    else:
        raise InvalidInput(
            "No codes given.", hint="Give codes as arguments, or --file FILE with one per line."
        )
    rows = resolve_rows(codes_resolve(country_iso3=country, codes=sent))
    if output is not None:
        frame_write_csv(rows, output)
    else:
        sys.stdout.write(frame_csv_text(rows))
    counts = dict(rows["status"].value_counts().iter_rows())
    found = ", ".join(
        f"{status} {counts.get(status, 0)}"
        for status in ("current", "alternative", "retired", "unknown")
    )
    unknown = rows.filter(pl.col("status") == "unknown")["input"].unique(maintain_order=True)
    shown = ", ".join(repr(c) for c in unknown.head(5).to_list())
    more = f" and {unknown.len() - 5} more" if unknown.len() > 5 else ""
    click.echo(
        f"{rows.height} codes: {found}"
        + (f"; written to {output}" if output else "")
        + (f". Unknown: {shown}{more}." if unknown.len() else ""),
        err=True,
    )
    if unknown.len():
        ctx.exit(1)


@gazetteer_group.command("match")
@click.argument("names_file", metavar="NAMES", type=click.Path(path_type=Path))
@click.option("--country", "country", required=True, metavar="ISO3", help="Country, e.g. PHL.")
@click.option(
    "--level", "level", required=True, metavar="N", help="Admin level of the names (1-4)."
)
@click.option(
    "--name-column", "name_column", required=True, metavar="COL", help="Column holding the names."
)
@click.option(
    "--parent-column",
    "parent_column",
    metavar="COL",
    help="Column with the parent's P-code or name.",
)
@click.option(
    "--output",
    "output",
    type=click.Path(path_type=Path),
    help="Write the CSV here (default: standard output).",
)
def match_command(
    names_file: Path,
    country: str,
    level: str,
    name_column: str,
    parent_column: str | None,
    output: Path | None,
) -> None:
    """Suggest P-codes for the place names in NAMES (CSV or XLSX).

    Keeps every input column and adds pcode, matched_name, score, status (exact, matched,
    ambiguous, none) and candidates. Ambiguous and unmatched rows get no P-code.
    """
    from opendtm.gazetteer.choices import MatchStatus
    from opendtm.gazetteer.matching import match_file

    if not re.fullmatch(r"\s*\d+\s*", level):
        raise InvalidInput(f"--level {level!r} is not a whole number from 1 to 4.")
    frame = match_file(
        path=names_file,
        country_iso3=country,
        level=int(level),
        name_column=name_column,
        parent_column=parent_column,
    )
    if output is not None:
        frame_write_csv(frame, output)
    else:
        sys.stdout.write(frame_csv_text(frame))
    counts = dict(frame["status"].value_counts().iter_rows())
    found = ", ".join(f"{status} {counts.get(status, 0)}" for status in MatchStatus.values)
    click.echo(
        f"{frame.height} rows: {found}" + (f"; written to {output}" if output else ""), err=True
    )


COMMANDS: list[click.Command] = [gazetteer_group]
