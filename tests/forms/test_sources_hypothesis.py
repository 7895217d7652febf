"""The readers of export files (`source_read`, `Source.headers/table/batches`) on drawn bytes:
a valid export cut anywhere and followed by anything, valid CSV and workbook parts mutated,
CSV grids of any text in any dialect and encoding. Whatever the bytes, the reader gives tables
or refuses the file with `InvalidInput`: nothing else escapes, and nothing crashes the process
or passes 1 GiB (each file is read in a child process that is watched, so an abort or a
runaway allocation is a failing example, not a dead test run).
"""

from __future__ import annotations

import codecs
import csv
import io
import multiprocessing
import tempfile
import time
import zipfile
from collections.abc import Iterator
from functools import cache
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ingest.corpus.runner import LIMIT_KIB, tree_rss_kib

SECONDS = 60.0
EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _outcome(path: str) -> tuple[str, str]:
    """Read every sheet of the file whole, by header and in batches: ("table", "") or
    ("refused", message) or ("raised", what else came out)."""
    from opendtm.core.errors import InvalidInput
    from opendtm.forms.sources import source_read

    try:
        source = source_read(Path(path))
        for name in source.sheet_names:
            source.headers(name)
            source.table(name)
            for _batch in source.batches(name, rows=2):
                pass
    except InvalidInput as refused:
        return "refused", str(refused)
    except BaseException as other:  # a library panic is a BaseException
        return "raised", f"{type(other).__name__}: {other}"[:500]
    return "table", ""


def _serve(conn: Connection) -> None:
    while True:
        conn.send(_outcome(conn.recv()))


class Reader:
    """`_outcome` in a child process, restarted after it dies, is killed, or runs away."""

    def __init__(self) -> None:
        self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(theirs,), daemon=True)
        self.process.start()
        theirs.close()  # the child's end lives in the child only: its death ends the pipe

    def _restart(self) -> None:
        self.close()
        self._start()

    def read(self, path: Path) -> tuple[str, str]:
        deadline = time.monotonic() + SECONDS
        try:
            self.conn.send(str(path))
            while not self.conn.poll(0.02):
                if not self.process.is_alive():
                    break
                if (rss := tree_rss_kib(self.process.pid or 0)) > LIMIT_KIB:
                    self._restart()
                    return "crashed", f"the reader passed 1 GiB ({rss // 1024} MiB)"
                if time.monotonic() > deadline:
                    self._restart()
                    return "crashed", f"the reader ran for more than {SECONDS:.0f} s"
            answer: tuple[str, str] = self.conn.recv()
            return answer
        except (EOFError, OSError):
            self.process.join()
            code = self.process.exitcode
            self._restart()
            return "crashed", f"the reader's process ended with status {code}"

    def close(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


@pytest.fixture(scope="module")
def reader() -> Iterator[Reader]:
    guard = Reader()
    yield guard
    guard.close()


@cache
def _valid() -> dict[str, bytes]:
    """Valid exports of the shipped forms (tests/ingest/corpus/shapes.py), by name."""
    from tests.ingest.corpus.shapes import csv_text, exports_build

    ex = exports_build(Path(tempfile.mkdtemp(prefix="opendtm-sources-")))
    text = csv_text(ex.site_rows)
    return {
        "site.xlsx": ex.site_xlsx.read_bytes(),
        "site_shared.xlsx": ex.site_shared_xlsx.read_bytes(),
        "baseline.xlsx": ex.baseline_xlsx.read_bytes(),
        "site.csv": text.encode(),
        "site_semicolons.csv": csv_text(ex.site_rows, delimiter=";", newline="\r\n").encode(),
        "site_utf16.csv": codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        "origins.csv": ex.origins_csv.read_bytes(),
    }


@cache
def _folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="opendtm-sources-drawn-"))


def _holds(reader: Reader, data: bytes, suffix: str) -> None:
    path = _folder() / f"drawn{suffix}"
    path.write_bytes(data)
    kind, detail = reader.read(path)
    assert kind in ("table", "refused"), f"{kind}: {detail}"
    assert "\n" not in detail, detail  # a refusal is one line


SUFFIXES = st.sampled_from([".csv", ".xlsx", ".txt"])


@st.composite
def valid_prefix(draw: st.DrawFn) -> bytes:
    """A valid export cut anywhere, then any bytes."""
    data = _valid()[draw(st.sampled_from(sorted(_valid())))]
    cut = draw(st.integers(0, len(data)))
    return data[:cut] + draw(st.binary(max_size=300))


MUTATION = st.tuples(
    st.floats(0, 1),
    st.sampled_from(["insert", "delete", "replace"]),
    st.binary(min_size=1, max_size=8),
)


def _mutate(data: bytes, mutations: list[tuple[float, str, bytes]]) -> bytes:
    for where, how, piece in mutations:
        at = int(where * len(data))
        if how == "insert":
            data = data[:at] + piece + data[at:]
        elif how == "delete":
            data = data[:at] + data[at + len(piece) :]
        else:
            data = data[:at] + piece + data[at + len(piece) :]
    return data


@st.composite
def mutated_csv(draw: st.DrawFn) -> bytes:
    name = draw(st.sampled_from([n for n in sorted(_valid()) if n.endswith(".csv")]))
    return _mutate(_valid()[name], draw(st.lists(MUTATION, min_size=1, max_size=6)))


@st.composite
def mutated_workbook(draw: st.DrawFn) -> bytes:
    """A valid workbook with one of its XML parts mutated and zipped again (so the change
    reaches the XML parser, past the zip's checksums), or its raw bytes mutated."""
    name = draw(st.sampled_from([n for n in sorted(_valid()) if n.endswith(".xlsx")]))
    mutations = draw(st.lists(MUTATION, min_size=1, max_size=4))
    with zipfile.ZipFile(io.BytesIO(_valid()[name])) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    if draw(st.booleans()):
        return _mutate(_valid()[name], mutations)
    part = draw(st.sampled_from(sorted(parts)))
    parts[part] = _mutate(parts[part], mutations)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, data in parts.items():
            archive.writestr(member, data)
    return out.getvalue()


TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)


@st.composite
def csv_grid(draw: st.DrawFn) -> bytes:
    """Rows of any text under a real or drawn header, in a drawn dialect and encoding."""
    header = draw(st.sampled_from([["site/site_id", "population/hh", "_uuid"], []]))
    width = len(header) or draw(st.integers(1, 6))
    rows = draw(st.lists(st.lists(TEXT, min_size=0, max_size=width + 2), max_size=8))
    grid = [header or draw(st.lists(TEXT, min_size=width, max_size=width)), *rows]
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    if draw(st.booleans()):  # written by hand: quotes and delimiters inside cells as they come
        text = "".join(delimiter.join(row) + newline for row in grid)
    else:
        out = io.StringIO()
        quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
        csv.writer(out, delimiter=delimiter, lineterminator=newline, quoting=quoting).writerows(
            grid
        )
        text = out.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "latin-1"]))
    return text.encode(encoding, errors="replace")


@EXAMPLES
@given(data=valid_prefix(), suffix=SUFFIXES)
def test_a_valid_export_cut_anywhere_is_read_or_refused(
    reader: Reader, data: bytes, suffix: str
) -> None:
    _holds(reader, data, suffix)


@EXAMPLES
@given(data=mutated_csv(), suffix=SUFFIXES)
def test_a_mutated_csv_is_read_or_refused(reader: Reader, data: bytes, suffix: str) -> None:
    _holds(reader, data, suffix)


@EXAMPLES
@given(data=mutated_workbook())
def test_a_mutated_workbook_is_read_or_refused(reader: Reader, data: bytes) -> None:
    _holds(reader, data, ".xlsx")


@EXAMPLES
@given(data=csv_grid())
def test_any_csv_grid_is_read_or_refused(reader: Reader, data: bytes) -> None:
    _holds(reader, data, ".csv")


def test_the_guard_reports_a_crash_as_a_failure(reader: Reader, tmp_path: Any) -> None:
    """The guard itself: a file the child cannot survive is an answer, not a hung test."""
    path = tmp_path / "valid.csv"
    path.write_bytes(_valid()["site.csv"])
    assert reader.read(path) == ("table", "")
    reader.process.kill()
    reader.process.join()
    assert reader.read(path)[0] == "crashed"
    assert reader.read(path) == ("table", "")
