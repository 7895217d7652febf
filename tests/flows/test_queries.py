"""Flow figures, hand-computed from a small export of nine groups at two points.

The port is observed 06:00-18:00 every day (12 h) and was inactive 10-14 March; the bus
terminal 08:00-16:00 (8 h), Monday to Friday. 2 March 2026 is a Monday. Point-days observed:
port 2, 4, 9 and 16 March (12 + 12 + 12 + 6 h: on the 16th the records' windows run
08:00-14:00), bus 3 and 5 March (8 + 8 h): 6 point-days, 58 hours, 47 movements.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from opendtm.core.errors import PermissionDenied
from opendtm.flows.queries import (
    FlowFilter,
    flow_corridors,
    flow_movements,
    flow_net,
)
from opendtm.ingest.flows import flows_import_commit
from tests.factories import UserFactory
from tests.flows.world import FlowWorld, fmr_csv

pytestmark = pytest.mark.django_db

D = dt.date
IR09 = {"prev_country": "IRN", "prev_adm1": "Khorasan Razavi"}
ROWS = [
    {"obs_date": "2026-03-02", "fmp_code": "FMP-PORT", "direction": "incoming",
     "group_size": "10", **IR09, "next_country": "PHL", "next_adm1": "PH01"},
    {"obs_date": "2026-03-02", "fmp_code": "FMP-PORT", "direction": "outgoing",
     "group_size": "4", "prev_country": "PHL", "prev_adm1": "PH01", "next_country": "IRN",
     "next_adm1": "Tehran"},
    {"obs_date": "2026-03-04", "fmp_code": "FMP-PORT", "direction": "incoming",
     "group_size": "6", **IR09, "next_country": "PHL", "next_adm1": "PH01"},
    {"obs_date": "2026-03-09", "fmp_code": "FMP-PORT", "direction": "incoming",
     "group_size": "4", "prev_country": "IRN", "prev_adm1": "IR-09", "next_country": "PHL",
     "next_adm1": "PH02"},
    {"obs_date": "2026-03-16", "window_start": "08:00", "window_end": "12:00",
     "fmp_code": "FMP-PORT", "direction": "incoming", "group_size": "8", **IR09,
     "next_country": "PHL", "next_adm1": "PH01"},
    {"obs_date": "2026-03-16", "window_start": "09:00", "window_end": "14:00",
     "fmp_code": "FMP-PORT", "direction": "outgoing", "group_size": "2"},
    {"obs_date": "2026-03-03", "fmp_code": "FMP-BUS", "direction": "incoming",
     "group_size": "5", "prev_country": "PHL", "prev_adm1": "PH02", "next_country": "PHL",
     "next_adm1": "PH01"},
    {"obs_date": "2026-03-03", "fmp_code": "FMP-BUS", "direction": "incoming",
     "group_size": "1"},
    {"obs_date": "2026-03-05", "fmp_code": "FMP-BUS", "direction": "transit",
     "group_size": "7", "prev_country": "PHL", "prev_adm1": "PH02", "next_country": "PHL",
     "next_adm1": "PH01"},
]  # fmt: skip
COVERAGE = "observed at 2 points during 58 observation hours; not a total of all movements"


@pytest.fixture
def where(flow_world: FlowWorld, tmp_path: Path) -> FlowFilter:
    result = flows_import_commit(
        operation=flow_world.op,
        form_id="dtm_fmr",
        path=fmr_csv(tmp_path / "fmr.csv", ROWS),
        actor=flow_world.admin,
    )
    assert (result.rows_accepted, result.rows_rejected) == (9, 0)
    return FlowFilter(operation=flow_world.op)


def test_weekly_movements_daily_average_over_observed_days_and_change(
    flow_world: FlowWorld, where: FlowFilter
) -> None:
    figures = flow_movements(user=flow_world.admin, where=where, period="week")
    assert figures.coverage.statement == COVERAGE
    assert (figures.coverage.point_days, figures.coverage.first) == (6, D(2026, 3, 2))
    assert figures.rows.rows() == [
        # period, point, direction, movements, days, hours, daily avg, previous, change, %
        (D(2026, 3, 2), "FMP-BUS", "incoming", 6, 2, 16.0, 3.0, None, None, None),
        (D(2026, 3, 2), "FMP-BUS", "transit", 7, 2, 16.0, 3.5, None, None, None),
        (D(2026, 3, 2), "FMP-PORT", "incoming", 16, 2, 24.0, 8.0, None, None, None),
        (D(2026, 3, 2), "FMP-PORT", "outgoing", 4, 2, 24.0, 2.0, None, None, None),
        (D(2026, 3, 9), "FMP-PORT", "incoming", 4, 1, 12.0, 4.0, 16, -12, -75.0),
        (D(2026, 3, 16), "FMP-PORT", "incoming", 8, 1, 6.0, 8.0, 4, 4, 100.0),
        (D(2026, 3, 16), "FMP-PORT", "outgoing", 2, 1, 6.0, 2.0, 0, 2, None),
    ]


def test_monthly_and_daily_movements(flow_world: FlowWorld, where: FlowFilter) -> None:
    month = flow_movements(user=flow_world.admin, where=where, period="month")
    assert [r[:7] for r in month.rows.rows()] == [
        (D(2026, 3, 1), "FMP-BUS", "incoming", 6, 2, 16.0, 3.0),
        (D(2026, 3, 1), "FMP-BUS", "transit", 7, 2, 16.0, 3.5),
        (D(2026, 3, 1), "FMP-PORT", "incoming", 28, 4, 42.0, 7.0),
        (D(2026, 3, 1), "FMP-PORT", "outgoing", 6, 4, 42.0, 1.5),
    ]
    day = flow_movements(
        user=flow_world.admin,
        where=FlowFilter(operation=where.operation, fmp_code="FMP-PORT", date_to=D(2026, 3, 4)),
        period="day",
    )
    assert day.rows.rows() == [
        (D(2026, 3, 2), "FMP-PORT", "incoming", 10, 1, 12.0, 10.0, None, None, None),
        (D(2026, 3, 2), "FMP-PORT", "outgoing", 4, 1, 12.0, 4.0, None, None, None),
        (D(2026, 3, 4), "FMP-PORT", "incoming", 6, 1, 12.0, 6.0, None, None, None),
    ]
    assert day.coverage.statement == (
        "observed at 1 point during 24 observation hours; not a total of all movements"
    )


def test_net_flow_by_point(flow_world: FlowWorld, where: FlowFilter) -> None:
    net = flow_net(user=flow_world.admin, where=where, period="week")
    assert net.rows.columns == [
        "period_start", "fmp_code", "incoming", "outgoing", "transit", "net",
    ]  # fmt: skip
    assert net.rows.rows() == [
        (D(2026, 3, 2), "FMP-BUS", 6, 0, 7, 6),
        (D(2026, 3, 2), "FMP-PORT", 16, 4, 0, 12),
        (D(2026, 3, 9), "FMP-PORT", 4, 0, 0, 4),
        (D(2026, 3, 16), "FMP-PORT", 8, 2, 0, 6),
    ]
    assert net.coverage.statement == COVERAGE


def test_origin_destination_matrix_and_main_corridors(
    flow_world: FlowWorld, where: FlowFilter
) -> None:
    od = flow_corridors(user=flow_world.admin, where=where)
    assert od.rows.rows() == [
        ("IRN", "IR-09", "PHL", "PH01", 24, 51.1),
        ("PHL", "PH02", "PHL", "PH01", 12, 25.5),
        ("IRN", "IR-09", "PHL", "PH02", 4, 8.5),
        ("PHL", "PH01", "IRN", "IR-23", 4, 8.5),
        ("", "", "", "", 3, 6.4),
    ]
    top = flow_corridors(user=flow_world.admin, where=where, top=2)
    assert top.rows.height == 2
    assert top.notes == ["the 2 main corridors of 5"]
    assert top.coverage.statement == COVERAGE


def test_a_reader_without_a_role_sees_no_flow_figure(
    flow_world: FlowWorld, where: FlowFilter
) -> None:
    with pytest.raises(PermissionDenied):
        flow_movements(user=UserFactory(), where=where)
