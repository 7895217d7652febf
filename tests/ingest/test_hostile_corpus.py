"""The hostile corpus (tests/ingest/corpus/) through the real `opendtm import`, on this leg's
database (SQLite, or PostgreSQL under OPENDTM_TEST_DB=postgres).

Every file is either refused (one `error:` line, a non-zero exit, the database exactly as it
was, no report) or accepted (the summary with read = accepted + rejected, the batch saying the
same, a report whose cells a spreadsheet would not run); never a crash, a traceback, a panic,
an internal error or a library's own words, and never more than 1 GiB of memory. Some cases ask
more (`Case.rejects_all`, `Case.keeps_origins`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ingest.corpus import Case, corpus_build
from tests.ingest.corpus.runner import LIMIT_KIB, ORIGINS_HELD, corpus_databases, corpus_run

pytestmark = pytest.mark.slow

CATEGORIES = ("truncation", "encoding", "workbook", "dialect", "value", "repeat", "impostor")
SUMMARY = re.compile(
    r"(dry run, nothing written: )?.+ \((dtm_site|dtm_baseline)\): read (\d+), accepted (\d+), "
    r"rejected (\d+), flagged (\d+)"
)
# Words of a crash or of a library, never of a message meant for an officer.
FORBIDDEN = (
    "traceback",
    "internal error",
    "panicked",
    "panicexception",
    "calamine",
    "polars",
    "fastexcel",
    "pyo3",
    "rust_backtrace",
    "xlsx error",
    "zip error",
    "decodeerror",
    "keyerror",
    "valueerror",
    "dataerror",
    "integrityerror",
)
LANES = 2  # children at a time, each on a database of its own (CI has two cores)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Case]]:
    folder = tmp_path_factory.mktemp("corpus")
    return folder, corpus_build(folder)


@pytest.fixture(scope="module")
def corpus(
    built: tuple[Path, list[Case]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[list[Case], dict[str, Any]]]:
    folder, cases = built
    work = tmp_path_factory.mktemp("corpus-run")
    with corpus_databases(folder, work, LANES) as envs:
        results = corpus_run(cases, folder, work, envs)
    # Every outcome, for a person comparing runs: `pytest --basetemp=DIR` keeps it.
    (work / "results.json").write_text(json.dumps(results, indent=1))
    yield cases, results


def _memory(result: dict[str, Any]) -> list[str]:
    peak = max(result.get(k) or 0 for k in ("rss_kib", "children_rss_kib", "tree_rss_kib"))
    return [f"peak memory {peak // 1024} MiB, over 1 GiB"] if peak >= LIMIT_KIB else []


def violations(case: Case, result: dict[str, Any]) -> list[str]:
    """What the outcome of `case` breaks, in words; [] when it holds every rule."""
    if "crashed" in result:
        tail = (result["stderr"] or result["stdout"]).strip().splitlines()[-3:]
        return [f"crashed: {result['crashed']}; last output: {' | '.join(tail)[:300]!r}"]
    if "before_failed" in result:
        return [f"the seed import before it failed: {result['before_failed'][:300]!r}"]
    out, err = result["stdout"], result["stderr"]
    problems = _memory(result)
    said = (out + err).lower()
    if words := [word for word in FORBIDDEN if word in said]:
        problems.append(f"says {', '.join(words)}: {(out + err).strip()[:240]!r}")
    changed = [t for t in result["after"] if result["after"][t] != result["before"][t]]
    problems += [f"stored text: {problem}" for problem in result["stored_text"]]
    if result["exit"] != 0:
        lines = [line for line in (out + err).splitlines() if line.strip()]
        if len(lines) != 1 or not lines[0].startswith("error: "):
            problems.append(f"refused (exit {result['exit']}) without one error line: {lines[:5]}")
        if changed:
            problems.append(f"refused but changed {changed}")
        if result["report_written"]:
            problems.append("refused but wrote a report")
        return problems
    if case.refuse:
        problems.append("accepted a file that must be refused")
    lines = out.splitlines()
    summary = SUMMARY.fullmatch(lines[0]) if lines else None
    if err.strip():
        problems.append(f"accepted with output on stderr: {err.strip()[:300]!r}")
    if summary is None:
        return [*problems, f"accepted without a summary line: {lines[:3]}"]
    read, accepted, rejected = (int(summary.group(i)) for i in (3, 4, 5))
    if read != accepted + rejected:
        problems.append(f"read {read} != accepted {accepted} + rejected {rejected}")
    batches = result["batches"]
    if case.dry_run or "nothing changed" in out:
        if changed or batches:
            problems.append(f"a dry run or unchanged import changed {changed}")
    elif [(b["rows_read"], b["rows_accepted"], b["rows_rejected"]) for b in batches] != [
        (read, accepted, rejected)
    ]:
        problems.append(f"the batches stored {batches} for read {read}, accepted {accepted}")
    if not any(line.startswith("report: ") for line in lines) or not result["report_written"]:
        problems.append("accepted without writing its report")
    if result.get("report_live_cells"):
        problems.append(f"report cells a spreadsheet would run: {result['report_live_cells'][:3]}")
    if result.get("report_leak"):
        problems.append("the report holds the contents of /etc/passwd")
    if case.reads is not None and read != case.reads:
        problems.append(f"read {read} rows of {case.reads}: {lines[0]}")
    if case.report_has and not result.get("report_has"):
        problems.append(f"the report does not name {case.report_has!r}")
    if case.rejects_all and accepted:
        problems.append(f"accepted {accepted} row(s) that can only be wrong: {lines[0]}")
    if case.keeps_origins and ORIGINS_HELD in changed:
        problems.append(
            f"changed the stored origins ({result['before'][ORIGINS_HELD][0]} -> "
            f"{result['after'][ORIGINS_HELD][0]}) unasked: {lines[0]}"
        )
    return problems


def test_the_corpus_is_large_and_covers_every_category(built: tuple[Path, list[Case]]) -> None:
    _, cases = built
    counts = {c: sum(1 for case in cases if case.category == c) for c in CATEGORIES}
    assert len(cases) >= 200 and min(counts.values()) >= 10, counts


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_file_is_refused_in_one_line_or_imported_whole(
    corpus: tuple[list[Case], dict[str, Any]], category: str
) -> None:
    cases, results = corpus
    failures = {
        f"{case.id} ({case.what})": problems
        for case in cases
        if case.category == category and (problems := violations(case, results[case.id]))
    }
    assert not failures, "\n".join(
        f"{name}:\n    " + "\n    ".join(problems) for name, problems in failures.items()
    )
