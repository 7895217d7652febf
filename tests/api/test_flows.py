"""The flow monitoring point endpoints: the registry list and one point with its history."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.flows.world import FlowWorld, flow_world_build


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
