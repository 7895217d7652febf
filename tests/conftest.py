"""Suite-wide fixtures and the rule that a missing PostgreSQL or browser is a skip on a laptop
and a failure in CI (OPENDTM_REQUIRE_FULL=1, set by .ci/run)."""

from __future__ import annotations

import os
import shutil

import pytest
from hypothesis import settings

# Tests never assert on timings: Hypothesis's per-example deadline (200 ms) failed a parser
# test when the two cores were busy (253 ms once, 8 ms on the retry).
settings.register_profile("opendtm", deadline=None)
settings.load_profile("opendtm")

CHROMIUM = os.environ.get("OPENDTM_CHROMIUM", "/usr/bin/chromium")
REQUIRE_FULL = bool(os.environ.get("OPENDTM_REQUIRE_FULL"))


def _missing(marker: str) -> str | None:
    """Why a test with this marker cannot run here, or None when it can."""
    if marker == "postgres" and not os.environ.get("OPENDTM_TEST_POSTGRES_URL"):
        return "no PostgreSQL server configured: set OPENDTM_TEST_POSTGRES_URL=postgresql://..."
    if marker == "browser" and not shutil.which(CHROMIUM):
        return f"no Chromium at {CHROMIUM}: apt-get install chromium (or set OPENDTM_CHROMIUM)"
    if marker == "pdf":
        if not shutil.which("pdftotext"):
            return "no pdftotext (reads the PDF reports' text): apt-get install poppler-utils"
        from opendtm.core.errors import Unavailable
        from opendtm.reports.rendering import renderer_check

        try:
            renderer_check()
        except Unavailable as exc:
            return str(exc)
    if marker == "wrk" and not shutil.which("wrk"):
        return "no wrk (the HTTP load tool): apt-get install wrk"
    return None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "wrk: needs the wrk load tool (bench/api_load.py)")
    config.addinivalue_line("markers", "pdf: renders PDF reports and reads them with pdftotext")


REQUIREMENTS = ("postgres", "browser", "wrk", "pdf")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if REQUIRE_FULL:
        return  # checked as each test starts (pytest_runtest_setup): a failure, not a skip
    for item in items:
        for marker in REQUIREMENTS:
            if item.get_closest_marker(marker) and (reason := _missing(marker)):
                item.add_marker(pytest.mark.skip(reason=reason))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Under OPENDTM_REQUIRE_FULL a test whose server, browser or tool is missing fails with
    the reason (a fixture added after collection would never run: its closure is fixed)."""
    if not REQUIRE_FULL:
        return
    for marker in REQUIREMENTS:
        if item.get_closest_marker(marker) and (reason := _missing(marker)):
            pytest.fail(f"OPENDTM_REQUIRE_FULL is set and {reason}", pytrace=False)


@pytest.fixture(autouse=True)
def _answers_forgotten() -> None:
    """Each test starts with no published answer kept by this process (`api.cache`,
    `api.replay`): they live as long as the process, and a test's rows are rolled back."""
    from django.core.cache import caches

    from opendtm.api.cache import CACHE_ALIAS
    from opendtm.api.replay import KEPT

    caches[CACHE_ALIAS].clear()
    KEPT.clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> None:
    """On PostgreSQL, keep autovacuum off the test database's tables.

    Every test rolls its transaction back, so autovacuum finds only dead rows and records the
    tables as empty (reltuples 0); the planner then plans the next test's joins for one-row
    tables, and a query over a few hundred units can run for hours (seen in CI: the unit
    labels of the origin matrix, five self-joins of the gazetteer deep). A real database,
    whose rows are committed, does not get there.
    """
    from django.db import connection

    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) "
                "FROM pg_tables WHERE schemaname = current_schema()"
            )
            for (table,) in cursor.fetchall():
                cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
