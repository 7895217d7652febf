"""The flow monitoring pages: the point list and a point's profile with its figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from opendtm.ingest.flows import flows_import_commit
from tests.flows.test_queries import ROWS
from tests.flows.world import FlowWorld, flow_world_build, fmr_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow_world(db: None) -> FlowWorld:
    return flow_world_build()


def test_point_list_and_profile(flow_world: FlowWorld, tmp_path: Path, client: Client) -> None:
    w = flow_world
    flows_import_commit(
        operation=w.op, form_id="dtm_fmr", path=fmr_csv(tmp_path / "f.csv", ROWS), actor=w.admin
    )
    client.force_login(w.admin)
    listing = client.get("/o/phl-fm/flows/points/?status=resumed").content.decode()
    assert '<a href="/o/phl-fm/flows/points/FMP-PORT/">FMP-PORT</a>' in listing
    assert "FMP-BUS" not in listing
    bad = client.get("/o/phl-fm/flows/points/?type=tent")
    assert bad.status_code == 200
    assert "Point type &#x27;tent&#x27; is not one of the accepted values." in bad.content.decode()
    page = client.get("/o/phl-fm/flows/points/FMP-PORT/").content.decode()
    assert '<dd id="fmp-schedule">mon, tue, wed, thu, fri, sat, sun, 06:00-18:00</dd>' in page
    assert (
        '<p class="note" id="fmp-coverage">observed at 1 point during 42 observation hours; '
        "not a total of all movements</p>"
    ) in page
    assert (
        '<tr><td>2026-03-09</td><td>incoming</td><td class="num">4</td><td class="num">1</td>'
        '<td class="num">4.0</td><td class="num">-12</td></tr>'
    ) in page
    assert (
        '<tr><td>2026-03-16</td><td class="num">8</td><td class="num">2</td>'
        '<td class="num">0</td><td class="num">6</td></tr>'
    ) in page
    assert "<td>inactive</td><td>storm</td>" in page
    assert client.get("/o/phl-fm/flows/points/NOPE/").status_code == 404
