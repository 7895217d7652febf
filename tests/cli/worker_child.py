"""Steps of the worker tests run in a process of their own, on the lane's database
(`python -m tests.cli.worker_child enqueue|fingerprint|measured ...`); each prints JSON."""

from __future__ import annotations

import contextlib
import json
import secrets
import sys
from pathlib import Path


def _enqueue(path: Path, form_id: str, confirmed: bool) -> int:
    """A job of the file as the upload page leaves it (kept where it is, under its own name),
    queued for its dry run, or for its import as if confirmed."""
    from opendtm.accounts.services import user_for_cli
    from opendtm.ingest.models import ImportJob
    from opendtm.ingest.tasks import job_enqueue
    from opendtm.operations.models import Round
    from tests.ingest.corpus import OPERATION

    round_ = Round.objects.get(operation__code=OPERATION, number=1)
    job = ImportJob.objects.create(
        token=secrets.token_urlsafe(16),
        operation=round_.operation,
        round=round_,
        form_id=form_id,
        file_name=path.name,
        stored=str(path),
        sha256="0" * 64,
        size=path.stat().st_size,
        created_by=user_for_cli(),
        confirmed=confirmed,
    )
    job_enqueue(job)
    return job.pk


def _measured() -> dict[str, int]:
    """`opendtm worker --batch` in this process, then its peak memory (VmHWM: Linux carries a
    forking parent's peak into ru_maxrss across exec)."""
    from opendtm.cli.main import cli

    with contextlib.suppress(SystemExit):
        cli.main(["worker", "--batch"], prog_name="opendtm", standalone_mode=False)
    status = Path("/proc/self/status").read_text().splitlines()
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    return {"peak_bytes": peak * 1024}


def main(argv: list[str]) -> None:
    from opendtm.cli.bootstrap import setup_django

    setup_django(migrate=False)
    command = argv[0]
    if command == "enqueue":
        out: object = {"job": _enqueue(Path(argv[1]), argv[2], "--confirmed" in argv)}
    elif command == "fingerprint":
        from tests.ingest.corpus.runner import fingerprint

        out = fingerprint()
    elif command == "job":
        from django_tasks_db.models import DBTaskResult

        from opendtm.ingest.models import ImportJob

        job = ImportJob.objects.get(pk=int(argv[1]))
        out = {
            "state": job.state,
            "message": job.message,
            "rows_checked": job.rows_checked,
            "moves": list(job.transitions.values_list("from_state", "to_state")),
            "tasks": sorted(DBTaskResult.objects.values_list("status", flat=True)),
        }
    else:
        out = _measured()
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
