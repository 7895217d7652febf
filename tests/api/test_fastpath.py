"""The short path of cached answers (`api.fastpath`): the same answers as the full stack, byte
for byte and header for header, access checked first, and anything else left to the stack.

A response the short path sent never reached a view, so its request has no `resolver_match`
(Django's handler sets it before calling the view): that is how these tests tell the two apart.
The full stack is the same settings without the short path's middleware.
"""

from __future__ import annotations

import gzip
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from opendtm.accounts.models import OperationGrant
from opendtm.api.fastpath import cacheable_routes, query_read
from opendtm.api.figures import AdminQuery
from opendtm.api.models import ApiToken
from tests.api.conftest import World, client_for

F = "/api/v1/operations/typhoon/figures"
ADMIN1 = f"{F}/admin?round=1&level=1"
V3 = "/v3/displacement/admin1"
SHORT = "opendtm.api.fastpath.CachedAnswerMiddleware"
# The short path as it answers when no earlier response is replayed (test_replay.py)
pytestmark = pytest.mark.usefixtures("no_replay")
CACHED_URLS = [
    ADMIN1,
    f"{F}/admin?round=1&level=2&pcode=PH02",
    f"{F}/admin?round=1&level=1&format=csv",
    f"{F}/admin?round=1&level=1&format=hxl",
    f"{F}/headline?round=2",
    f"{F}/sites?round=2",
    f"{F}/sites?round=1&format=csv&limit=1",
    f"{F}/origins?round=1&level=1&origin_level=2",
    "/v3/displacement/admin0",
    V3,
    "/v3/displacement/admin2?Admin1Pcode=PH01",
]


def _full_stack(world: World, who: str) -> Client:
    """A client of the same server without the short path."""
    with override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if m != SHORT]):
        client = client_for(world, who)
        client.handler.load_middleware()
    return client


def _short(response: Any) -> bool:
    return response.wsgi_request.resolver_match is None


def _same(short: Any, full: Any) -> None:
    assert short.status_code == full.status_code
    assert short.content == full.content
    assert list(short.items()) == list(full.items())


def test_the_cacheable_routes() -> None:
    routes = cacheable_routes()
    assert sorted(routes) == [
        "api-v1:figures_admin",
        "api-v1:figures_headline",
        "api-v1:figures_origins",
        "api-v1:figures_sites",
        "dtm-v3-admin0",
        "dtm-v3-admin1",
        "dtm-v3-admin2",
    ]
    assert reverse("api-v1:figures_admin", kwargs={"code": "typhoon"}) == f"{F}/admin"
    assert reverse("dtm-v3-admin1") == V3


def test_the_settings_put_the_short_path_first() -> None:
    assert settings.MIDDLEWARE[0] == SHORT  # once the replay, first of all, is left out


@pytest.mark.parametrize("who", ["anonymous", "token", "viewer"])
@pytest.mark.parametrize("url", CACHED_URLS)
def test_a_hit_is_the_full_stacks_answer_byte_for_byte(
    public_world: World, url: str, who: str
) -> None:
    full = _full_stack(public_world, who)
    first = full.get(url)  # computed and kept
    short = client_for(public_world, who).get(url)
    again = full.get(url)  # from the cache, through the whole stack
    assert first.status_code == 200
    assert _short(short) and not _short(again)
    _same(short, again)
    _same(short, first)
    # the headers the middleware set are all there (session's Vary only without a token)
    assert short["X-Frame-Options"] == "DENY"
    assert short["X-Content-Type-Options"] == "nosniff"
    assert short["Content-Security-Policy"].startswith("default-src 'self'")
    assert short["Content-Language"] == "en"
    vary = ["Authorization", "Ocp-Apim-Subscription-Key", "Accept-Language"]
    vary += [] if who == "token" else ["Cookie"]
    vary += ["Accept-Encoding"] if len(short.content) >= 200 else []
    assert short["Vary"] == ", ".join(vary)


@pytest.mark.parametrize("url", [ADMIN1, f"{F}/admin?round=1&level=1&format=csv", V3])
def test_compressed_and_translated_answers_match_too(public_world: World, url: str) -> None:
    """gzip adds random bytes to each answer (Django's BREACH guard), so the bodies are
    compared unpacked; every header but the length is the same."""
    headers = {"Accept-Encoding": "gzip", "Accept-Language": "fr"}
    full = _full_stack(public_world, "anonymous")
    full.get(url)
    short = Client().get(url, headers=headers)
    again = full.get(url, headers=headers)
    assert _short(short) and not _short(again)
    assert short["Content-Encoding"] == again["Content-Encoding"] == "gzip"
    assert short["Content-Language"] == again["Content-Language"] == "fr"
    assert gzip.decompress(short.content) == gzip.decompress(again.content)
    assert {k: v for k, v in short.items() if k != "Content-Length"} == {
        k: v for k, v in again.items() if k != "Content-Length"
    }


@pytest.mark.parametrize("url", [ADMIN1, f"{F}/sites?round=2&format=csv", V3])
def test_if_none_match_answers_304_on_the_short_path(public_world: World, url: str) -> None:
    client = Client()
    etag = client.get(url)["ETag"]
    short = client.get(url, headers={"If-None-Match": etag})
    full = _full_stack(public_world, "anonymous").get(url, headers={"If-None-Match": etag})
    assert _short(short)
    assert short.status_code == 304
    assert short.content == b""
    assert short["ETag"] == etag
    _same(short, full)
    other = client.get(url, headers={"If-None-Match": '"other"'})
    assert _short(other) and other.status_code == 200


def test_a_revoked_token_is_refused_on_the_short_path(world: World) -> None:
    client = client_for(world, "token")
    cached = client.get(ADMIN1)
    assert _short(client.get(ADMIN1))
    v3 = Client(headers={"Ocp-Apim-Subscription-Key": world.token})
    v3.get(V3)
    assert _short(v3.get(V3))
    ApiToken.objects.all().delete()
    refused = client.get(ADMIN1)
    assert not _short(refused)  # refused by the endpoint, in its words
    assert refused.status_code == 401
    assert refused.json()["code"] == "not_authenticated"
    assert refused.content != cached.content
    refused_v3 = v3.get(V3)
    assert refused_v3.status_code == 401
    assert refused_v3.json()["isSuccess"] is False
    assert refused_v3.json()["result"] == []


def test_a_withdrawn_role_is_refused_on_the_short_path(world: World) -> None:
    viewer = client_for(world, "viewer")
    assert viewer.get(ADMIN1).status_code == 200
    hit = viewer.get(ADMIN1)
    assert _short(hit) and hit.status_code == 200  # a session user takes the short path too
    OperationGrant.objects.filter(user=world.users["viewer"]).delete()
    refused = viewer.get(ADMIN1)
    assert not _short(refused)
    assert refused.status_code >= 400
    assert refused.content != hit.content
    _same(refused, _full_stack(world, "viewer").get(ADMIN1))


def test_a_viewer_never_gets_the_analysts_exact_answer(world: World) -> None:
    url = f"{F}/admin?round=1&level=2&pcode=PH02"
    analyst = client_for(world, "token")
    exact = analyst.get(f"{url}&exact=true")
    assert _short(analyst.get(f"{url}&exact=true"))
    assert [r["idp_ind"] for r in exact.json()["results"]] == [120, 3]
    viewer = client_for(world, "viewer")
    refused = viewer.get(f"{url}&exact=true")
    assert not _short(refused)
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    suppressed = viewer.get(url)
    assert [r["idp_ind"] for r in suppressed.json()["results"]] == [None, None]
    assert _short(viewer.get(url))


def test_a_private_operation_stays_invisible_on_the_short_path(world: World) -> None:
    """Cached for its analyst; the anonymous and a user without a role get what the full
    stack answers them, never the figures."""
    cached = client_for(world, "token").get(ADMIN1)
    assert cached.status_code == 200
    for who in ("anonymous", "outsider"):
        answer = client_for(world, who).get(ADMIN1)
        assert not _short(answer)
        assert answer.status_code >= 400
        assert answer.content != cached.content
        _same(answer, _full_stack(world, who).get(ADMIN1))
    assert Client().get(V3).json()["totalRecordsCount"] == 0


@pytest.mark.parametrize(
    ("who", "url", "count"),
    [
        ("token", ADMIN1, 3),  # token, operation, rounds and snapshots
        ("token", f"{F}/admin?round=1&level=2&pcode=PH02", 3),
        ("anonymous", ADMIN1, 2),  # operation, rounds
        ("anonymous", f"{F}/headline?round=1", 2),
        ("viewer", ADMIN1, 4),  # session and user instead of the token
        ("anonymous", V3, 2),  # operations, rounds
        ("token", V3, 3),
    ],
)
def test_query_count_of_a_hit_on_the_short_path(
    public_world: World, django_assert_num_queries: Any, who: str, url: str, count: int
) -> None:
    ApiToken.objects.update(last_used=timezone.now())
    client = client_for(public_world, who)
    assert client.get(url).status_code == 200
    with django_assert_num_queries(count):
        hit = client.get(url)
    assert _short(hit) and hit.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        f"{F}/rounds?pcode=PH01",  # not a cached endpoint
        f"{F}/admin?round=3&level=1",  # an open round: computed every time
        f"{F}/admin?round=1&level=1&exact=maybe",  # the schema refuses it: django-ninja answers
        f"{F}/admin?round=1&level=1&level=2",  # a parameter given twice
        f"{F}/admin?round=1&level=1&pcode=",  # an empty parameter
        "/api/v1/operations",  # the registry
        "/api/health",
    ],
)
def test_anything_else_goes_down_the_full_stack(world: World, url: str) -> None:
    client = client_for(world, "token")
    first = client.get(url)
    second = client.get(url)
    assert not _short(first) and not _short(second)
    assert second.status_code == first.status_code
    assert first.status_code in (200, 400, 404, 422)


def test_a_miss_goes_down_the_full_stack_and_is_kept(public_world: World) -> None:
    client = Client()
    miss, hit = client.get(ADMIN1), client.get(ADMIN1)
    assert not _short(miss) and _short(hit)
    assert hit.content == miss.content
    assert miss["Vary"] == hit["Vary"]  # the session's Vary: the request went down untouched


def test_other_methods_go_down_the_full_stack(public_world: World) -> None:
    client = Client()
    client.get(ADMIN1)
    for answer in (client.head(ADMIN1), client.post(ADMIN1)):
        assert not _short(answer)
        assert answer.status_code == 405


def test_the_health_check(db: Any) -> None:
    from opendtm import __version__

    answer = Client().get("/api/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "version": __version__}
    assert answer["Content-Type"] == "application/json"


# --- the key's parameters -------------------------------------------------------------------


def _read(value: str, name: str = "level") -> Any:
    query = query_read(RequestFactory().get("/x", {name: value}), AdminQuery)
    return None if query is None else getattr(query, name)


@given(value=st.text(max_size=6) | st.integers(-5, 10**6).map(str))
def test_a_number_read_is_django_ninjas_number(value: str) -> None:
    """What the reader reads is what the endpoint's own schema (django-ninja's model) reads;
    what it does not read, the schema refuses or the value is empty."""
    read = _read(value)
    if read is not None:
        assert read == AdminQuery.model_validate({"level": value}).level
    elif value:
        with pytest.raises(ValidationError):
            AdminQuery.model_validate({"level": value})


@given(value=st.sampled_from(["true", "false", "1", "0", "True", "yes", "on", "x", " 1", ""]))
def test_a_flag_read_is_django_ninjas_flag(value: str) -> None:
    read = _read(value, "exact")
    if read is not None:
        assert read is AdminQuery.model_validate({"exact": value}).exact


def test_what_the_reader_leaves_to_django_ninja(rf: Any) -> None:
    # "1.0" is pydantic's (so django-ninja's) 1 too; -1 and 9 are outside the levels
    assert [_read(v) for v in ("1", "003", "-1", "9", "1.0", "", "x")] == [
        1,
        3,
        None,
        None,
        1,
        None,
        None,
    ]
    assert query_read(rf.get("/x", {"level": ["1", "2"]}), AdminQuery) is None  # twice


def test_absent_parameters_take_the_default(rf: Any) -> None:
    read = query_read(rf.get("/x"), AdminQuery)
    assert read is not None
    assert read.model_dump() == {
        "round": None,
        "exact": False,
        "pcode": None,
        "limit": None,
        "offset": 0,
        "format": "json",
        "level": 1,
    }
    read = query_read(rf.get("/x", {"level": "003", "exact": "1", "other": "x"}), AdminQuery)
    assert read is not None
    assert (read.level, read.exact, read.format) == (3, True, "json")
