"""Benchmark: the figures API under load, on loopback, against the production server.

    .venv/bin/python bench/api_load.py [--records N] [--home DIR] [--reuse]
        [--duration S] [--connections C] [--threads T] [--workers W] [--write-docs]

Builds (or, with --reuse, takes again) an OPENDTM_HOME holding the built-in demo and a
generated operation of N baseline records (default 1,000,000; `bench/figures.py` writes them):
round 1 published (its snapshot built), round 2 open with a copy of round 1's records (so it
is computed live). Issues an API token to an analyst of that operation, starts
`opendtm serve` (gunicorn, the production server) and, after a warm-up, drives it with `wrk`
through `bench/api_load.lua`, which cycles through a realistic mix of URLs with the token:

(a) published round, own API: headline, admin levels 1-4 with parents, sites, origins;
(b) published round, DTM API v3: admin0/1/2 with and without filters;
(c) the open round, own API, computed live (same mix as (a), round 2);
(t) the trivial view: `/api/health`, a constant JSON answer through the full middleware stack,
    the floor of what this server can answer; (a) and (b) are also given as a ratio of it.

Reports requests/s, p50/p90/p99 latency and errors (non-2xx/3xx statuses, counted by the Lua
script, plus wrk's socket errors and timeouts). Target for (a) and (b) on a 2-core machine:
at least 2,000 requests/s, p99 under 20 ms, no errors. With --write-docs the results replace
the "API under load" section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
LUA = BENCH / "api_load.lua"
DOCS = ROOT / "docs" / "performance.md"
SECTION = "## API under load"
TRIVIAL = "trivial view (/api/health)"
TARGET_RPS, TARGET_P99_MS = 2000, 20.0
READY = "api-load.json"
ANALYST = "bench-analyst"


def _figures_bench() -> Any:
    """bench/figures.py, whose generator writes the records (one generator, not two)."""
    spec = importlib.util.spec_from_file_location("bench_figures", BENCH / "figures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the data --------------------------------------------------------------------------------


def _copy_rows(model: Any, source_round: int, target_round: int, batches: dict[int, int]) -> int:
    """Copy a round's rows of `model` into another round with one INSERT ... SELECT (ids
    shifted past the current maximum, submission ids prefixed): the open round holds as many
    records as the published one without generating them again."""
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        shift = int(cursor.fetchone()[0])
        columns, values = [], []
        for field in model._meta.concrete_fields:
            column = field.column
            columns.append(column)
            if column == "id":
                values.append(f"id + {shift}")
            elif column == "round_id":
                values.append(str(target_round))
            elif column == "batch_id":
                cases = " ".join(f"WHEN {old} THEN {new}" for old, new in batches.items())
                values.append(f"CASE batch_id {cases} END")
            elif column == "submission_id":
                values.append(f"'r{target_round}-' || submission_id")
            else:
                values.append(column)
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "
            f"FROM {table} WHERE round_id = %s",
            [source_round],
        )
        copied = cursor.rowcount
    return shift if copied else 0


def _copy_origins(source_round: int, shift: int) -> None:
    """The places of origin of the copied baseline records (assessment ids shifted alike)."""
    from django.db import connection

    from opendtm.mobility.models import BaselineAssessment, BaselineOrigin

    table = BaselineOrigin._meta.db_table
    assessments = BaselineAssessment._meta.db_table
    columns = [f.column for f in BaselineOrigin._meta.concrete_fields if f.column != "id"]
    values = [f"o.{c} + {shift}" if c == "assessment_id" else f"o.{c}" for c in columns]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "
            f"FROM {table} o JOIN {assessments} a ON a.id = o.assessment_id "
            "WHERE a.round_id = %s",
            [source_round],
        )


def build(home: Path, records: int, sites: int) -> dict[str, Any]:
    """The demo, then the generated operation: round 1 published, round 2 open (a copy)."""
    from django.db import transaction

    figures_bench = _figures_bench()
    started = time.perf_counter()
    prep = figures_bench.setup(home, records, sites)
    loaded = time.perf_counter() - started
    from django.contrib.auth import get_user_model

    from opendtm.accounts.choices import Role
    from opendtm.accounts.models import OperationGrant
    from opendtm.api.services import token_create
    from opendtm.demo.services import OPERATION_CODE, demo_run
    from opendtm.ingest.models import ImportBatch
    from opendtm.mobility.models import BaselineAssessment, SiteAssessment
    from opendtm.operations.models import Round
    from opendtm.operations.services import round_publish, round_validate

    operation, actor, first = prep["operation"], prep["actor"], prep["round"]
    started = time.perf_counter()
    demo_run(seed=7, directory=home / "demo", actor=actor)
    demo_s = time.perf_counter() - started
    started = time.perf_counter()
    round_validate(round=first, actor=actor)
    first = Round.objects.get(pk=first.pk)
    first.end_date = dt.date(2026, 11, 30)
    first.save(update_fields=["end_date"])
    round_publish(round=first, actor=actor)
    publish_s = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic():
        second = Round.objects.create(operation=operation, number=2, start_date="2026-12-01")
        batches = {
            b.pk: ImportBatch.objects.create(
                operation=operation,
                round=second,
                form_id=b.form_id,
                file_name=f"{b.file_name} (round 2)",
                sha256=b.sha256,
                imported_by=actor,
            ).pk
            for b in ImportBatch.objects.filter(round=first)
        }
        shift = _copy_rows(BaselineAssessment, first.pk, second.pk, batches)
        _copy_origins(first.pk, shift)
        _copy_rows(SiteAssessment, first.pk, second.pk, batches)
    copy_s = time.perf_counter() - started
    analyst = get_user_model().objects.create_user(username=ANALYST, password=None)
    OperationGrant.objects.create(user=analyst, operation=operation, role=Role.ANALYST)
    token = token_create(username=ANALYST, name="bench/api_load.py", actor=analyst).secret
    state = {
        "records": records,
        "sites": sites,
        "operation": operation.code,
        "demo_operation": OPERATION_CODE,
        "token": token,
        "built": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_s": round(loaded, 1),
        "demo_s": round(demo_s, 1),
        "publish_s": round(publish_s, 1),
        "copy_s": round(copy_s, 1),
    }
    (home / READY).write_text(json.dumps(state, indent=2))
    return state


# --- the server and the load -------------------------------------------------------------------


@dataclass
class Result:
    """One wrk run, as parsed from its summary and the Lua script's last line."""

    name: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    bad_status: int
    socket_errors: int
    cpu_ms: float = 0.0  # server CPU time per request (both workers, user + system)
    load: float = 0.0  # the machine's 1-minute load average when the run started

    @property
    def errors(self) -> int:
        return self.bad_status + self.socket_errors


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(home: Path, port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    """`opendtm serve` in its own process group, once it answers."""
    env = {**os.environ, "OPENDTM_HOME": str(home)}
    for name in ("DATABASE_URL", "OPENDTM_TEST_DB", "OPENDTM_TEST_POSTGRES_URL"):
        env.pop(name, None)
    log = (home / "serve.log").open("wb")
    server = subprocess.Popen(
        [
            *(str(Path(sys.executable).parent / "opendtm"), "serve", "--port", str(port)),
            *("--workers", str(workers), "--threads", str(threads), "--no-access-log"),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 240  # readiness: a fresh home migrates and compresses first
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"opendtm serve exited with {server.returncode}: see {log.name}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health")
            return server
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    stop(server)
    raise SystemExit(f"opendtm serve did not answer within 60 s: see {log.name}")


def stop(server: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn (the whole process group this script started)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def server_cpu(server: subprocess.Popen[bytes]) -> float:
    """CPU seconds used so far by the server's worker processes (user + system): divided by
    the requests served, the cost of a request whatever else the machine is doing."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == server.pid:  # ppid
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def mixes(state: dict[str, Any]) -> dict[str, list[str]]:
    """The URL mixes; the first `PH01...` codes exist in the generated gazetteer."""
    op, demo = state["operation"], state["demo_operation"]

    def own(round_number: int) -> list[str]:
        base = f"/api/v1/operations/{op}/figures"
        r = f"round={round_number}"
        return [
            f"{base}/headline?{r}",
            f"{base}/admin?{r}&level=1",
            f"{base}/admin?{r}&level=2&pcode=PH01",
            f"{base}/admin?{r}&level=3&pcode=PH01001",
            f"{base}/admin?{r}&level=4&pcode=PH0100101",
            f"{base}/admin?{r}&level=2",
            f"{base}/admin?{r}&level=4&limit=50&offset=1000",
            f"{base}/sites?{r}&limit=50",
            f"{base}/sites?{r}&pcode=PH01",
            f"{base}/origins?{r}&level=1&origin_level=2",
            f"{base}/origins?{r}&level=2&pcode=PH01&origin_level=3",
            f"/api/v1/operations/{demo}/figures/headline",
            f"/api/v1/operations/{demo}/figures/admin?level=2",
        ]

    v3 = "/v3/displacement"
    return {
        "published, own API": own(1),
        "published, DTM v3": [
            f"{v3}/admin0",
            f"{v3}/admin0?Operation=Figures%20benchmark",
            f"{v3}/admin1",
            f"{v3}/admin1?Admin0Pcode=PHL&FromRoundNumber=1",
            f"{v3}/admin2?Admin1Pcode=PH01",
            f"{v3}/admin2?Operation=Figures%20benchmark",
            f"{v3}/admin1?CountryName=Philippines&FromReportingDate=2026-01-01",
            f"{v3}/admin2?Admin1Name=Unit%20PH02",
        ],
        TRIVIAL: ["/api/health"],
        "open round, live": own(2)[:11],
    }


def _parse(name: str, output: str) -> Result:
    """wrk's summary and the Lua `done` line (JSON after `api_load:`)."""
    line = next(ln for ln in output.splitlines() if ln.startswith("api_load: "))
    data = json.loads(line.removeprefix("api_load: "))
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    socket_errors = sum(int(g) for g in socket.groups()) if socket else 0
    return Result(
        name=name,
        requests=data["requests"],
        seconds=data["seconds"],
        rps=data["requests"] / data["seconds"] if data["seconds"] else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        bad_status=data["bad_status"],
        socket_errors=socket_errors,
    )


def drive(
    name: str, port: int, urls: list[str], token: str, args: argparse.Namespace, seconds: float
) -> Result:
    """One wrk run over the URL mix."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as paths:
        paths.write("\n".join(urls) + "\n")
    env = {**os.environ, "API_LOAD_PATHS": paths.name, "API_LOAD_TOKEN": token}
    command = [
        "wrk",
        f"--threads={args.threads}",
        f"--connections={args.connections}",
        f"--duration={max(1, round(seconds))}s",
        f"--timeout={args.timeout}s",
        f"--script={LUA}",
        f"http://127.0.0.1:{port}",
    ]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    finally:
        Path(paths.name).unlink()
    return _parse(name, done.stdout)


def warm(port: int, urls: list[str], token: str, workers: int) -> None:
    """Each URL a few times per worker, so that every worker holds every answer."""
    for _ in range(3 * workers):
        for url in urls:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{url}", headers={"Authorization": f"Bearer {token}"}
            )
            for attempt in range(3):
                try:
                    with urllib.request.urlopen(request, timeout=600) as response:
                        response.read()
                    break
                except ConnectionError as exc:
                    if attempt == 2:
                        raise SystemExit(f"warm-up: {url}: {exc}") from exc
                    time.sleep(1)


# --- the report ------------------------------------------------------------------------------


def _machine() -> str:
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, {ram:.1f} GiB RAM, load average {load} after the runs"


def _ms(value: float, digits: int = 1) -> str:
    return f"{value / 1000:.1f} s" if value >= 1000 else f"{value:.{digits}f} ms"


def table(results: list[Result]) -> list[str]:
    lines = [
        "| run | load before | requests | requests/s | p50 | p90 | p99 | errors | "
        "server CPU/request |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        rps = f"{r.rps:,.0f}" if r.rps >= 10 else f"{r.rps:.2f}"
        lines.append(
            f"| {r.name} | {r.load:.1f} | {r.requests:,} | {rps} | {_ms(r.p50_ms)} | "
            f"{_ms(r.p90_ms)} | {_ms(r.p99_ms)} | {r.errors} | {_ms(r.cpu_ms, 2)} |"
        )
    return lines


def write_docs(section: str) -> None:
    """Replace (or append) the section in docs/performance.md."""
    text = DOCS.read_text()
    start = text.find(SECTION)
    if start == -1:
        DOCS.write_text(text.rstrip("\n") + "\n\n" + section)
        return
    following = text.find("\n## ", start + len(SECTION))
    rest = text[following + 1 :] if following != -1 else ""
    DOCS.write_text(text[:start] + section + ("\n" + rest if rest else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--home", type=Path)
    parser.add_argument("--reuse", action="store_true", help="Take the --home built before.")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--duration", type=float, default=30.0, help="Seconds per run.")
    parser.add_argument("--live-duration", type=float, default=None, help="Default: --duration.")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="Gunicorn workers (2 cores).")
    parser.add_argument(
        "--server-threads",
        type=int,
        default=2,
        help="opendtm serve --threads: 2 per worker keeps wrk's connections open, as API "
        "clients (requests, dtmapi) do; 1 is gunicorn's sync worker, a connection per request.",
    )
    parser.add_argument("--timeout", type=int, default=60, help="wrk's timeout per request, s.")
    parser.add_argument("--skip-live", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="Runs of each published mix.")
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None and not args.build_only:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    home = args.home or Path(tempfile.mkdtemp(prefix="opendtm-bench-api-"))
    home.mkdir(parents=True, exist_ok=True)
    ready = home / READY
    if args.reuse and ready.exists():
        state = json.loads(ready.read_text())
        print(f"reusing {home} ({state['records']:,} records, built {state['built']})")
    else:
        if args.reuse:
            print(f"nothing to reuse in {home}: building")
        state = build(home, args.records, min(args.sites, args.records // 2))
        print(
            f"built {home}: {state['records']:,} records in {state['load_s']} s, demo "
            f"{state['demo_s']} s, publish {state['publish_s']} s, open-round copy "
            f"{state['copy_s']} s"
        )
    sys.stdout.flush()
    if args.build_only:
        return 0
    port = _free_port()
    server = serve(home, port, args.workers, args.server_threads)
    results: list[Result] = []
    try:
        runs = mixes(state)
        if args.skip_live:
            del runs["open round, live"]
        once = {TRIVIAL, "open round, live"}
        plan = [
            (f"{name} ({i + 1})" if args.repeat > 1 and name not in once else name, urls)
            for name, urls in runs.items()
            for i in range(1 if name in once else args.repeat)
        ]
        for name, urls in plan:
            live = "live" in name
            if not live:
                warm(port, urls, state["token"], args.workers)
            seconds = (args.live_duration or args.duration) if live else args.duration
            cpu, load = server_cpu(server), os.getloadavg()[0]
            result = drive(name, port, urls, state["token"], args, seconds)
            result.load = load
            if result.requests:
                result.cpu_ms = (server_cpu(server) - cpu) * 1000 / result.requests
            results.append(result)
            print(
                f"{name}: {result.requests:,} requests, {result.rps:,.0f}/s, p50 "
                f"{result.p50_ms:.1f} ms, p90 {result.p90_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, "
                f"errors {result.errors} ({result.bad_status} status, "
                f"{result.socket_errors} socket), server CPU {result.cpu_ms:.2f} ms/request"
            )
            sys.stdout.flush()
    finally:
        stop(server)
    machine = _machine()
    print(f"machine: {machine}")
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=2))
    if args.write_docs:
        write_docs(report(state, results, args, machine))
    published = _published(results)
    for line in ratios(results):
        print(line)
    met = all(_met(r) for r in published)
    print(
        f"target (published: >= {TARGET_RPS:,} requests/s, p99 < {TARGET_P99_MS:g} ms, "
        "no errors): " + ("met" if met else "NOT met")
    )
    return 0


def _published(results: list[Result]) -> list[Result]:
    return [r for r in results if "live" not in r.name and r.name != TRIVIAL]


def _met(r: Result) -> bool:
    return r.rps >= TARGET_RPS and r.p99_ms < TARGET_P99_MS and r.errors == 0


def ratios(results: list[Result]) -> list[str]:
    """Each published run's requests/s as a share of the trivial view's, measured in the same
    run of this script (so under the same load)."""
    trivial = next((r for r in results if r.name == TRIVIAL), None)
    if trivial is None or not trivial.rps:
        return []
    return [
        f"ratio to the trivial view ({trivial.rps:,.0f}/s): {r.name} {r.rps / trivial.rps:.2f}"
        for r in _published(results)
    ]


NOTES = [
    "How published answers get there (one request profiled with cProfile through Django's "
    "handler): a published round's answer is kept as bytes by the response cache "
    "(`api/cache.py`; docs/decisions/0003-figures-response-cache.md), so a hit reads no "
    "figures and what remains is access and the key. With the cache alone the own-API mix "
    "served 22 requests/s (on a 2,000-record home); three fixes the profiles asked for:",
    "",
    "- SQLite connections are kept open (`CONN_MAX_AGE` in settings): opening one per request, "
    "with its PRAGMAs, cost about 5 ms of CPU, more than all the rest;",
    "- the reads made on every request (token, operation, rounds with their snapshots) are SQL "
    "written once (`api/queries.py`): compiling a Django queryset cost ten times the indexed "
    "query it ran (0.3 ms against 0.03 ms);",
    "- the role is read only when it changes the answer (exact values, or the default round "
    "while a later round is open), and DTM v3 reads every operation in one query.",
    "",
    "A cached answer costs 2 to 4 small queries (pinned in tests/api/test_cache.py and "
    "tests/api/test_fastpath.py). Through the full stack it cost about 1 ms of CPU in the "
    "process, of which 0.4 ms the middleware stack and 0.2 ms django-ninja; it is now served "
    "by the short path (`api/fastpath.py`, first in `MIDDLEWARE`): the route's key function "
    "checks access and names the key, and the kept bytes go out through the header-setting "
    "middleware only (same headers as the full stack; CSRF, messages, htmx, WhiteNoise and "
    "django-ninja left out). gunicorn adds its own work per request. Its sync worker "
    "(`--threads 1`) opens and closes a connection per request, so the benchmark serves with "
    "2 threads per worker (gthread, connections kept open, as wrk and API clients such as "
    "`requests` keep them). The trivial view shows the floor: what the same server spends on a "
    "constant JSON answer through the full stack.",
    "",
    "The open round is computed live on every request: at a million records each answer is a "
    'GROUP BY over the round (seconds each, see "Figures"), and with more connections than '
    "workers the latencies include the wait in the queue. Live figures are for the analysts "
    "working on a round, not for publication; they are never cached.",
]


def _wrapped(paragraph: str) -> list[str]:
    """A paragraph at the docs' width (bullets keep their indentation)."""
    bullet = paragraph.startswith("- ")
    return textwrap.wrap(
        paragraph, width=96, subsequent_indent="  " if bullet else "", break_on_hyphens=False
    ) or [""]


def report(
    state: dict[str, Any], results: list[Result], args: argparse.Namespace, machine: str
) -> str:
    """The docs section: machine, command, data, numbers."""
    today = dt.date.today().isoformat()
    live = args.live_duration or args.duration
    command = (
        f".venv/bin/python bench/api_load.py --records {state['records']} "
        f"--duration {args.duration:g} --live-duration {live:g} --repeat {args.repeat} "
        f"--connections {args.connections} --workers {args.workers} "
        f"--server-threads {args.server_threads} --write-docs"
    )
    prose = [
        f"Script: `bench/api_load.py` with `bench/api_load.lua`; measured {today} with:",
        "",
        f"Data: the built-in demo plus {state['records']:,} generated baseline records "
        f"(`bench/figures.py`'s generator) in operation `{state['operation']}`: round 1 "
        f"published (its snapshot built in {state['publish_s']} s), round 2 open with a copy "
        "of round 1's records. Server: `opendtm serve --workers "
        f"{args.workers} --threads {args.server_threads}` (gunicorn; SQLite). Load: `wrk` on "
        "loopback, "
        f"{args.connections} connections, {args.duration:g} s per published run after a "
        f"warm-up, {live:g} s for the live one, an analyst's token in `Authorization: Bearer`, "
        "URLs cycled from a fixed mix (`mixes` in the script: headline, admin levels 1-4 with "
        "parents, sites, origins, the demo's headline and provinces; v3 admin0/1/2 with and "
        "without filters). Errors: statuses other than 2xx/3xx (counted in the Lua `response` "
        f"hook) plus wrk's socket errors and timeouts. Machine: {machine}.",
        "",
        f"Target for published figures: at least {TARGET_RPS:,} requests/s, p99 under "
        f"{TARGET_P99_MS:g} ms, no errors. The trivial view (`/api/health`, a constant JSON "
        "answer through the full middleware stack) is measured in the same run; each published "
        "run is also given as a share of its requests/s.",
    ]
    after = [
        "Load before: the machine's 1-minute load average as the run started (wrk itself runs "
        "on the same 2 cores). Server CPU/request: CPU time of the gunicorn workers "
        "divided by the requests served; it depends much less than requests/s on what else "
        "runs (though it grows with contention), and requests/s is bounded by 2 cores / "
        "(server CPU per request + wrk's share). For the live run it also counts answers still "
        "being computed when the run ended.",
        "",
        *NOTES,
    ]
    lines = [SECTION, ""]
    for paragraph in prose[:1]:
        lines += _wrapped(paragraph)
    lines += ["", f"    {command}", ""]
    for paragraph in prose[2:]:
        lines += _wrapped(paragraph)
    published = _published(results)
    met = [r for r in published if _met(r)]
    lines += ["", *table(results), ""]
    lines += [f"- {line}" for line in ratios(results)] + [""]
    lines += _wrapped(
        f"Target met in {len(met)} of {len(published)} published runs; p99 under "
        f"{TARGET_P99_MS:g} ms and no errors in "
        f"{sum(r.p99_ms < TARGET_P99_MS and r.errors == 0 for r in published)} of them."
    )
    lines.append("")
    for paragraph in after:
        lines += _wrapped(paragraph)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
