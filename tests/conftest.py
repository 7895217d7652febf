"""Suite-wide fixtures and the rule that a missing PostgreSQL or browser is a skip on a laptop
and a failure in CI (OPENDTM_REQUIRE_FULL=1, set by .ci/run)."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("OPENDTM_CHROMIUM", "/usr/bin/chromium")
REQUIRE_FULL = bool(os.environ.get("OPENDTM_REQUIRE_FULL"))


def _missing(marker: str) -> str | None:
    """Why a test with this marker cannot run here, or None when it can."""
    if marker == "postgres" and not os.environ.get("OPENDTM_TEST_POSTGRES_URL"):
        return "no PostgreSQL server configured: set OPENDTM_TEST_POSTGRES_URL=postgresql://..."
    if marker == "browser" and not shutil.which(CHROMIUM):
        return f"no Chromium at {CHROMIUM}: apt-get install chromium (or set OPENDTM_CHROMIUM)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for marker in ("postgres", "browser"):
            if item.get_closest_marker(marker) and (reason := _missing(marker)):
                if REQUIRE_FULL:
                    item.add_marker(pytest.mark.usefixtures("_fail_missing_requirement"))
                else:
                    item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def _fail_missing_requirement(request: pytest.FixtureRequest) -> None:
    reason = next(
        r
        for m in ("postgres", "browser")
        if (r := _missing(m)) and request.node.get_closest_marker(m)
    )
    pytest.fail(f"OPENDTM_REQUIRE_FULL is set and {reason}", pytrace=False)
