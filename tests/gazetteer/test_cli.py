"""`opendtm gazetteer load|list|show|match` as a person runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner, Result

from opendtm.accounts.models import AuditEvent
from opendtm.cli.main import cli
from tests.gazetteer.conftest import FIXTURES

WIDE = str(FIXTURES / "wide.csv")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["gazetteer", *args], catch_exceptions=False)


@pytest.fixture(autouse=True)
def _cli_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENDTM_USER", "cli-tester")


@pytest.mark.django_db
def test_load_prints_counts_per_level_then_nothing_changed() -> None:
    first = run(
        "load", WIDE, "--country", "PHL", "--version", "cod-ab-2023", "--valid-from", "2023-05-01"
    )
    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    assert lines[0].startswith("Loaded PHL gazetteer version cod-ab-2023 from wide.csv in ")
    assert lines[1:] == [
        "level  created  updated  unchanged  retired",
        "adm0         1        0          0        0",
        "adm1         2        0          0        0",
        "adm2         3        0          0        0",
        "adm3         5        0          0        0",
        "adm4         0        0          0        0",
        "total       11        0          0        0",
        "alternative codes added: 0; other names added: 0; boundaries written: 0",
    ]
    assert AuditEvent.objects.get(action="gazetteer.load").actor.username == "cli-tester"
    again = run("load", WIDE, "--country", "phl")
    assert again.exit_code == 0
    assert again.stdout.startswith(
        "Nothing changed: PHL gazetteer version cod-ab-2023 already holds this content "
        "(11 units unchanged, "
    )


@pytest.mark.django_db
def test_list_and_show() -> None:
    assert (
        run("list").stdout
        == "No gazetteer loaded yet. Try `opendtm gazetteer load --builtin PHL`.\n"
    )
    run("load", WIDE, "--country", "PHL")
    listed = run("list", "--country", "PHL").stdout.splitlines()
    assert listed[0].split() == [
        "country", "version", "valid_from", "loaded",
        "adm0", "adm1", "adm2", "adm3", "adm4", "source",
    ]  # fmt: skip
    row = listed[1].split()
    assert row[:3] == ["PHL", "wide", "-"]
    assert row[4:] == ["1", "2", "3", "5", "0", "wide.csv"]
    shown = run("show", "ph 0102801", "--country", "phl")
    assert shown.exit_code == 0
    assert shown.stdout.splitlines() == [
        "PH0102801  Adams",
        "  level: 3 (adm3), current",
        "  introduced in: wide",
        "  population: 2,279",
        "  centroid: 18.453379, 120.919406",
        "  parents: PH Philippines > PH01 Ilocos Region > PH01028 Ilocos Norte",
        "  children: 0",
    ]
    province = run("show", "PH01028", "--country", "PHL").stdout.splitlines()
    assert province[-3:] == ["  children: 2", "    PH0102801  Adams", "    PH0102802  Bacarra"]


@pytest.mark.django_db
def test_match_writes_every_input_column_plus_five(tmp_path: Path) -> None:
    run("load", WIDE, "--country", "PHL")
    out = tmp_path / "matched.csv"
    result = run(
        "match", str(FIXTURES / "names.csv"), "--country", "PHL", "--level", "3",
        "--name-column", "place", "--parent-column", "province", "--output", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr == f"8 rows: exact 4, matched 0, ambiguous 0, none 4; written to {out}\n"
    frame = pl.read_csv(out, infer_schema=False)
    assert frame.columns == [
        "id", "place", "province", "pcode", "matched_name", "score", "status", "candidates"
    ]  # fmt: skip
    assert frame.row(0) == (
        "1",
        "adams",
        "Ilocos Norte",
        "PH0102801",
        "Adams",
        "100",
        "exact",
        "PH0102801 Adams (100)",
    )
    to_stdout = run(
        "match",
        str(FIXTURES / "names.csv"),
        "--country",
        "PHL",
        "--level",
        "3",
        "--name-column",
        "place",
    )
    assert (
        to_stdout.stdout.splitlines()[0]
        == "id,place,province,pcode,matched_name,score,status,candidates"
    )
    assert len(to_stdout.stdout.splitlines()) == 9


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["load", WIDE], "error: Which country is wide.csv for? Add --country ISO3, e.g. "
         "--country PHL."),
        (["load"], "error: No file given. Use `opendtm gazetteer load FILE --country ISO3` or "
         "`--builtin PHL`."),
        (["load", WIDE, "--builtin", "PHL"], "error: Give either FILE or --builtin, not both."),
        (["load", WIDE, "--country", "PHL", "--valid-from", "2023-02-30"],
         "error: --valid-from '2023-02-30' is not a date in the form YYYY-MM-DD. For example "
         "2026-01-31."),
        (["show", "PH99", "--country", "PHL"],
         "error: No unit with code 'PH99' in the PHL gazetteer. Check the code, or load the "
         "gazetteer with `opendtm gazetteer load`."),
        (["match", WIDE, "--country", "PHL", "--level", "two", "--name-column", "x"],
         "error: --level 'two' is not a whole number from 1 to 4."),
    ],
)  # fmt: skip
def test_bad_commands_print_one_error_line(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["gazetteer", *args])
    assert result.exit_code == 1
    assert result.stderr == message + "\n"
    assert result.stdout == ""


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("opendtm-home")


def console(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real console script in a fresh process, on its own embedded database."""
    env = {"OPENDTM_HOME": str(home), "PATH": "/usr/bin:/bin", "OPENDTM_USER": "tester"}
    return subprocess.run(
        [sys.executable, "-m", "opendtm.cli.main", "gazetteer", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("name", "start"),
    [
        ("truncated.geojson", "error: truncated.geojson, line 51, character 10: not a readable"),
        ("missing_parent.csv", "error: missing_parent.csv, row 5, column parent_pcode: parent"),
        ("no-such-file.csv", f"error: {FIXTURES / 'no-such-file.csv'}: no such file."),
    ],
)
def test_console_script_refuses_a_bad_file_in_one_line(home: Path, name: str, start: str) -> None:
    result = console(home, "load", str(FIXTURES / name), "--country", "PHL")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(start)


def test_console_script_wrote_nothing_for_the_bad_files(home: Path) -> None:
    listed = console(home, "list")
    assert listed.returncode == 0
    assert listed.stdout == "No gazetteer loaded yet. Try `opendtm gazetteer load --builtin PHL`.\n"
