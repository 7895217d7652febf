"""`opendtm events list|confirm`: the imported Kobo-style events in each format."""

from __future__ import annotations

import json

import hxl
from click.testing import CliRunner

from opendtm.cli.main import cli
from opendtm.events.exports import COLUMNS
from opendtm.ingest.services import import_commit
from tests.factories import RoundFactory


def test_events_list_formats(operation, site, actor, ett_file, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("OPENDTM_USER", actor.username)
    import_commit(operation=operation, round=None, form_id="dtm_ett", path=ett_file, actor=actor)
    runner = CliRunner()
    args = ["events", "list", "--operation", "phl-events"]
    table = runner.invoke(cli, args)
    assert table.exit_code == 0, table.output
    assert [line.split() for line in table.output.splitlines()[:3]] == [
        ["Date", "Event", "Type", "Area", "Households", "Individuals", "How", "Reliability"],
        ["2026-11-28", "uuid-e2", "typhoon", "PH03008", "-", "1,000", "estimated", "likely"],
        ["2026-11-20", "uuid-e1", "flood", "PH0102801", "50", "240", "counted", "confirmed"],
    ]
    assert table.output.splitlines()[-1] == (
        "Event tracking: reported, not verified; never added to a round's figures."
    )
    since = runner.invoke(cli, [*args, "--since", "2026-11-21", "--format", "json"])
    body = json.loads(since.output)
    assert (body["since"], body["last_published_round"]) == ("2026-11-21", None)
    assert [e["submission_id"] for e in body["events"]] == ["uuid-e2"]
    assert body["events"][0]["displaced_hh"] is None
    tagged = runner.invoke(cli, [*args, "--format", "hxl"]).output.splitlines()
    assert tagged[1].startswith("#event+id,#event+type,#date+event,#date+reported,#adm+code")
    assert tagged[3].split(",")[:9] == [
        "uuid-e1", "flood", "2026-11-20", "2026-11-21", "PH0102801", "Adams", "counted", "50",
        "240",
    ]  # fmt: skip
    hxl_file = tmp_path / "events.hxl.csv"
    hxl_file.write_text("\n".join(tagged) + "\n")
    data = hxl.data(str(hxl_file), hxl.InputOptions(allow_local=True))
    assert [c.display_tag for c in data.columns] == [c.hxl for c in COLUMNS]
    assert [row.get("#affected+displaced+ind") for row in data] == ["1000", "240"]
    csv_out = runner.invoke(cli, [*args, "--format", "csv"]).output.splitlines()
    assert len(csv_out) == 3 and csv_out[0].startswith("Event ID,Event type,Event date")
    bad = runner.invoke(cli, [*args, "--since", "21/11/2026"])
    assert bad.exit_code != 0 and "--since '21/11/2026' is not a date" in bad.output


def test_events_alert_and_confirm_refusal(operation, site, actor, ett_file, monkeypatch) -> None:
    monkeypatch.setenv("OPENDTM_USER", actor.username)
    import_commit(operation=operation, round=None, form_id="dtm_ett", path=ett_file, actor=actor)
    RoundFactory(operation=operation, status="published")  # starts 2026-11-01, no end date
    runner = CliRunner()
    alert = runner.invoke(cli, ["events", "list", "--operation", "phl-events", "--alert"])
    assert alert.exit_code == 0, alert.output
    assert alert.output.splitlines()[-1] == (
        "event tracking since round 1, not verified: 2 events, 1,240 individuals"
    )
    confirm = runner.invoke(
        cli, ["events", "confirm", "uuid-e1", "--operation", "phl-events", "--round", "1"]
    )
    assert confirm.exit_code != 0
    assert "No baseline of round 1 finds IDPs in PH0102801001 (site S-001)" in confirm.output
