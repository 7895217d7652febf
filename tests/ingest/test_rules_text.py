"""Control characters in text: removed with a warning, shown as symbols in the report, the
same on SQLite and PostgreSQL (which refuses NUL in text) (issue 11 item 4)."""

from __future__ import annotations

from pathlib import Path

from opendtm.ingest.models import ImportBatch, ImportIssue
from opendtm.ingest.services import import_commit
from opendtm.mobility.models import SiteAssessment

FIXTURES = Path(__file__).parent / "fixtures"


def test_control_characters_are_removed_and_shown_in_the_report(
    operation, round_, actor, tmp_path
) -> None:
    header, first = (FIXTURES / "sites_messy.csv").read_text().splitlines()[:2]
    cells = first.split(",")
    clean = list(cells)
    dirty = list(cells)
    dirty[4], dirty[5], dirty[3], dirty[28] = (
        "S-002",
        "Adams\x00 school\x01",
        "E\x1b01",
        "uuid-\x00b",
    )
    bad_number = list(cells)
    bad_number[4], bad_number[28], bad_number[13] = "S-003", "uuid-c", "2\x000"
    path = tmp_path / "controls.csv"
    lines = [header + ",note\x00", *(",".join(r) + ",x" for r in (clean, dirty, bad_number))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_commit(
        operation=operation, round=round_, form_id="dtm_site", path=path, actor=actor,
        report_path=tmp_path / "controls.report.csv",
    )  # fmt: skip
    assert (result.rows_read, result.rows_accepted, result.rows_flagged) == (3, 2, 1)
    stored = SiteAssessment.objects.order_by("submission_id")
    assert [(s.submission_id, s.site_name, s.enumerator_code) for s in stored] == [
        ("uuid-a", "Adams school", "E01"),
        ("uuid-b", "Adams school", "E01"),
    ]
    assert stored[1].flagged
    lines = ImportIssue.objects.exclude(
        rule__in=["column.ignored", "column.metadata", "site.registered"]
    ).order_by("row", "field")
    assert [(i.row, i.field, i.value, i.rule, i.severity) for i in lines] == [
        (3, "_submission_id", "uuid-␀b", "text.control_removed", "warning"),
        (3, "enumerator_code", "E␛01", "text.control_removed", "warning"),
        (3, "site_name", "Adams␀ school␁", "text.control_removed", "warning"),
        (4, "hh", "2␀0", "type.integer", "error"),
    ]
    assert lines.get(field="site_name").message == (
        "site_name held control characters (shown as ␀, ␁ ...) that no answer holds; they "
        "were removed"
    )
    assert ImportIssue.objects.get(rule="column.ignored", field="note␀").message == (
        "column 'note␀' is not a field of form dtm_site; it was ignored"
    )
    assert "note␀" in ImportBatch.objects.get().ignored_columns
    report = (tmp_path / "controls.report.csv").read_text(encoding="utf-8")
    assert "\x00" not in report and "Adams␀ school␁" in report


def test_text_longer_than_its_column_is_a_row_error(operation, round_, actor, tmp_path) -> None:
    """A 150-character submission ID was stored by SQLite and crashed PostgreSQL's COPY."""
    header, first = (FIXTURES / "sites_messy.csv").read_text().splitlines()[:2]
    long_id, long_name = list(first.split(",")), list(first.split(","))
    long_id[4], long_id[28], long_id[3] = "S-002", "u" * 150, "e" * 101
    long_name[4], long_name[28], long_name[5] = "S-003", "uuid-c", "n" * 201
    path = tmp_path / "long.csv"
    path.write_text("\n".join([header, first, ",".join(long_id), ",".join(long_name)]) + "\n")
    result = import_commit(
        operation=operation, round=round_, form_id="dtm_site", path=path, actor=actor,
        report_path=None,
    )  # fmt: skip
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (3, 1, 2)
    assert list(SiteAssessment.objects.values_list("submission_id", flat=True)) == ["uuid-a"]
    lines = ImportIssue.objects.filter(rule="text.too_long").order_by("row", "field")
    assert [(i.row, i.submission_id, i.field, i.value, i.message) for i in lines] == [
        (3, "u" * 99 + "…", "_submission_id", "u" * 40 + "…",
         "_submission_id is 150 characters long; it holds at most 100"),
        (3, "u" * 99 + "…", "enumerator_code", "e" * 40 + "…",
         "enumerator_code is 101 characters long; it holds at most 100"),
        (4, "uuid-c", "site_name", "n" * 40 + "…",
         "site_name is 201 characters long; it holds at most 200"),
    ]  # fmt: skip
