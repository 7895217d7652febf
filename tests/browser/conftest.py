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
def task_worker(settings: Any) -> Iterator[None]:
    """The task queue's worker (`core.worker.Worker`, as `opendtm worker` runs it) in a thread
    beside the live server, for the jobs the pages queue."""
    import threading

    from django.db import connection

    from opendtm.core.worker import Worker

    settings.OPENDTM_WEB_IMPORT_INLINE = False
    # Few writes beside the pages' reads: the in-memory test database is SQLite's shared cache,
    # whose table locks refuse a read at once instead of waiting.
    settings.OPENDTM_JOB_HEARTBEAT_SECONDS = 60
    worker = Worker(interval=0.5)

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
