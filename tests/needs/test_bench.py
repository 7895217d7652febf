"""The needs benchmark at a small size, so that it cannot rot (timings are not asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "needs.py"


def test_needs_benchmark_runs_small(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "OPENDTM_TEST_DB")}
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            *("--locations", "3000", "--sites", "40", "--runs", "1", "--home", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "data: 3,000 locations, 40 sites" in out
    assert "published exact figures == live figures before publishing: yes" in out
    for query in ("by admin, level 1 (17 units)", "priority needs, level 2", "site severity"):
        assert query in out
    assert "slowest published:" in out
