"""GET /api/v1/operations/{code}/events: the events, the alert since the last published round
(round 2, started 2026-12-01, no end date), paging and the access of the pages."""

from __future__ import annotations

from typing import Any

from opendtm.events.services import event_report
from tests.api.conftest import client_for, world_build

URL = "/api/v1/operations/typhoon/events"


def _answers(**changes: Any) -> dict[str, Any]:
    return {
        "report_date": "2026-12-03",
        "enumerator_code": "FP01",
        "event_type": "fire",
        "event_date": "2026-12-02",
        "adm1_pcode": "PH02",
        "adm2_pcode": "PH02001",
        "count_method": "estimated",
        "displaced_ind": 300,
        "to_site_id": "S2",
        "priority_need_1": "shelter",
        "source_type": "media",
        "source_reliability": "unverified",
    } | changes


def test_events_and_the_alert(db: Any) -> None:
    world = world_build(public=True)
    event_report(operation=world.operation, actor=world.admin, answers=_answers())
    event_report(
        operation=world.operation,
        actor=world.admin,
        answers=_answers(event_date="2026-11-20", displaced_ind=90, displaced_hh=20),
    )
    client = client_for(world, "token")
    alert = client.get(URL, {"alert": "true"}).json()
    assert (alert["count"], alert["since"], alert["last_published_round"]) == (
        1, "2026-12-01", 2,
    )  # fmt: skip
    assert alert["headline"] == (
        "event tracking since round 2, not verified: 1 event, 300 individuals"
    )
    assert alert["note"].startswith("Event tracking: reported, not verified")
    (fire,) = alert["results"]
    assert {k: fire[k] for k in ("event_type", "area_pcode", "to_site_id", "to_pcode")} == {
        "event_type": "fire", "area_pcode": "PH02001", "to_site_id": "S2", "to_pcode": None,
    }  # fmt: skip
    assert (fire["displaced_hh"], fire["displaced_ind"], fire["count_method"]) == (
        None, 300, "estimated",
    )  # fmt: skip
    every = client.get(URL, {"limit": 1, "offset": 1}).json()
    assert (every["count"], every["since"], len(every["results"])) == (2, None, 1)
    assert every["results"][0]["event_date"] == "2026-11-20"
    assert b"FP01" not in client.get(URL).content  # no enumerator code is served
    since = client.get(URL, {"since": "2026-11-21"}).json()
    assert since["count"] == 1
    bad = client.get(URL, {"since": "21/11/2026"})
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_input")
    viewer = client_for(world, "viewer").get(URL)
    assert (viewer.status_code, viewer.json()["code"]) == (403, "permission_denied")
