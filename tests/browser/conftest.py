"""Playwright driving Debian's Chromium (never a downloaded browser), headless and offline."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import CHROMIUM
from tests.web.conftest import web_world  # noqa: F401  (the same operation and users)

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser_page() -> Iterator[tuple[Any, list[str]]]:
    """A fresh page and the console messages and page errors it logs."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's ORM calls are
    # ordinary synchronous ones.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            profile,  # a temporary --user-data-dir
            executable_path=CHROMIUM,
            args=FLAGS,
            viewport={"width": 1400, "height": 1000},
        )
        page = browser.new_page()
        logged: list[str] = []
        page.on("console", lambda m: logged.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: logged.append(f"pageerror: {e}"))
        try:
            yield page, logged
        finally:
            browser.close()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def task_worker(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The task queue's worker (`core.worker.Worker`, as `opendtm worker` runs it) in a thread
    beside the live server, for the jobs the pages queue.

    On SQLite the test database is in memory, in SQLite's shared-cache mode, whose table locks
    refuse a reader at once ("database table is locked") instead of making it wait as a
    database file in WAL mode does: the worker's steps (claiming a task, running it) and the
    live server's requests then take turns on one lock, as they would wait on each other's
    locks on a real file. On PostgreSQL they run side by side."""
    import threading

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    from opendtm.core.worker import Worker

    settings.OPENDTM_TASKS_INLINE = False
    settings.OPENDTM_JOB_HEARTBEAT_SECONDS = 60  # few writes beside the pages' reads
    turns = threading.RLock() if connection.vendor == "sqlite" else None

    class TakingTurns(Worker):
        def claim(self) -> Any:
            if turns is None:
                return super().claim()
            with turns:
                return super().claim()

        def run_task(self, db_task_result: Any) -> None:
            if turns is None:
                return super().run_task(db_task_result)
            with turns:
                return super().run_task(db_task_result)

    if turns is not None:
        served = WSGIHandler.__call__

        def serve_in_turn(self: WSGIHandler, environ: Any, start_response: Any) -> Any:
            with turns:
                return served(self, environ, start_response)

        monkeypatch.setattr(WSGIHandler, "__call__", serve_in_turn)
    worker = TakingTurns(interval=0.5)

    def run() -> None:
        try:
            worker.run()
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="opendtm-test-worker", daemon=True)
    thread.start()
    try:
        yield
    finally:
        worker.running = False
        thread.join(timeout=60)
