"""The events page (alert, list, downloads, the focal point's form) and the dashboard's events
line and map layer, in the web world (tests/figures/conftest.py: round 1 published, no end
date, started 2026-11-01; round 2 open). M1 = PH0100101 has a centroid (11.25, 121.25)."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from opendtm.events.models import Event
from opendtm.events.services import event_report
from tests.figures.conftest import M1
from tests.web.conftest import WebWorld

FORM = {
    "report_date": "2026-11-26",
    "enumerator_code": "FP07",
    "event_type": "flood",
    "event_date": "2026-11-25",
    "adm1_pcode": "PH01",
    "adm2_pcode": "PH01001",
    "count_method": "counted",
    "displaced_hh": "50",
    "displaced_ind": "240",
    "to_pcode": M1,
    "priority_need_1": "shelter",
    "priority_need_2": "food",
    "vulnerabilities": ["pwd", "older"],
    "source_type": "authorities",
    "source_reliability": "confirmed",
}


def _as(web_world: WebWorld, who: str) -> Client:
    client = Client()
    client.force_login(web_world.users[who])  # type: ignore[arg-type]
    return client


def _map(html: str) -> dict[str, Any]:
    start = html.index('<script id="map-data" type="application/json">') + 46
    return json.loads(html[start : html.index("</script>", start)])  # type: ignore[no-any-return]


def test_a_focal_point_reports_an_event_through_the_form(web_world: WebWorld) -> None:
    client = _as(web_world, "manager")
    sent = client.post("/o/typhoon/events/new/", FORM)
    assert (sent.status_code, sent["Location"]) == (302, "/o/typhoon/events/")
    event = Event.objects.get()
    assert (event.displaced_ind, event.to_unit.pcode, event.vulnerabilities) == (
        240, M1, ["pwd", "older"],
    )  # fmt: skip
    assert event.created_by == web_world.users["manager"]
    page = client.get("/o/typhoon/events/").content.decode()
    assert "Event recorded: Flood on 2026-11-25, 240 individuals (not verified)." in page
    assert "event tracking since round 1, not verified: 1 event, 240 individuals" in page
    assert f'<tr data-event="{event.submission_id}">' in page


def test_a_refused_event_shows_every_reason_and_writes_nothing(web_world: WebWorld) -> None:
    client = _as(web_world, "manager")
    bad = FORM | {"displaced_hh": "300", "to_pcode": "PH9", "event_date": "2026-11-27"}
    refused = client.post("/o/typhoon/events/new/", bad)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "The event was not recorded: to_pcode: PH9 is not a P-code" in html
    assert "240 individuals displaced cannot be fewer than the 300 households displaced" in html
    assert "the event (2026-11-27) cannot be after the report about it (2026-11-26)" in html
    assert Event.objects.count() == 0


def test_the_analyst_sees_the_alert_but_not_the_form(web_world: WebWorld) -> None:
    world = web_world.world
    event_report(operation=world.operation, actor=world.admin, answers=FORM)
    event_report(
        operation=world.operation,
        actor=world.admin,
        answers=FORM | {"event_date": "2026-10-30", "displaced_ind": 1000},  # before round 1
    )
    client = _as(web_world, "analyst")
    page = client.get("/o/typhoon/events/").content.decode()
    assert "event tracking since round 1, not verified: 1 event, 240 individuals" in page
    assert page.count("<tr data-event=") == 1
    assert 'id="event-report"' not in page
    every = client.get("/o/typhoon/events/?all=1").content.decode()
    assert every.count("<tr data-event=") == 2
    hxl = client.get("/o/typhoon/events/events.hxl?all=1")
    lines = hxl.content.decode().splitlines()
    assert hxl["Content-Disposition"] == 'attachment; filename="typhoon-events.hxl.csv"'
    assert lines[1].startswith("#event+id,#event+type,#date+event")
    assert len(lines) == 4
    bad = client.get("/o/typhoon/events/?since=2026-13-01")
    assert bad.status_code == 400


def test_the_dashboard_has_an_events_line_and_layer_for_analysts_only(
    web_world: WebWorld,
) -> None:
    world = web_world.world
    event_report(operation=world.operation, actor=world.admin, answers=FORM)
    analyst = _as(web_world, "analyst").get("/o/typhoon/?round=1").content.decode()
    assert (
        '<a href="/o/typhoon/events/">event tracking since round 1, not verified: 1 event, '
        "240 individuals</a> · never added to the round's figures"
    ) in analyst
    assert _map(analyst)["events"] == {
        "lat": [11.25], "lon": [121.25], "value": [240],
        "label": ["Flood 2026-11-25 (PH01001)"],
    }  # fmt: skip
    viewer = _as(web_world, "viewer").get("/o/typhoon/?round=1").content.decode()
    assert 'id="events-headline"' not in viewer and "events" not in _map(viewer)


def test_the_event_form_is_offered_for_kobo_with_the_operations_units(
    web_world: WebWorld,
) -> None:
    client = _as(web_world, "manager")
    rounds = client.get("/o/typhoon/rounds/").content.decode()
    assert 'href="/o/typhoon/forms/dtm_ett.xlsx"' in rounds
    form = client.get("/o/typhoon/forms/dtm_ett.xlsx")
    assert form.status_code == 200
    assert form["Content-Disposition"] == 'attachment; filename="dtm_ett.xlsx"'
