"""Run the corpus through the real CLI, one child process for a batch of files, each file
watched: a file that kills the process (an abort, a panic, the kernel's OOM killer), passes
1 GiB of memory or runs too long ends the child; its result says so and a new child goes on
with the next file.

In the child (`python -m tests.ingest.corpus.runner setup|run ...`) every file is imported by
`opendtm.cli.main.cli` exactly as the console script runs it, with file descriptors 1 and 2
captured (a Rust panic writes to fd 2 itself); before and after it, the database's fingerprint
(count and checksum of every table an import writes), and the peak RSS of the file alone (the
high-water mark is reset before each file through /proc/self/clear_refs).

The parent (`corpus_run`) starts the children, reads their results (one JSON line per file),
and polls the resident memory of the child and its descendants.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tests.ingest.corpus import OPERATION, Case

ROOT = Path(__file__).resolve().parents[3]
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
LIMIT_KIB = 1 << 20  # 1 GiB of resident memory, for the child and its children together
CASE_SECONDS = 60.0
USER = "officer"
ORIGINS_HELD = "origins held"  # a fingerprint entry of its own: the origins by value
SEEDS = {
    "site": ("site", "seed/seed_sites.xlsx"),
    "baseline": ("baseline", "seed/seed_baseline.xlsx"),
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# ---- child -------------------------------------------------------------------------------


def _tables() -> tuple[list[Any], list[Any]]:
    """(tables checksummed row by row, append-only tables fingerprinted by count and last
    key): the assessments, origins and sites are few; batches (with every ignored column's
    name), issues, stored files, the cleaning log and the audit only grow, and a corpus leaves
    tens of thousands of issues."""
    from opendtm.accounts.models import AuditEvent
    from opendtm.ingest.models import (
        CleaningLogEntry,
        ImportBatch,
        ImportFile,
        ImportFileChunk,
        ImportIssue,
    )
    from opendtm.mobility.models import BaselineAssessment, BaselineOrigin, SiteAssessment
    from opendtm.operations.models import Site, SiteStatusChange

    return (
        [SiteAssessment, BaselineAssessment, BaselineOrigin, Site],
        [ImportBatch, ImportFile, ImportFileChunk, ImportIssue, CleaningLogEntry,
         SiteStatusChange, AuditEvent],
    )  # fmt: skip


def fingerprint() -> dict[str, list[object]]:
    """{table: [rows, sha256 of every row's values in key order, or the last key]}."""
    from django.db.models import Count, Max

    checked, grown = _tables()
    out: dict[str, list[object]] = {}
    for model in checked:
        digest = hashlib.sha256()
        names = [f.attname for f in model._meta.concrete_fields]
        rows = list(model.objects.order_by("pk").values_list(*names))
        for row in rows:
            digest.update(repr(row).encode("utf-8", "surrogatepass"))
        out[model._meta.db_table] = [len(rows), digest.hexdigest()]
    for model in grown:
        seen = model.objects.aggregate(n=Count("pk"), last=Max("pk"))
        out[model._meta.db_table] = [seen["n"], seen["last"]]
    out[ORIGINS_HELD] = _origins_held()
    return out


def _origins_held() -> list[object]:
    """The stored origins as values (submission, round, place, households, individuals), so a
    submission replaced with the same origins holds the same ones though their rows are new."""
    from opendtm.mobility.models import BaselineOrigin

    held = sorted(
        BaselineOrigin.objects.values_list(
            "assessment__round_id",
            "assessment__submission_id",
            "origin__pcode",
            "origin_hh",
            "origin_ind",
        )
    )
    return [len(held), hashlib.sha256(repr(held).encode()).hexdigest()]


def stored_text_problems() -> list[str]:
    """Stored texts of assessments, origins and sites that hold NUL or control characters, or
    are longer than their column (SQLite stores them whole; PostgreSQL refuses them)."""
    from django.db import models

    from opendtm.mobility.models import BaselineAssessment, BaselineOrigin, SiteAssessment
    from opendtm.operations.models import Site

    found = []
    for model in (SiteAssessment, BaselineAssessment, BaselineOrigin, Site):
        lengths = {
            f.attname: f.max_length
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField))
        }
        texts = list(lengths)
        for row in model.objects.values_list("pk", *texts).iterator():
            for name, value in zip(texts, row[1:], strict=True):
                longest = lengths[name]
                if not isinstance(value, str):
                    continue
                if CONTROL.search(value):
                    found.append(f"{model.__name__} {row[0]} {name}={value[:40]!r}")
                if longest and len(value) > longest:
                    found.append(
                        f"{model.__name__} {row[0]} {name}: {len(value)} characters "
                        f"in a column of {longest}"
                    )
    return found


@contextmanager
def _captured(out_path: Path, err_path: Path) -> Iterator[None]:
    """fds 1 and 2 into these files (what a terminal would show)."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with out_path.open("wb") as out, err_path.open("wb") as err:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def cli_run(args: list[str], out_path: Path, err_path: Path) -> int:
    """The console script's run: its exit status (1 and a traceback for an exception the CLI
    let through, as the interpreter would)."""
    from opendtm.cli.main import cli

    with _captured(out_path, err_path):
        try:
            cli.main(args=args, prog_name="opendtm", standalone_mode=True)
            code: object = 0
        except SystemExit as done:
            code = done.code
        except BaseException:
            traceback.print_exc()
            code = 1
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def _peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _report_cells(path: Path) -> tuple[list[str], bool]:
    """Cells of a CSV report that a spreadsheet would run, and whether it leaks /etc/passwd."""
    csv.field_size_limit(1 << 30)
    text = path.read_text(encoding="utf-8", errors="replace")
    live = [
        c[:60]
        for row in csv.reader(text.splitlines())
        for c in row
        if c.startswith(FORMULA_START) and not NUMBER.fullmatch(c)
    ]
    return live, "root:x:0:0:" in text


def _seeded() -> list[object]:
    """What a seed import restores: the baselines and their origins."""
    from opendtm.mobility.models import BaselineAssessment

    rows = sorted(BaselineAssessment.objects.values_list("round_id", "submission_id", "batch_id"))
    return [rows, _origins_held()]


def case_run(
    case: dict[str, Any],
    folder: Path,
    work: Path,
    index: int,
    known: set[str],
    seeded: dict[str, list[object]],
) -> dict[str, Any]:
    """Import one case; `known` holds the stored text problems found so far (a case answers
    only for those it adds), `seeded` the state each seed import left, so that a seed is not
    imported again while that state holds."""
    from django.db import connections

    from opendtm.ingest.models import ImportBatch

    args = Case(
        **{**case, "repeats": tuple(map(tuple, case["repeats"])), "before": tuple(case["before"])}
    ).args(folder)
    result: dict[str, Any] = {"id": case["id"]}
    for seed in case["before"]:
        if seeded.get(seed) == _seeded():
            continue
        kind, file = SEEDS[seed]
        code = cli_run(
            ["import", kind, str(folder / file), "--operation", OPERATION, "--round", "1"],
            work / f"before-{index}.out",
            work / f"before-{index}.err",
        )
        if code != 0:
            result["before_failed"] = (work / f"before-{index}.err").read_text(errors="replace")
            return result
        seeded[seed] = _seeded()
    report = folder / (Path(case["file"]).stem + ".report.csv")
    if report.exists():
        report.unlink()
    before = fingerprint()
    last_batch = ImportBatch.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    Path("/proc/self/clear_refs").write_text("5")
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    out_path, err_path = work / f"case-{index}.out", work / f"case-{index}.err"
    result["exit"] = cli_run(args, out_path, err_path)
    result["seconds"] = round(time.monotonic() - started, 3)
    result["rss_kib"] = _peak_kib()
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result["children_rss_kib"] = children_after if children_after > children_before else 0
    result["stdout"] = out_path.read_text(encoding="utf-8", errors="replace")
    result["stderr"] = err_path.read_text(encoding="utf-8", errors="replace")
    connections.close_all()  # a connection a failed import left in a bad state
    result["before"], result["after"] = before, fingerprint()
    result["batches"] = list(
        ImportBatch.objects.filter(pk__gt=last_batch)
        .order_by("pk")
        .values("file_name", "rows_read", "rows_accepted", "rows_rejected")
    )
    result["stored_text"] = []
    if result["after"] != before:
        found = stored_text_problems()
        result["stored_text"] = [c for c in found if c not in known]
        known.update(found)
    result["report_written"] = report.exists()
    if report.exists():
        result["report_live_cells"], result["report_leak"] = _report_cells(report)
        if case["report_has"]:
            text = report.read_text(encoding="utf-8", errors="replace")
            result["report_has"] = case["report_has"] in text
    return result


def _seed(folder: Path, work: Path) -> None:
    """The gazetteer of tests/ingest/conftest.py, an operation with an open round, the officer
    who imports, and the seed exports imported (three sites; three baselines, six origins)."""
    from tests.factories import (
        OperationFactory,
        RoundFactory,
        SuperuserFactory,
    )
    from tests.ingest.conftest import gazetteer_build

    gazetteer_build()
    RoundFactory(operation=OperationFactory(code=OPERATION, location_level=4))
    SuperuserFactory(username=USER)
    for kind, file in SEEDS.values():
        args = ["import", kind, str(folder / file), "--operation", OPERATION, "--round", "1"]
        if cli_run(args, work / "seed.out", work / "seed.err") != 0:
            raise SystemExit("seed import failed: " + (work / "seed.err").read_text())


def main(argv: list[str]) -> None:
    from opendtm.cli.bootstrap import setup_django

    command, folder, work = argv[0], Path(argv[1]), Path(argv[2])
    setup_django(migrate=command == "setup")  # a lane's database is migrated by its setup
    if command == "setup":
        _seed(folder, work)
        return
    cases = json.loads((work / "cases.json").read_text())
    start = int(argv[3])
    known = set(stored_text_problems())
    seeded: dict[str, list[object]] = {}
    with (work / "results.jsonl").open("a", encoding="utf-8") as results:
        for index in range(start, len(cases)):
            results.write(json.dumps({"start": index}) + "\n")
            results.flush()
            result = case_run(cases[index], folder, work, index, known, seeded)
            results.write(json.dumps({"done": index, "result": result}) + "\n")
            results.flush()


# ---- parent ------------------------------------------------------------------------------


def tree_rss_kib(root: int) -> int:
    """Resident memory of a process and all its descendants."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            rss[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[21]) * PAGE_KIB
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        kids = [p for p, parent in parents.items() if parent == pid and p not in tree]
        tree.update(kids)
        frontier += kids
    return sum(rss.get(p, 0) for p in tree)


def child_env(database: dict[str, str]) -> dict[str, str]:
    """The environment of a child: this one, the database given, the officer, no debug."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "OPENDTM_TEST_DB", "OPENDTM_DEBUG", "OPENDTM_HOME")
    }
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env["OPENDTM_USER"] = USER
    return env | database


def _setup(folder: Path, work: Path, env: dict[str, str]) -> None:
    work.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "tests.ingest.corpus.runner", "setup", str(folder), str(work)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@contextmanager
def corpus_databases(folder: Path, work: Path, lanes: int) -> Iterator[list[dict[str, str]]]:
    """One seeded database per lane (the environment of its children), dropped after.

    On SQLite a file in the lane's folder; under OPENDTM_TEST_DB=postgres a database of its own
    on the server of OPENDTM_TEST_POSTGRES_URL (pytest-django's test database is rolled back
    per test, so another process cannot see it). The first is migrated and seeded, the others
    are copies of it.
    """
    homes = [work / f"lane{i}" / "home" for i in range(lanes)]
    if os.environ.get("OPENDTM_TEST_DB") != "postgres":
        envs = [child_env({"OPENDTM_HOME": str(home)}) for home in homes]
        _setup(folder, work / "lane0", envs[0])
        for home in homes[1:]:
            shutil.copytree(homes[0], home)
        yield envs
        return
    import dj_database_url
    import psycopg

    url = os.environ["OPENDTM_TEST_POSTGRES_URL"]
    server = dj_database_url.parse(url)
    names = [f"{server['NAME']}_corpus{i}" for i in range(lanes)]
    envs = [
        child_env(
            {
                "OPENDTM_HOME": str(home),
                "DATABASE_URL": urlunsplit(urlsplit(url)._replace(path="/" + name)),
            }
        )
        for home, name in zip(homes, names, strict=True)
    ]
    connect = {
        "host": server["HOST"],
        "port": server["PORT"] or 5432,
        "user": server["USER"],
        "password": server["PASSWORD"],
        "dbname": server["NAME"],
        "autocommit": True,
    }

    def drop() -> None:
        with psycopg.connect(**connect) as db:
            for name in names:
                db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    drop()
    try:
        with psycopg.connect(**connect) as db:
            db.execute(f'CREATE DATABASE "{names[0]}"')
        _setup(folder, work / "lane0", envs[0])
        with psycopg.connect(**connect) as db:
            for name in names[1:]:
                db.execute(f'CREATE DATABASE "{name}" TEMPLATE "{names[0]}"')
        yield envs
    finally:
        drop()


@dataclass
class _Lane:
    """A child working through its share of the cases, on a database of its own."""

    cases: list[Case]
    work: Path
    env: dict[str, str]
    folder: Path
    results: dict[str, Any] = field(default_factory=dict)
    start: int = 0  # the first case of the next child
    child: subprocess.Popen[bytes] | None = None
    reader: Any = None
    pending: str = ""
    current: int | None = None
    since: float = 0.0
    peak: int = 0

    def spawn(self) -> None:
        results = self.work / "results.jsonl"
        if self.child is None:
            self.work.mkdir(parents=True, exist_ok=True)
            (self.work / "cases.json").write_text(json.dumps([c.as_json() for c in self.cases]))
            results.write_text("")
        self.reader = results.open("r", encoding="utf-8")
        self.reader.seek(0, os.SEEK_END)  # what an earlier child wrote is read already
        self.pending, self.current, self.peak = "", None, 0
        with (self.work / "children.log").open("ab") as log:
            self.child = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.ingest.corpus.runner",
                    "run",
                    str(self.folder),
                    str(self.work),
                    str(self.start),
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def step(self) -> bool:
        """Read what the child wrote and watch it; False once every case has a result."""
        assert self.child is not None
        code = self.child.poll()
        self.pending += self.reader.read()
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            record = json.loads(line)
            if "start" in record:
                self.current, self.since, self.peak = record["start"], time.monotonic(), 0
            else:
                record["result"]["tree_rss_kib"] = self.peak
                self.results[record["result"]["id"]] = record["result"]
                self.current = None
        ended = ""
        if code is None and self.current is not None:
            self.peak = max(self.peak, tree_rss_kib(self.child.pid))
            if self.peak > LIMIT_KIB:
                ended = f"killed at {self.peak // 1024} MiB of resident memory (limit 1 GiB)"
            elif time.monotonic() - self.since > CASE_SECONDS:
                ended = f"killed after {CASE_SECONDS:.0f} s"
            if ended:
                os.killpg(self.child.pid, signal.SIGKILL)
                code = self.child.wait()
        if code is None:
            return True
        self.reader.close()
        if self.current is None:
            log = (self.work / "children.log").read_text(errors="replace")
            assert code == 0 and len(self.results) == len(self.cases), log[-3000:]
            return False
        index = self.current
        self.results[self.cases[index].id] = {
            "id": self.cases[index].id,
            "crashed": ended
            or f"the process ended with status {code}"
            + (f" ({signal.Signals(-code).name})" if code < 0 else ""),
            "stdout": _text(self.work / f"case-{index}.out"),
            "stderr": _text(self.work / f"case-{index}.err"),
            "tree_rss_kib": self.peak,
        }
        self.start = index + 1
        if self.start == len(self.cases):
            return False
        self.spawn()
        return True


def corpus_run(
    cases: list[Case], folder: Path, work: Path, envs: list[dict[str, str]]
) -> dict[str, Any]:
    """Every case's result by id (the child's, or what ended the child while it ran it), the
    cases dealt in turn to one lane per database of `envs`."""
    lanes = [
        _Lane(cases[i :: len(envs)], work / f"lane{i}", env, folder) for i, env in enumerate(envs)
    ]
    for lane in lanes:
        lane.spawn()
    running = list(lanes)
    while running:
        running = [lane for lane in running if lane.step()]
        time.sleep(0.05)
    return {k: v for lane in lanes for k, v in lane.results.items()}


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


if __name__ == "__main__":
    main(sys.argv[1:])
