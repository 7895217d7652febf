"""`opendtm worker` as a process of its own, on a database of its own (SQLite, or PostgreSQL
under OPENDTM_TEST_DB=postgres): killed with SIGKILL in the middle of an import it leaves the
round as it was and, once a worker starts again, the job failed with the reason; a zip-bomb
workbook that reaches it is refused with one line, the worker staying under 500 MB."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from opendtm.ingest.jobs import STOPPED
from tests.ingest.corpus.runner import corpus_databases
from tests.ingest.corpus.shapes import exports_build

pytestmark = pytest.mark.slow
OPENDTM = Path(sys.executable).with_name("opendtm")
MiB = 1 << 20


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed exports (seed/), imported into each lane's database first."""
    folder = tmp_path_factory.mktemp("worker")
    exports_build(folder / "seed")
    return folder


@pytest.fixture(scope="module")
def lane(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment of a worker on a seeded database: an operation with round 1 open."""
    with corpus_databases(folder, tmp_path_factory.mktemp("worker-run"), 1) as envs:
        yield envs[0] | {"OPENDTM_JOB_HEARTBEAT_SECONDS": "0.5"}


def child(env: dict[str, str], *args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "tests.cli.worker_child", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def job_row(env: dict[str, str], pk: int) -> tuple[str, int]:
    """(state, rows checked) read straight from the database, without starting Django."""
    sql = "SELECT state, rows_checked FROM ingest_importjob WHERE id = %s"
    if "DATABASE_URL" in env:
        import psycopg

        with psycopg.connect(env["DATABASE_URL"].replace("postgresql://", "postgres://")) as db:
            row = db.execute(sql, [pk]).fetchone()
    else:
        with sqlite3.connect(Path(env["OPENDTM_HOME"]) / "opendtm.sqlite3", timeout=30) as db:
            row = db.execute(sql.replace("%s", "?"), [pk]).fetchone()
    assert row is not None
    return str(row[0]), int(row[1])


def big_site_export(seed: Path, out: Path, rows: int) -> Path:
    """The seed's first site row as `rows` sites of their own (long enough to kill mid-way)."""
    header, first = (seed / "seed_sites.csv").read_text().splitlines()[:2]
    cells = first.split(",")
    names = header.split(",")
    at = {name: names.index(name) for name in ("site/site_id", "site/site_name", "_id", "_uuid")}
    with out.open("w") as handle:
        handle.write(header + "\n")
        for i in range(rows):
            cells[at["site/site_id"]] = f"B-{i:06d}"
            cells[at["site/site_name"]] = f"Big {i}"
            cells[at["_id"]] = str(500000 + i)
            cells[at["_uuid"]] = f"big-{i}"
            handle.write(",".join(cells) + "\n")
    return out


def test_a_worker_killed_mid_import_leaves_the_round_and_fails_the_job(
    lane: dict[str, str], folder: Path, tmp_path: Path
) -> None:
    export = big_site_export(folder / "seed", tmp_path / "big_sites.csv", 40_000)
    before = child(lane, "fingerprint")
    job = child(lane, "enqueue", str(export), "dtm_site", "--confirmed")["job"]
    worker = subprocess.Popen(
        [str(OPENDTM), "worker", "--interval", "0.2"],
        env=lane,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 400
        while job_row(lane, job) == ("queued", 0) or job_row(lane, job)[1] == 0:
            assert worker.poll() is None, "the worker stopped by itself"
            assert time.monotonic() < deadline, job_row(lane, job)
            time.sleep(0.05)
        # Checked, so the worker is in the import's transaction (or about to enter it).
        assert job_row(lane, job) == ("importing", 40_000)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == -signal.SIGKILL
    assert job_row(lane, job) == ("importing", 40_000)  # nobody left to say otherwise
    assert child(lane, "fingerprint") == before  # the transaction rolled back with the process
    restarted = subprocess.run(
        [str(OPENDTM), "worker", "--batch"], env=lane, capture_output=True, timeout=300
    )
    assert restarted.returncode == 0, restarted.stderr
    state = child(lane, "job", str(job))
    assert (state["state"], state["message"]) == ("failed", STOPPED)
    assert state["moves"] == [["queued", "importing"], ["importing", "failed"]]
    assert state["tasks"] == ["FAILED"]
    assert child(lane, "fingerprint") == before


def bomb_write(path: Path) -> Path:
    """A 1 MB workbook holding one 1 GiB shared text (issue 12's zip bomb)."""
    from tests.forms.test_workbooks import export
    from tests.forms.workbooks import row_xml

    export(path, row_xml(3, [("A3", 't="s"><v>7</v>')]))
    with zipfile.ZipFile(path) as old:
        kept = [(i.filename, old.read(i)) for i in old.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as new:
        for name, data in kept:
            if name != "xl/sharedStrings.xml":
                new.writestr(name, data)
                continue
            with new.open(name, "w", force_zip64=True) as part:
                part.write(data.replace(b"</sst>", b"<si><t>"))
                for _ in range(64):
                    part.write(b"a" * (1 << 24))
                part.write(b"</t></si></sst>")
    return path


BOMB_REFUSED = (
    "bomb.xlsx: part 'xl/sharedStrings.xml' unpacks to 1.0 GiB, more than the 512.0 MiB "
    "OpenDTM reads from one part. Export it as CSV (which has no such limit) or split it, and "
    "import that."
)


def test_the_zip_bomb_is_refused_by_the_worker_within_500_mb(
    lane: dict[str, str], tmp_path: Path, record_property: Any
) -> None:
    """The web refuses it before keeping it (tests/web/test_upload_limits.py); one that reached
    the worker all the same is refused there too, with the same line."""
    bomb = bomb_write(tmp_path / "bomb.xlsx")
    assert bomb.stat().st_size < 2 * MiB
    before = child(lane, "fingerprint")
    job = child(lane, "enqueue", str(bomb), "dtm_site")["job"]
    measured = child(lane, "measured")
    record_property("worker_peak_bytes", measured["peak_bytes"])  # --junitxml shows it
    assert measured["peak_bytes"] < 500 * MiB, measured
    state = child(lane, "job", str(job))
    assert (state["state"], state["message"]) == ("failed", BOMB_REFUSED)
    assert child(lane, "fingerprint") == before
