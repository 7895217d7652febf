"""Every endpoint for every kind of requester, on a private and on a public operation.

The expected statuses are a literal table: anonymous requests for a private operation get
401, a logged-in user without a role 403, an unpublished round is 404 to whoever may not see
it, and exact published values (no suppression) are for analysts and up (403 below).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import client_for, world_build

F = "/api/v1/operations/typhoon/figures"
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
    "v3_admin1": "/v3/displacement/admin1",
    "v3_operations": "/v3/displacement/operation-list",
}
WHO = ("anonymous", "outsider", "viewer", "analyst", "manager", "admin", "token")

# fmt: off
#                       anonymous outsider viewer analyst manager admin token
PRIVATE = {
    "operations":       (200,     200,     200,   200,    200,    200,  200),
    "admin_units":      (200,     200,     200,   200,    200,    200,  200),
    "rounds":           (401,     403,     200,   200,    200,    200,  200),
    "sites":            (401,     403,     200,   200,    200,    200,  200),
    "admin_published":  (401,     403,     200,   200,    200,    200,  200),
    "admin_open":       (401,     403,     404,   200,    200,    200,  200),
    "admin_exact":      (401,     403,     403,   200,    200,    200,  200),
    "sites_figures":    (401,     403,     200,   200,    200,    200,  200),
    "origins":          (401,     403,     200,   200,    200,    200,  200),
    "series":           (401,     403,     200,   200,    200,    200,  200),
    "headline":         (401,     403,     200,   200,    200,    200,  200),
    "headline_open":    (401,     403,     404,   200,    200,    200,  200),
    "csv":              (401,     403,     200,   200,    200,    200,  200),
    "v3_admin1":        (200,     200,     200,   200,    200,    200,  200),
    "v3_operations":    (200,     200,     200,   200,    200,    200,  200),
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
    "v3_admin1":        (200,     200,     200,   200,    200,    200,  200),
    "v3_operations":    (200,     200,     200,   200,    200,    200,  200),
}
# Records of /v3/displacement/admin1 (published rounds only) and operations listed.
V3_RECORDS = {False: (0, 0, 4, 4, 4, 4, 4), True: (4, 4, 4, 4, 4, 4, 4)}
OPERATIONS_LISTED = {False: (0, 0, 1, 1, 1, 1, 1), True: (1, 1, 1, 1, 1, 1, 1)}
# fmt: on


@pytest.mark.parametrize("public", [False, True], ids=["private", "public"])
@pytest.mark.parametrize("who", WHO)
def test_status_table(db: Any, public: bool, who: str) -> None:
    world = world_build(public=public)
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
