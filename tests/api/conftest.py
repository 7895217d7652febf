"""A small operation whose figures the API tests know by hand (built by tests/world.py).

Gazetteer: admin_tree(depth=3, fanout=2): regions PH01, PH02; provinces PH01001, PH01002,
PH02001, PH02002; municipalities (the locations) PH0100101 ... PH0200202. Rows:
fixtures/baseline.csv, origins.csv, sites.csv. Rounds 1 and 2 are published through the real
services (so their snapshots are built), round 3 is open. Users: boss (instance admin), mia
(manager), ana (analyst, also owner of `token`), vic (viewer), otto (no role).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.world import Plan, World, client_for
from tests.world import world_build as _world_build

__all__ = ["OPERATION_NAME", "PLAN", "World", "client_for", "world_build"]

OPERATION_NAME = "Philippines - Typhoon test"
PLAN = Plan(
    data=Path(__file__).parent / "fixtures",
    depth=3,
    location_level=3,
    operation_name=OPERATION_NAME,
    users={
        "admin": "boss",
        "manager": "mia",
        "analyst": "ana",
        "viewer": "vic",
        "outsider": "otto",
    },
    token_owner="analyst",
    sites={"S1": ("PH0100101", 11.3, None), "S2": ("PH0200101", None, None)},
    rounds=3,
    published=2,
    starts={1: dt.date(2026, 11, 1), 2: dt.date(2026, 12, 1), 3: dt.date(2027, 1, 5)},
)


def world_build(*, public: bool) -> World:
    return _world_build(PLAN, public=public)


@pytest.fixture
def world(db: Any) -> World:
    """The operation, private."""
    return world_build(public=False)


@pytest.fixture
def public_world(db: Any) -> World:
    """The same operation, public."""
    return world_build(public=True)


@pytest.fixture
def no_replay(settings: Any) -> None:
    """The server without the replay of sent answers (`api.replay`), for tests of what lies
    behind it: the response cache and the short path."""
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "opendtm.api.replay.AnswerReplayMiddleware"
    ]


def answers_forget() -> None:
    """Forget every published answer kept by this process (the response cache and the
    replayed responses), so the next request computes its answer."""
    from django.core.cache import caches

    from opendtm.api.cache import CACHE_ALIAS
    from opendtm.api.replay import KEPT

    caches[CACHE_ALIAS].clear()
    KEPT.clear()
