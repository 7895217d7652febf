"""Every endpoint for every kind of requester, on a private and on a public operation.

The expected statuses are a literal table: a private operation is 404 to the anonymous and to
a logged-in user without a role, exactly as an operation that does not exist (so an answer
never tells that it exists), an unpublished round is 404 to whoever may not see it, and exact
published values (no suppression) are for analysts and up (403 below).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from opendtm.flows.services import fmp_add
from opendtm.gazetteer.models import AdminUnit
from tests.api.conftest import client_for, world_build
from tests.factories import SuperuserFactory

F = "/api/v1/operations/typhoon/figures"
N = "/api/v1/operations/typhoon/needs"
ENDPOINTS = {
    "operations": "/api/v1/operations",
    "admin_units": "/api/v1/admin-units?country=PHL",
    "rounds": "/api/v1/operations/typhoon/rounds",
    "sites": "/api/v1/operations/typhoon/sites",
    "admin_published": f"{F}/admin?round=1",
    "admin_open": f"{F}/admin?round=3",
    "admin_exact": f"{F}/admin?round=1&exact=true",
    "sites_figures": f"{F}/sites?round=1",
    "origins": f"{F}/origins?round=1",
    "series": f"{F}/rounds?pcode=PH01",
    "headline": f"{F}/headline",
    "headline_open": f"{F}/headline?round=3",
    "csv": f"{F}/admin?round=1&format=csv",
    "needs_published": f"{N}/admin?round=1",
    "needs_open": f"{N}/admin?round=3",
    "needs_exact": f"{N}/admin?round=1&exact=true",
    "needs_hxl": f"{N}/admin?round=2&format=hxl",
    "priority": f"{N}/priority?round=1",
    "priority_open": f"{N}/priority?round=3",
    "site_severity": f"{N}/sites",
    "site_severity_open": f"{N}/sites?round=3",
    "v3_admin1": "/v3/displacement/admin1",
    "v3_operations": "/v3/displacement/operation-list",
    "events": "/api/v1/operations/typhoon/events?alert=true",
    "flow_points": "/api/v1/operations/typhoon/flow-points",
    "flow_point": "/api/v1/operations/typhoon/flow-points/FMP-1",
    "flows": "/api/v1/operations/typhoon/flows",
    "corridors": "/api/v1/operations/typhoon/flows/corridors",
}
WHO = ("anonymous", "outsider", "viewer", "analyst", "manager", "admin", "token")

# fmt: off
#                       anonymous outsider viewer analyst manager admin token
PRIVATE = {
    "operations":       (200,     200,     200,   200,    200,    200,  200),
    "admin_units":      (200,     200,     200,   200,    200,    200,  200),
    "rounds":           (404,     404,     200,   200,    200,    200,  200),
    "sites":            (404,     404,     200,   200,    200,    200,  200),
    "admin_published":  (404,     404,     200,   200,    200,    200,  200),
    "admin_open":       (404,     404,     404,   200,    200,    200,  200),
    "admin_exact":      (404,     404,     403,   200,    200,    200,  200),
    "sites_figures":    (404,     404,     200,   200,    200,    200,  200),
    "origins":          (404,     404,     200,   200,    200,    200,  200),
    "series":           (404,     404,     200,   200,    200,    200,  200),
    "headline":         (404,     404,     200,   200,    200,    200,  200),
    "headline_open":    (404,     404,     404,   200,    200,    200,  200),
    "csv":              (404,     404,     200,   200,    200,    200,  200),
    "needs_published":  (404,     404,     200,   200,    200,    200,  200),
    "needs_open":       (404,     404,     404,   200,    200,    200,  200),
    "needs_exact":      (404,     404,     403,   200,    200,    200,  200),
    "needs_hxl":        (404,     404,     200,   200,    200,    200,  200),
    "priority":         (404,     404,     200,   200,    200,    200,  200),
    "priority_open":    (404,     404,     404,   200,    200,    200,  200),
    "site_severity":    (404,     404,     200,   200,    200,    200,  200),
    "site_severity_open": (404,   404,     404,   200,    200,    200,  200),
    "v3_admin1":        (200,     200,     200,   200,    200,    200,  200),
    "v3_operations":    (200,     200,     200,   200,    200,    200,  200),
    "events":           (404,     404,     403,   200,    200,    200,  200),
    "flow_points":      (404,     404,     403,   200,    200,    200,  200),
    "flow_point":       (404,     404,     403,   200,    200,    200,  200),
    "flows":            (404,     404,     403,   200,    200,    200,  200),
    "corridors":        (404,     404,     403,   200,    200,    200,  200),
}
PUBLIC = {
    "operations":       (200,     200,     200,   200,    200,    200,  200),
    "admin_units":      (200,     200,     200,   200,    200,    200,  200),
    "rounds":           (200,     200,     200,   200,    200,    200,  200),
    "sites":            (200,     200,     200,   200,    200,    200,  200),
    "admin_published":  (200,     200,     200,   200,    200,    200,  200),
    "admin_open":       (404,     404,     404,   200,    200,    200,  200),
    "admin_exact":      (403,     403,     403,   200,    200,    200,  200),
    "sites_figures":    (200,     200,     200,   200,    200,    200,  200),
    "origins":          (200,     200,     200,   200,    200,    200,  200),
    "series":           (200,     200,     200,   200,    200,    200,  200),
    "headline":         (200,     200,     200,   200,    200,    200,  200),
    "headline_open":    (404,     404,     404,   200,    200,    200,  200),
    "csv":              (200,     200,     200,   200,    200,    200,  200),
    "needs_published":  (200,     200,     200,   200,    200,    200,  200),
    "needs_open":       (404,     404,     404,   200,    200,    200,  200),
    "needs_exact":      (403,     403,     403,   200,    200,    200,  200),
    "needs_hxl":        (200,     200,     200,   200,    200,    200,  200),
    "priority":         (200,     200,     200,   200,    200,    200,  200),
    "priority_open":    (404,     404,     404,   200,    200,    200,  200),
    "site_severity":    (200,     200,     200,   200,    200,    200,  200),
    "site_severity_open": (404,   404,     404,   200,    200,    200,  200),
    "v3_admin1":        (200,     200,     200,   200,    200,    200,  200),
    "v3_operations":    (200,     200,     200,   200,    200,    200,  200),
    "events":           (403,     403,     403,   200,    200,    200,  200),
    "flow_points":      (403,     403,     403,   200,    200,    200,  200),
    "flow_point":       (403,     403,     403,   200,    200,    200,  200),
    "flows":            (403,     403,     403,   200,    200,    200,  200),
    "corridors":        (403,     403,     403,   200,    200,    200,  200),
}
# Records of /v3/displacement/admin1 (published rounds only) and operations listed.
V3_RECORDS = {False: (0, 0, 4, 4, 4, 4, 4), True: (4, 4, 4, 4, 4, 4, 4)}
OPERATIONS_LISTED = {False: (0, 0, 1, 1, 1, 1, 1), True: (1, 1, 1, 1, 1, 1, 1)}
# fmt: on


@pytest.mark.parametrize("public", [False, True], ids=["private", "public"])
@pytest.mark.parametrize("who", WHO)
def test_status_table(db: Any, public: bool, who: str) -> None:
    world = world_build(public=public)
    fmp_add(
        operation=world.operation,
        code="FMP-1",
        name="Matnog port",
        fmp_type="port",
        admin_unit=AdminUnit.objects.get(pcode="PH01"),
        observed_from=dt.time(6),
        observed_to=dt.time(18),
        active_from=dt.date(2026, 11, 1),
        actor=SuperuserFactory(),
    )
    table = PUBLIC if public else PRIVATE
    column = WHO.index(who)
    client = client_for(world, who)
    got = {}
    for name, url in ENDPOINTS.items():
        response = client.get(url)
        got[name] = response.status_code
        if response.status_code >= 400:
            body = response.json()
            assert set(body) in ({"detail", "code"}, V3_KEYS), (name, body)
        assert b"r1-PH0100101" not in response.content, "raw submission ids are never served"
        assert b"enumerator" not in response.content
    v3 = client.get(ENDPOINTS["v3_admin1"]).json()["totalRecordsCount"]
    listed = client.get(ENDPOINTS["operations"]).json()["count"]
    assert got == {name: table[name][column] for name in ENDPOINTS}
    assert v3 == V3_RECORDS[public][column]
    assert listed == OPERATIONS_LISTED[public][column]


V3_KEYS = {"result", "statusCode", "isSuccess", "errorMessages", "totalRecordsCount"}


def _operation_scoped_paths() -> list[str]:
    """Every operation-scoped path of the OpenAPI document, with its required parameters."""
    from opendtm.api.v1 import api

    paths = []
    for path, methods in api.get_openapi_schema()["paths"].items():
        if "{code}" not in path:
            continue
        required = [p["name"] for p in methods["get"].get("parameters", []) if p.get("required")]
        query = "&".join(f"{name}=PH01" for name in required if name != "code")
        paths.append(path + (f"?{query}" if query else ""))
    return paths


def test_every_operation_route_is_covered() -> None:
    assert sorted(_operation_scoped_paths()) == [
        "/api/v1/operations/{code}/events",
        "/api/v1/operations/{code}/figures/admin",
        "/api/v1/operations/{code}/figures/headline",
        "/api/v1/operations/{code}/figures/origins",
        "/api/v1/operations/{code}/figures/rounds?pcode=PH01",
        "/api/v1/operations/{code}/figures/sites",
        "/api/v1/operations/{code}/flow-points",
        "/api/v1/operations/{code}/flow-points/{fmp_code}?fmp_code=PH01",
        "/api/v1/operations/{code}/flows",
        "/api/v1/operations/{code}/flows/corridors",
        "/api/v1/operations/{code}/needs/admin",
        "/api/v1/operations/{code}/needs/priority",
        "/api/v1/operations/{code}/needs/sites",
        "/api/v1/operations/{code}/rounds",
        "/api/v1/operations/{code}/sites",
    ]


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_a_private_operation_answers_as_one_that_does_not_exist(db: Any, who: str) -> None:
    """On every operation-scoped route the anonymous and a user without a role get the same
    404 and the same body for the private operation as for a code nobody uses."""
    world = world_build(public=False)
    client = client_for(world, who)
    for path in _operation_scoped_paths():
        private = client.get(path.replace("{code}", "typhoon"))
        missing = client.get(path.replace("{code}", "nosuchop"))
        assert (private.status_code, missing.status_code) == (404, 404), path
        assert private.json()["code"] == "not_found"
        assert private.content.replace(b"typhoon", b"nosuchop") == missing.content, path


def test_sites_list_shows_what_the_published_rounds_say(db: Any) -> None:
    """A site an import registered into the open round is not listed to the public or a
    viewer; a site's status is its latest visible assessment's, and the filter agrees."""
    from opendtm.ingest.models import ImportBatch
    from opendtm.mobility.models import SiteAssessment
    from tests.factories import SiteFactory

    world = world_build(public=True)
    SiteAssessment.objects.filter(round=world.rounds[2], site=world.sites["S1"]).update(
        site_status="closed"
    )
    s9 = SiteFactory(operation=world.operation, site_id="S9", admin_unit=world.units["PH0100101"])
    SiteAssessment.objects.create(
        round=world.rounds[3],
        batch=ImportBatch.objects.filter(round=world.rounds[3], form_id="dtm_site").get(),
        submission_id="r3-S9",
        site=s9,
        admin_unit=world.units["PH0100101"],
        site_status="closing",
        source_row=9,
    )
    url = "/api/v1/operations/typhoon/sites"
    shown = {
        who: [
            (r["site_id"], r["status"], r["status_round"], r["closed_on"])
            for r in client_for(world, who).get(url).json()["results"]
        ]
        for who in ("anonymous", "viewer", "analyst")
    }
    published = [("S1", "closed", 2, "2026-12-01"), ("S2", "open", 1, None)]
    assert shown == {
        "anonymous": published,
        "viewer": published,
        "analyst": [*published, ("S9", "closing", 3, None)],
    }
    closed = client_for(world, "anonymous").get(f"{url}?status=closed").json()
    assert [r["site_id"] for r in closed["results"]] == ["S1"] and closed["count"] == 1
