"""`opendtm worker`: run the queued tasks (imports' dry runs and imports, snapshot builds, PDF
reports); `opendtm uploads clean`: remove the files of old finished uploads. Both thin: the
worker is `core.worker`, the chores are `ingest.jobs`, `figures.tasks` and `reports.tasks`."""

from __future__ import annotations

import click


@click.command("worker")
@click.option(
    "--batch", is_flag=True, help="Run the tasks queued now, then stop (instead of waiting)."
)
@click.option(
    "--interval",
    type=float,
    default=1.0,
    show_default=True,
    help="Seconds between looks at an empty queue.",
)
@click.option("--parent-pid", type=int, default=None, hidden=True)  # `opendtm serve`'s
def worker_command(batch: bool, interval: float, parent_pid: int | None) -> None:
    """Run the task queue: imports started in the browser, published rounds' figures, PDF
    reports asked for in the browser. Run one
    or more beside the web server (`opendtm serve` starts one itself); stop with Ctrl-C (the
    task running finishes first; a second Ctrl-C stops it, and the job is failed with nothing
    imported)."""
    from opendtm.core.errors import InvalidInput
    from opendtm.core.worker import Worker
    from opendtm.figures.tasks import snapshots_ensure
    from opendtm.ingest.jobs import jobs_sweep, uploads_clean
    from opendtm.reports.tasks import renders_prune

    if interval < 0:
        raise InvalidInput(f"--interval {interval:g}: give 0 or more seconds.")
    worker = Worker(
        interval=interval,
        batch=batch,
        housekeeping=[jobs_sweep, uploads_clean, snapshots_ensure, renders_prune],
        parent_pid=parent_pid,
    )
    if not batch:
        click.echo("The worker is waiting for tasks (Ctrl-C stops it).")
    worker.configure_signals()
    worker.run()


@click.group("uploads")
def uploads_group() -> None:
    """Files uploaded in the browser for import."""


@uploads_group.command("clean")
@click.option(
    "--days",
    type=float,
    default=None,
    help="Remove the files of uploads finished more than this many days ago "
    "(default: OPENDTM_UPLOAD_KEEP_DAYS, 7).",
)
def uploads_clean_command(days: float | None) -> None:
    """Remove the files of failed, cancelled and imported uploads (the worker does it too)."""
    from opendtm.ingest.jobs import uploads_clean

    count = uploads_clean(days=days)
    click.echo(f"Removed the files of {count} upload(s).")


COMMANDS = [worker_command, uploads_group]
