"""DTM API v3 compatibility: envelope, records, filters, keys, and the real `dtmapi` client."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from opendtm.operations.models import Operation
from tests.api.conftest import OPERATION_NAME, World, answers_forget

NA = "Not available"


def _record(level: int, rid: int | None, **values: Any) -> dict[str, Any]:
    record: dict[str, Any] = {} if rid is None else {"id": rid}
    record |= {"operation": OPERATION_NAME, "admin0Name": "Philippines", "admin0Pcode": "PHL"}
    for k in range(1, level + 1):
        pcode = values.pop(f"adm{k}")
        record |= {f"admin{k}Name": f"Adm{k} {pcode}", f"admin{k}Pcode": pcode}
    number, date = values.pop("round")
    origin = values.pop("origin", None)
    record |= {
        "numPresentIdpInd": values.pop("idps"),
        "reportingDate": f"{date}T00:00:00",
        "yearReportingDate": int(date[:4]),
        "monthReportingDate": int(date[5:7]),
        "roundNumber": number,
        "displacementReason": "Natural disaster",
        "numberMales": values.pop("males", None),
        "numberFemales": values.pop("females", None),
        "idpOriginAdmin1Name": f"Adm1 {origin}" if origin else NA,
        "idpOriginAdmin1Pcode": origin or NA,
        "assessmentType": "BA",
    }
    assert not values
    return record


R1, R2 = (1, "2026-11-01"), (2, "2026-12-01")


def _ids(world: World, pairs: list[tuple[int, str]]) -> list[int]:
    return [world.rounds[n].pk * 1_000_000 + world.units[p].pk for n, p in pairs]


def expected_admin1(world: World) -> list[dict[str, Any]]:
    ids = _ids(world, [(1, "PH01"), (1, "PH02"), (2, "PH01"), (2, "PH02")])
    return [
        _record(1, ids[0], adm1="PH01", round=R1, idps=142, origin="PH02"),
        _record(1, ids[1], adm1="PH02", round=R1, idps=123),
        _record(1, ids[2], adm1="PH01", round=R2, idps=84),
        _record(1, ids[3], adm1="PH02", round=R2, idps=77),
    ]


def expected_admin2(world: World) -> list[dict[str, Any]]:
    pairs = [(1, "PH01001"), (1, "PH01002"), (1, "PH02001"), (1, "PH02002")]
    pairs += [(2, "PH01001"), (2, "PH02001")]
    ids = _ids(world, pairs)
    return [
        _record(
            2,
            ids[0],
            adm1="PH01",
            adm2="PH01001",
            round=R1,
            idps=130,
            origin="PH02",
        ),
        _record(2, ids[1], adm1="PH01", adm2="PH01002", round=R1, idps=12, origin="PH02"),
        # 3 IDPs in PH02002 are hidden, and PH02001 with them (else 123 - 120 gives them away).
        _record(2, ids[2], adm1="PH02", adm2="PH02001", round=R1, idps=None),
        _record(2, ids[3], adm1="PH02", adm2="PH02002", round=R1, idps=None),
        _record(2, ids[4], adm1="PH01", adm2="PH01001", round=R2, idps=84),
        _record(2, ids[5], adm1="PH02", adm2="PH02001", round=R2, idps=77),
    ]


def _ok(result: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "result": result,
        "statusCode": 200,
        "isSuccess": True,
        "errorMessages": [],
        "totalRecordsCount": len(result),
    }


def test_admin_levels_exact_records(public_world: World) -> None:
    client = Client()
    admin0 = [
        _record(0, None, round=R1, idps=265),  # the sites' 120 people are not its IDPs
        _record(0, None, round=R2, idps=161),
    ]
    assert client.get("/v3/displacement/admin0", {"Operation": OPERATION_NAME}).json() == _ok(
        admin0
    )
    assert client.get("/v3/displacement/admin1", {"CountryName": "Philippines"}).json() == _ok(
        expected_admin1(public_world)
    )
    assert client.get("/v3/displacement/admin2", {"Admin0Pcode": "PHL"}).json() == _ok(
        expected_admin2(public_world)
    )


def test_the_open_round_is_never_served_even_to_an_admin(public_world: World) -> None:
    client = Client()
    client.force_login(public_world.users["admin"])
    rounds = {r["roundNumber"] for r in client.get("/v3/displacement/admin1").json()["result"]}
    assert rounds == {1, 2}


@pytest.mark.parametrize(
    ("params", "picked"),
    [
        ({"Admin1Pcode": "ph02"}, [1, 3]),
        ({"Admin1Name": "Adm1 PH01"}, [0, 2]),
        ({"FromRoundNumber": "2"}, [2, 3]),
        ({"ToRoundNumber": "1"}, [0, 1]),
        ({"FromReportingDate": "2026-11-15", "ToReportingDate": "2026-12-31"}, [2, 3]),
        ({"ToReportingDate": "2026-11-01"}, [0, 1]),
        ({"Operation": "typhoon"}, [0, 1, 2, 3]),
        ({"Operation": "another"}, []),
        ({"CountryName": "Sudan"}, []),
        ({"Admin0Pcode": "SDN"}, []),
    ],
)
def test_admin1_filters(public_world: World, params: dict[str, str], picked: list[int]) -> None:
    every = expected_admin1(public_world)
    answer = Client().get("/v3/displacement/admin1", params).json()
    assert answer == _ok([every[i] for i in picked])


def test_admin2_filters_by_admin2(public_world: World) -> None:
    every = expected_admin2(public_world)
    answer = Client().get("/v3/displacement/admin2", {"Admin2Pcode": "PH01002"}).json()
    assert answer == _ok([every[1]])
    answer = Client().get("/v3/displacement/admin2", {"Admin2Name": "adm2 ph02001"}).json()
    assert answer == _ok([every[2], every[5]])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"FromReportingDate": "30/11/2026"}, "FromReportingDate '30/11/2026' is not a date."),
        ({"ToRoundNumber": "two"}, "ToRoundNumber 'two' is not a round number."),
    ],
)
def test_bad_filter_answers_the_error_envelope(
    public_world: World, params: dict[str, str], message: str
) -> None:
    response = Client().get("/v3/displacement/admin1", params)
    assert response.status_code == 400
    body = response.json()
    assert body["isSuccess"] is False
    assert body["statusCode"] == 400
    assert body["result"] == []
    assert body["totalRecordsCount"] == 0
    assert body["errorMessages"][0].startswith(message)


def test_private_operation_needs_a_key(world: World) -> None:
    anonymous = Client().get("/v3/displacement/admin1").json()
    assert anonymous == _ok([])
    keyed = Client(headers={"Ocp-Apim-Subscription-Key": world.token})
    assert keyed.get("/v3/displacement/admin1").json() == _ok(expected_admin1(world))
    assert keyed.get("/v3/displacement/country-list").json() == _ok(
        [{"admin0Name": "Philippines", "admin0Pcode": "PHL"}]
    )


def test_unknown_key_is_refused(public_world: World) -> None:
    response = Client(headers={"Ocp-Apim-Subscription-Key": "odtm_wrong"}).get(
        "/v3/displacement/operation-list"
    )
    assert response.status_code == 401
    assert response.json()["isSuccess"] is False
    assert response.json()["errorMessages"] == [
        "The API token is unknown or its user is deactivated. "
        "Issue a new one with `opendtm user token USERNAME`."
    ]


def test_lists(public_world: World) -> None:
    client = Client()
    assert client.get("/v3/displacement/country-list").json() == _ok(
        [{"admin0Name": "Philippines", "admin0Pcode": "PHL"}]
    )
    assert client.get("/v3/displacement/operation-list").json() == _ok(
        [
            {
                "operation": OPERATION_NAME,
                "operationStatus": "Active",
                "admin0Name": "Philippines",
                "admin0Pcode": "PHL",
            }
        ]
    )
    Operation.objects.update(start_date="2025-01-01", end_date="2025-06-30")
    status = client.get("/v3/displacement/operation-list").json()["result"][0]["operationStatus"]
    assert status == "Inactive"


def test_only_get(public_world: World) -> None:
    assert Client().post("/v3/displacement/admin1").status_code == 405


# --- the real client ------------------------------------------------------------------------


def _client(base: str, key: str) -> Any:
    from dtmapi import DTMApi

    class OpenDTMApi(DTMApi):
        """dtmapi pointed at another server: only the base address changes."""

        def _get_endpoint(self, endpoint_type: str) -> str:
            url = super()._get_endpoint(endpoint_type)
            return url.replace("https://dtmapi.iom.int", base)

    return OpenDTMApi(subscription_key=key, max_retries=0, timeout=20)


# Round 1 (admin 3 locations): PH0100101 40 and PH0100102 90 IDPs (PH01001), PH0100201 12
# (PH01002), PH0200101 120 (PH02001), PH0200201 3 (PH02002). All but PH0100201 and PH0200201
# give the IDPs' sex and age: only PH01001 carries it.
IDP_GROUPS = {
    "PH0100101": (0, 5, 5, 10, 0, 0, 5, 5, 10, 0),
    "PH0100102": (0, 10, 15, 20, 5, 0, 10, 10, 15, 5),
    "PH0200101": (0, 10, 20, 30, 0, 0, 10, 20, 30, 0),
}


def _with_idp_sex_age(world: World) -> None:
    """Give some round-1 baselines the IDPs' sex and age, and rebuild the round's snapshot."""
    from opendtm.figures.services import figures_snapshot_build
    from opendtm.mobility.models import IDP_SEX_AGE_FIELDS, BaselineAssessment

    for pcode, groups in IDP_GROUPS.items():
        BaselineAssessment.objects.filter(round=world.rounds[1], location__pcode=pcode).update(
            **dict(zip(IDP_SEX_AGE_FIELDS, groups, strict=True))
        )
    figures_snapshot_build(round=world.rounds[1], actor=world.users["admin"])


def test_numbers_by_sex_are_the_idps_where_every_location_gave_them(public_world: World) -> None:
    _with_idp_sex_age(public_world)
    every = expected_admin2(public_world)
    every[0] |= {"numberMales": 60, "numberFemales": 70}  # 130 = 40 + 90, both locations gave it
    answer = Client().get("/v3/displacement/admin2", {"Operation": OPERATION_NAME}).json()
    assert answer == _ok(every)
    # PH01 (PH0100201 did not give it) and PH02 (nor PH0200201): null, as is the country.
    admin1 = Client().get("/v3/displacement/admin1").json()["result"]
    assert {(r["numberMales"], r["numberFemales"]) for r in admin1} == {(None, None)}


@pytest.mark.django_db(transaction=True)
def test_dtmapi_client_against_a_running_server(live_server: Any) -> None:
    from tests.api.conftest import world_build

    world = world_build(public=False)
    api = _client(live_server.url, world.token)
    records = api.get_idp_admin1_data(CountryName="Philippines", to_pandas=False)
    assert records == expected_admin1(world)
    frame = api.get_idp_admin2_data(Operation=OPERATION_NAME, FromRoundNumber=2)
    assert frame["admin2Pcode"].tolist() == ["PH01001", "PH02001"]
    assert frame["numPresentIdpInd"].tolist() == [84, 77]
    admin0 = api.get_idp_admin0_data(Admin0Pcode="PHL", ToReportingDate="2026-11-30")
    assert admin0.to_dict("records") == [_record(0, None, round=R1, idps=265)]
    assert api.get_all_countries(to_pandas=False) == [
        {"admin0Name": "Philippines", "admin0Pcode": "PHL"}
    ]
    assert api.get_all_operations()["operation"].tolist() == [OPERATION_NAME]
    _with_idp_sex_age(world)
    answers_forget()
    records = [
        *api.get_idp_admin0_data(Operation=OPERATION_NAME, to_pandas=False),
        *api.get_idp_admin1_data(Operation=OPERATION_NAME, to_pandas=False),
        *api.get_idp_admin2_data(Operation=OPERATION_NAME, to_pandas=False),
    ]
    assert len(records) == 2 + 4 + 6
    for r in records:
        both = (r["numberMales"], r["numberFemales"])
        assert both == (None, None) or sum(both) == r["numPresentIdpInd"], r
    given = [(r.get("admin2Pcode"), r["numberMales"], r["numberFemales"]) for r in records
             if r["numberMales"] is not None]  # fmt: skip
    assert given == [("PH01001", 60, 70)]
