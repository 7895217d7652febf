"""The import benchmark at a small size, so that it cannot rot (timings are not asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "import_sites.py"


def test_import_benchmark_runs_small(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "OPENDTM_TEST_DB")}
    done = subprocess.run(
        [sys.executable, str(BENCH), "--rows", "2000", "--synthetic", "--home", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "gazetteer: synthetic PHL" in out
    assert "read 2,000, accepted 2,000, rejected 0, flagged 0, new 2,000" in out
    assert "rows/s" in out and "peak memory" in out and "ratio" in out
