"""The response cache of published figures: same bytes, never stale, never across access,
access checked first, 304s, and what a cached answer costs in queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields, replace
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opendtm.accounts.choices import Role
from opendtm.accounts.models import OperationGrant
from opendtm.api.cache import figures_key, round_state
from opendtm.api.models import ApiToken
from opendtm.api.queries import round_states
from opendtm.figures.choices import Grouping
from opendtm.figures.models import FigureSnapshot
from opendtm.figures.request import FiguresRequest
from opendtm.figures.services import figures_snapshot_build
from opendtm.operations.services import round_publish, round_validate
from tests.api.conftest import World, client_for
from tests.factories import OperationFactory

F = "/api/v1/operations/typhoon/figures"
ADMIN1 = f"{F}/admin?round=1&level=1"
V3 = "/v3/displacement/admin1"
# What the cache answers, not the replay of a sent answer in front of it (test_replay.py)
pytestmark = pytest.mark.usefixtures("no_replay")


def _queries(client: Client, url: str, **headers: str) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    return response, len(captured.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        ADMIN1,
        f"{F}/admin?round=1&level=2&pcode=PH02",
        f"{F}/admin?round=1&level=1&format=csv",
        f"{F}/headline",
        f"{F}/sites?round=2",
        f"{F}/origins?round=1&level=1&origin_level=2",
        V3,
        "/v3/displacement/admin2?Admin1Pcode=PH01",
    ],
)
def test_a_hit_is_the_same_bytes_as_the_miss(public_world: World, url: str) -> None:
    client = Client()
    miss, miss_queries = _queries(client, url)
    hit, hit_queries = _queries(client, url)
    assert miss.status_code == hit.status_code == 200
    assert hit.content == miss.content
    assert hit["Content-Type"] == miss["Content-Type"]
    assert hit["ETag"] == miss["ETag"]
    assert hit.get("Content-Disposition") == miss.get("Content-Disposition")
    assert hit_queries < miss_queries


def test_a_cached_answer_is_what_ninja_would_send(public_world: World) -> None:
    """The cache renders JSON itself; the figures match the uncached endpoint's fields."""
    body = Client().get(ADMIN1).json()
    assert body["count"] == 2
    assert body["totals"]["idp_ind"] == 265
    assert [(r["adm1_pcode"], r["idp_ind"]) for r in body["results"]] == [
        ("PH01", 142),
        ("PH02", 123),
    ]


def test_a_rebuilt_snapshot_is_served_at_once(public_world: World) -> None:
    """Rebuilding with a higher threshold: the next request shows the new suppression."""
    client = Client()
    before = client.get(ADMIN1).json()
    assert [r["idp_ind"] for r in before["results"]] == [142, 123]
    assert client.get(ADMIN1).json() == before  # now cached
    with override_settings(OPENDTM_SUPPRESSION_THRESHOLD=130):
        figures_snapshot_build(round=public_world.rounds[1], actor=public_world.users["admin"])
        after = client.get(ADMIN1).json()
        assert after["provenance"]["threshold"] == 130
        assert after["provenance"]["source"] == "snapshot"
        # PH02's 123 is under 130, and PH01 is hidden too (the total would give it away)
        assert [(r["adm1_pcode"], r["idp_ind"]) for r in after["results"]] == [
            ("PH01", None),
            ("PH02", None),
        ]
        assert client.get(ADMIN1).content == client.get(ADMIN1).content


def test_a_rebuild_with_the_same_threshold_is_a_new_answer(public_world: World) -> None:
    client = Client()
    first = client.get(ADMIN1)
    built = first.json()["provenance"]["built_at"]
    figures_snapshot_build(round=public_world.rounds[1], actor=public_world.users["admin"])
    second = client.get(ADMIN1)
    assert second.json()["provenance"]["built_at"] != built
    assert second["ETag"] != first["ETag"]


def test_a_published_round_without_snapshot_is_computed(public_world: World) -> None:
    """No snapshot (or one built with another threshold): figures computed live, not kept."""
    FigureSnapshot.objects.filter(round=public_world.rounds[1]).delete()
    client = Client()
    first, first_queries = _queries(client, ADMIN1)
    second, second_queries = _queries(client, ADMIN1)
    assert first.json()["provenance"]["source"] == "live"
    assert second.content == first.content
    assert second_queries == first_queries
    figures_snapshot_build(round=public_world.rounds[1], actor=public_world.users["admin"])
    assert client.get(ADMIN1).json()["provenance"]["source"] == "snapshot"


def test_a_revoked_token_is_refused_though_its_answer_is_cached(world: World) -> None:
    client = client_for(world, "token")
    assert client.get(ADMIN1).status_code == 200
    assert client.get(ADMIN1).status_code == 200  # cached
    ApiToken.objects.all().delete()
    refused = client.get(ADMIN1)
    assert refused.status_code == 401
    assert refused.json()["code"] == "not_authenticated"
    v3 = Client(headers={"Ocp-Apim-Subscription-Key": world.token}).get(V3)
    assert v3.status_code == 401
    assert v3.json()["isSuccess"] is False


def test_a_deactivated_user_and_a_withdrawn_role_are_refused_at_once(world: World) -> None:
    token = client_for(world, "token")
    viewer = client_for(world, "viewer")
    assert token.get(ADMIN1).status_code == viewer.get(ADMIN1).status_code == 200
    world.users["analyst"].is_active = False
    world.users["analyst"].save()
    assert token.get(ADMIN1).status_code == 401
    OperationGrant.objects.filter(user=world.users["viewer"]).delete()
    assert viewer.get(ADMIN1).status_code == 404  # as an operation that does not exist


def test_a_viewer_never_gets_the_analysts_exact_answer(world: World) -> None:
    url = f"{F}/admin?round=1&level=2&pcode=PH02"
    analyst = client_for(world, "analyst")
    exact = analyst.get(f"{url}&exact=true").json()
    assert [r["idp_ind"] for r in exact["results"]] == [120, 3]
    assert analyst.get(f"{url}&exact=true").json() == exact  # cached
    viewer = client_for(world, "viewer")
    refused = viewer.get(f"{url}&exact=true")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    suppressed = viewer.get(url).json()
    assert [r["idp_ind"] for r in suppressed["results"]] == [None, None]
    assert suppressed["provenance"]["threshold"] == 5
    # and the other way: the analyst's suppressed answer is the viewer's, not the exact one
    assert analyst.get(url).json() == suppressed


def test_v3_answers_do_not_cross_visibility(world: World) -> None:
    """A private operation's v3 records reach its users, never the anonymous, cached or not."""
    with_key = Client(headers={"Ocp-Apim-Subscription-Key": world.token})
    assert with_key.get(V3).json()["totalRecordsCount"] == 4  # 2 units x 2 published rounds
    assert with_key.get(V3).json()["totalRecordsCount"] == 4
    assert Client().get(V3).json()["totalRecordsCount"] == 0


@pytest.mark.parametrize("url", [ADMIN1, f"{F}/admin?round=1&level=1&format=hxl", V3])
def test_if_none_match_answers_304(public_world: World, url: str) -> None:
    client = Client()
    first = client.get(url)
    etag = first["ETag"]
    assert etag.startswith('"') and len(etag) == 34
    for sent in (etag, f"W/{etag}", f'"other", {etag}'):
        again = client.get(url, headers={"If-None-Match": sent})
        assert again.status_code == 304
        assert again.content == b""
        assert again["ETag"] == etag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert "Authorization" in first["Vary"]


def test_an_open_round_is_computed_every_time(world: World) -> None:
    analyst = client_for(world, "token")
    ApiToken.objects.update(last_used=timezone.now())
    url = f"{F}/admin?round=3&level=1"
    first, first_queries = _queries(analyst, url)
    second, second_queries = _queries(analyst, url)
    assert first.json()["provenance"]["source"] == "live"
    assert second.content == first.content
    assert second_queries == first_queries > 6


@pytest.mark.parametrize(
    ("who", "url", "count"),
    [
        # token (1), operation (1), rounds and snapshots (1)
        ("token", ADMIN1, 3),
        ("token", f"{F}/admin?round=1&level=2&pcode=PH02", 3),
        ("token", f"{F}/headline", 3),  # every round published: no role needed
        # no token: operation and rounds only
        ("anonymous", ADMIN1, 2),
        ("anonymous", f"{F}/sites?round=2&limit=1", 2),
        # session (1) and user (1) instead of the token
        ("viewer", ADMIN1, 4),
        # v3: operations (1), rounds and snapshots (1), plus the token
        ("anonymous", V3, 2),
        ("token", V3, 3),
    ],
)
def test_query_count_of_a_cached_answer(
    public_world: World, django_assert_num_queries: Any, who: str, url: str, count: int
) -> None:
    _publish_round_3(public_world)
    ApiToken.objects.update(last_used=timezone.now())
    client = client_for(public_world, who)
    assert client.get(url).status_code == 200
    with django_assert_num_queries(count):
        assert client.get(url).status_code == 200


def _publish_round_3(world: World) -> None:
    """Round 3 published too, so that the default round needs no role."""
    round_validate(round=world.rounds[3], actor=world.users["admin"])
    round_publish(round=world.rounds[3], actor=world.users["admin"])


@pytest.mark.parametrize(
    ("who", "url", "count"),
    [
        # private operation: the role is read to allow VIEW_PUBLISHED
        ("token", ADMIN1, 4),
        # default round while round 3 is open: the role decides which round is the default
        ("viewer", f"{F}/headline", 6),
        # exact values: the role is read to allow them
        ("token", f"{ADMIN1}&exact=true", 5),
        # v3 with private operations and a logged-in caller: the canonical visibility query
        ("token", V3, 4),
    ],
)
def test_query_count_of_a_cached_private_answer(
    world: World, django_assert_num_queries: Any, who: str, url: str, count: int
) -> None:
    ApiToken.objects.update(last_used=timezone.now())
    client = client_for(world, who)
    assert client.get(url).status_code == 200
    with django_assert_num_queries(count):
        assert client.get(url).status_code == 200


def test_grants_change_nothing_cached_for_others(world: World) -> None:
    """A new viewer reads the same published answer an analyst warmed, suppressed."""
    outsider = client_for(world, "outsider")
    assert outsider.get(ADMIN1).status_code == 404
    OperationGrant.objects.create(
        user=world.users["outsider"], operation=world.operation, role=Role.VIEWER
    )
    assert outsider.get(ADMIN1).json() == client_for(world, "token").get(ADMIN1).json()


def _states(world: World) -> list[Any]:
    return [round_state(row[1:8]) for row in round_states([world.operation.pk])]


def _never() -> bool:
    raise AssertionError("the caller's role was read, though the answer does not depend on it")


def _key(
    world: World,
    request: FiguresRequest,
    *,
    fmt: str = "json",
    gazetteer_id: int | None = 7,
    unpublished: Any = _never,
) -> str | None:
    return figures_key(
        request, fmt=fmt, states=_states(world), gazetteer_id=gazetteer_id, unpublished=unpublished
    )


def test_the_key_is_the_request_every_field_of_it(world: World) -> None:
    """Requests differing in any one field get different keys; equal requests the same one.
    A field added to FiguresRequest without a variant here fails the first assertion."""
    op = world.operation
    base = FiguresRequest(operation=op, grouping=Grouping.SITE, round_number=1, pcode="PH01")
    other = {
        "operation": OperationFactory(code="flood", location_level=3),
        "grouping": Grouping.ADMIN,
        "round_number": 2,
        "level": 2,
        "origin_level": 3,
        "pcode": "PH02",
        "exact": True,
        "date_from": dt.date(2026, 1, 1),
        "date_to": dt.date(2026, 12, 31),
        "limit": 10,
        "offset": 5,
        "site_type": "planned_camp",
        "site_status": "open",
        "sector": "wash",
    }
    assert set(other) == {f.name for f in fields(FiguresRequest)}
    keys = {
        name: _key(world, replace(base, **{name: value}), unpublished=lambda: True)
        for name, value in other.items()
    }
    assert None not in keys.values()
    assert len({_key(world, base), *keys.values()}) == len(other) + 1
    again = FiguresRequest(operation=op, grouping="site", round_number=1, pcode=" PH01 ")
    assert again == base
    assert _key(world, again) == _key(world, base)
    assert _key(world, base, fmt="csv") != _key(world, base)
    # another gazetteer version: the same P-code may name another unit
    assert _key(world, base, gazetteer_id=8) != _key(world, base)


def test_the_key_reads_the_role_only_when_the_answer_depends_on_it(world: World) -> None:
    published = FiguresRequest(
        operation=world.operation, grouping=Grouping.HEADLINE, round_number=1
    )
    assert _key(world, published) is not None  # _never: the role is not read
    # exact values for a caller who may not see them: refused by the query, not kept
    assert _key(world, replace(published, exact=True), unpublished=lambda: False) is None
    # no round named while round 3 is open: the role decides which round is the default
    default = replace(published, round_number=None)
    assert _key(world, default, unpublished=lambda: True) is None  # open round 3: live
    assert _key(world, default, unpublished=lambda: False) is not None  # round 2
    series = FiguresRequest(operation=world.operation, grouping=Grouping.ROUND, pcode="PH01")
    assert _key(world, series) is None  # a time series reads every round: not kept
