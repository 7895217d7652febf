"""Fixtures of the gazetteer tests: the hand-made files and a loader acting as a user."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from opendtm.accounts.models import AuditEvent
from opendtm.gazetteer.models import (
    AdminBoundary,
    AdminUnit,
    AdminUnitCode,
    AdminUnitName,
    GazetteerVersion,
)
from opendtm.gazetteer.services import LoadResult, gazetteer_load
from tests.factories import SuperuserFactory

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def actor() -> Any:
    return SuperuserFactory(username="im-officer")


@pytest.fixture
def load(actor: Any) -> Callable[..., LoadResult]:
    """Load a fixture file (by name) or any path for PHL, as the IM officer."""

    def _load(name: str | Path, **options: Any) -> LoadResult:
        path = name if isinstance(name, Path) else FIXTURES / name
        options.setdefault("country_iso3", "PHL")
        return gazetteer_load(path=path, actor=actor, **options)

    return _load


def stored_rows() -> dict[str, int]:
    """How many rows each gazetteer table (and the audit trail) holds."""
    return {
        "versions": GazetteerVersion.objects.count(),
        "units": AdminUnit.objects.count(),
        "codes": AdminUnitCode.objects.count(),
        "names": AdminUnitName.objects.count(),
        "boundaries": AdminBoundary.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def level_counts(result: LoadResult) -> dict[int, tuple[int, int, int, int]]:
    """(created, updated, unchanged, retired) per level, for exact comparisons."""
    return {
        level: (c.created, c.updated, c.unchanged, c.retired) for level, c in result.levels.items()
    }
