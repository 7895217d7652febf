"""The two database legs: the embedded SQLite default and a real PostgreSQL server."""

from __future__ import annotations

import os

import psycopg
import pytest
from django.db import connection


@pytest.mark.django_db
def test_suite_runs_on_the_configured_engine() -> None:
    expected = "postgresql" if os.environ.get("OPENDTM_TEST_DB") == "postgres" else "sqlite"
    assert connection.vendor == expected


@pytest.mark.postgres
def test_postgres_server_answers() -> None:
    with psycopg.connect(os.environ["OPENDTM_TEST_POSTGRES_URL"], connect_timeout=5) as conn:
        version = conn.execute("show server_version_num").fetchone()
    assert version is not None
    assert int(version[0]) >= 130000
