"""What the endpoints answer: values, pagination, formats, errors, and pinned query counts."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from opendtm.accounts.choices import Role
from opendtm.accounts.models import OperationGrant
from opendtm.api.models import ApiToken
from tests.api.conftest import World, answers_forget, client_for
from tests.empty_answers import answer_rows, empty_world_build
from tests.factories import SiteFactory

F = "/api/v1/operations/typhoon/figures"
ROUNDS = "/api/v1/operations/typhoon/rounds"
SERIES = f"{F}/rounds?pcode=PH01"


def test_viewer_sees_published_rounds_only(world: World) -> None:
    viewer = client_for(world, "viewer")
    rounds = viewer.get(ROUNDS).json()
    assert [r["number"] for r in rounds["results"]] == [1, 2]
    series = viewer.get(SERIES).json()
    assert [r["round"] for r in series["results"]] == [1, 2]
    analyst = client_for(world, "analyst")
    assert [r["round"] for r in analyst.get(SERIES).json()["results"]] == [1, 2, 3]


def test_deactivated_token_owner_is_refused(world: World) -> None:
    world.users["analyst"].is_active = False
    world.users["analyst"].save()
    response = client_for(world, "token").get(ROUNDS)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_role_taken_away_closes_the_api(world: World) -> None:
    OperationGrant.objects.filter(user=world.users["viewer"], role=Role.VIEWER).delete()
    assert (
        client_for(world, "viewer").get(ROUNDS).status_code == 404
    )  # as a missing operation: no role, no sign it exists


def test_operations(public_world: World) -> None:
    body = Client().get("/api/v1/operations", {"country": "phl"}).json()
    assert body == {
        "count": 1,
        "results": [
            {
                "code": "typhoon",
                "name": "Philippines - Typhoon test",
                "country_iso3": "PHL",
                "crisis_type": "typhoon",
                "mcof_phase": "during",
                "start_date": "2026-11-01",
                "end_date": None,
                "location_level": 3,
                "is_public": True,
                "round_count": 2,  # rounds 1 and 2 published: round 3 is not seen here
            }
        ],
    }
    assert Client().get("/api/v1/operations", {"country": "SDN"}).json() == {
        "count": 0,
        "results": [],
    }


def test_rounds_date_range(public_world: World) -> None:
    body = (
        Client()
        .get(
            "/api/v1/operations/typhoon/rounds",
            {"date_from": "2026-11-02", "date_to": "2027-12-31"},
        )
        .json()
    )
    assert [(r["number"], r["reporting_date"]) for r in body["results"]] == [(2, "2026-12-01")]


def test_admin_units_pages_do_not_overlap(public_world: World) -> None:
    client = Client()
    pages = [
        client.get(
            "/api/v1/admin-units", {"country": "PHL", "level": 3, "limit": 3, "offset": offset}
        ).json()
        for offset in (0, 3, 6)
    ]
    assert [p["count"] for p in pages] == [8, 8, 8]
    codes = [u["pcode"] for p in pages for u in p["results"]]
    assert codes == [
        "PH0100101",
        "PH0100102",
        "PH0100201",
        "PH0100202",
        "PH0200101",
        "PH0200102",
        "PH0200201",
        "PH0200202",
    ]
    children = client.get("/api/v1/admin-units", {"country": "PHL", "parent": "PH02"}).json()
    assert [u["pcode"] for u in children["results"]] == ["PH02001", "PH02002"]
    assert children["results"][0]["parent_pcode"] == "PH02"
    assert children["results"][0]["alternative_codes"] == []


def test_sites_filters_and_pages(public_world: World) -> None:
    client = Client()
    body = client.get("/api/v1/operations/typhoon/sites", {"pcode": "PH01"}).json()
    assert body["count"] == 1
    assert body["results"][0]["site_id"] == "S1"
    assert body["results"][0]["admin_pcode"] == "PH0100101"
    page = client.get("/api/v1/operations/typhoon/sites", {"limit": 1, "offset": 1}).json()
    assert (page["count"], [s["site_id"] for s in page["results"]]) == (2, ["S2"])
    bad = client.get("/api/v1/operations/typhoon/sites", {"status": "gone"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_input"


def test_figures_by_admin_values(public_world: World) -> None:
    body = Client().get(f"{F}/admin", {"round": 1, "level": 1}).json()
    assert body["count"] == 2
    assert body["provenance"]["round_number"] == 1
    assert body["provenance"]["threshold"] == 5
    assert body["totals"]["idp_ind"] == 265
    rows = [(r["adm1_pcode"], r["idp_ind"], r["idp_hh"]) for r in body["results"]]
    assert rows == [("PH01", 142, 33), ("PH02", 123, 31)]
    level2 = Client().get(f"{F}/admin", {"round": 1, "level": 2, "pcode": "PH02"}).json()
    assert [(r["adm2_pcode"], r["idp_ind"], r["suppressed"]) for r in level2["results"]] == [
        ("PH02001", None, ["idp_hh", "idp_ind"]),
        ("PH02002", None, ["idp_hh", "idp_ind"]),
    ]


def test_exact_values_for_analysts(world: World) -> None:
    body = client_for(world, "analyst").get(
        f"{F}/admin", {"round": 1, "level": 2, "pcode": "PH02", "exact": True}
    )
    assert [(r["adm2_pcode"], r["idp_ind"]) for r in body.json()["results"]] == [
        ("PH02001", 120),
        ("PH02002", 3),
    ]


def test_figures_pagination_is_stable(public_world: World) -> None:
    client = Client()
    first = client.get(f"{F}/admin", {"round": 2, "level": 2, "limit": 1}).json()
    second = client.get(f"{F}/admin", {"round": 2, "level": 2, "limit": 1, "offset": 1}).json()
    assert (first["count"], second["count"]) == (2, 2)
    assert [r["adm2_pcode"] for r in first["results"] + second["results"]] == [
        "PH01001",
        "PH02001",
    ]


def test_csv_and_hxl(public_world: World) -> None:
    client = Client()
    response = client.get(f"{F}/admin", {"round": 1, "level": 1, "format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["Admin 1 P-code"], r["IDP individuals"]) for r in rows] == [
        ("PH01", "142"),
        ("PH02", "123"),
    ]
    hxl = client.get(f"{F}/admin", {"round": 1, "level": 1, "format": "hxl", "limit": 1})
    lines = list(csv.reader(io.StringIO(hxl.content.decode())))
    assert lines[1][:3] == ["#country+code", "#activity+code", "#round+code"]
    assert len(lines) == 3  # header, tags, the one row asked for


def test_origins_and_series_and_headline(public_world: World) -> None:
    client = Client()
    origins = client.get(f"{F}/origins", {"round": 1, "level": 1, "origin_level": 1}).json()
    assert [
        (r["adm1_pcode"], r["origin_adm1_pcode"], r["origin_ind"]) for r in origins["results"]
    ] == [("PH01", "PH02", 142), ("PH02", "PH01", 120)]
    series = client.get(f"{F}/rounds", {"pcode": "PH01", "date_from": "2026-11-15"}).json()
    assert [(r["round"], r["idp_ind"]) for r in series["results"]] == [(2, 84)]
    assert series["count"] == 1
    csv = client.get(
        f"{F}/rounds", {"pcode": "PH01", "date_from": "2026-11-15", "format": "csv"}
    ).content.decode()
    assert len(csv.splitlines()) == 2  # the header and round 2: CSV is filtered too
    headline = client.get(f"{F}/headline").json()
    assert headline["figures"]["idp_ind"] == 161
    assert headline["change"]["idp_ind"] == 161 - 265


@pytest.mark.parametrize(
    ("url", "status", "code", "detail"),
    [
        ("/api/v1/operations/nowhere/rounds", 404, "not_found", "No operation 'nowhere'."),
        (f"{F}/admin?round=9", 404, "not_found", "Operation typhoon has no round 9 you may"),
        (f"{F}/admin?level=7", 400, "invalid_input", "Bad request parameter: level: Input"),
        (f"{F}/admin?pcode=XX99", 404, "not_found", "P-code 'XX99' is not an admin unit"),
        (f"{F}/rounds", 400, "invalid_input", "Bad request parameter: pcode: Field required"),
        (
            "/api/v1/operations/typhoon/rounds?date_from=2027-01-01&date_to=2026-01-01",
            400,
            "invalid_input",
            "date_from 2027-01-01 is after date_to 2026-01-01.",
        ),
        ("/api/v1/admin-units?country=ZZZ", 400, "invalid_input", "'ZZZ' is not an ISO 3166"),
    ],
)
def test_errors_are_json(
    public_world: World, url: str, status: int, code: str, detail: str
) -> None:
    response = Client().get(url)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["detail"].startswith(detail)


def test_malformed_authorization_header(public_world: World) -> None:
    response = Client(headers={"Authorization": "Token abc"}).get("/api/v1/operations")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "The Authorization header must be 'Bearer <token>'. "
        "Issue a token with `opendtm user token USERNAME`.",
        "code": "not_authenticated",
    }


# --- query counts: they do not grow with the rows -------------------------------------------


def _more_sites(world: World, n: int) -> None:
    start = world.operation.sites.count()
    for i in range(start, start + n):
        SiteFactory(operation=world.operation, site_id=f"X{i}", admin_unit=world.units["PH01001"])


@pytest.mark.parametrize(
    ("url", "anonymous", "viewer", "token"),
    [
        ("/api/v1/operations", 1, 3, 2),
        ("/api/v1/admin-units?country=PHL&limit=50", 3, 3, 3),
        ("/api/v1/operations/typhoon/rounds", 2, 4, 3),  # who sees which round: in SQL
        ("/api/v1/operations/typhoon/sites?limit=50", 3, 5, 4),
    ],
)
def test_list_query_counts(
    public_world: World,
    django_assert_num_queries: Any,
    url: str,
    anonymous: int,
    viewer: int,
    token: int,
) -> None:
    """Session and user are read only by endpoints that need them; a token costs one query
    (`last_used` is refreshed at most once a minute, so it is fresh here)."""
    ApiToken.objects.update(last_used=timezone.now())
    for extra in (0, 20):
        _more_sites(public_world, extra)
        for who, count in (("anonymous", anonymous), ("viewer", viewer), ("token", token)):
            client = client_for(public_world, who)
            with django_assert_num_queries(count):
                assert client.get(url).status_code == 200


def test_v3_query_count_does_not_grow_with_rows(public_world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    with CaptureQueriesContext(connection) as small:
        client.get("/v3/displacement/admin2")
    _more_sites(public_world, 20)
    answers_forget()  # the answer computed again, not read from the cache
    with CaptureQueriesContext(connection) as large:
        client.get("/v3/displacement/admin2")
    assert len(large.captured_queries) == len(small.captured_queries)


def test_csv_site_names_that_are_formulas_come_out_as_text(world: World) -> None:
    from opendtm.operations.models import Site
    from tests.factories import SiteAssessmentFactory

    Site.objects.filter(pk=world.sites["S1"].pk).update(name='=HYPERLINK("http://x","Click me")')
    Site.objects.filter(pk=world.sites["S2"].pk).update(name="@SUM(1+1)*cmd|' /C calc'!A0")
    for site in ("S1", "S2"):
        SiteAssessmentFactory(round=world.rounds[3], site=world.sites[site], hh=3, ind=12)
    response = client_for(world, "token").get(f"{F}/sites", {"round": 3, "format": "csv"})
    lines = response.content.decode().splitlines()
    assert lines[1:] == [
        'PHL,typhoon,3,2027-01-05,S1,"\'=HYPERLINK(""http://x"",""Click me"")",'
        "evacuation_centre,open,PH01,Adm1 PH01,PH01001,Adm2 PH01001,PH0100101,Adm3 PH0100101,"
        ",,11.3,,no,no,3,12,0,0,0,0,0,0,0,0,0,0,6,-3,-50.0,24,-12,-50.0,",  # -12 stays a number
        "PHL,typhoon,3,2027-01-05,S2,'@SUM(1+1)*cmd|' /C calc'!A0,"
        "evacuation_centre,open,PH02,Adm1 PH02,PH02001,Adm2 PH02001,PH0200101,Adm3 PH0200101,"
        ",,,,no,no,3,12,0,0,0,0,0,0,0,0,0,0,0,3,,0,12,,",
    ]


EMPTY_TABLES = [
    pytest.param("admin", {"level": 1}, id="admin1"),
    pytest.param("admin", {"level": 4}, id="admin4"),
    pytest.param("sites", {}, id="sites"),
    pytest.param("origins", {"level": 1, "origin_level": 2}, id="origins"),
    pytest.param("rounds", {"pcode": "PH01", "date_from": "2030-01-01"}, id="rounds"),
]


@pytest.mark.parametrize(("path", "params"), EMPTY_TABLES)
def test_figures_without_rows_are_well_formed_in_every_format(
    db: Any, tmp_path: Path, path: str, params: dict[str, Any]
) -> None:
    """A round that holds nothing answers in JSON, CSV and HXL as well-formed as a full one:
    anonymous on the published round, an analyst on the open one."""
    world = empty_world_build(tmp_path / "data", public=True)
    analyst = Client()
    analyst.force_login(world.analyst)
    for client, number in ((Client(), 1), (analyst, 2)):
        asked = params if path == "rounds" else {**params, "round": number}
        body = client.get(f"{F}/{path}", asked)
        assert body.status_code == 200, body.content
        assert (body.json()["count"], body.json()["results"]) == (0, [])
        for fmt in ("csv", "hxl"):
            response = client.get(f"{F}/{path}", {**asked, "format": fmt})
            assert response.status_code == 200
            header, rows = answer_rows(fmt, response.content)
            assert (header[:3], rows) == (["Country", "Operation", "Round"], [])


def test_headline_and_v3_of_empty_rounds_are_well_formed(db: Any, tmp_path: Path) -> None:
    empty_world_build(tmp_path / "data", public=True)
    client = Client()
    headline = client.get(f"{F}/headline").json()
    assert headline["figures"]["idp_ind"] == 0 and headline["provenance"]["round_number"] == 1
    for level, records in ((0, 1), (1, 0), (2, 0)):  # admin 0: the country, with its zeros
        body = client.get(f"/v3/displacement/admin{level}", {"Admin0Pcode": "PHL"}).json()
        assert (body["isSuccess"], body["totalRecordsCount"]) == (True, records)
        assert [r["numPresentIdpInd"] for r in body["result"]] == [0] * records


def test_figures_by_site_keep_a_site_type_and_status(world: World) -> None:
    client = client_for(world, "token")
    kept = client.get(f"{F}/sites", {"round": 1, "site_status": "open"}).json()
    assert [r["site_code"] for r in kept["results"]] == ["S1", "S2"]
    assert kept["totals"]["ind"] == 145  # 120 + 25
    none = client.get(f"{F}/sites", {"round": 1, "site_type": "planned_camp"}).json()
    assert (none["count"], none["results"], none["totals"]["ind"]) == (0, [], 0)
    bad = client.get(f"{F}/sites", {"site_status": "gone"})
    assert bad.status_code == 400
    assert bad.json()["detail"].startswith("site_status 'gone' is not one of planned, open, ")
