"""The flow monitoring point endpoints: the registry list and one point with its history."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from opendtm.ingest.flows import flows_import_commit
from tests.flows.test_queries import ROWS
from tests.flows.world import FlowWorld, flow_world_build, fmr_csv


@pytest.fixture
def flow_world(db: None) -> FlowWorld:
    return flow_world_build()


def test_list_and_detail(flow_world: FlowWorld) -> None:
    client = Client()
    client.force_login(flow_world.admin)
    listed = client.get("/api/v1/operations/phl-fm/flow-points", {"status": "resumed"}).json()
    assert listed["count"] == 1
    assert listed["results"][0] == {
        "code": "FMP-PORT",
        "name": "Matnog port",
        "fmp_type": "port",
        "status": "resumed",
        "admin_pcode": "PH01001",
        "admin_name": "Adm2 PH01001",
        "latitude": None,
        "longitude": None,
        "neighbour_iso3": "",
        "observation_days": "1234567",
        "observed_from": "06:00",
        "observed_to": "18:00",
        "exclusions": "",
        "services": [],
        "organisations": [],
    }
    detail = client.get("/api/v1/operations/phl-fm/flow-points/FMP-PORT").json()
    assert detail["history"] == [
        {"on": "2026-03-01", "from_status": "", "to_status": "active", "reason": "registered"},
        {"on": "2026-03-10", "from_status": "active", "to_status": "inactive", "reason": "storm"},
        {"on": "2026-03-15", "from_status": "inactive", "to_status": "resumed", "reason": ""},
    ]
    missing = client.get("/api/v1/operations/phl-fm/flow-points/NOPE")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    bad = client.get("/api/v1/operations/phl-fm/flow-points", {"fmp_type": "tent"})
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_input")


def test_flow_figures(flow_world: FlowWorld, tmp_path: Path) -> None:
    w = flow_world
    flows_import_commit(
        operation=w.op, form_id="dtm_fmr", path=fmr_csv(tmp_path / "f.csv", ROWS), actor=w.admin
    )
    client = Client()
    client.force_login(w.admin)
    weekly = client.get(
        "/api/v1/operations/phl-fm/flows", {"fmp": "FMP-PORT", "date_from": "2026-03-09"}
    ).json()
    assert weekly["coverage"]["statement"] == (
        "observed at 1 point during 18 observation hours; not a total of all movements"
    )
    assert weekly["rows"][0] == {
        "period_start": "2026-03-09",
        "fmp_code": "FMP-PORT",
        "direction": "incoming",
        "movements": 4,
        "days_observed": 1,
        "hours_observed": 12.0,
        "daily_average": 4.0,
        "previous_movements": None,
        "change": None,
        "change_pct": None,
    }
    net = client.get("/api/v1/operations/phl-fm/flows", {"net": "true", "period": "month"})
    assert net.json()["rows"][1] == {
        "period_start": "2026-03-01",
        "fmp_code": "FMP-PORT",
        "incoming": 28,
        "outgoing": 6,
        "transit": 0,
        "net": 22,
    }
    od = client.get("/api/v1/operations/phl-fm/flows/corridors", {"top": "1"}).json()
    assert od["rows"] == [
        {
            "origin_country": "IRN",
            "origin_adm1": "IR-09",
            "destination_country": "PHL",
            "destination_adm1": "PH01",
            "movements": 24,
            "share_pct": 51.1,
        }
    ]
    assert od["notes"] == ["the 1 main corridors of 5"]
    bad = client.get("/api/v1/operations/phl-fm/flows", {"period": "year"})
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_input")
