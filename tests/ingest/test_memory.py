"""The memory bound of an import: a site CSV just under 100 MiB, whose every site is new to the
registry (the most an import of such a file holds: the rows, the registry it writes and the
report), imports within 1 GiB. Measured in a process of its own (its VmHWM), through the
import benchmark's setup; the embedded database is the laptop's case."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ingest.test_bench import BENCH

ROWS = 240_000  # 100.3 MB (95.6 MiB) of the benchmark's 49 columns


@pytest.mark.slow
def test_a_100_mb_site_csv_imports_within_1_gib(tmp_path: Path) -> None:
    if os.environ.get("OPENDTM_TEST_DB") == "postgres":
        pytest.skip("measured once, on the SQLite leg: the benchmark builds its own SQLite home")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "OPENDTM_TEST_DB")}
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            *("--rows", str(ROWS), "--synthetic", "--new-sites", "--json"),
            *("--home", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=1200,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert 95 * 2**20 < result["file_bytes"] < 100 * 2**20
    counts = ("read", "accepted", "rejected", "new", "sites_registered")
    assert [result[k] for k in counts] == [ROWS, ROWS, 0, ROWS, ROWS]
    assert result["peak_kib"] * 1024 < 2**30, f"peak {result['peak_kib'] / 2**20:.2f} GiB"
