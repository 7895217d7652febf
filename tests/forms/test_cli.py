"""`opendtm forms export|show`: exact output lines, and one `error:` line for bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from opendtm.cli.main import cli
from tests.factories import OperationFactory, admin_tree

pytestmark = pytest.mark.django_db

Run = Callable[..., Result]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("OPENDTM_USER", "tester")
    monkeypatch.delenv("OPENDTM_DEBUG", raising=False)
    return lambda *args: CliRunner().invoke(cli, list(args))


def test_show_lists_fields_with_type_required_and_hxl(run: Run) -> None:
    result = run("forms", "show", "dtm_baseline")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "dtm_baseline version 2026.1: DTM baseline (location) assessment"
    assert lines[4] == "assessment_date\tdate\trequired\t#date+reported\tgeneral"
    assert lines[12] == "idp_present\tselect_one yes_no\trequired\t#affected+idps+present\tidp"
    assert "origin_pcode\ttext\trequired\t#adm2+origin+code\tidp/origins" in lines
    assert "idp_ind\tinteger <= 10,000,000\trequired\t#affected+idps+ind\tidp" in lines
    groups = "\t#affected+idps+m+age60_\tidp/idp_demographics"
    assert f"idp_ind_m_60p\tinteger <= 10,000,000\toptional{groups}" in lines
    assert len(lines) == 1 + 39


def test_export_writes_every_shipped_form_and_prints_their_paths(run: Run, tmp_path: Path) -> None:
    result = run("forms", "export", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        str(tmp_path / "out" / "dtm_baseline.xlsx"),
        str(tmp_path / "out" / "dtm_site.xlsx"),
        str(tmp_path / "out" / "dtm_ett.xlsx"),
        str(tmp_path / "out" / "dtm_fmr.xlsx"),
    ]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "dtm_baseline.xlsx",
        "dtm_ett.xlsx",
        "dtm_fmr.xlsx",
        "dtm_site.xlsx",
    ]


def test_export_one_form_for_an_operation(run: Run, tmp_path: Path) -> None:
    admin_tree(depth=2, fanout=2)
    OperationFactory(code="typhoon-x", location_level=2)
    result = run("forms", "export", str(tmp_path), "--form", "dtm_site", "--operation", "typhoon-x")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [str(tmp_path / "dtm_site.xlsx")]


def test_export_for_an_unknown_operation_is_one_error_line(run: Run, tmp_path: Path) -> None:
    result = run("forms", "export", str(tmp_path), "--operation", "nope")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: No operation 'nope'. There is none yet: create one with `opendtm operation create`."
    ]
    assert list(tmp_path.iterdir()) == []


def test_export_an_unknown_form_is_a_usage_error(run: Run, tmp_path: Path) -> None:
    result = run("forms", "export", str(tmp_path), "--form", "dtm_flow")
    assert result.exit_code == 2
    assert "Invalid value for '--form'" in result.stderr
