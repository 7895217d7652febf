"""A small hand-made operation whose figures the tests compute by hand (built by tests/world.py).

Gazetteer (admin_tree, depth 4): region PH01; provinces P1 = PH01001, P2 = PH01002;
municipalities M1 = PH0100101, M2 = PH0100102 (in P1), M3 = PH0100201, M4 = PH0100202 (in P2);
barangays B1 = PH0100101001, B2 = PH0100101002 (M1), B3 = PH0100102001 (M2),
B4 = PH0100201001 (M3), B5 = PH0100202001, B6 = PH0100202002 (M4). Locations are barangays.

Rows: fixtures/baseline.csv, origins.csv, sites.csv. Round 1 (published through the real
services, so its snapshot is built) has 5 locations, 3 open sites; round 2 (open) has 6
locations with returns, site S1 closed and S3 closing. Sites: S1 in B1, S2 in B4, S3 in B5.
Users: boss (instance admin), ana (analyst), vic (viewer).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.world import Plan, World, where_from
from tests.world import world_build as _world_build

__all__ = ["PLAN", "World", "where_from", "world_build"]

P1, P2 = "PH01001", "PH01002"
M1, M2, M3, M4 = "PH0100101", "PH0100102", "PH0100201", "PH0100202"
B1, B2, B3, B4, B5, B6 = (
    "PH0100101001",
    "PH0100101002",
    "PH0100102001",
    "PH0100201001",
    "PH0100202001",
    "PH0100202002",
)
PLAN = Plan(
    data=Path(__file__).parent / "fixtures",
    depth=4,
    location_level=4,
    centroids={P1: (11.5, 121.5), P2: (12.5, 122.5), M1: (11.25, 121.25), M4: (12.75, 122.75)},
    users={"admin": "boss", "analyst": "ana", "viewer": "vic"},
    sites={"S1": (B1, 11.3, 121.3), "S2": (B4, 12.3, 122.3), "S3": (B5, None, None)},
    rounds=2,
    published=1,
)


def world_build() -> World:
    return _world_build(PLAN)


@pytest.fixture
def world(db: Any) -> World:
    return world_build()
