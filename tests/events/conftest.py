"""The small Philippine-style gazetteer of tests/ingest, an operation with site S-001 in its
registry, and the Kobo-style export of the event tracking form (tests/events/fixtures)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from opendtm.gazetteer.models import AdminUnit
from opendtm.operations.models import Operation, Site
from tests.factories import OperationFactory, SiteFactory, SuperuserFactory
from tests.ingest.conftest import gazetteer_build

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def gazetteer(db: Any) -> dict[str, AdminUnit]:
    return gazetteer_build()


@pytest.fixture
def operation(gazetteer: dict[str, AdminUnit]) -> Operation:
    return OperationFactory(code="phl-events", location_level=4)


@pytest.fixture
def site(operation: Operation, gazetteer: dict[str, AdminUnit]) -> Site:
    return SiteFactory(operation=operation, site_id="S-001", admin_unit=gazetteer["PH0102801001"])


@pytest.fixture
def actor(db: Any) -> Any:
    return SuperuserFactory(username="officer")


@pytest.fixture
def ett_file(tmp_path: Path) -> Path:
    target = tmp_path / "ett_kobo.csv"
    shutil.copy(FIXTURES / "ett_kobo.csv", target)
    return target
