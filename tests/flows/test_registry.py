"""The flow monitoring point registry: add, update, activity status over time, reads."""

from __future__ import annotations

import datetime as dt

import pytest

from opendtm.accounts.models import AuditEvent
from opendtm.core.errors import Conflict, InvalidInput, PermissionDenied
from opendtm.flows.models import FlowMonitoringPoint, FmpStatusChange
from opendtm.flows.registry import fmp_get, fmp_history, fmp_list, status_on, status_periods
from opendtm.flows.services import days_parse, fmp_add, fmp_status_set, fmp_update
from tests.factories import UserFactory
from tests.flows.world import FlowWorld

pytestmark = pytest.mark.django_db


def _state() -> tuple[int, int, int]:
    return (
        FlowMonitoringPoint.objects.count(),
        FmpStatusChange.objects.count(),
        AuditEvent.objects.count(),
    )


def _add(w: FlowWorld, **kwargs: object) -> FlowMonitoringPoint:
    values: dict[str, object] = {
        "operation": w.op,
        "code": "FMP-X",
        "name": "Allen border",
        "fmp_type": "official_land_border",
        "admin_unit": w.units["PH01002"],
        "observed_from": dt.time(7, 0),
        "observed_to": dt.time(19, 30),
        "active_from": dt.date(2026, 4, 1),
        "neighbour_iso3": "idn",
        "actor": w.admin,
    }
    values.update(kwargs)
    return fmp_add(**values)  # type: ignore[arg-type]


def test_add_stores_every_field_and_its_first_status(flow_world: FlowWorld) -> None:
    p = _add(
        flow_world,
        observation_days="mon-fri,sun",
        latitude=12.5,
        longitude=124.1,
        exclusions="Short market visits",
        services=["water", " first aid ", "water"],
        organisations=["IOM", "PRC"],
    )
    p.refresh_from_db()
    assert (p.code, p.fmp_type, p.neighbour_iso3, p.observation_days) == (
        "FMP-X",
        "official_land_border",
        "IDN",
        "123457",
    )
    assert p.daily_hours == 12.5
    assert p.services == ["water", "first aid"]
    assert p.organisations == ["IOM", "PRC"]
    assert [(c.from_status, c.to_status, c.on) for c in p.status_history.all()] == [
        ("", "active", dt.date(2026, 4, 1))
    ]
    assert AuditEvent.objects.filter(action="fmp.add", object_id=str(p.pk)).count() == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"neighbour_iso3": ""},
            "Point 'FMP-X': a point of type official_land_border is at a "
            "border: give the neighbouring country.",
        ),
        (
            {"fmp_type": "port"},
            "Point 'FMP-X': a neighbouring country is given for a point of "
            "type port, which is not at a border.",
        ),
        (
            {"neighbour_iso3": "PHL"},
            "Point 'FMP-X': the neighbouring country PHL is the operation's own country.",
        ),
        (
            {"observed_to": dt.time(6, 0)},
            "Point 'FMP-X': the observation window 07:00-06:00 ends before it starts.",
        ),
        (
            {"fmp_type": "tent"},
            "Point 'FMP-X': point type 'tent' is not one of the accepted values.",
        ),
        ({"code": "A B"}, "Point 'A B': the code is empty, has spaces or is over 64 characters."),
        (
            {"observation_days": "mon-funday"},
            "Point 'FMP-X': observation days 'mon-funday' name no weekday 'mon-funday'.",
        ),
    ],
)
def test_add_refuses_bad_values_and_writes_nothing(
    flow_world: FlowWorld, kwargs: dict[str, object], message: str
) -> None:
    before = _state()
    with pytest.raises(InvalidInput) as exc:
        _add(flow_world, **kwargs)
    assert exc.value.message == message
    assert _state() == before


def test_add_refuses_a_code_twice_and_a_unit_abroad(flow_world: FlowWorld) -> None:
    before = _state()
    with pytest.raises(Conflict):
        _add(flow_world, code="FMP-PORT", fmp_type="port", neighbour_iso3="")
    assert _state() == before


def test_a_reader_without_a_role_may_not_add_or_read(flow_world: FlowWorld) -> None:
    nobody = UserFactory()
    before = _state()
    with pytest.raises(PermissionDenied):
        _add(flow_world, actor=nobody)
    with pytest.raises(PermissionDenied):
        fmp_list(user=nobody, operation=flow_world.op)
    assert _state() == before


def test_days_parse() -> None:
    assert days_parse("mon-sun") == "1234567"
    assert days_parse("Sat, mon") == "16"
    assert days_parse("531") == "135"
    with pytest.raises(InvalidInput):
        days_parse("fri-mon")
    with pytest.raises(InvalidInput):
        days_parse("8")


def test_status_history_and_periods(flow_world: FlowWorld) -> None:
    w = flow_world
    assert [
        (c.from_status or "-", c.to_status, c.on, c.reason)
        for c in fmp_history(user=w.admin, point=w.port)
    ] == [
        ("-", "active", dt.date(2026, 3, 1), "registered"),
        ("active", "inactive", dt.date(2026, 3, 10), "storm"),
        ("inactive", "resumed", dt.date(2026, 3, 15), ""),
    ]
    periods = status_periods(operation=w.op)
    days = [dt.date(2026, 2, 28), dt.date(2026, 3, 9), dt.date(2026, 3, 10), dt.date(2026, 3, 14)]
    days.append(dt.date(2026, 3, 15))
    assert [status_on(periods, w.port.pk, d) for d in days] == [
        None,
        "active",
        "inactive",
        "inactive",
        "resumed",
    ]


def test_status_moves_follow_the_table(flow_world: FlowWorld) -> None:
    w = flow_world
    before = _state()
    with pytest.raises(Conflict) as conflict:
        fmp_status_set(point=w.bus, to_status="resumed", on=dt.date(2026, 4, 1), actor=w.admin)
    assert conflict.value.hint == "From active it can become: closed, inactive."
    with pytest.raises(InvalidInput) as no_reason:
        fmp_status_set(point=w.bus, to_status="closed", on=dt.date(2026, 4, 1), actor=w.admin)
    assert no_reason.value.message == (
        "Point FMP-BUS of phl-fm: going from active to closed needs a reason."
    )
    with pytest.raises(InvalidInput) as early:
        fmp_status_set(
            point=w.port, to_status="inactive", on=dt.date(2026, 3, 15), reason="x", actor=w.admin
        )
    assert early.value.message == (
        "Point FMP-PORT of phl-fm: date 2026-03-15 is not after its last status change "
        "(2026-03-15)."
    )
    assert _state() == before


def test_update_changes_only_what_differs(flow_world: FlowWorld) -> None:
    w = flow_world
    fmp_update(point=w.bus, actor=w.admin, name="Cubao terminal", observation_days="mon-sun")
    event = AuditEvent.objects.filter(action="fmp.update").get()
    assert event.changes == {
        "name": ["Cubao bus terminal", "Cubao terminal"],
        "observation_days": ["12345", "1234567"],
    }
    fmp_update(point=w.bus, actor=w.admin, name="Cubao terminal")
    assert AuditEvent.objects.filter(action="fmp.update").count() == 1
    with pytest.raises(InvalidInput):
        fmp_update(point=w.bus, actor=w.admin, fmp_type="airport", neighbour_iso3="IDN")


def test_reads(flow_world: FlowWorld) -> None:
    w = flow_world
    assert [p.code for p in fmp_list(user=w.admin, operation=w.op)] == ["FMP-BUS", "FMP-PORT"]
    assert [p.code for p in fmp_list(user=w.admin, operation=w.op, status="resumed")] == [
        "FMP-PORT"
    ]
    assert fmp_get(user=w.admin, operation=w.op, code=" FMP-BUS ").pk == w.bus.pk
