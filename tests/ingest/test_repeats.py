"""Re-imports and repeats: stored origins are removed only when the user says so, orphaned
repeat rows are errors of their submission, and the dry run and the report list what goes
(issue 11, item 2). Files go through the real reader; a refusal leaves the database equal to
the last value (`database_fingerprint`)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from opendtm.accounts.models import AuditEvent
from opendtm.cli.main import cli
from opendtm.core.errors import InvalidInput
from opendtm.ingest.models import CleaningLogEntry, ImportBatch, ImportIssue
from opendtm.ingest.services import import_commit
from opendtm.mobility.models import BaselineAssessment, BaselineOrigin
from tests.forms.workbooks import xlsx_write
from tests.ingest.conftest import database_fingerprint

MAIN = [
    "assessment_date", "enumerator_code", "adm1_pcode", "adm2_pcode", "adm3_pcode",
    "adm4_pcode", "ki_count", "idp_present", "idp_hh", "idp_ind", "displacement_cause",
    "idp_arrival", "returnee_present", "sites_count", "_id", "_uuid", "_index",
]  # fmt: skip
LOCATIONS = [("PH0102801", "PH0102801001"), ("PH0102802", "PH0102802001")]
ORIGINS = [  # (parent _index, origin, hh, ind)
    (1, "PH03008", 20, 90),
    (1, "PH0300801", 10, 50),
    (2, "PH03008", 5, 20),
]
REFUSED = (
    "{name}: importing it would remove 3 origins row(s) of 2 submission(s) stored in round 1, "
    "because the file brings no origins rows for them (a missing or renamed 'origins' sheet, "
    "a CSV without its origins file, or parent indexes that match no submission). Nothing was "
    "imported. Import the file with its origins. If they are to be removed, say so: "
    "--clear-repeats with --reason (the web form: 'Clear the stored origins'). --dry-run lists "
    "the submissions in the report."
)


def main_rows() -> list[list[Any]]:
    rows: list[list[Any]] = [MAIN]
    for i, (adm3, adm4) in enumerate(LOCATIONS, start=1):
        rows.append(
            [dt.date(2026, 11, 10), "E02", "PH01", "PH01028", adm3, adm4, 3, "yes", 40, 180,
             "typhoon", "1_4_weeks", "no", 0, 1000 + i, f"ba-{i}", i]
        )  # fmt: skip
    return rows


def origin_rows(*, parent_shift: int = 0, uuid: bool = True) -> list[list[Any]]:
    header = ["origin_pcode", "origin_hh", "origin_ind", "_index", "_parent_index"]
    rows: list[list[Any]] = [header + (["_submission__uuid"] if uuid else [])]
    for index, (parent, pcode, hh, ind) in enumerate(ORIGINS, start=1):
        row = [pcode, hh, ind, index, parent + parent_shift]
        rows.append(row + ([f"ba-{parent}"] if uuid else []))
    return rows


def workbook(path: Path, *, sheet: str = "origins", **origins: Any) -> Path:
    sheets = {"baseline": main_rows()}
    if sheet:
        sheets[sheet] = origin_rows(**origins)
    return xlsx_write(path, sheets)


def csv_write(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)
    return path


def run(operation: Any, round_: Any, actor: Any, path: Path, **kw: Any) -> Any:
    return import_commit(
        operation=operation, round=round_, form_id="dtm_baseline", path=path, actor=actor, **kw
    )


@pytest.fixture
def stored(operation: Any, round_: Any, actor: Any, tmp_path: Path) -> Path:
    """Round 1 holds the two baselines and their three origins, from a Kobo workbook."""
    first = run(operation, round_, actor, workbook(tmp_path / "baseline.xlsx"))
    assert (first.rows_accepted, BaselineOrigin.objects.count()) == (2, 3)
    return tmp_path


def origins_stored() -> list[tuple[str, str, int, int]]:
    return sorted(
        BaselineOrigin.objects.values_list(
            "assessment__submission_id", "origin__pcode", "origin_hh", "origin_ind"
        )
    )


UNCHECKED = (
    "origins,,,origin_ind,,form.constraint_unchecked,warning,one of the conditions the form "
    "sets on origin_ind was not checked: it refers to other rows or uses a function OpenDTM "
    "does not evaluate"
)
STORED = [
    ("ba-1", "PH03008", 20, 90),
    ("ba-1", "PH0300801", 10, 50),
    ("ba-2", "PH03008", 5, 20),
]


REFUSALS = [
    pytest.param({"sheet": "origins_v2"}, id="sheet-renamed"),
    pytest.param({"sheet": ""}, id="sheet-missing"),
    pytest.param({"parent_shift": 10, "uuid": False}, id="parent-index-matches-nothing"),
]


@pytest.mark.parametrize("spoilt", REFUSALS)
def test_a_reimport_without_the_origins_is_refused_and_changes_nothing(
    operation, round_, actor, stored, spoilt
) -> None:
    before = database_fingerprint()
    path = workbook(stored / "baseline_again.xlsx", **spoilt)
    with pytest.raises(InvalidInput) as refused:
        run(operation, round_, actor, path)
    assert str(refused.value) == REFUSED.format(name="baseline_again.xlsx")
    assert database_fingerprint() == before
    assert not (stored / "baseline_again.report.csv").exists()


def test_a_csv_without_its_origins_file_is_refused_from_the_cli(
    operation, round_, actor, stored, monkeypatch
) -> None:
    """Through the CSV path without --repeat every stored origin went (3,368 to 0)."""
    main = csv_write(stored / "baseline.csv", main_rows())
    before = database_fingerprint()
    monkeypatch.setenv("OPENDTM_USER", actor.username)
    args = ["import", "baseline", str(main), "--operation", "phl-test", "--round", "1"]
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 1
    assert out.output.splitlines() == ["error: " + REFUSED.format(name="baseline.csv")]
    assert database_fingerprint() == before
    given = CliRunner().invoke(
        cli, [*args, "--repeat", f"origins={csv_write(stored / 'o.csv', origin_rows())}"]
    )
    assert given.exit_code == 0, given.output  # with its origins: nothing to change
    assert "this file was already imported" not in given.output
    assert origins_stored() == STORED


def test_the_dry_run_and_its_report_list_what_would_be_removed(
    operation, round_, actor, stored
) -> None:
    before = database_fingerprint()
    path = workbook(stored / "renamed.xlsx", sheet="origins_v2")
    result = run(operation, round_, actor, path, dry_run=True)
    assert database_fingerprint() == before
    assert result.summary_lines()[2] == (
        "would remove 3 stored origins row(s) of 2 submission(s): the file brings none for "
        "them; the import will be refused unless they are cleared on purpose (--clear-repeats "
        "--reason TEXT)"
    )
    lines = (stored / "renamed.report.csv").read_text().splitlines()
    assert lines == [
        "sheet,row,submission_id,field,value,rule,severity,message",
        ",,,,,import.dry_run,warning,dry run: nothing was imported; these are the lines an "
        "import of this file would report",
        "baseline,2,ba-1,origins,2,repeat.removed,warning,the 2 stored origins row(s) of this "
        "submission would be removed: the import is refused unless they are cleared on "
        "purpose: the file brings none for it",
        "baseline,3,ba-2,origins,1,repeat.removed,warning,the 1 stored origins row(s) of this "
        "submission would be removed: the import is refused unless they are cleared on "
        "purpose: the file brings none for it",
        "baseline,,,origins,,repeat.missing,warning,\"the workbook has no sheet 'origins' or "
        "'Places of origin of the IDPs' (its sheets: baseline, origins_v2): no origins rows "
        'were read"',
        UNCHECKED,
    ]


def test_clearing_the_repeats_needs_a_reason(operation, round_, actor, stored) -> None:
    before = database_fingerprint()
    path = workbook(stored / "renamed.xlsx", sheet="origins_v2")
    with pytest.raises(InvalidInput, match="needs a reason"):
        run(operation, round_, actor, path, clear_repeats=True, reason="  ")
    assert database_fingerprint() == before


def test_repeats_cleared_on_purpose_are_logged_with_who_and_why(
    operation, round_, actor, stored, monkeypatch
) -> None:
    path = workbook(stored / "renamed.xlsx", sheet="origins_v2")
    monkeypatch.setenv("OPENDTM_USER", actor.username)
    out = CliRunner().invoke(
        cli,
        ["import", "baseline", str(path), "--operation", "phl-test", "--round", "1",
         "--clear-repeats", "--reason", "origins re-collected"],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert out.output.splitlines() == [
        "renamed.xlsx (dtm_baseline): read 2, accepted 2, rejected 0, flagged 0",
        "new 0, replaced 2, unchanged 0, sites registered 0, values changed 2",
        "removed 3 stored origins row(s) of 2 submission(s): the file brings none for them "
        "(--clear-repeats)",
        f"report: {stored / 'renamed.report.csv'}",
    ]
    assert origins_stored() == []
    assert BaselineAssessment.objects.count() == 2
    batch = ImportBatch.objects.latest("id")
    assert (batch.repeats_cleared, batch.reason, batch.imported_by) == (
        3, "origins re-collected", actor,
    )  # fmt: skip
    log = CleaningLogEntry.objects.filter(batch=batch).order_by("id")
    assert [(e.submission_id, e.field, e.old_value, e.new_value, e.reason, e.changed_by)
            for e in log] == [
        ("ba-1", "origins", "PH03008 20 90; PH0300801 10 50", None, "origins re-collected", actor),
        ("ba-2", "origins", "PH03008 5 20", None, "origins re-collected", actor),
    ]  # fmt: skip
    assert list(
        ImportIssue.objects.filter(batch=batch, rule="repeat.removed").values_list(
            "row", "submission_id", "value", "message"
        )
    ) == [
        (2, "ba-1", "2", "the 2 stored origins row(s) of this submission were removed, as "
         "asked (--clear-repeats): the file brings none for it"),
        (3, "ba-2", "1", "the 1 stored origins row(s) of this submission were removed, as "
         "asked (--clear-repeats): the file brings none for it"),
    ]  # fmt: skip
    audit = AuditEvent.objects.get(action="import.commit", object_id=str(batch.pk))
    assert (audit.changes["repeats_cleared"], audit.reason) == (3, "origins re-collected")
    report = (stored / "renamed.report.csv").read_text().splitlines()
    assert [line.split(",")[5] for line in report[1:]] == [
        "repeat.removed", "repeat.removed", "repeat.missing", "form.constraint_unchecked",
    ]  # fmt: skip


def test_orphaned_origins_reject_their_submission_and_keep_the_stored_ones(
    operation, round_, actor, stored
) -> None:
    """`_parent_index` values matching nothing: each row names its submission by
    `_submission__uuid`, so it is an error of that submission, which is not stored."""
    before = database_fingerprint()
    path = workbook(stored / "shifted.xlsx", parent_shift=10)
    result = run(operation, round_, actor, path)
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (2, 0, 2)
    assert (result.rows_new, result.rows_replaced, result.rows_unchanged) == (0, 0, 0)
    assert origins_stored() == STORED
    assert database_fingerprint()["mobility.BaselineOrigin"] == before["mobility.BaselineOrigin"]
    with (stored / "shifted.report.csv").open(newline="") as report:
        lines = [line for line in csv.reader(report) if line[5] != "form.constraint_unchecked"]
    assert lines[1:] == [
        ["baseline", "2", "ba-1", "origins", "", "repeat.rejected", "error",
         "origins row(s) 2, 3 of sheet origins break a rule, so the whole submission is "
         "rejected"],
        ["baseline", "3", "ba-2", "origins", "", "repeat.rejected", "error",
         "origins row(s) 4 of sheet origins break a rule, so the whole submission is rejected"],
        ["origins", "2", "ba-1", "_parent_index", "11", "repeat.orphan", "error",
         "origins row points at no submission: _parent_index '11' matches no _index in "
         "baseline, but its _submission__uuid is submission ba-1 (row 2), which is rejected "
         "with it"],
        ["origins", "3", "ba-1", "_parent_index", "11", "repeat.orphan", "error",
         "origins row points at no submission: _parent_index '11' matches no _index in "
         "baseline, but its _submission__uuid is submission ba-1 (row 2), which is rejected "
         "with it"],
        ["origins", "4", "ba-2", "_parent_index", "12", "repeat.orphan", "error",
         "origins row points at no submission: _parent_index '12' matches no _index in "
         "baseline, but its _submission__uuid is submission ba-2 (row 3), which is rejected "
         "with it"],
    ]  # fmt: skip


def test_the_web_upload_asks_the_same(operation, round_, actor, stored, client, settings) -> None:
    """The browser's upload: the dry run says what would go, confirming without the box is
    refused (nothing changes), the box needs a reason, and with both the origins go."""
    settings.UPLOAD_ROOT = stored / "uploads"
    settings.OPENDTM_TASKS_INLINE = True
    client.force_login(actor)
    path = workbook(stored / "renamed.xlsx", sheet="origins_v2")
    before = database_fingerprint()

    def upload(**fields: Any) -> Any:
        with path.open("rb") as handle:
            return client.post(
                "/o/phl-test/rounds/1/import/",
                {"form_id": "dtm_baseline", "file": handle, **fields},
            )

    job = upload()["Location"]
    page = client.get(job).content.decode()
    assert 'data-state="validated"' in page
    assert (
        '<p class="warning" id="repeats-removed">would remove 3 stored origins row(s) of 2 '
        "submission(s): the file brings none for them; the import will be refused unless they "
        "are cleared on purpose (--clear-repeats --reason TEXT)</p>"
    ) in page
    page = client.post(job + "confirm/", follow=True).content.decode()
    assert 'data-state="validated"' in page  # not started: a correction says why
    assert "This import changes 2 stored value(s): say why" in page
    assert database_fingerprint() == before
    client.post(job + "confirm/", {"reason": "origins re-collected"})
    page = client.get(job).content.decode()
    assert 'data-state="failed"' in page
    assert "importing it would remove 3 origins row(s) of 2 submission(s)" in page
    assert database_fingerprint() == before
    refused = upload(clear_repeats="on")
    assert refused.status_code == 200
    assert "Say why the stored origins are to be cleared" in refused.content.decode()
    job = upload(clear_repeats="on", reason="origins re-collected")["Location"]
    assert "(--clear-repeats)</p>" in client.get(job).content.decode()
    client.post(job + "confirm/")
    assert 'data-state="imported"' in client.get(job).content.decode()
    assert origins_stored() == []
    batch = ImportBatch.objects.latest("id")
    assert (batch.repeats_cleared, batch.reason) == (3, "origins re-collected")


def test_only_the_submissions_brought_without_origins_count(
    baseline_form, operation, round_, actor
) -> None:
    """A correction that changes one origin and drops another submission's: the drop alone is
    what needs asking for; the correction is logged as any other."""
    from tests.ingest.conftest import baseline_row
    from tests.ingest.test_services import commit

    rows = [baseline_row(1), baseline_row(2, adm3_pcode="PH0102802", adm4_pcode="PH0102802001")]
    origins = [
        {"_parent_row": 2, "origin_pcode": "PH03008", "origin_hh": 20, "origin_ind": 90},
        {"_parent_row": 3, "origin_pcode": "PH03008", "origin_hh": 5, "origin_ind": 20},
    ]
    commit(baseline_form, operation, round_, actor, rows, repeats={"origins": origins})
    before = database_fingerprint()
    fewer = [{**origins[0], "origin_ind": 95}]
    with pytest.raises(InvalidInput, match=r"would remove 1 origins row\(s\) of 1 submission\(s\)"):
        commit(baseline_form, operation, round_, actor, rows, repeats={"origins": fewer})
    assert database_fingerprint() == before
    result = commit(
        baseline_form, operation, round_, actor, rows, repeats={"origins": fewer},
        clear_repeats=True, reason="ba-2 had no IDPs from elsewhere",
    )  # fmt: skip
    assert result.rows_replaced == 2 and result.batch is not None
    assert result.batch.repeats_cleared == 1
    assert origins_stored() == [("ba-1", "PH03008", 20, 95)]
    assert list(
        CleaningLogEntry.objects.values_list("submission_id", "old_value", "new_value")
    ) == [("ba-1", "PH03008 20 90", "PH03008 20 95"), ("ba-2", "PH03008 5 20", None)]
