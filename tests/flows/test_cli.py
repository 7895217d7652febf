"""`opendtm fmp add|list|show|status`: exact output lines, one `error:` line for bad input."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result

from opendtm.cli.main import cli
from opendtm.flows.models import FlowMonitoringPoint
from tests.factories import OperationFactory, admin_tree

pytestmark = pytest.mark.django_db

Run = Callable[..., Result]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("OPENDTM_USER", "tester")
    monkeypatch.delenv("OPENDTM_DEBUG", raising=False)
    admin_tree(depth=2, fanout=2)
    OperationFactory(code="phl-fm")

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args))

    return invoke


def ok(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


ADD = ["fmp", "add", "--operation", "phl-fm", "FMP-1", "--name", "Matnog port", "--type", "port"]
ADD += ["--admin", "PH01001", "--active-from", "2026-03-01", "--hours", "06:00-18:00"]


def test_add_list_show_status(run: Run) -> None:
    assert ok(run(*ADD, "--days", "mon-fri", "--services", "water; first aid")) == [
        "registered point FMP-1 (Matnog port, port) in PH01001 of phl-fm"
    ]
    assert ok(run("fmp", "list", "--operation", "phl-fm")) == [
        "FMP-1  active  port  PH01001  Matnog port"
    ]
    assert ok(
        run(
            "fmp",
            "status",
            "--operation",
            "phl-fm",
            "FMP-1",
            "--to",
            "inactive",
            "--on",
            "2026-03-10",
            "--reason",
            "storm",
        )
    ) == ["point FMP-1 of phl-fm: active -> inactive on 2026-03-10"]
    shown = ok(run("fmp", "show", "--operation", "phl-fm", "FMP-1"))
    assert shown[0] == "point          FMP-1"
    assert "observed       mon,tue,wed,thu,fri 06:00-18:00 (12 h a day)" in shown
    assert "services       water; first aid" in shown
    assert shown[-3:] == [
        "history        2 changes",
        "  2026-03-01  - -> active         by tester  registered",
        "  2026-03-10  active -> inactive  by tester  storm",
    ]
    csv = ok(run("fmp", "list", "--operation", "phl-fm", "--format", "csv"))
    assert csv[1] == ("FMP-1,Matnog port,port,inactive,PH01001,Adm2 PH01001,,,,12345,06:00,18:00")


def test_bad_input_is_one_error_line(run: Run) -> None:
    result = run(*ADD[:-2], "--hours", "6-18")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: --hours '6' is not a time in the form HH:MM. For example 06:00."
    ]
    assert FlowMonitoringPoint.objects.count() == 0
