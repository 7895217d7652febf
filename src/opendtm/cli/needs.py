"""`opendtm needs rules list|show|load`: the needs rule sets, shipped and loaded.

Thin: read the file, call one service or query, print. Loading is for instance
administrators; a refused file is one `error:` line naming the file, the line and the reason.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click

from opendtm.core.errors import InvalidInput

if TYPE_CHECKING:
    from opendtm.needs.queries import NeedsFigures


@click.group("needs")
def needs() -> None:
    """Needs and gaps: the rule sets that score severity and people in need."""


@needs.group("rules")
def rules() -> None:
    """Needs rule sets: indicators, severity thresholds and combination rules."""


@rules.command("list")
def rules_list_cmd() -> None:
    """One rule set per line: version, where it comes from, title."""
    from opendtm.needs.queries import ruleset_list

    for row in ruleset_list():
        click.echo(f"{row['version']}  {row['source']}  {row['title']}")


@rules.command("show")
@click.argument("version", required=False)
@click.option("--schema", is_flag=True, help="Print the JSON Schema of rule set files instead.")
def rules_show_cmd(version: str | None, schema: bool) -> None:
    """Print rule set VERSION as its file (default: the shipped one)."""
    from opendtm.needs.queries import ruleset_text
    from opendtm.needs.rules import DEFAULT_VERSION, schema_text

    if schema:
        click.echo(schema_text())
        return
    click.echo(ruleset_text(version=version or DEFAULT_VERSION), nl=False)


@rules.command("load")
@click.argument("file", type=click.Path(path_type=Path))
def rules_load_cmd(file: Path) -> None:
    """Check and load the rule set FILE (YAML or JSON) under the version it declares."""
    from opendtm.accounts.services import user_for_cli
    from opendtm.needs.services import ruleset_load

    try:
        text = file.expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"Cannot read {file}: {error}.") from None
    loaded = ruleset_load(actor=user_for_cli(), text=text, name=file.name)
    click.echo(f"rule set {loaded.version} loaded ({loaded.title})")
    click.echo(f"choose it with: opendtm operation update CODE --needs-rules {loaded.version}")


def needs_figures_echo(figures: NeedsFigures, fmt: str, output: Path | None) -> int:
    """Write needs figures (`figures --by needs`) to the screen or, whole, to `output`."""
    from opendtm.needs.exports import export_write

    if output is None:
        stream: IO[str] = sys.stdout
        try:
            written = export_write(figures, fmt, stream)
            stream.flush()
        except BrokenPipeError:  # the reader (head, less) stopped reading: not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
            return 0
        return written
    output = output.expanduser()
    if not output.parent.is_dir():
        raise InvalidInput(f"Cannot write {output}: folder {output.parent} does not exist.")
    partial = output.with_name(f".{output.name}.part")
    try:
        if fmt == "xlsx":
            from opendtm.needs.exports import write_xlsx

            with partial.open("wb") as binary:
                written = write_xlsx(figures, binary)
        else:
            with partial.open("w", encoding="utf-8", newline="") as handle:
                written = export_write(figures, fmt, handle)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    return written


COMMANDS = [needs]
