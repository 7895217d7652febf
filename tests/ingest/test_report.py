"""The report says only what happened (issue 11, item 6): it is put beside the file once the
import committed, never by an import that was refused, failed or killed; a dry run's says so."""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from opendtm.core.errors import InvalidInput
from tests.ingest.builders import site_form_unconstrained
from tests.ingest.conftest import database_fingerprint, site_row
from tests.ingest.test_services import commit

ROOT = Path(__file__).resolve().parents[2]
ISSUES = pl.DataFrame(
    [{"sheet": "s", "row": 2, "submission_id": "x", "field": "hh", "value": "-1",
      "rule": "form.constraint", "severity": "error", "message": "hh breaks the rule"}]
)  # fmt: skip


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_draft_is_hidden_until_published_and_replaces_the_old_report_whole(
    tmp_path: Path,
) -> None:
    from opendtm.ingest.report import ReportDraft

    report = tmp_path / "sites.report.csv"
    report.write_text("the report of an earlier import\n")
    draft = ReportDraft(report)
    draft.write(ISSUES)
    assert report.read_text() == "the report of an earlier import\n"
    (temp,) = [n for n in names(tmp_path) if n != "sites.report.csv"]
    assert temp.startswith(".sites.report.csv.") and temp.endswith(".part")
    assert draft.publish() == report
    assert names(tmp_path) == ["sites.report.csv"]
    assert report.read_text().splitlines() == [
        "sheet,row,submission_id,field,value,rule,severity,message",
        "s,2,x,hh,-1,form.constraint,error,hh breaks the rule",
    ]
    again = ReportDraft(report)
    again.write(ISSUES.clear())
    again.discard()
    assert names(tmp_path) == ["sites.report.csv"]  # nothing happened: the old one stays


def test_an_unknown_report_format_is_refused_before_anything(
    site_form, operation, round_, actor, tmp_path: Path
) -> None:
    before = database_fingerprint()
    with pytest.raises(InvalidInput, match=r"Report r\.txt: unknown format \.txt\."):
        commit(site_form, operation, round_, actor, [site_row(1)], report=tmp_path / "r.txt")
    assert database_fingerprint() == before and names(tmp_path) == []


def test_an_import_the_database_refuses_leaves_no_report(
    operation, round_, actor, tmp_path: Path
) -> None:
    """The form lets a negative count through; the database's check refuses it inside the
    transaction, after the report was written: the report must not be left behind."""
    loose = site_form_unconstrained("showers")
    rows = [site_row(1), site_row(2, site_id="S-002", showers=-2)]
    before = database_fingerprint()
    with pytest.raises(InvalidInput, match="Nothing was written"):
        commit(loose, operation, round_, actor, rows, report=tmp_path / "sites.report.csv")
    assert database_fingerprint() == before
    assert names(tmp_path) == []


def test_a_dry_run_report_says_it_is_one(
    site_form, operation, round_, actor, tmp_path: Path
) -> None:
    report = tmp_path / "sites.report.csv"
    commit(site_form, operation, round_, actor, [site_row(1)], report=report, dry_run=True)
    with report.open(newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[1] == [
        "", "", "", "", "", "import.dry_run", "warning",
        "dry run: nothing was imported; these are the lines an import of this file would report",
    ]  # fmt: skip
    assert names(tmp_path) == ["sites.report.csv"]


# --- kill -9 in the middle of an import -----------------------------------------------------

SETUP = """
from opendtm.cli.bootstrap import setup_django
setup_django()
from django.contrib.auth.models import User
from opendtm.gazetteer.models import AdminUnit, GazetteerVersion
from opendtm.operations.models import Operation, Round
User.objects.create(username="officer", is_superuser=True, is_staff=True)
version = GazetteerVersion.objects.create(
    country_iso3="PHL", label="v1", source="tests", sha256="0" * 64
)
parent = None
for pcode, level, lat, lon in [
    ("PH", 0, None, None), ("PH01", 1, 17.0, 120.5), ("PH01028", 2, 18.2, 120.7),
    ("PH0102801", 3, 18.45, 120.9), ("PH0102801001", 4, 18.46, 120.91),
]:
    parent = AdminUnit.objects.create(
        country_iso3="PHL", pcode=pcode, name=pcode, level=level, parent=parent,
        latitude=lat, longitude=lon, introduced_in=version,
    )
operation = Operation.objects.create(
    code="phl-kill", name="Kill test", country_iso3="PHL", crisis_type="typhoon",
    start_date="2026-11-01", mcof_phase="during", location_level=4,
)
Round.objects.create(operation=operation, number=1, start_date="2026-11-01")
"""
ROWS = 10_000  # enough for the import's transaction to last seconds
HELD = 0.2  # the write lock held this long: the import's own transaction, not a quick check


def _cell(value: Any) -> str:
    if isinstance(value, tuple | list):
        return " ".join(str(v) for v in value)
    return "" if value is None else str(value)


def export_write(path: Path, n: int) -> Path:
    """A site CSV of `n` valid rows, each a new site (all registered in the transaction)."""
    first = site_row(1)
    header = [k for k in first if k != "_submission_id"]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow([*header, "_uuid"])
        for i in range(1, n + 1):
            row = {**first, "site_id": f"S-{i:06d}", "site_name": f"Site {i}"}
            writer.writerow([*(_cell(row[k]) for k in header), f"uuid-{i}"])
    return path


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "OPENDTM_TEST_DB")}
    env |= {"OPENDTM_HOME": str(home), "OPENDTM_USER": "officer"}
    paths = [os.environ.get("PYTHONPATH", ""), str(ROOT / "src"), str(ROOT)]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    return env


def _writing(database: Path) -> bool:
    """Whether another connection holds the database's write lock (a write transaction)."""
    try:
        probe = sqlite3.connect(database, timeout=0, isolation_level=None)
    except sqlite3.OperationalError:
        return False
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def test_an_import_killed_in_its_transaction_leaves_no_report(tmp_path: Path) -> None:
    """kill -9 once the import's write transaction has started (the report used to be
    written just before it): no report beside the file, nothing in the database; the import
    run again then stores everything and writes its report."""
    home, folder = tmp_path / "home", tmp_path / "field"
    folder.mkdir()
    env = _env(home)
    done = subprocess.run(
        [sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    export = export_write(folder / "sites.csv", ROWS)
    database = home / "opendtm.sqlite3"
    command = [sys.executable, "-m", "opendtm.cli.main", "import", "site", str(export),
               "--operation", "phl-kill", "--round", "1"]  # fmt: skip
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300
        since = None  # the import takes the lock for a moment first (the round's status)
        while since is None or time.monotonic() - since < HELD:
            assert child.poll() is None, "the import ended before its transaction was seen"
            assert time.monotonic() < deadline, "the import never started writing"
            since = (since or time.monotonic()) if _writing(database) else None
            time.sleep(0.002)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.communicate()
    assert child.returncode == -signal.SIGKILL
    left = [n for n in names(folder) if n != "sites.csv"]
    assert all(n.startswith(".") and n.endswith(".part") for n in left), left
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM ingest_importbatch").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM mobility_siteassessment").fetchone() == (0,)
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == (
        f"sites.csv (dtm_site): read {ROWS}, accepted {ROWS}, rejected 0, flagged 0"
    )
    assert (folder / "sites.report.csv").exists()
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM ingest_importbatch").fetchone() == (1,)


def test_a_dry_runs_changes_go_beside_its_report_and_a_later_run_without_them_removes_them(
    tmp_path: Path,
) -> None:
    from opendtm.ingest.report import ReportDraft, changes_path, changes_read

    report = tmp_path / "sites.report.csv"
    assert changes_path(report) == tmp_path / "sites.changes.csv"
    assert changes_path(tmp_path / "x.xlsx") == tmp_path / "x.changes.xlsx"
    changes = pl.DataFrame(
        {"submission_id": ["a"], "field": ["ind"], "old_value": ["100"], "new_value": ["=1+1"]}
    )
    draft = ReportDraft(report)
    draft.write(ISSUES, dry_run=True, changes=changes)
    assert names(tmp_path)[0].startswith(".")  # nothing in place before publishing
    draft.publish()
    assert names(tmp_path) == ["sites.changes.csv", "sites.report.csv"]
    assert changes_read(report).rows() == [("a", "ind", "100", "'=1+1")]  # never a formula
    again = ReportDraft(report)
    again.write(ISSUES, dry_run=True, changes=changes.clear())
    again.publish()
    assert names(tmp_path) == ["sites.report.csv"]
    assert changes_read(report).height == 0


def test_a_report_page_counts_kinds_filters_and_clamps_the_page(tmp_path: Path) -> None:
    from opendtm.ingest.report import PAGE_LINES, report_page, report_write

    line = ISSUES.row(0, named=True)
    lines = [{**line, "row": i} for i in range(2, 2 + 2 * PAGE_LINES + 5)]
    lines += [{**line, "row": None, "rule": "column.metadata", "severity": "warning"}]
    lines += [{**line, "row": 9, "rule": "gps.far_from_unit", "severity": "warning"}]
    report = report_write(pl.DataFrame(lines, schema=ISSUES.schema), tmp_path / "r.csv")
    first = report_page(report)
    assert (first.matched, first.pages, len(first.lines), first.first, first.last) == (
        207, 3, 100, 1, 100,
    )  # fmt: skip
    assert first.counts == {"error": 205, "warning": 1, "note": 1}
    last = report_page(report, page=99)  # past the end: the last page
    assert (last.page, len(last.lines), last.first, last.last) == (3, 7, 201, 207)
    notes = report_page(report, kind="note")
    assert [(x["rule"], x["kind"]) for x in notes.lines] == [("column.metadata", "note")]
    assert report_page(report, kind="error", rule="nosuch").matched == 0
    assert report_page(tmp_path / "none.csv").matched == 0
