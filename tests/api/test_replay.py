"""Published answers replayed (`api.replay`): the first answer's bytes and headers exactly, after
one query, and never once anything the answer or its access depends on has changed.

A replayed response never reached a view (no `resolver_match`) and cost one query: that is how
these tests tell it from the short path (several queries) and the full stack.
"""

from __future__ import annotations

import gzip
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from opendtm.accounts.models import OperationGrant
from opendtm.api import replay
from opendtm.api.models import ApiToken
from opendtm.api.replay import KEPT, Kept
from opendtm.figures.services import figures_snapshot_build
from opendtm.operations.models import Operation
from opendtm.operations.services import round_publish, round_validate
from tests.api.conftest import World, client_for

F = "/api/v1/operations/typhoon/figures"
ADMIN1 = f"{F}/admin?round=1&level=1"
V3 = "/v3/displacement/admin1"
URLS = [
    ADMIN1,
    f"{F}/admin?round=1&level=2&pcode=PH02",
    f"{F}/admin?round=1&level=1&format=csv",
    f"{F}/headline?round=2",
    f"{F}/sites?round=2&format=hxl",
    f"{F}/origins?round=1&level=1&origin_level=2",
    "/v3/displacement/admin0",
    "/v3/displacement/admin2?Admin1Pcode=PH01",
]


def _replayed(client: Client, url: str, django_assert_num_queries: Any, **kw: Any) -> Any:
    with django_assert_num_queries(1):
        response = client.get(url, **kw)
    assert response.wsgi_request.resolver_match is None
    return response


def test_the_settings_put_the_replay_first_and_the_short_path_second() -> None:
    assert settings.MIDDLEWARE[:2] == [
        "opendtm.api.replay.AnswerReplayMiddleware",
        "opendtm.api.fastpath.CachedAnswerMiddleware",
    ]


@pytest.mark.parametrize("who", ["anonymous", "token"])
@pytest.mark.parametrize("url", URLS)
def test_a_replay_is_the_first_answer_exactly(
    public_world: World, django_assert_num_queries: Any, url: str, who: str
) -> None:
    ApiToken.objects.update(last_used=timezone.now())
    client = client_for(public_world, who)
    first = client.get(url)
    assert first.status_code == 200
    assert first.wsgi_request.resolver_match is not None  # computed by the endpoint
    again = _replayed(client, url, django_assert_num_queries)
    assert again.status_code == 200
    assert again.content == first.content
    assert list(again.items()) == list(first.items())


def test_a_compressed_translated_answer_is_replayed_to_the_same_request_only(
    public_world: World, django_assert_num_queries: Any
) -> None:
    headers = {"Accept-Encoding": "gzip", "Accept-Language": "fr"}
    client = Client()
    first = client.get(ADMIN1, headers=headers)
    again = _replayed(client, ADMIN1, django_assert_num_queries, headers=headers)
    assert again["Content-Encoding"] == "gzip" and again["Content-Language"] == "fr"
    assert again.content == first.content
    plain = client.get(ADMIN1)  # another request: not the French gzip bytes
    assert "Content-Encoding" not in plain and plain["Content-Language"] == "en"
    assert plain.content == gzip.decompress(first.content)


def test_a_revoked_token_is_refused_at_once(public_world: World) -> None:
    client = client_for(public_world, "token")
    client.get(ADMIN1)
    assert client.get(ADMIN1).wsgi_request.resolver_match is None
    ApiToken.objects.all().delete()
    refused = client.get(ADMIN1)
    assert refused.status_code == 401
    assert refused.json()["code"] == "not_authenticated"


def test_a_withdrawn_role_is_refused_at_once(world: World) -> None:
    client = client_for(world, "token")  # the analyst's token, on a private operation
    kept = client.get(ADMIN1)
    assert kept.status_code == 200
    assert client.get(ADMIN1).content == kept.content
    OperationGrant.objects.filter(user=world.users["analyst"]).delete()
    refused = client.get(ADMIN1)
    assert refused.status_code == 404
    assert refused.content != kept.content


def test_an_operation_made_private_is_refused_to_the_anonymous_at_once(
    public_world: World,
) -> None:
    client = Client()
    assert client.get(ADMIN1).status_code == 200
    assert client.get(V3).json()["totalRecordsCount"] > 0
    Operation.objects.update(is_public=False)
    assert client.get(ADMIN1).status_code == 404
    assert client.get(V3).json()["totalRecordsCount"] == 0


def test_a_newly_published_round_is_the_answer_at_once(public_world: World) -> None:
    """The latest published round is the default: round 2, then round 3 once published."""
    client = Client()
    url = f"{F}/headline"
    assert client.get(url).json()["provenance"]["round_number"] == 2
    assert client.get(url).wsgi_request.resolver_match is None
    admin, third = public_world.users["admin"], public_world.rounds[3]
    round_publish(round=round_validate(round=third, actor=admin), actor=admin)
    assert client.get(url).json()["provenance"]["round_number"] == 3


def test_a_rebuilt_snapshot_is_not_replayed(
    public_world: World, django_assert_num_queries: Any
) -> None:
    client = Client()
    client.get(ADMIN1)
    figures_snapshot_build(round=public_world.rounds[1], actor=public_world.users["admin"])
    again = client.get(ADMIN1)
    assert again.status_code == 200
    assert again.wsgi_request.resolver_match is not None  # recomputed, and kept again
    _replayed(client, ADMIN1, django_assert_num_queries)


def test_an_answer_kept_for_one_caller_is_not_replayed_to_another(public_world: World) -> None:
    Client().get(ADMIN1)
    assert client_for(public_world, "token").get(ADMIN1).status_code == 200
    assert len(KEPT._entries) == 2  # one per caller


def test_session_requests_and_conditional_requests_are_not_replayed(
    public_world: World,
) -> None:
    viewer = client_for(public_world, "viewer")  # a session cookie
    viewer.get(ADMIN1)
    anonymous = Client()
    etag = anonymous.get(ADMIN1)["ETag"]
    entries = len(KEPT._entries)
    assert viewer.get(ADMIN1).status_code == 200
    conditional = anonymous.get(ADMIN1, headers={"If-None-Match": etag})
    assert conditional.status_code == 304  # answered by the short path, not replayed
    assert len(KEPT._entries) == entries == 1


def test_a_token_due_for_last_used_is_recorded_then_replayed(
    public_world: World, django_assert_num_queries: Any
) -> None:
    long_ago = timezone.now() - 2 * replay_resolution()
    ApiToken.objects.update(last_used=long_ago)
    client = client_for(public_world, "token")
    client.get(ADMIN1)
    assert ApiToken.objects.get().last_used > long_ago  # recorded on the way in
    client.get(ADMIN1)  # facts kept while last_used was due: not replayed, kept again
    _replayed(client, ADMIN1, django_assert_num_queries)
    ApiToken.objects.update(last_used=long_ago)
    due = client.get(ADMIN1)
    assert due.wsgi_request.resolver_match is None  # the short path, which records it
    assert ApiToken.objects.get().last_used > long_ago


def replay_resolution() -> Any:
    from opendtm.api.queries import LAST_USED_RESOLUTION

    return LAST_USED_RESOLUTION


def test_refusals_and_live_answers_are_not_kept(world: World) -> None:
    client_for(world, "token").get(f"{F}/admin?round=3&level=1")  # open: computed live
    Client().get(ADMIN1)  # private: 404
    client_for(world, "token").get(f"{F}/admin?round=1&level=1&exact=maybe")  # 422
    assert KEPT._entries == {}


def test_kept_answers_stay_within_their_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replay, "MAX_ENTRIES", 3)
    monkeypatch.setattr(replay, "MAX_BYTES", 250)
    kept = replay._Kept()
    for i in range(5):
        kept.put((str(i),), Kept(facts=(), status=200, headers=(), body=b"x" * 100))
    assert list(kept._entries) == [("3",), ("4",)]  # 250 bytes hold two, the oldest went
    assert kept._bytes == 200
    kept.put(("4",), Kept(facts=(), status=200, headers=(), body=b"y"))
    assert kept._bytes == 101
    kept.drop(("3",))
    assert list(kept._entries) == [("4",)] and kept._bytes == 1


def test_a_host_not_allowed_is_refused_as_without_the_replay(public_world: World) -> None:
    client = Client()
    assert client.get(ADMIN1).status_code == 200
    assert client.get(ADMIN1, headers={"Host": "evil.example"}).status_code == 400
    assert len(KEPT._entries) == 1
