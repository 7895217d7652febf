"""`opendtm import ett`: a Kobo-style export of dtm_ett through the one import path (reader,
validation with a reason per row, bulk store, report), idempotent, corrections logged."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from opendtm.cli.main import cli
from opendtm.core.errors import InvalidInput
from opendtm.events.models import Event
from opendtm.ingest.models import CleaningLogEntry, ImportBatch, ImportIssue
from opendtm.ingest.services import import_commit
from tests.events.conftest import FIXTURES
from tests.factories import RoundFactory

REFUSALS = [
    (4, "uuid-e3", "displaced_ind", "consistency.households",
     "80 individuals displaced cannot be fewer than the 100 households displaced"),
    (5, "uuid-e4", "from_pcode", "gazetteer.unknown_pcode",
     "PH9999 is not a P-code or known alternative code of PHL"),
    (6, "uuid-e5", "to_site_id", "event.unknown_site",
     "S-404 is not a site of the operation's registry (the place displaced to); register it "
     "first or give the P-code of the place"),
    (7, "uuid-e6", "event_date", "form.constraint",
     "event_date: The event date cannot be in the future nor after the report date. "
     "(got 2099-01-01)"),
    (8, "uuid-e7", "priority_need_2", "event.need_repeated",
     "shelter is already the need ranked 1: the three ranked needs are distinct"),
    (9, "uuid-e8", "from_site_id", "event.place_twice",
     "the place displaced from is either a P-code (from_pcode) or a site of the registry "
     "(from_site_id), not both"),
    (10, "uuid-e9", "event_date", "event.after_report",
     "the event (2026-11-30) cannot be after the report about it (2026-11-25)"),
    (11, "uuid-e10", "from_pcode", "gazetteer.origin_level",
     "PH01 is an admin level 1 unit; the place displaced from is admin level 2 or finer"),
]  # fmt: skip


def test_kobo_export_imports_to_exact_counts_and_values(operation, site, actor, ett_file) -> None:
    result = import_commit(
        operation=operation, round=None, form_id="dtm_ett", path=ett_file, actor=actor
    )
    assert result.summary_lines()[:2] == [
        "ett_kobo.csv (dtm_ett): read 10, accepted 2, rejected 8, flagged 0",
        "new 2, replaced 0, unchanged 0, sites registered 0, values changed 0",
    ]
    flood, typhoon = Event.objects.order_by("submission_id")
    assert (flood.submission_id, flood.event_type, flood.event_date, flood.admin_unit.pcode) == (
        "uuid-e1", "flood", dt.date(2026, 11, 20), "PH0102801",
    )  # fmt: skip
    assert (flood.count_method, flood.displaced_hh, flood.displaced_ind) == ("counted", 50, 240)
    assert (flood.from_unit.pcode, flood.from_site, flood.to_unit, flood.to_site) == (
        "PH0102801001", None, None, site,
    )  # fmt: skip
    assert (flood.dead, flood.injured, flood.missing) == (0, 2, 1)
    assert flood.vulnerabilities == ["pwd", "older"]
    assert flood.needs == ["shelter", "food", "water"]
    assert (flood.source_type, flood.source_reliability) == ("authorities", "confirmed")
    assert (flood.shelter, flood.nationality, flood.source_row) == (
        "evacuation_centre", "nationals", 2,
    )  # fmt: skip
    assert (typhoon.event_type, typhoon.admin_unit.pcode, typhoon.displaced_hh) == (
        "typhoon", "PH03008", None,
    )  # fmt: skip
    assert (typhoon.count_method, typhoon.displaced_ind, typhoon.to_unit.pcode) == (
        "estimated", 1000, "PH0300801001",
    )  # fmt: skip
    assert (typhoon.vulnerabilities, typhoon.needs, typhoon.dead) == ([], ["food"], None)
    batch = ImportBatch.objects.get()
    assert (batch.round, batch.form_id, batch.rows_read, batch.rows_rejected) == (
        None, "dtm_ett", 10, 8,
    )  # fmt: skip
    assert flood.batch == batch and typhoon.batch == batch
    assert flood.created_by == actor


def test_every_refusal_gives_its_reason_in_the_report(operation, site, actor, ett_file) -> None:
    result = import_commit(
        operation=operation, round=None, form_id="dtm_ett", path=ett_file, actor=actor
    )
    errors = result.issues.filter(result.issues["severity"] == "error")
    assert [
        (r["row"], r["submission_id"], r["field"], r["rule"], r["message"])
        for r in errors.iter_rows(named=True)
    ] == REFUSALS
    report = ett_file.with_name("ett_kobo.report.csv").read_text().splitlines()
    assert len(report) == 1 + 1 + len(REFUSALS)  # header, the ignored metadata note, refusals
    stored = ImportIssue.objects.filter(severity="error").values_list("row", "rule")
    assert sorted(stored) == sorted((r[0], r[3]) for r in REFUSALS)


def test_dry_run_writes_nothing_but_the_report(operation, site, actor, ett_file) -> None:
    result = import_commit(
        operation=operation, round=None, form_id="dtm_ett", path=ett_file, actor=actor,
        dry_run=True,
    )  # fmt: skip
    assert (result.rows_new, result.rows_rejected) == (2, 8)
    assert Event.objects.count() == 0 and ImportBatch.objects.count() == 0
    assert ett_file.with_name("ett_kobo.report.csv").exists()


def test_reimport_is_idempotent_and_a_correction_is_logged(
    operation, site, actor, ett_file, tmp_path
) -> None:
    import_commit(operation=operation, round=None, form_id="dtm_ett", path=ett_file, actor=actor)
    again = import_commit(
        operation=operation, round=None, form_id="dtm_ett", path=ett_file, actor=actor
    )
    assert again.already_imported and (again.rows_new, again.rows_unchanged) == (0, 2)
    assert ImportBatch.objects.count() == 1 and Event.objects.count() == 2
    corrected = tmp_path / "ett_corrected.csv"
    text = (FIXTURES / "ett_kobo.csv").read_text().splitlines()
    fixed = text[1].replace(",50,240,", ",60,300,")
    corrected.write_text("\n".join([text[0], fixed]) + "\n")
    with pytest.raises(InvalidInput) as refused:
        import_commit(
            operation=operation, round=None, form_id="dtm_ett", path=corrected, actor=actor
        )
    assert str(refused.value).startswith("This import changes 2 stored value(s): say why")
    assert (
        ImportBatch.objects.count() == 1
        and not corrected.with_name("ett_corrected.report.csv").exists()
    )
    assert Event.objects.get(submission_id="uuid-e1").displaced_ind == 240
    done = import_commit(
        operation=operation, round=None, form_id="dtm_ett", path=corrected, actor=actor,
        reason="recount by the municipality",
    )  # fmt: skip
    assert (done.rows_new, done.rows_replaced, done.changes_logged) == (0, 1, 2)
    flood = Event.objects.get(submission_id="uuid-e1")
    assert (flood.displaced_hh, flood.displaced_ind, flood.batch) == (60, 300, done.batch)
    assert list(
        CleaningLogEntry.objects.values_list("round", "submission_id", "field", "old_value",
                                             "new_value", "reason")
    ) == [
        (None, "uuid-e1", "displaced_hh", "50", "60", "recount by the municipality"),
        (None, "uuid-e1", "displaced_ind", "240", "300", "recount by the municipality"),
    ]  # fmt: skip
    assert Event.objects.count() == 2


def test_events_take_no_round(operation, site, actor, ett_file) -> None:
    round_ = RoundFactory(operation=operation)
    with pytest.raises(InvalidInput) as refused:
        import_commit(
            operation=operation, round=round_, form_id="dtm_ett", path=ett_file, actor=actor
        )
    assert str(refused.value).startswith("dtm_ett records are dated, not tied to a round")
    assert Event.objects.count() == 0


def test_cli_import_ett(operation, site, actor, ett_file, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("OPENDTM_USER", actor.username)
    runner = CliRunner()
    report = tmp_path / "out" / "ett.report.xlsx"
    args = ["import", "ett", str(ett_file), "--operation", "phl-events"]
    dry = runner.invoke(cli, [*args, "--dry-run", "--report", str(report)])
    assert dry.exit_code == 0, dry.output
    assert dry.output.splitlines()[0] == (
        "dry run, nothing written: ett_kobo.csv (dtm_ett): read 10, accepted 2, rejected 8, "
        "flagged 0"
    )
    assert report.exists() and Event.objects.count() == 0
    done = runner.invoke(cli, args)
    assert done.exit_code == 0, done.output
    assert Event.objects.count() == 2
    with_round = runner.invoke(cli, [*args, "--round", "1"])
    assert with_round.exit_code != 0
    assert "Events are dated, not tied to a round: leave out --round." in with_round.output


def test_cli_round_still_required_for_baseline(operation, actor, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("OPENDTM_USER", actor.username)
    path = Path(shutil.copy(FIXTURES / "ett_kobo.csv", tmp_path / "ett.csv"))
    result = CliRunner().invoke(cli, ["import", "baseline", str(path), "--operation", "phl-events"])
    assert result.exit_code != 0
    assert "Say which round the baseline export goes into." in result.output


def test_a_kobo_xlsx_export_imports_to_exact_counts(operation, site, actor, tmp_path) -> None:
    from opendtm.demo.kobo_export import kobo_xlsx_write
    from opendtm.forms.queries import form_spec_get

    base = {
        "report_date": dt.date(2026, 11, 21), "enumerator_code": "FP01", "event_type": "flood",
        "event_date": dt.date(2026, 11, 20), "adm1_pcode": "PH01", "adm2_pcode": "PH01028",
        "count_method": "counted", "displaced_hh": 10, "displaced_ind": 45,
        "to_site_id": "S-001", "vulnerabilities": "uasc pwd", "source_type": "community",
        "source_reliability": "likely",
    }  # fmt: skip
    records = [
        base | {"_uuid": "x-1"},
        base | {"_uuid": "x-2", "event_type": "landslide", "to_site_id": None,
                "to_pcode": "PH0102802"},
        base | {"_uuid": "x-3", "vulnerabilities": "none pwd"},
    ]  # fmt: skip
    path = kobo_xlsx_write(
        form=form_spec_get(form_id="dtm_ett"), records=records, path=tmp_path / "ett.xlsx"
    )
    result = import_commit(
        operation=operation, round=None, form_id="dtm_ett", path=path, actor=actor
    )
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (3, 2, 1)
    (refused,) = result.issues.filter(result.issues["severity"] == "error").iter_rows(named=True)
    assert (refused["submission_id"], refused["field"], refused["rule"]) == (
        "x-3", "vulnerabilities", "form.constraint",
    )  # fmt: skip
    assert refused["message"] == (
        "vulnerabilities: 'None reported' cannot be combined with a group. (got none pwd)"
    )
    stored = {e.submission_id: e for e in Event.objects.all()}
    assert sorted(stored) == ["x-1", "x-2"]
    assert stored["x-1"].vulnerabilities == ["uasc", "pwd"] and stored["x-1"].to_site == site
    assert (stored["x-2"].event_type, stored["x-2"].to_unit.pcode) == ("landslide", "PH0102802")
