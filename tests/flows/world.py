"""A PHL operation with a small gazetteer and two points: a port active from 1 March 2026,
suspended 10-14 March (resumed on the 15th), and a bus station observed Monday to Friday."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import User

from opendtm.flows.models import FlowMonitoringPoint
from opendtm.flows.services import fmp_add, fmp_status_set
from opendtm.gazetteer.models import AdminUnit
from opendtm.operations.models import Operation
from tests.factories import OperationFactory, SuperuserFactory, admin_tree


@dataclass
class FlowWorld:
    op: Operation
    admin: User
    units: dict[str, AdminUnit]
    port: FlowMonitoringPoint
    bus: FlowMonitoringPoint


def flow_world_build() -> FlowWorld:
    units = admin_tree(depth=2, fanout=2)
    op = OperationFactory(code="phl-fm")
    admin = SuperuserFactory(username="lead")
    port = fmp_add(
        operation=op,
        code="FMP-PORT",
        name="Matnog port",
        fmp_type="port",
        admin_unit=units["PH01001"],
        observed_from=dt.time(6, 0),
        observed_to=dt.time(18, 0),
        active_from=dt.date(2026, 3, 1),
        actor=admin,
    )
    fmp_status_set(
        point=port, to_status="inactive", on=dt.date(2026, 3, 10), reason="storm", actor=admin
    )
    fmp_status_set(point=port, to_status="resumed", on=dt.date(2026, 3, 15), actor=admin)
    bus = fmp_add(
        operation=op,
        code="FMP-BUS",
        name="Cubao bus terminal",
        fmp_type="bus_station",
        admin_unit=units["PH02001"],
        observed_from=dt.time(8, 0),
        observed_to=dt.time(16, 0),
        observation_days="mon-fri",
        active_from=dt.date(2026, 3, 1),
        actor=admin,
    )
    return FlowWorld(op=op, admin=admin, units=units, port=port, bus=bus)


FMR_COLUMNS = (
    "_uuid", "obs_date", "window_start", "window_end", "fmp_code", "direction", "group_size",
    "prev_country", "prev_adm1", "next_country", "next_adm1", "final_country", "final_adm1",
)  # fmt: skip


def fmr_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    """A KoboToolbox-style CSV export of dtm_fmr with the given cells (others blank); each
    row's `_uuid` defaults to r1, r2, ..."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=FMR_COLUMNS)
        writer.writeheader()
        for n, row in enumerate(rows, start=1):
            writer.writerow({"_uuid": f"r{n}", **row})
    return path
