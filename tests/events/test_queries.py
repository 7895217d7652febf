"""Events in the figures' test world (tests/figures/conftest.py): reported through the web
form's service, listed, alerted since the last published round, never summed into a round,
confirmed by a later baseline."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest

from opendtm.core.errors import InvalidInput, PermissionDenied
from opendtm.events.exports import export_write
from opendtm.events.models import Event, EventConfirmation
from opendtm.events.queries import events_alert, events_alert_visible, events_of
from opendtm.events.services import event_confirm, event_report
from opendtm.figures.queries import figures_by_admin, figures_headline
from opendtm.ingest.models import ImportBatch
from opendtm.operations.models import Round
from tests.figures.conftest import M1, World, world_build


def answers(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "report_date": "2026-11-26",
        "enumerator_code": "FP07",
        "event_type": "flood",
        "event_date": "2026-11-25",
        "adm1_pcode": "PH01",
        "adm2_pcode": "PH01001",
        "count_method": "counted",
        "displaced_hh": 50,
        "displaced_ind": 240,
        "to_pcode": M1,
        "shelter": "host_family",
        "priority_need_1": "shelter",
        "priority_need_2": "food",
        "source_type": "authorities",
        "source_reliability": "confirmed",
    }
    base.update(changes)
    return base


@pytest.fixture
def world(db: Any) -> World:
    world = world_build()
    Round.objects.filter(pk=world.rounds[1].pk).update(end_date=dt.date(2026, 11, 5))
    world.rounds[1].refresh_from_db()
    return world


@pytest.fixture
def reported(world: World) -> list[Event]:
    op, admin = world.operation, world.admin
    return [
        event_report(operation=op, actor=admin, answers=answers(event_date="2026-11-05")),
        event_report(
            operation=op,
            actor=admin,
            answers=answers(
                event_type="typhoon",
                event_date="2026-11-20",
                count_method="estimated",
                displaced_hh=None,
                displaced_ind=1000,
            ),
        ),
        event_report(operation=op, actor=admin, answers=answers()),
    ]


def test_the_web_form_goes_through_the_import_rules(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        event_report(
            operation=world.operation,
            actor=world.admin,
            answers=answers(displaced_hh=300, priority_need_2="shelter", to_pcode="PH9"),
        )
    assert str(refused.value) == (
        "The event was not recorded: to_pcode: PH9 is not a P-code or known alternative code of "
        "PHL; displaced_ind: 240 individuals displaced cannot be fewer than the 300 households "
        "displaced; priority_need_2: shelter is already the need ranked 1: the three ranked "
        "needs are distinct. Correct the answers and send again."
    )
    assert Event.objects.count() == 0 and not ImportBatch.objects.filter(form_id="dtm_ett")
    event = event_report(operation=world.operation, actor=world.admin, answers=answers())
    assert (event.displaced_ind, event.to_unit.pcode, event.needs) == (240, M1, ["shelter", "food"])
    assert (event.batch.round, event.batch.file_name, event.source_sheet) == (
        None, "web form", "web form",
    )  # fmt: skip


def test_alert_since_the_last_published_round(world: World, reported: list[Event]) -> None:
    alert = events_alert(user=world.analyst, operation=world.operation)
    # Round 1 (published) ended on 5 Nov: the events of 20 and 25 Nov, 1000 + 240 people.
    assert (alert.round_number, alert.since, alert.events, alert.individuals) == (
        1, dt.date(2026, 11, 6), 2, 1240,
    )  # fmt: skip
    assert alert.estimated == 1
    assert alert.headline() == (
        "event tracking since round 1, not verified: 2 events, 1,240 individuals"
    )
    listed = events_of(user=world.analyst, operation=world.operation, since=alert.since)
    assert [e.event_date.day for e in listed] == [25, 20]
    assert len(events_of(user=world.analyst, operation=world.operation)) == 3


def test_viewers_do_not_see_events(world: World, reported: list[Event]) -> None:
    with pytest.raises(PermissionDenied):
        events_of(user=world.viewer, operation=world.operation)
    assert events_alert_visible(user=world.viewer, operation=world.operation) is None
    assert events_alert_visible(user=world.analyst, operation=world.operation) is not None


def test_an_event_is_never_summed_into_a_round(world: World) -> None:
    def figures() -> tuple[Any, ...]:
        rows = []
        for number in (1, 2):
            head = figures_headline(
                user=world.admin, operation=world.operation, round_number=number
            )
            by_admin = figures_by_admin(
                user=world.admin, operation=world.operation, round_number=number, level=2
            )
            rows.append((head.figures, by_admin.rows.to_dicts()))
        return tuple(rows)

    before = figures()
    assert before[1][0]["idp_ind"] == 24 + 60 + 3 + 45 + 0 + 32
    event_report(operation=world.operation, actor=world.admin, answers=answers())
    event_report(
        operation=world.operation,
        actor=world.admin,
        answers=answers(event_date="2026-11-10", displaced_ind=5000, displaced_hh=900),
    )
    assert Event.objects.count() == 2
    assert figures() == before


def test_a_later_baseline_confirms_the_event(world: World, reported: list[Event]) -> None:
    flood = reported[2]  # displaced to M1, whose barangays B1 and B2 hold IDPs in round 2
    with pytest.raises(InvalidInput) as early:
        event_confirm(event=flood, round=world.rounds[1], actor=world.admin)
    assert str(early.value).startswith(
        "Round 1 ended on 2026-11-05, before the event of 2026-11-25"
    )
    links = event_confirm(event=flood, round=world.rounds[2], actor=world.admin, note="R2 KI")
    assert sorted(link.location.pcode for link in links) == ["PH0100101001", "PH0100101002"]
    again = event_confirm(event=flood, round=world.rounds[2], actor=world.admin)
    assert len(again) == 2 and EventConfirmation.objects.count() == 2
    out = io.StringIO()
    export_write(events_of(user=world.analyst, operation=world.operation), "hxl", out)
    lines = out.getvalue().splitlines()
    assert lines[1].split(",")[:3] == ["#event+id", "#event+type", "#date+event"]
    assert len(lines) == 2 + 3
    flood_line = next(line for line in lines if line.startswith(flood.submission_id))
    assert flood_line.split(",")[2:9] == [
        "2026-11-25", "2026-11-26", "PH01001", flood.admin_unit.name, "counted", "50", "240",
    ]  # fmt: skip
    assert flood_line.endswith(",authorities,confirmed,2")


def test_confirm_refuses_a_round_without_baselines_there(world: World) -> None:
    event = event_report(
        operation=world.operation, actor=world.admin, answers=answers(to_pcode="PH0100202")
    )
    # M4's barangays in round 2: B5 with 0 IDPs, B6 with 32: B6 confirms.
    assert [x.location.pcode for x in event_confirm(
        event=event, round=world.rounds[2], actor=world.admin
    )] == ["PH0100202002"]  # fmt: skip
    other = event_report(
        operation=world.operation,
        actor=world.admin,
        answers=answers(to_pcode=None, adm2_pcode="PH01002", adm3_pcode="PH0100201"),
    )
    assert other.admin_unit.pcode == "PH0100201"
    # No "to" place: the area, M3, whose B4 holds 45 IDPs in round 2.
    links = event_confirm(event=other, round=world.rounds[2], actor=world.admin)
    assert [x.location.pcode for x in links] == ["PH0100201001"]
