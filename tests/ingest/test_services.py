"""The import service over built exports: storing, re-imports, corrections, refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opendtm.forms.spec import FormSpec
from opendtm.ingest.services import ImportResult, import_parsed_commit
from opendtm.operations.models import Operation, Round
from tests.ingest.builders import export_build, site_form_unconstrained


def commit(
    form: FormSpec,
    operation: Operation,
    round_: Round,
    actor: Any,
    rows: list[dict[str, Any]],
    *,
    report: Path | None = None,
    **kw: Any,
) -> ImportResult:
    dry_run = kw.pop("dry_run", False)
    reason = kw.pop("reason", "")
    clear_repeats = kw.pop("clear_repeats", False)
    return import_parsed_commit(
        operation=operation,
        round=round_,
        parsed=export_build(form, rows, **kw),
        actor=actor,
        report_path=report,
        dry_run=dry_run,
        reason=reason,
        clear_repeats=clear_repeats,
    )


import datetime as dt  # noqa: E402

import pytest  # noqa: E402
from django.utils import timezone  # noqa: E402

from opendtm.accounts.models import AuditEvent  # noqa: E402
from opendtm.core.errors import Conflict, InvalidInput, PermissionDenied  # noqa: E402
from opendtm.forms.spec import Field  # noqa: E402
from opendtm.ingest.models import (  # noqa: E402
    CleaningLogEntry,
    ImportBatch,
    ImportFile,
    ImportFileChunk,
    ImportIssue,
)
from opendtm.ingest.queries import raw_row  # noqa: E402
from opendtm.mobility.models import BaselineAssessment, BaselineOrigin, SiteAssessment  # noqa: E402
from opendtm.operations.choices import RoundStatus  # noqa: E402
from opendtm.operations.models import Site  # noqa: E402
from tests.factories import UserFactory  # noqa: E402
from tests.ingest.conftest import baseline_row, site_row  # noqa: E402


def counts() -> dict[str, int]:
    return {
        "batches": ImportBatch.objects.count(),
        "issues": ImportIssue.objects.count(),
        "sites": SiteAssessment.objects.count(),
        "baselines": BaselineAssessment.objects.count(),
        "origins": BaselineOrigin.objects.count(),
        "log": CleaningLogEntry.objects.count(),
        "registry": Site.objects.count(),
        "audit": AuditEvent.objects.filter(action="import.commit").count(),
        "files": ImportFile.objects.count(),
        "chunks": ImportFileChunk.objects.count(),
    }


ROWS = [site_row(1), site_row(2, site_id="S-002"), site_row(3, site_id="S-003", hh=500)]


def test_commit_stores_rows_batch_report_and_registers_sites(
    site_form, operation, round_, actor, tmp_path
) -> None:
    report = tmp_path / "sites.report.csv"
    result = commit(site_form, operation, round_, actor, ROWS, report=report)
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (3, 2, 1)
    assert (result.rows_new, result.rows_replaced, result.rows_unchanged) == (2, 0, 0)
    assert result.sites_registered == 2
    batch = result.batch
    assert batch is not None
    assert (batch.rows_read, batch.rows_accepted, batch.rows_rejected, batch.rows_new) == (
        3, 2, 1, 2,
    )  # fmt: skip
    assert batch.imported_by == actor and batch.form_version == "2026.1"
    stored = SiteAssessment.objects.order_by("submission_id")
    assert [(s.submission_id, s.site.site_id, s.ind, s.batch_id) for s in stored] == [
        ("site-1", "S-001", 100, batch.pk),
        ("site-2", "S-002", 100, batch.pk),
    ]
    first = stored[0]
    assert first.diseases == ["diarrhoea", "fever"]
    assert first.site_management is True and first.cfm is False
    assert first.assessment_date == dt.date(2026, 11, 10)
    assert first.admin_unit.pcode == "PH0102801001" and first.extra == {}
    assert (first.source_sheet, first.source_row) == ("export.csv", 2)
    assert raw_row(user=actor, record=first)["hh"] == "20"
    assert sorted(Site.objects.values_list("site_id", "admin_unit__pcode")) == [
        ("S-001", "PH0102801001"),
        ("S-002", "PH0102801001"),
    ]
    assert report.read_text().splitlines() == [
        "sheet,row,submission_id,field,value,rule,severity,message",
        "export.csv,2,site-1,site_id,S-001,site.registered,warning,site S-001 is not in the "
        "registry: it will be registered from this row in PH0102801001",
        "export.csv,3,site-2,site_id,S-002,site.registered,warning,site S-002 is not in the "
        "registry: it will be registered from this row in PH0102801001",
        # the form's `. >= ${hh}` on ind says what consistency.hh_le_ind says: one line
        "export.csv,4,site-3,hh,500,consistency.hh_le_ind,error,hh 500 is more than ind 100",
    ]
    assert ImportIssue.objects.filter(batch=batch).count() == 3
    assert counts()["audit"] == 1


def test_same_file_twice_changes_nothing(site_form, operation, round_, actor) -> None:
    commit(site_form, operation, round_, actor, ROWS)
    before = counts()
    again = commit(site_form, operation, round_, actor, ROWS)
    assert counts() == before
    assert again.already_imported and again.batch is None
    assert (again.rows_new, again.rows_replaced, again.rows_unchanged) == (0, 0, 2)
    assert "already imported" in again.summary_lines()[-1]


def test_corrected_file_replaces_rows_and_logs_every_change(
    site_form, operation, round_, actor
) -> None:
    commit(site_form, operation, round_, actor, ROWS)
    kept = SiteAssessment.objects.get(submission_id="site-2").pk
    corrected = [
        site_row(1, taps=3, diseases=["fever"], cfm="yes"),
        site_row(2, site_id="S-002"),
        site_row(3, site_id="S-003", hh=10),
    ]
    result = commit(site_form, operation, round_, actor, corrected, reason="field team recount")
    assert (result.rows_new, result.rows_replaced, result.rows_unchanged) == (1, 1, 1)
    log = CleaningLogEntry.objects.order_by("id")
    assert [(e.submission_id, e.field, e.old_value, e.new_value) for e in log] == [
        ("site-1", "taps", "2", "3"),
        ("site-1", "diseases", "diarrhoea fever", "fever"),
        ("site-1", "cfm", "no", "yes"),
    ]
    assert {(e.changed_by, e.reason, e.batch) for e in log} == {
        (actor, "field team recount", result.batch)
    }
    assert SiteAssessment.objects.get(submission_id="site-2").pk == kept  # untouched
    fixed = SiteAssessment.objects.get(submission_id="site-1")
    assert (fixed.taps, fixed.diseases, fixed.cfm, fixed.batch) == (
        3,
        ["fever"],
        True,
        result.batch,
    )
    assert SiteAssessment.objects.count() == 3


def test_dry_run_writes_nothing_but_the_report(
    site_form, operation, round_, actor, tmp_path
) -> None:
    before = counts()
    report = tmp_path / "check.xlsx"
    result = commit(site_form, operation, round_, actor, ROWS, report=report, dry_run=True)
    assert counts() == before
    assert result.dry_run and result.batch is None
    assert (result.rows_new, result.sites_registered, result.rows_rejected) == (2, 2, 1)
    import polars as pl

    sheet = pl.read_excel(report)
    assert sheet.columns == [
        "sheet", "row", "submission_id", "field", "value", "rule", "severity", "message",
    ]  # fmt: skip
    assert sheet.get_column("rule").to_list() == [
        "import.dry_run", "site.registered", "site.registered", "consistency.hh_le_ind",
    ]  # fmt: skip
    assert sheet.row(0) == (
        None, None, None, None, None, "import.dry_run", "warning",
        "dry run: nothing was imported; these are the lines an import of this file would report",
    )  # fmt: skip


def test_published_round_refuses_before_anything(site_form, operation, round_, actor) -> None:
    round_.status = RoundStatus.PUBLISHED
    round_.published_at = timezone.now()
    round_.save()
    before = counts()
    with pytest.raises(Conflict, match="is published and read-only"):
        commit(site_form, operation, round_, actor, ROWS)
    assert counts() == before


def test_a_viewer_may_not_import(site_form, operation, round_) -> None:
    with pytest.raises(PermissionDenied):
        commit(site_form, operation, round_, UserFactory(), ROWS)
    assert counts()["batches"] == 0


def test_database_failure_half_way_leaves_nothing(operation, round_, actor) -> None:
    """An operation's form without the `. >= 0` constraint lets a negative count through to the
    database, whose check constraint fails after the batch, the sites and the rows were sent."""
    loose = site_form_unconstrained("showers")
    rows = [site_row(1), site_row(2, site_id="S-002", showers=-2)]
    before = counts()
    with pytest.raises(InvalidInput, match="Nothing was written"):
        commit(loose, operation, round_, actor, rows)
    assert counts() == before


def test_baseline_with_origins_and_extra_fields(baseline_form, operation, round_, actor) -> None:
    extended = type(baseline_form)(
        form_id=baseline_form.form_id,
        version="op-2",
        title=baseline_form.title,
        fields=(*baseline_form.fields, Field(name="host_families", type="integer")),
        choices=baseline_form.choices,
        repeats=baseline_form.repeats,
    )
    rows = [
        baseline_row(1, host_families=12),
        baseline_row(2, adm3_pcode="PH0102802", adm4_pcode="0102801001"),  # parent mismatch
    ]
    origins = [
        {"_parent_row": 2, "origin_pcode": "PH03008", "origin_hh": 20, "origin_ind": 90},
        {"_parent_row": 2, "origin_pcode": "ph0300801", "origin_hh": 10, "origin_ind": 50},
        {"_parent_row": 3, "origin_pcode": "PH03008", "origin_hh": 1, "origin_ind": 5},
    ]
    result = commit(extended, operation, round_, actor, rows, repeats={"origins": origins})
    assert (result.rows_accepted, result.rows_rejected) == (1, 1)
    stored = BaselineAssessment.objects.get()
    assert (stored.location.pcode, stored.idp_ind, stored.idp_present) == (
        "PH0102801001",
        180,
        True,
    )
    assert stored.extra == {"host_families": 12}
    assert stored.priority_needs == ["shelter", "food"]
    assert sorted(stored.origins.values_list("origin__pcode", "origin_hh", "origin_ind")) == [
        ("PH03008", 20, 90),
        ("PH0300801", 10, 50),
    ]
    # a correction of one origin only is a change of the submission
    origins[1]["origin_ind"] = 60
    again = commit(
        extended, operation, round_, actor, rows, repeats={"origins": origins}, reason="recount"
    )
    assert (again.rows_replaced, again.rows_unchanged) == (1, 0)
    assert list(CleaningLogEntry.objects.values_list("field", "old_value", "new_value")) == [
        ("origins", "PH03008 20 90; PH0300801 10 50", "PH03008 20 90; PH0300801 10 60")
    ]
    assert BaselineOrigin.objects.count() == 2


LINK = '=HYPERLINK("http://x","Click me")'
CMD = "@SUM(1+1)*cmd|' /C calc'!A0"


def test_report_values_that_are_formulas_come_out_as_text(
    site_form, operation, round_, actor, tmp_path
) -> None:
    rows = [site_row(1, site_id=LINK), site_row(2, site_id=CMD), site_row(3, hh=-12)]
    report = tmp_path / "sites.report.csv"
    commit(site_form, operation, round_, actor, rows, report=report)
    assert report.read_text().splitlines()[:4] == [
        "sheet,row,submission_id,field,value,rule,severity,message",
        'export.csv,2,site-1,site_id,"\'=HYPERLINK(""http://x"",""Click me"")",'
        "form.constraint,error,\"site_id: Letters, digits, '-', '_' or '.' only, without "
        'spaces. (got =HYPERLINK(""http://x"",""Click me""))"',
        "export.csv,3,site-2,site_id,'@SUM(1+1)*cmd|' /C calc'!A0,form.constraint,error,"
        "\"site_id: Letters, digits, '-', '_' or '.' only, without spaces. "
        "(got @SUM(1+1)*cmd|' /C calc'!A0)\"",
        "export.csv,4,site-3,hh,-12,form.constraint,error,"
        '"hh: A count cannot be negative. It cannot be more than 1,000,000. (got -12)"',
    ]
    workbook = tmp_path / "sites.report.xlsx"
    commit(site_form, operation, round_, actor, rows, report=workbook, dry_run=True)
    import openpyxl

    sheet = openpyxl.load_workbook(workbook)["report"]
    assert sheet["F2"].value == "import.dry_run"  # the dry run's report says so first
    assert [(c.value, c.data_type) for c in sheet["E"][2:5]] == [
        ("'" + LINK, "s"),
        ("'" + CMD, "s"),
        ("-12", "s"),  # the report's value column is text: kept as the file had it
    ]
    assert (sheet["B3"].value, sheet["B3"].data_type) == (2, "n")


def test_cleaning_log_values_that_are_formulas_come_out_as_text(
    site_form, operation, round_, actor
) -> None:
    from opendtm.ingest.cleaning_log import cleaning_log_as_csv, cleaning_log_rows
    from opendtm.ingest.queries import cleaning_log

    commit(site_form, operation, round_, actor, [site_row(1)])
    commit(site_form, operation, round_, actor, [site_row(1, site_name=LINK)], reason=CMD)
    text = cleaning_log_as_csv(cleaning_log_rows(cleaning_log(user=actor, round_=round_)))
    when = CleaningLogEntry.objects.get().changed_at.strftime("%Y-%m-%d %H:%M:%S")
    assert text == (
        "changed_at,changed_by,form_id,submission_id,field,old_value,new_value,reason,file\n"
        f"{when},officer,dtm_site,site-1,site_name,Site 1,"
        '"\'=HYPERLINK(""http://x"",""Click me"")",\'@SUM(1+1)*cmd|\' /C calc\'!A0,'
        "export.csv\n"
    )


def test_a_dry_run_lists_the_changes_and_the_import_needs_their_reason(
    site_form, operation, round_, actor, tmp_path
) -> None:
    commit(site_form, operation, round_, actor, ROWS)
    corrected = [site_row(1, taps=3), site_row(2, site_id="S-002", cfm="yes")]
    report = tmp_path / "fix.report.csv"
    dry = commit(site_form, operation, round_, actor, corrected, dry_run=True, report=report)
    assert dry.changes.rows() == [("site-1", "taps", "2", "3"), ("site-2", "cfm", "no", "yes")]
    assert dry.change_lines() == [
        "2 stored value(s) would change (old -> new):",
        "  site-1 taps: 2 -> 3",
        "  site-2 cfm: no -> yes",
    ]
    assert (tmp_path / "fix.changes.csv").read_text().splitlines() == [
        "submission_id,field,old_value,new_value",
        "site-1,taps,2,3",
        "site-2,cfm,no,yes",
    ]
    before = counts()
    for reason in ("", "  \n"):
        with pytest.raises(InvalidInput, match=r"changes 2 stored value\(s\): say why"):
            commit(site_form, operation, round_, actor, corrected, reason=reason)
        assert counts() == before
    done = commit(site_form, operation, round_, actor, corrected, reason="recount")
    assert done.changes.height == 2 and CleaningLogEntry.objects.count() == 2


def test_a_file_of_the_other_form_says_what_it_looks_like(
    operation, round_, actor, tmp_path
) -> None:
    from opendtm.ingest.services import import_commit

    fixture = Path(__file__).parent / "fixtures" / "sites_messy.csv"
    path = tmp_path / "sites.csv"
    path.write_bytes(fixture.read_bytes())
    result = import_commit(
        operation=operation, round=round_, form_id="dtm_baseline", path=path, actor=actor,
        dry_run=True,
    )  # fmt: skip
    assert (result.rows_accepted, result.looks_like) == (0, "DTM site assessment")
    assert result.summary_lines()[2] == (
        "no row was accepted: this looks like an export of the DTM site assessment"
    )
    right = import_commit(
        operation=operation, round=round_, form_id="dtm_site", path=path, actor=actor,
        dry_run=True,
    )  # fmt: skip
    assert right.looks_like is None
