"""bench/api_load.py in a tiny mode: it builds its home, serves it with `opendtm serve`, drives
it with wrk through the Lua script and parses what wrk says. Needs wrk (marker `wrk`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.wrk
@pytest.mark.slow
def test_the_load_benchmark_runs_end_to_end(tmp_path: Path) -> None:
    home, results = tmp_path / "home", tmp_path / "results.json"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "OPENDTM_TEST_DB", "OPENDTM_TEST_POSTGRES_URL"}
    }
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "api_load.py"),
            *("--records", "300", "--sites", "20", "--home", str(home)),
            *("--duration", "2", "--connections", "2", "--json", str(results)),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    runs = {r["name"]: r for r in json.loads(results.read_text())}
    assert list(runs) == [
        "published, own API",
        "published, DTM v3",
        "trivial view (/api/health)",
        "open round, live",
    ]
    for run in runs.values():
        assert run["requests"] > 0
        assert run["bad_status"] == 0
        assert run["socket_errors"] == 0
        assert run["p50_ms"] <= run["p90_ms"] <= run["p99_ms"]
    state = json.loads((home / "api-load.json").read_text())
    assert state["records"] == 300
    assert "published, own API:" in done.stdout
    # the cached answers as a share of the trivial view, measured in the same run
    trivial = runs["trivial view (/api/health)"]["rps"]
    for name in ("published, own API", "published, DTM v3"):
        share = runs[name]["rps"] / trivial
        assert f"ratio to the trivial view ({trivial:,.0f}/s): {name} {share:.2f}" in done.stdout
    # the server is stopped: nothing listens on the home's database any more
    assert "Shutting down" in (home / "serve.log").read_text()
