"""The memory bound of an import: a site CSV of 100 MB, whose every site is new to the
registry (the most an import of such a file holds: the rows, the registry it writes and the
report), imports within 1 GiB. Measured in a process of its own (its VmHWM), through the
import benchmark's setup, on the leg's database: a SQLite file of its own, or the PostgreSQL
test database (written for real by the benchmark's processes, emptied after the test)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ingest.test_bench import BENCH

ROWS = 240_000  # 100.3 MB (95.6 MiB) of the benchmark's 49 columns


def _database_url() -> list[str]:
    """The PostgreSQL test database as the benchmark's --database-url; none on SQLite."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    db = connection.settings_dict
    url = f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return ["--database-url", url]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_100_mb_site_csv_imports_within_1_gib(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "OPENDTM_TEST_DB")}
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            *("--rows", str(ROWS), "--synthetic", "--new-sites", "--json"),
            *("--home", str(tmp_path), *_database_url()),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=1200,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert 100_000_000 < result["file_bytes"] < 101_000_000
    counts = ("read", "accepted", "rejected", "new", "sites_registered")
    assert [result[k] for k in counts] == [ROWS, ROWS, 0, ROWS, ROWS]
    assert result["peak_kib"] * 1024 < 2**30, f"peak {result['peak_kib'] / 2**20:.2f} GiB"
