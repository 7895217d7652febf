from __future__ import annotations

import pytest

from tests.flows.world import FlowWorld, flow_world_build


@pytest.fixture
def flow_world(db: None) -> FlowWorld:
    return flow_world_build()
