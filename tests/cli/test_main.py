"""The console script: help, version, and one clear line instead of a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {"OPENDTM_HOME": str(home), "PATH": "/usr/bin:/bin", "OPENDTM_USER": "tester"}
    return subprocess.run(
        [sys.executable, "-m", "opendtm.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_help_lists_commands(tmp_path: Path) -> None:
    result = run("--help", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage: opendtm" in result.stdout


def test_unknown_command_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    result = run("no-such-command", home=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "No such command 'no-such-command'" in result.stderr


PANICKING = """
import sys
import click
import fastexcel
from opendtm.cli.main import OpenDTMGroup

@click.group(cls=OpenDTMGroup)
def top():
    pass

@top.command("read")
@click.argument("path")
def read(path):
    reader = fastexcel.read_excel(open(path, "rb").read())  # in this process, on purpose
    for name in reader.sheet_names:
        reader.load_sheet(name).to_polars()

top(prog_name="opendtm")
"""


def test_a_library_panic_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    """pyo3's PanicException is a BaseException: the handler catches it too. (Rust prints its
    own panic line first; a file's workbook is read in a child, where that line is kept.)"""
    fixture = Path(__file__).parents[1] / "forms" / "fixtures" / "site_legacy.xls"
    data = bytearray(fixture.read_bytes())
    data[1424] = 128  # a damaged record length: calamine panics indexing a slice
    damaged = tmp_path / "damaged.xls"
    damaged.write_bytes(bytes(data))
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run(
        [sys.executable, "-c", PANICKING, "read", str(damaged)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 70
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        "internal error: a library OpenDTM uses failed (range start index 32989 out of range for "
        "slice of length 4096); nothing was changed by the unfinished step. Set OPENDTM_DEBUG=1 "
        "and run again to see the details, then report it."
    )
