"""`opendtm needs rules ...`, `operation update --needs-rules` and `figures --by needs`:
exact output, one `error:` line for a refused file, nothing written when refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from opendtm.cli.main import cli
from opendtm.needs.models import NeedsRuleSet
from opendtm.needs.rules import shipped_text
from opendtm.operations.models import Operation
from tests.needs.test_queries import V2, Needs, needs  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

Run = Callable[..., Result]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.delenv("OPENDTM_DEBUG", raising=False)

    def invoke(user: str, *args: str) -> Result:
        monkeypatch.setenv("OPENDTM_USER", user)
        return CliRunner().invoke(cli, list(args))

    return invoke


def test_rules_list_show_and_load(needs: Needs, run: Run, tmp_path: Path) -> None:  # noqa: F811
    listed = run("ana", "needs", "rules", "list")
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines() == [
        "sphere-2018-v2  shipped  Sphere minimum standards (2018), DTM site and location indicators"
    ]
    shown = run("ana", "needs", "rules", "show")
    assert shown.stdout == shipped_text("sphere-2018-v2")
    schema = json.loads(run("ana", "needs", "rules", "show", "--schema").stdout)
    assert schema["title"] == "OpenDTM needs rule set"
    file = tmp_path / "v3.yaml"
    file.write_text(V2)
    loaded = run("boss", "needs", "rules", "load", str(file))
    assert loaded.exit_code == 0, loaded.output
    assert loaded.stdout.splitlines() == [
        "rule set sphere-2018-v3 loaded (Sphere minimum standards (2018), DTM site and "
        "location indicators)",
        "choose it with: opendtm operation update CODE --needs-rules sphere-2018-v3",
    ]
    updated = run("boss", "operation", "update", "flood", "--needs-rules", "sphere-2018-v3")
    assert updated.stdout == "updated operation flood\n"
    assert Operation.objects.get(code="flood").needs_rules_version == "sphere-2018-v3"


def test_a_refused_file_is_one_error_line(needs: Needs, run: Run, tmp_path: Path) -> None:  # noqa: F811
    file = tmp_path / "broken.yaml"
    text = V2.replace("pin_from_level: 3", "pin_from_level: seven")
    file.write_text(text)
    line = text[: text.index("pin_from_level: seven")].count("\n") + 1
    refused = run("boss", "needs", "rules", "load", str(file))
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"error: Rule set broken.yaml, line {line}: pin_from_level: 'seven' is not of type "
        "'integer' Fix the file and load it again; docs/needs.md describes the format.\n"
    )
    assert not NeedsRuleSet.objects.exists()


def test_figures_by_needs_as_json_and_hxl(needs: Needs, run: Run, tmp_path: Path) -> None:  # noqa: F811
    needs.round_with(water=(2.0, 16.0))
    result = run("ana", "figures", "--operation", "flood", "--by", "needs", "--format", "json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert (answer["rules_version"], answer["round"], answer["threshold"]) == (
        "sphere-2018-v2",
        1,
        None,
    )
    rows = {(r["pcode"], r["sector"]): r for r in answer["rows"]}
    assert {"pcode", "sector", "severity", "severity_distribution", "pin_ind"} <= set(
        rows[("PH01", "wash")]
    )
    assert rows[("PH01", "wash")]["severity_distribution"] == {
        "1": 96,
        "2": 0,
        "3": 100,
        "4": 0,
        "5": 0,
    }
    assert [s for p, s in rows if s == "intersectoral"] == ["intersectoral"]
    assert rows[("PH01", "intersectoral")]["pin_ind"] == 156
    out = tmp_path / "needs.csv"
    args = ["--by", "needs", "--sector", "intersectoral", "--format", "hxl", "--output", str(out)]
    written = run("ana", "figures", "--operation", "flood", *args)
    assert written.stdout == f"Wrote 1 rows to {out} (hxl).\n"
    lines = out.read_text().splitlines()
    assert lines[1].startswith(
        "#adm1+code,#adm1+name,#sector+code,#indicator+places+num,#severity,"
    )
    assert "#inneed+ind,#inneed+ind+idps+sites" in lines[1]
    # overall severity: site A 3 (wash), site B 1, the location 3 (shelter): 40 at 1, 156 at 3
    start = "PH01,Adm1 PH01,intersectoral,3,3,40,0,156,0,0,196,156,100,50,6,"
    assert lines[2].startswith(start)
    refused = run("ana", "figures", "--operation", "flood", "--by", "site", "--sector", "wash")
    assert refused.exit_code == 1
    assert refused.stderr == "error: --sector is for needs figures: add --by needs.\n"


def test_figures_by_needs_as_xlsx(needs: Needs, run: Run, tmp_path: Path) -> None:  # noqa: F811
    import openpyxl

    needs.round_with(water=(2.0, 16.0))
    out = tmp_path / "needs.xlsx"
    args = ["--by", "needs", "--level", "1", "--format", "xlsx", "--output", str(out)]
    written = run("ana", "figures", "--operation", "flood", *args)
    assert written.stdout == f"Wrote 8 rows to {out} (xlsx).\n", written.output
    sheet = openpyxl.load_workbook(out)["Needs"]
    header = [c.value for c in sheet[1]]
    across = [
        dict(zip(header, [c.value for c in r], strict=True)) for r in sheet.iter_rows(min_row=2)
    ][-1]
    assert (across["Sector"], across["People in need"]) == ("intersectoral", 156)
    refused = run("ana", "figures", "--operation", "flood", "--by", "needs", "--format", "xlsx")
    assert refused.exit_code != 0 and "An XLSX workbook needs a file" in refused.output
