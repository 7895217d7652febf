"""`opendtm serve`: the web application under gunicorn (never Django's development server),
with one task worker beside it (`opendtm worker`, which ends when the server does) unless
--no-worker says the worker runs elsewhere.

Static files are collected into OPENDTM_HOME/static before the server starts, only when the
shipped files changed since the last collection, and WhiteNoise serves them compressed with
hashed names and year-long cache headers.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import click

STAMP = ".opendtm-collected"


def static_fingerprint() -> str:
    """A digest of every static file the finders know (name, size, mtime)."""
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256()
    entries = []
    for finder in get_finders():
        for name, storage in finder.list([]):
            full = Path(storage.path(name))
            stat = full.stat()
            entries.append(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}")
    for entry in sorted(entries):
        digest.update(entry.encode())
    return digest.hexdigest()


def static_collect_if_needed() -> bool:
    """Run collectstatic quietly when the static files changed; True when it ran."""
    from django.conf import settings
    from django.core.management import call_command

    root = Path(settings.STATIC_ROOT)
    stamp = root / STAMP
    fingerprint = static_fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint:
        return False
    root.mkdir(parents=True, exist_ok=True)
    from django.contrib.staticfiles.management.commands.collectstatic import Command
    from django.utils.module_loading import import_string

    command = Command()
    command.storage = import_string(settings.STATIC_MANIFEST)()  # hashed and compressed
    call_command(command, interactive=False, verbosity=0, clear=True)
    stamp.write_text(fingerprint)
    return True


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Gunicorn worker processes (default: 2 per CPU + 1, at most 9).",
)
@click.option(
    "--threads",
    type=int,
    default=1,
    show_default=True,
    help="Threads per worker; more than 1 keeps client connections open between requests "
    "(gunicorn's gthread worker), which API clients making many calls gain from.",
)
@click.option(
    "--access-log/--no-access-log",
    default=True,
    show_default=True,
    help="One line per request on standard output (off for load benchmarks).",
)
@click.option(
    "--worker/--no-worker",
    "task_worker",
    default=True,
    show_default=True,
    help="Start one task worker (imports) beside the web; --no-worker when `opendtm worker` "
    "runs on its own (a server).",
)
def serve_command(
    host: str, port: int, workers: int | None, threads: int, access_log: bool, task_worker: bool
) -> None:
    """Serve the web pages under gunicorn; stop with Ctrl-C."""
    from opendtm.core.errors import InvalidInput

    if not 0 < port < 65536:
        raise InvalidInput(f"Port {port} is not between 1 and 65535.")
    if workers is not None and workers < 1:
        raise InvalidInput(f"--workers {workers}: give at least 1.")
    if threads < 1:
        raise InvalidInput(f"--threads {threads}: give at least 1.")
    count = workers or min(2 * (os.cpu_count() or 1) + 1, 9)
    if static_collect_if_needed():
        click.echo("Collected the static files.")
    click.echo(f"Serving OpenDTM on http://{host}:{port}/ with {count} workers (Ctrl-C stops).")
    sys.stdout.flush()
    if task_worker:  # its parent is this process, which becomes gunicorn's master below
        main = [sys.executable, "-m", "opendtm.cli.main"]
        subprocess.Popen([*main, "worker", "--parent-pid", str(os.getpid())])
        click.echo("Started a task worker beside the web (imports run there).")
        sys.stdout.flush()
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "opendtm.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(count),
        *(("--access-logfile", "-") if access_log else ()),
        *(("--worker-class", "gthread", "--threads", str(threads)) if threads > 1 else ()),
        "--timeout",
        "120",
        "--graceful-timeout",
        "10",
    ]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opendtm.settings")
    os.execv(sys.executable, args)


COMMANDS = [serve_command]
