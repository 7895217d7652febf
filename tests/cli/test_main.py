"""The console script: help, version, and one clear line instead of a traceback."""

from __future__ import annotations

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
