"""`opendtm import fmr`: a flow registry export through the one import path, with the flow
rules' reasons per row, idempotent re-imports and corrections."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from opendtm.accounts.models import AuditEvent
from opendtm.core.errors import InvalidInput
from opendtm.flows.models import FlowRecord
from opendtm.ingest.flows import flows_import_commit
from opendtm.ingest.models import ImportBatch, ImportIssue
from opendtm.ingest.rules.flows import iso_subdivision
from tests.flows.world import FlowWorld, flow_world_build

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def flow_world(db: None) -> FlowWorld:
    return flow_world_build()


HEADER = [
    "_uuid", "obs_date", "window_start", "window_end", "fmp_code", "direction", "group_size",
    "men", "women", "boys", "girls", "nationality", "prev_country", "prev_adm1", "prev_adm2",
    "next_country", "next_adm1", "next_adm2", "transport", "uac_count",
]  # fmt: skip
ROWS = [
    ["u1", "2026-03-02", "06:00:00.000+08:00", "18:00", "FMP-PORT", "incoming", "5", "2", "1",
     "1", "1", "PHL", "IRN", "Khorasan Razavi", "", "PHL", "PH01", "PH01001", "boat", "0"],
    ["u2", "2026-03-12", "", "", "FMP-PORT", "outgoing", "3", "", "", "", "", "", "", "", "",
     "", "", "", "", ""],
    ["u3", "2026-03-07", "", "", "FMP-BUS", "incoming", "4", "", "", "", "", "irn", "", "", "",
     "", "", "", "bus", ""],
    ["u4", "2026-03-03", "", "", "FMP-BUS", "outgoing", "2", "1", "", "", "", "", "", "", "",
     "", "", "", "", ""],
    ["u5", "2026-03-03", "", "", "FMP-NOPE", "incoming", "1", "", "", "", "", "", "", "", "",
     "", "", "", "", ""],
    ["u6", "2026-03-03", "", "", "FMP-BUS", "transit", "0", "", "", "", "", "", "", "", "", "",
     "", "", "", ""],
    ["u7", "2026-03-16", "", "", "FMP-PORT", "incoming", "6", "", "", "", "", "", "IRN",
     "Atlantis", "", "", "", "", "", ""],
    ["u8", "2026-03-16", "", "", "FMP-PORT", "incoming", "9", "", "", "", "", "", "PHL", "PH02",
     "PH01001", "", "", "", "", ""],
]  # fmt: skip


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _import(w: FlowWorld, path: Path, **kwargs: object):  # type: ignore[no-untyped-def]
    return flows_import_commit(
        operation=w.op, form_id="dtm_fmr", path=path, actor=w.admin, **kwargs
    )


def test_every_rule_gives_its_reason_and_accepted_rows_are_stored(
    flow_world: FlowWorld, tmp_path: Path
) -> None:
    w = flow_world
    result = _import(w, _write(tmp_path / "fmr.csv", ROWS))
    assert result.summary_lines()[:2] == [
        "fmr.csv (dtm_fmr): read 8, accepted 2, rejected 6, flagged 1",
        "new 2, replaced 0, unchanged 0, sites registered 0, values changed 0",
    ]
    lines = result.issues.filter(pl.col("row").is_not_null()).select(
        "row", "field", "rule", "severity", "message"
    )
    assert lines.rows() == [
        (3, "obs_date", "flow.point_inactive", "error",
         "point FMP-PORT was inactive on 2026-03-12 (since 2026-03-10: storm), so it counted "
         "nobody"),
        (4, "obs_date", "flow.outside_schedule", "warning",
         "2026-03-07 is a Saturday, not an observation day of point FMP-BUS"),
        (5, "group_size", "flow.sex_age_sum", "error",
         "men 1 + women (blank) + boys (blank) + girls (blank) make 1, not the group of 2"),
        (6, "fmp_code", "flow.point_unknown", "error",
         "point FMP-NOPE is not in the registry of flow monitoring points"),
        (7, "group_size", "form.constraint", "error",
         "group_size: A group has 1 to 10,000 people. (got 0)"),
        (8, "prev_adm1", "flow.place_unknown", "error",
         "prev_adm1: 'Atlantis' is not an ISO 3166-2 subdivision of IRN (give its code, e.g. "
         "IR-00, or its name)"),
        (9, "prev_adm1", "flow.place_unknown", "error",
         "prev_adm1: PH01001 is not an admin 2 unit of PH02 in the gazetteer"),
    ]  # fmt: skip
    records = {r.submission_id: r for r in FlowRecord.objects.all()}
    assert sorted(records) == ["u1", "u3"]
    u1 = records["u1"]
    assert (u1.point_id, u1.obs_date, u1.window_start, u1.window_end) == (
        w.port.pk,
        dt.date(2026, 3, 2),
        dt.time(6, 0),
        dt.time(18, 0),
    )
    assert (u1.group_size, u1.men, u1.women, u1.boys, u1.girls) == (5, 2, 1, 1, 1)
    assert (u1.prev_country, u1.prev_adm1, u1.next_adm1, u1.next_adm2) == (
        "IRN",
        "IR-09",
        "PH01",
        "PH01001",
    )
    assert (u1.uac_count, u1.pwd_count, u1.flagged) == (0, None, False)
    u3 = records["u3"]
    assert (u3.nationality, u3.men, u3.uac_count, u3.flagged) == ("IRN", None, None, True)
    batch = ImportBatch.objects.get()
    assert (batch.round_id, batch.rows_read, batch.rows_new) == (None, 8, 2)
    assert ImportIssue.objects.filter(batch=batch, severity="error").count() == 6
    assert (tmp_path / "fmr.report.csv").exists()


def test_the_same_file_again_stores_nothing(flow_world: FlowWorld, tmp_path: Path) -> None:
    path = _write(tmp_path / "fmr.csv", ROWS[:1])
    _import(flow_world, path)
    events = AuditEvent.objects.count()
    again = _import(flow_world, path)
    assert again.summary_lines()[1:3] == [
        "new 0, replaced 0, unchanged 1, sites registered 0, values changed 0",
        "this file was already imported into operation phl-fm: nothing changed",
    ]
    assert (ImportBatch.objects.count(), FlowRecord.objects.count()) == (1, 1)
    assert AuditEvent.objects.count() == events


def test_a_correction_needs_a_reason_and_replaces_the_record(
    flow_world: FlowWorld, tmp_path: Path
) -> None:
    _import(flow_world, _write(tmp_path / "fmr.csv", ROWS[:1]))
    fixed = [list(ROWS[0])]
    fixed[0][6], fixed[0][7] = "6", "3"  # group of 6, 3 men
    path = _write(tmp_path / "fixed.csv", fixed)
    with pytest.raises(InvalidInput) as refused:
        _import(flow_world, path)
    assert refused.value.message.startswith("This import changes 2 stored value(s)")
    assert FlowRecord.objects.get().group_size == 5
    dry = _import(flow_world, path, dry_run=True)
    assert dry.change_lines() == [
        "2 stored value(s) would change (old -> new):",
        "  u1 group_size: 5 -> 6",
        "  u1 men: 2 -> 3",
    ]
    done = _import(flow_world, path, reason="recount")
    assert (done.rows_replaced, done.rows_new) == (1, 0)
    assert (FlowRecord.objects.get().group_size, FlowRecord.objects.count()) == (6, 1)


def test_a_dry_run_writes_nothing(flow_world: FlowWorld, tmp_path: Path) -> None:
    result = _import(flow_world, _write(tmp_path / "fmr.csv", ROWS), dry_run=True)
    assert result.summary_lines()[0].startswith("dry run, nothing written: fmr.csv")
    assert (ImportBatch.objects.count(), FlowRecord.objects.count()) == (0, 0)


def test_places_abroad_resolve_through_iso_3166_2() -> None:
    assert [
        iso_subdivision("IRN", text)
        for text in ("Khorasan Razavi", "Razavi Khorasan", "ir-09", "09", "Tehrān", "Nowhere")
    ] == ["IR-09", "IR-09", "IR-09", "IR-09", "IR-23", None]


def test_cli_import_fmr(
    flow_world: FlowWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from opendtm.cli.main import cli

    monkeypatch.setenv("OPENDTM_USER", "lead")
    path = _write(tmp_path / "fmr.csv", ROWS[:2])
    args = ["import", "fmr", str(path), "--operation", "phl-fm"]
    result = CliRunner().invoke(cli, [*args, "--report", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "fmr.csv (dtm_fmr): read 2, accepted 1, rejected 1, flagged 0",
        "new 1, replaced 0, unchanged 0, sites registered 0, values changed 0",
        f"report: {tmp_path / 'r.xlsx'}",
    ]
    refused = CliRunner().invoke(cli, [*args, "--round", "1"])
    assert refused.stderr.splitlines() == [
        "error: import fmr takes no --round: flow records are dated, not tied to a round."
    ]
    assert FlowRecord.objects.count() == 1


def test_a_kobo_xlsx_export_imports_with_the_exact_counts(
    flow_world: FlowWorld, tmp_path: Path
) -> None:
    """Group paths in the headers, Kobo's metadata columns, date and number cells, a time as
    Excel's fraction of a day and one as ODK's text."""
    from tests.forms.workbooks import xlsx_write

    header = [
        "start", "end", "observation/obs_date", "observation/window_start",
        "observation/window_end", "observation/fmp_code", "observation/direction",
        "group/group_size", "group/men", "group/women", "group/boys", "group/girls",
        "journey/prev_country", "journey/prev_adm1", "_id", "_uuid", "_submission_time",
        "_validation_status", "_index",
    ]  # fmt: skip
    rows = [
        ["2026-03-02T06:01:00", "2026-03-02T06:05:00", D(2026, 3, 2), 0.25,
         "18:00:00.000+08:00", "FMP-PORT", "incoming", 3, 1, 1, 0, 1, "IRN", "IR-09", 11,
         "k1", "2026-03-02T06:06:00", "", 1],
        ["2026-03-11T06:01:00", "2026-03-11T06:05:00", D(2026, 3, 11), None, None,
         "FMP-PORT", "outgoing", 2, None, None, None, None, None, None, 12, "k2",
         "2026-03-11T06:06:00", "", 2],
        ["2026-03-03T06:01:00", "2026-03-03T06:05:00", D(2026, 3, 3), None, None, "FMP-BUS",
         "Transit", 4, None, None, None, None, None, None, 13, "k3", "2026-03-03T06:06:00",
         "", 3],
    ]  # fmt: skip
    path = xlsx_write(tmp_path / "kobo.xlsx", {"DTM flow monitoring registry": [header, *rows]})
    result = _import(flow_world, path)
    assert result.summary_lines()[:2] == [
        "kobo.xlsx (dtm_fmr): read 3, accepted 2, rejected 1, flagged 0",
        "new 2, replaced 0, unchanged 0, sites registered 0, values changed 0",
    ]
    assert result.issues.filter(pl.col("severity") == "error").select("row", "rule").rows() == [
        (3, "flow.point_inactive")
    ]
    k1 = FlowRecord.objects.get(submission_id="k1")
    assert (k1.window_start, k1.window_end, k1.prev_adm1, k1.boys) == (
        dt.time(6, 0),
        dt.time(18, 0),
        "IR-09",
        0,
    )
    assert FlowRecord.objects.get(submission_id="k3").direction == "transit"


def test_direction_at_a_border_point_is_checked(flow_world: FlowWorld, tmp_path: Path) -> None:
    from opendtm.flows.services import fmp_add

    w = flow_world
    fmp_add(
        operation=w.op,
        code="FMP-BORDER",
        name="Allen crossing",
        fmp_type="blue_border_sea",
        neighbour_iso3="IDN",
        admin_unit=w.units["PH02002"],
        observed_from=dt.time(6),
        observed_to=dt.time(18),
        active_from=dt.date(2026, 3, 1),
        actor=w.admin,
    )
    blank = [""] * (len(HEADER) - 7)
    rows = [
        ["b1", "2026-03-02", "", "", "FMP-BORDER", "incoming", "2", *blank],
        ["b2", "2026-03-02", "", "", "FMP-BORDER", "outgoing", "2", *blank],
        ["b3", "2026-03-02", "", "", "FMP-PORT", "incoming", "2", *blank],
    ]
    rows[0][HEADER.index("prev_country")] = "PHL"
    rows[0][HEADER.index("prev_adm1")] = "PH01"
    rows[1][HEADER.index("next_country")] = "IDN"
    rows[1][HEADER.index("next_adm1")] = "ID-JK"
    rows[2][HEADER.index("prev_country")] = "PHL"
    rows[2][HEADER.index("prev_adm1")] = "PH01"
    result = _import(w, _write(tmp_path / "border.csv", rows))
    assert (result.rows_accepted, result.rows_flagged) == (3, 1)
    assert result.issues.filter(pl.col("rule") == "flow.direction").select(
        "row", "message"
    ).rows() == [
        (2, "at border point FMP-BORDER, an incoming group enters PHL, yet its previous "
         "location is in PHL"),
    ]  # fmt: skip
    assert FlowRecord.objects.get(submission_id="b2").next_adm1 == "ID-JK"
