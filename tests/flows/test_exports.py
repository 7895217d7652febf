"""`opendtm figures --by flow|corridor`: the flow figures as table, CSV, HXL and JSON, each
with its coverage statement; text a spreadsheet would run is neutralised."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner, Result

from opendtm.cli.main import cli
from opendtm.flows.exports import flow_figures_write
from opendtm.flows.queries import Coverage, FlowFigures
from opendtm.ingest.flows import flows_import_commit
from tests.flows.test_queries import COVERAGE, ROWS
from tests.flows.world import FlowWorld, fmr_csv

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def run(flow_world: FlowWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    flows_import_commit(
        operation=flow_world.op,
        form_id="dtm_fmr",
        path=fmr_csv(tmp_path / "fmr.csv", ROWS),
        actor=flow_world.admin,
    )
    monkeypatch.setenv("OPENDTM_USER", "lead")

    def invoke(*args: str) -> Result:
        result = CliRunner().invoke(cli, ["figures", "--operation", "phl-fm", *args])
        assert result.exit_code == 0, result.output
        return result

    return invoke


def test_json_rows_carry_period_point_direction_movements(run) -> None:  # type: ignore[no-untyped-def]
    out = json.loads(run("--by", "flow", "--format", "json", "--from", "2026-03-09").stdout)
    assert out["coverage"]["statement"] == (
        "observed at 1 point during 18 observation hours; not a total of all movements"
    )
    assert [
        (r["period_start"], r["fmp_code"], r["direction"], r["movements"]) for r in out["rows"]
    ] == [
        ("2026-03-09", "FMP-PORT", "incoming", 4),
        ("2026-03-16", "FMP-PORT", "incoming", 8),
        ("2026-03-16", "FMP-PORT", "outgoing", 2),
    ]
    assert out["rows"][1]["change"] == 4


def test_csv_hxl_and_table(run) -> None:  # type: ignore[no-untyped-def]
    csv_lines = run("--by", "flow", "--net", "--format", "csv").stdout.splitlines()
    assert csv_lines[0] == "period_start,fmp_code,incoming,outgoing,transit,net,coverage"
    assert csv_lines[1] == f"2026-03-02,FMP-BUS,6,0,7,6,{COVERAGE}"
    hxl = run("--by", "corridor", "--format", "hxl", "--top", "1").stdout.splitlines()
    assert hxl[1] == (
        "#country+origin+code,#adm1+origin+code,#country+destination+code,"
        "#adm1+destination+code,#indicator+movements+num,#indicator+share+pct,#meta+coverage"
    )
    assert hxl[2:] == [f"IRN,IR-09,PHL,PH01,24,51.1,{COVERAGE}"]
    table = run("--by", "flow", "--period", "month", "--fmp", "FMP-BUS").stdout.splitlines()
    assert table[0] == (
        "Movements observed by month, point and direction: observed at 1 point during 16 "
        "observation hours; not a total of all movements"
    )
    assert table[2].split() == ["2026-03-01", "FMP-BUS", "incoming", "6", "2", "16.0", "3.0",
                                "-", "-", "-"]  # fmt: skip


def test_csv_neutralises_formulas() -> None:
    figures = FlowFigures(
        rows=pl.DataFrame({"fmp_code": ["=HYPERLINK(1)"], "movements": [3]}),
        coverage=Coverage(points=1, point_days=1, hours=12.0, first=DAY, last=DAY),
        title="t",
    )
    out = io.StringIO()
    flow_figures_write(figures, "csv", out)
    assert out.getvalue().splitlines()[1] == (
        "'=HYPERLINK(1),3,observed at 1 point during 12 observation hours; not a total of all "
        "movements"
    )
