"""Bad parameters get a 4xx page, never a 500: the cases found by hand with their exact
answers, then every URL pattern of the site (pages and DTM API v3) driven with a table of bad
values in every parameter, asserting no 5xx. The own API is driven from its OpenAPI document
in tests/api/test_bad_parameters.py.

The operation (tests/figures/conftest.py) has round 1 published and round 2 open.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.datastructures import MultiValueDict

from opendtm.ingest.jobs import jobs_root
from tests.web.conftest import WebWorld

BAD_VALUES = (
    "abc",
    "-1",
    "0",
    "9",
    "1.5",
    "99999999999999999999",
    "x" * 300,
    "",
    "2000-01-01",
    "PH\x00",  # a NUL, which PostgreSQL refuses in text
)
VALID_PATH = {
    "code": "typhoon",
    "number": "2",
    "kind": "admin",
    "fmt": "csv",
    "site_id": "S1",
    "token": "A" * 22,
    "batch_id": "1",
    "table": "population",
    "batch": "2",
    "row": "5",
    "form_id": "dtm_site",
    "username": "nora",
    "project_code": "BD1",
    "token_id": "1",
    "fmp_code": "FMP-1",
}
BAD_PATH = {
    "slug": ("x" * 300, "nope"),
    "int": ("0", "99999999999999999999"),
    "str": ("x" * 300, "nope", "a.b"),
}


def _client(web_world: WebWorld) -> Client:
    client = Client()
    client.force_login(web_world.users["superuser"])  # type: ignore[arg-type]
    return client


def _get(client: Client, url: str, params: dict[str, str] | None = None) -> Any:
    return client.get(url, params or {}, headers={"accept": "text/html"})


# --- the cases of issue 10 ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/o/typhoon/?round=abc", "round &#x27;abc&#x27; is not a whole number."),
        ("/o/typhoon/?round=0", "Round 0 is not a round number (1 or more)."),
        ("/o/typhoon/breakdown/?level=9", "Level 9 is not an admin level (0-4)."),
        ("/o/typhoon/breakdown/?level=-1", "Level -1 is not an admin level (0-4)."),
        ("/o/typhoon/breakdown/?level=abc", "level &#x27;abc&#x27; is not a whole number."),
        ("/o/typhoon/download/admin.csv?level=abc", "level &#x27;abc&#x27; is not a whole number."),
        (
            "/o/typhoon/download/origin.csv?origin_level=abc",
            "origin_level &#x27;abc&#x27; is not a whole number.",
        ),
        (
            "/o/typhoon/download/series.csv",
            "A time series needs the P-code of an admin unit. Give its pcode, for example PH05.",
        ),
        (
            "/o/typhoon/rounds/2/submissions/?sort=colour",
            "Sort &#x27;colour&#x27; is not a column of the table. Use one of: file, row, "
            "submission, status, unit, site, issues (with - first to reverse).",
        ),
        (
            "/o/typhoon/rounds/2/submissions/?page=abc",
            "page &#x27;abc&#x27; is not a whole number.",
        ),
    ],
)
def test_the_bad_parameters_found_get_400_with_the_reason(
    web_world: WebWorld, url: str, message: str
) -> None:
    response = _get(_client(web_world), url)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'<p class="error" id="error-message">{message}</p>' in html
    assert "<h1>Bad request</h1>" in html


def test_a_300_character_job_id_is_not_found_and_touches_no_file(web_world: WebWorld) -> None:
    response = _get(_client(web_world), f"/o/typhoon/imports/{'x' * 300}/")
    assert response.status_code == 404
    assert b"No such upload." in response.content
    assert not jobs_root().exists()  # nothing was created on the way


def test_an_error_page_keeps_the_layout_and_the_way_back(web_world: WebWorld) -> None:
    """Inside an operation: its menu and the way home; outside: the way home and to log in."""
    inside = _get(_client(web_world), "/o/typhoon/breakdown/?level=9").content.decode()
    assert '<a href="/o/typhoon/">Dashboard of ' in inside
    assert '<a href="/o/typhoon/sites/">Sites</a>' in inside
    assert '<a href="/">All operations</a>' in inside
    missing = Client().get("/no/such/page/")
    assert missing.status_code == 404
    html = missing.content.decode()
    assert "<h1>Not found</h1>" in html and '<a href="/">All operations</a>' in html
    assert '<a href="/login/?next=/no/such/page/">Log in</a>' in html


def test_an_unknown_operation_says_404_to_a_logged_in_user_and_shows_no_menu(
    web_world: WebWorld,
) -> None:
    client = Client()
    client.force_login(web_world.users["norole"])  # type: ignore[arg-type]
    response = _get(client, "/o/typhoon/breakdown/?level=9")  # not visible: 404 before 400
    assert response.status_code == 404
    assert b'href="/o/typhoon/' not in response.content


# --- every route, every parameter, every bad value ------------------------------------------


def _routes(
    patterns: list[Any] | None = None, prefix: str = ""
) -> Iterator[tuple[str, dict[str, str]]]:
    """(route, {argument: converter name}) of every URL pattern but Django's admin and the
    own API (driven from its OpenAPI document)."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(("admin/", "api/")):
            continue
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, {name: kind for kind, name in re.findall(r"<(\w+):(\w+)>", route)}


def _url(route: str, values: dict[str, str]) -> str:
    return "/" + re.sub(r"<\w+:(\w+)>", lambda m: values[m.group(1)], route)


ROUTES = sorted(_routes())


@contextmanager
def _reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    """The names of the parameters a request reads (from GET or POST), found by running it:
    so each route is driven in the parameters it has, whatever code reads them."""
    names: set[str] = set()
    for method in ("get", "__getitem__", "getlist", "__contains__"):
        original = getattr(MultiValueDict, method)

        def recording(self: Any, key: Any, *args: Any, _original: Any = original) -> Any:
            if isinstance(key, str):  # the URL resolver keys its own MultiValueDict by view
                names.add(key)
            return _original(self, key, *args)

        monkeypatch.setattr(MultiValueDict, method, recording)
    yield names
    monkeypatch.undo()


def test_the_routes_are_all_there() -> None:
    """The drive below reaches the pages, the downloads, the imports and DTM v3."""
    names = [route for route, _ in ROUTES]
    assert len(names) == 54
    assert "o/<slug:code>/sites/<str:site_id>/profile.pdf" in names
    assert "o/<slug:code>/download/<slug:kind>.<slug:fmt>" in names
    assert "o/<slug:code>/imports/<str:token>/confirm/" in names
    assert "v3/displacement/admin1" in names


def test_no_bad_value_in_any_parameter_gives_a_server_error(
    web_world: WebWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _client(web_world)
    seen: dict[tuple[str, str, str, str], int] = {}
    driven: dict[str, set[str]] = {}
    for route, arguments in ROUTES:
        url = _url(route, VALID_PATH)
        methods = ("get",) if route == "logout/" else ("get", "post")  # the drive stays logged in
        for method in methods:
            with _reads(monkeypatch) as names:
                first = getattr(client, method)(url)
            seen[route, method, "", ""] = first.status_code
            if first.status_code == 405:
                continue
            names.discard("csrfmiddlewaretoken")
            driven[f"{method} {route}"] = set(names)
            for name in sorted(names):
                for value in BAD_VALUES:
                    answer = getattr(client, method)(url, {name: value})
                    seen[route, method, name, value] = answer.status_code
            for argument, kind in arguments.items():
                for value in BAD_PATH[kind]:
                    bad = _url(route, VALID_PATH | {argument: value})
                    seen[route, method, argument, value] = getattr(client, method)(bad).status_code
    assert {case: status for case, status in seen.items() if status >= 500} == {}
    # the drive did reach the parameters of the figures pages
    assert {"round", "level", "origin_level", "parent", "pcode"} <= driven[
        "get o/<slug:code>/download/<slug:kind>.<slug:fmt>"
    ]
    assert driven["get o/<slug:code>/"] >= {"round"}
    assert driven["get o/<slug:code>/sites/<str:site_id>/profile.pdf"] >= {"round"}
    assert {"form", "status", "rule", "admin", "site", "sort", "page"} <= driven[
        "get o/<slug:code>/rounds/<int:number>/submissions/"
    ]
