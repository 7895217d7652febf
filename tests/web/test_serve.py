"""`opendtm serve` starts gunicorn for real on a loopback port and serves pages and static
files (compressed, with long cache headers); then it is stopped."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

STARTUP_SECONDS = 240


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


def test_serve_runs_gunicorn_with_compressed_static(tmp_path: Path) -> None:
    port = _free_port()
    env = os.environ | {"OPENDTM_HOME": str(tmp_path), "OPENDTM_DEBUG": ""}
    env.pop("DATABASE_URL", None)
    env.pop("OPENDTM_TEST_DB", None)
    opendtm = Path(sys.executable).with_name("opendtm")
    server = subprocess.Popen(
        [str(opendtm), "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        # A fresh home first migrates and compresses the static files (about 30 s of CPU on
        # one core): the wait is for readiness, not a measure; a server that never answers
        # still fails, well before the suite's ten-minute limit.
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                status, headers, body = _get(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, (
                    f"the server did not answer in {STARTUP_SECONDS} s"
                )
                time.sleep(0.3)
        assert status == 200
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        page = body.decode()
        css = re.search(r'href="(/static/web/app\.[0-9a-f]{12}\.css)"', page)
        assert css, "the page names the hashed stylesheet of the collected manifest"
        status, headers, body = _get(
            f"http://127.0.0.1:{port}{css.group(1)}", **{"Accept-Encoding": "gzip"}
        )
        assert status == 200
        assert headers["Content-Encoding"] == "gzip"
        assert "max-age=315360000" in headers["Cache-Control"]
        assert "immutable" in headers["Cache-Control"]
        assert (tmp_path / "static" / "web" / "vendor" / "plotly.min.js").exists()
        ps = subprocess.run(["ps", "-o", "args=", "-p", str(server.pid)], capture_output=True)
        assert b"gunicorn" in ps.stdout  # the real server, not Django's development server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
