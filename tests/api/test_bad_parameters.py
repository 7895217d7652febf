"""Bad parameters get a 4xx, never a 500: the case found by hand with its exact answer, then
every operation of the OpenAPI document driven with a table of bad values in each of its
parameters, asserting no 5xx (the pages and DTM v3: tests/web/test_bad_parameters.py)."""

from __future__ import annotations

from typing import Any

from opendtm.api.v1 import api
from tests.api.conftest import World, client_for
from tests.web.test_bad_parameters import BAD_VALUES as PAGE_VALUES

F = "/api/v1/operations/typhoon/figures"
BAD_VALUES = (*PAGE_VALUES, "2000-13-45", "true")  # the pages' table, and a date and a flag
VALID = {
    "code": "typhoon",
    "pcode": "PH01",
    "country": "PHL",
    "project_code": "BD1",
    "fmp_code": "FMP-1",
}


def test_a_date_window_matching_no_round_is_an_empty_series(world: World) -> None:
    response = client_for(world, "token").get(f"{F}/rounds?pcode=PH&date_to=2000-01-01")
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["provenance"], body["results"]) == (0, [], [])
    assert body["unit"]["pcode"] == "PH"


def test_a_round_beyond_any_database_integer_is_refused(world: World) -> None:
    response = client_for(world, "token").get(f"{F}/admin?round=99999999999999999999")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Round 99999999999999999999 is larger than 2,147,483,647.",
        "code": "invalid_input",
    }


def _operations() -> list[tuple[str, list[dict[str, Any]]]]:
    schema = api.get_openapi_schema()
    return [
        (path, operation.get("parameters", []))
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if method == "get"
    ]


def test_every_operation_of_the_document_is_driven() -> None:
    assert len(_operations()) == 20


def test_no_bad_value_in_any_parameter_gives_a_server_error(world: World) -> None:
    client = client_for(world, "token")
    seen: dict[tuple[str, str, str], int] = {}
    for path, parameters in _operations():
        required = {p["name"]: VALID[p["name"]] for p in parameters if p.get("required")}
        for parameter in parameters:
            name = parameter["name"]
            for value in BAD_VALUES:
                given = required | {name: value}
                url = path.format(**{k: given.pop(k) for k in list(given) if f"{{{k}}}" in path})
                seen[path, name, value] = client.get(url, given).status_code
    assert {case: status for case, status in seen.items() if status >= 500} == {}
    assert len(seen) == 92 * len(BAD_VALUES)  # the 92 parameters of the 20 operations


def test_a_nul_anywhere_is_refused_before_any_query(world: World) -> None:
    """PostgreSQL refuses a NUL in any text: it was a 500 there, in the operation code."""
    client = client_for(world, "token")
    refused = {
        "/api/v1/operations/PH%00/rounds": client.get("/api/v1/operations/PH%00/rounds"),
        "/api/v1/operations/typhoon/sites?pcode=": client.get(
            "/api/v1/operations/typhoon/sites", {"pcode": "PH\x00"}
        ),
    }
    for answer in refused.values():
        assert answer.status_code == 400
        assert answer.json() == {
            "detail": "A parameter holds a NUL character: no name, code or value can hold one.",
            "code": "invalid_input",
        }
    page = client_for(world, "viewer").get("/o/typhoon/", {"round": "1\x00"})
    assert page.status_code == 400
    assert b"A parameter holds a NUL character" in page.content
