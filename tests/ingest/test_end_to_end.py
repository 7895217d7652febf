"""From files through the real export reader: a messy Kobo CSV, a correction, refusals, CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from django.test import Client

from opendtm.cli.main import cli
from opendtm.core.errors import InvalidInput
from opendtm.demo.faults import choice_labels, sites_spoil
from opendtm.demo.kobo_export import kobo_xlsx_write
from opendtm.demo.scenario import scenario_build
from opendtm.ingest.models import CleaningLogEntry, ImportBatch
from opendtm.ingest.services import import_commit
from opendtm.mobility.models import SiteAssessment
from tests.ingest.test_services import counts

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    target = tmp_path / "sites_messy.csv"
    shutil.copy(FIXTURES / "sites_messy.csv", target)
    return target


def test_messy_export(operation, round_, actor, messy) -> None:
    result = import_commit(
        operation=operation, round=round_, form_id="dtm_site", path=messy, actor=actor,
        report_path=None,
    )  # fmt: skip
    assert (result.rows_read, result.rows_accepted, result.rows_rejected, result.rows_flagged) == (
        6, 3, 3, 1,
    )  # fmt: skip
    report = messy.with_name("sites_messy.report.csv")
    assert result.report_path == report
    lines = report.read_text().splitlines()
    # Kobo's metadata columns (start, end, _validation_status) in one note, not one each; the
    # sex and age sum said once (consistency.sex_age_sum), not again as the form's expression.
    expected = (FIXTURES / "sites_messy.expected_report.csv").read_text().splitlines()
    assert lines == expected
    assert not any("${" in line or "coalesce(" in line for line in lines)
    stored = SiteAssessment.objects.order_by("submission_id")
    assert [(s.submission_id, s.site.site_id, s.site_type, s.admin_unit.pcode) for s in stored] == [
        ("uuid-a", "S-001", "evacuation_centre", "PH0102801001"),
        ("uuid-b", "S-002", "evacuation_centre", "PH0102801001"),
        ("uuid-e", "S-005", "evacuation_centre", "PH0102801001"),
    ]
    assert [s.flagged for s in stored] == [False, False, True]


def test_corrected_file_and_cli(operation, round_, actor, messy, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("OPENDTM_USER", actor.username)
    runner = CliRunner()
    first = runner.invoke(
        cli, ["import", "site", str(messy), "--operation", "phl-test", "--round", "1"]
    )
    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[:2] == [
        "sites_messy.csv (dtm_site): read 6, accepted 3, rejected 3, flagged 1",
        "new 3, replaced 0, unchanged 0, sites registered 3, values changed 0",
    ]
    again = runner.invoke(
        cli, ["import", "site", str(messy), "--operation", "phl-test", "--round", "1"]
    )
    assert "nothing changed" in again.output and ImportBatch.objects.count() == 1
    corrected = tmp_path / "sites_corrected.csv"
    shutil.copy(FIXTURES / "sites_corrected.csv", corrected)
    fixed = runner.invoke(
        cli,
        ["import", "site", str(corrected), "--operation", "phl-test", "--round", "1",
         "--reason", "recount on 12 Nov", "--report", str(tmp_path / "fix.xlsx")],
    )  # fmt: skip
    assert fixed.exit_code == 0, fixed.output
    assert fixed.output.splitlines()[:2] == [
        "sites_corrected.csv (dtm_site): read 1, accepted 1, rejected 0, flagged 0",
        "new 0, replaced 1, unchanged 0, sites registered 0, values changed 2",
    ]
    log_rows = CleaningLogEntry.objects.values_list(
        "submission_id", "field", "old_value", "new_value", "reason"
    )
    assert list(log_rows) == [
        ("uuid-a", "ind", "100", "110", "recount on 12 Nov"),
        ("uuid-a", "ind_f_18_59", "15", "25", "recount on 12 Nov"),
    ]  # fmt: skip
    log = runner.invoke(
        cli, ["cleaning-log", "--operation", "phl-test", "--round", "1", "--format", "csv"]
    )
    assert log.exit_code == 0, log.output
    rows = [line.split(",") for line in log.output.splitlines()]
    assert rows[0] == [
        "changed_at", "changed_by", "form_id", "submission_id", "field", "old_value",
        "new_value", "reason", "file",
    ]  # fmt: skip
    assert [r[1:] for r in rows[1:]] == [
        ["officer", "dtm_site", "uuid-a", "ind", "100", "110", "recount on 12 Nov",
         "sites_corrected.csv"],
        ["officer", "dtm_site", "uuid-a", "ind_f_18_59", "15", "25", "recount on 12 Nov",
         "sites_corrected.csv"],
    ]  # fmt: skip
    client = Client()
    client.force_login(actor)
    web = client.get("/o/phl-test/rounds/1/cleaning-log.csv")
    assert (web.status_code, web.content.decode()) == (200, log.output)  # the same columns
    table = runner.invoke(cli, ["cleaning-log", "--operation", "phl-test", "--round", "1"])
    lines = table.output.splitlines()
    assert lines[0].split() == rows[0]
    assert [line.split()[2:] for line in lines[1:]] == [
        ["officer", "dtm_site", "uuid-a", "ind", "100", "110", "recount", "on", "12", "Nov",
         "sites_corrected.csv"],
        ["officer", "dtm_site", "uuid-a", "ind_f_18_59", "15", "25", "recount", "on", "12",
         "Nov", "sites_corrected.csv"],
    ]  # fmt: skip
    assert len({line.index("sites_corrected.csv") for line in lines[1:]}) == 1


def test_dry_run_from_the_cli_writes_nothing(operation, round_, actor, messy, monkeypatch) -> None:
    monkeypatch.setenv("OPENDTM_USER", actor.username)
    before = counts()
    out = CliRunner().invoke(
        cli, ["import", "site", str(messy), "--operation", "phl-test", "--round", "1", "--dry-run"]
    )
    assert out.exit_code == 0, out.output
    assert out.output.startswith("dry run, nothing written: sites_messy.csv (dtm_site): read 6")
    assert counts() == before
    assert messy.with_name("sites_messy.report.csv").exists()


def test_not_an_export_is_refused_whole(operation, round_, actor, tmp_path, monkeypatch) -> None:
    image = tmp_path / "photo.xlsx"
    shutil.copy(FIXTURES / "not_an_export.xlsx", image)
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        import_commit(
            operation=operation, round=round_, form_id="dtm_site", path=image, actor=actor,
        )  # fmt: skip
    assert "photo.xlsx" in str(refused.value)
    assert counts() == before
    assert not image.with_name("photo.report.csv").exists()
    monkeypatch.setenv("OPENDTM_USER", actor.username)
    out = CliRunner().invoke(
        cli, ["import", "site", str(image), "--operation", "phl-test", "--round", "1"]
    )
    assert out.exit_code == 1
    assert len(out.output.strip().splitlines()) == 1 and out.output.startswith("error: ")
    assert "Traceback" not in out.output


def test_demo_sites_repeated_four_times_are_read_not_a_panic(
    operation, round_, actor, site_form, tmp_path
) -> None:
    """The demo's round-1 site export (as a CSV, its rows four times over) made Polars panic in
    the sex-and-age rule: a retyped column was in pieces unlike the others (issue 11)."""
    sites = scenario_build(seed=7).rounds[0].sites
    spoiled = sites_spoil(sites, rng=np.random.default_rng(1), labels=choice_labels(site_form))
    book = kobo_xlsx_write(form=site_form, records=spoiled.records, path=tmp_path / "s.xlsx")
    rows = pl.read_excel(book, infer_schema_length=0)
    path = tmp_path / "sites_x4.csv"
    pl.concat([rows] * 4).write_csv(path)
    result = import_commit(
        operation=operation, round=round_, form_id="dtm_site", path=path, actor=actor,
        report_path=None, dry_run=True,
    )  # fmt: skip
    assert (result.rows_read, result.rows_accepted) == (4 * rows.height, 0)
    assert not ImportBatch.objects.exists() and not SiteAssessment.objects.exists()


def site_lines(rows: list[tuple[str, str, str | None]]) -> list[str]:
    """The messy export's first (valid) row once per (site, submission, and if given the
    count put in hh, ind and ind_f_18_59, the other sex-and-age groups 0)."""
    header, first = (FIXTURES / "sites_messy.csv").read_text().splitlines()[:2]
    cells = first.split(",")
    lines = [header]
    for site, uuid, count in rows:
        row = list(cells)
        row[4], row[28] = site, uuid
        if count is not None:
            row[15:25] = ["0"] * 10
            row[13] = row[14] = row[18] = count
        lines.append(",".join(row))
    return lines


def test_counts_beyond_the_bound_are_rejected_and_the_figures_stay_right(
    operation, round_, actor, tmp_path
) -> None:
    """Two sites of 2^62 people made the published round show -9,223,372,036,854,745,668."""
    huge = str(2**62)
    path = tmp_path / "huge.csv"
    rows = [("S-001", "uuid-a", None), ("S-002", "uuid-b", huge), ("S-003", "uuid-c", huge)]
    path.write_text("\n".join(site_lines(rows)) + "\n")
    result = import_commit(
        operation=operation, round=round_, form_id="dtm_site", path=path, actor=actor,
        report_path=None,
    )  # fmt: skip
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (3, 1, 2)
    out_of_range = result.issues.filter(pl.col("rule") == "value.out_of_range")
    assert out_of_range.select("row", "field").rows() == [
        (3, "hh"), (3, "ind"), (3, "ind_f_18_59"), (4, "hh"), (4, "ind"), (4, "ind_f_18_59"),
    ]  # fmt: skip
    assert list(SiteAssessment.objects.values_list("site__site_id", "hh", "ind")) == [
        ("S-001", 20, 100)
    ]


def test_a_round_holds_at_most_round_rows_max_rows(
    operation, round_, actor, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr("opendtm.ingest.rules.ROUND_ROWS_MAX", 2)
    first = tmp_path / "two.csv"
    first.write_text("\n".join(site_lines([("S-001", "u1", None), ("S-002", "u2", None)])) + "\n")
    import_commit(
        operation=operation, round=round_, form_id="dtm_site", path=first, actor=actor,
        report_path=None,
    )  # fmt: skip
    before = counts()
    more = tmp_path / "more.csv"
    more.write_text("\n".join(site_lines([("S-001", "u1", None), ("S-003", "u3", None)])) + "\n")
    with pytest.raises(InvalidInput) as refused:
        import_commit(
            operation=operation, round=round_, form_id="dtm_site", path=more, actor=actor,
            report_path=None,
        )  # fmt: skip
    assert str(refused.value) == (
        "more.csv: the round would hold 3 site assessments, more than 2, the most one round "
        "holds. Nothing was imported. Check that the file is the export of one round, or split "
        "it between rounds."
    )
    assert counts() == before and not more.with_name("more.report.csv").exists()


def test_excel_error_cells_reject_their_rows_with_one_line_each(
    operation, round_, actor, messy, tmp_path
) -> None:
    import xlsxwriter

    lines = messy.read_text().splitlines()
    header, rows = lines[0].split(","), [line.split(",") for line in lines[1:3]]
    path = tmp_path / "sites.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("sites")
    for c, name in enumerate(header):
        sheet.write_string(0, c, name)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    hh, need = header.index("population/hh"), header.index("needs/priority_need_2")
    sheet.write_formula(2, hh, "=1/0", None, "#DIV/0!")  # as Excel saves a formula that failed
    sheet.write_formula(2, need, "=VLOOKUP(A3,B:B,2,0)", None, "#N/A")
    book.close()
    result = import_commit(
        operation=operation, round=round_, form_id="dtm_site", path=path, actor=actor,
        report_path=None,
    )  # fmt: skip
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (2, 1, 1)
    assert result.issues.filter(pl.col("row") == 3).drop("sheet").rows() == [
        (3, "uuid-b", "hh", "#DIV/0!", "type.excel_error", "error",
         "hh: the cell holds Excel's error #DIV/0!, not a value; replace the formula by the value"),
        (3, "uuid-b", "priority_need_2", "#N/A", "type.excel_error", "error",
         "priority_need_2: the cell holds Excel's error #N/A, not a value; replace the formula "
         "by the value"),
    ]  # fmt: skip
    assert list(SiteAssessment.objects.values_list("submission_id", flat=True)) == ["uuid-a"]


def test_a_damaged_workbook_is_one_line_and_writes_nothing(
    operation, round_, actor, tmp_path, monkeypatch
) -> None:
    data = bytearray((Path(__file__).parents[1] / "forms/fixtures/site_legacy.xls").read_bytes())
    data[1424] = 128  # calamine panics on it (pyo3's PanicException, not an Exception)
    damaged = tmp_path / "sites.xls"
    damaged.write_bytes(bytes(data))
    before = counts()
    monkeypatch.setenv("OPENDTM_USER", actor.username)
    out = CliRunner().invoke(
        cli, ["import", "site", str(damaged), "--operation", "phl-test", "--round", "1"]
    )
    assert (out.exit_code, out.output) == (
        1,
        "error: sites.xls is damaged or is not an Excel workbook. Export it again (or open it "
        "in Excel and save it again as an Excel workbook) and import that.\n",
    )
    assert counts() == before
    assert not damaged.with_name("sites.report.csv").exists()


def test_a_workbook_of_empty_sheets_is_refused_in_one_line(
    operation, round_, actor, tmp_path
) -> None:
    """Both sheets of a baseline workbook empty, not even a header (the hostile corpus)."""
    import xlsxwriter

    path = tmp_path / "baseline.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("DTM baseline (location) assessm")  # the title cut, as Kobo
    book.add_worksheet("origins")
    book.close()
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        import_commit(
            operation=operation, round=round_, form_id="dtm_baseline", path=path, actor=actor,
            report_path=None,
        )  # fmt: skip
    assert str(refused.value) == (
        "baseline.xlsx is empty: sheet 'DTM baseline (location) assessm' has no columns."
    )
    assert counts() == before


def test_the_cli_dry_run_of_a_correction_lists_what_would_change(
    operation, round_, actor, messy, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("OPENDTM_USER", actor.username)
    runner = CliRunner()
    args = ["--operation", "phl-test", "--round", "1"]
    assert runner.invoke(cli, ["import", "site", str(messy), *args]).exit_code == 0
    corrected = tmp_path / "sites_corrected.csv"
    shutil.copy(FIXTURES / "sites_corrected.csv", corrected)
    dry = runner.invoke(cli, ["import", "site", str(corrected), *args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output.splitlines()[-3:] == [
        "2 stored value(s) would change (old -> new):",
        "  uuid-a ind: 100 -> 110",
        "  uuid-a ind_f_18_59: 15 -> 25",
    ]
    refused = runner.invoke(cli, ["import", "site", str(corrected), *args])
    assert refused.exit_code != 0
    assert "error: This import changes 2 stored value(s): say why" in refused.output
    assert CleaningLogEntry.objects.count() == 0


def test_kobo_and_odk_metadata_columns_are_one_note(operation, round_, actor, tmp_path) -> None:
    from opendtm.demo.kobo_export import MAIN_META, REPEAT_META
    from opendtm.forms.queries import form_spec_get
    from opendtm.ingest.issues import is_metadata_column

    site = form_spec_get(form_id="dtm_site")
    central = [
        "SubmitterID",
        "SubmitterName",
        "AttachmentsPresent",
        "ReviewState",
        "meta-instanceName",
    ]
    for column in ["start", "end", "deviceid", *MAIN_META, *REPEAT_META, *central]:
        assert is_metadata_column(column, site), column
    assert not is_metadata_column("population/households_typo", site)
    text = (FIXTURES / "sites_messy.csv").read_text().splitlines()
    head = text[0] + ",_notes,deviceid,_tags,my_extra"
    path = tmp_path / "kobo.csv"
    path.write_text("\n".join([head, *(line + ",,d1,,x" for line in text[1:])]) + "\n")
    result = import_commit(
        operation=operation, round=round_, form_id="dtm_site", path=path, actor=actor,
        dry_run=True,
    )  # fmt: skip
    ignored = result.issues.filter(pl.col("rule").str.starts_with("column."))
    assert ignored.select("rule", "field", "message").rows() == [
        ("column.metadata", "", "6 column(s) of submission metadata that KoboToolbox or ODK "
         "adds were ignored (not answers): start, end, _validation_status, _notes, deviceid, "
         "_tags"),
        ("column.ignored", "my_extra", "column 'my_extra' is not a field of form dtm_site; it "
         "was ignored"),
    ]  # fmt: skip
