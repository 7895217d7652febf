"""A hostile corpus of import files, generated in the test run from the shipped forms' valid
exports (shapes.py): truncations, encodings, crafted workbooks and bombs, CSV dialects, bad
values and formulas, broken repeats, impostors. Each file is a `Case`; the runner (runner.py)
imports every one through the real CLI, and tests/ingest/test_hostile_corpus.py holds each
outcome to the rules of docs/import.md.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

OPERATION = "phl-corpus"
ROUND = 1


@dataclass(frozen=True)
class Case:
    """One file to import, and what the import must also hold for it beyond the general rules
    (refused in one line with nothing changed, or accepted with read = accepted + rejected).

    `before` names seed imports the runner makes first, so the case meets the state it is
    about (the seed baseline with its origins stored, for broken repeats).
    """

    id: str  # "<category>/<name>", unique
    category: str
    kind: str  # "site" or "baseline" (the CLI's `import KIND`)
    file: str  # inside the corpus folder
    what: str  # one line: what the file is
    repeats: tuple[tuple[str, str], ...] = ()  # --repeat NAME=FILE
    dry_run: bool = False
    before: tuple[str, ...] = ()
    keeps_origins: bool = False  # the stored origins must be exactly as they were
    rejects_all: bool = False  # if accepted, every row of the file is rejected
    reads: int | None = None  # if accepted, this many rows are read (never misread)
    refuse: bool = False  # the file must be refused whole
    report_has: str = ""  # if accepted, the report names this (an Excel error code)

    def args(self, folder: Path) -> list[str]:
        out = [
            "import",
            self.kind,
            str(folder / self.file),
            "--operation",
            OPERATION,
            "--round",
            str(ROUND),
        ]
        for name, file in self.repeats:
            out += ["--repeat", f"{name}={folder / file}"]
        return out + (["--dry-run"] if self.dry_run else [])

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Cases:
    """Writes each case's file into the corpus folder under a unique name and collects it."""

    folder: Path
    category: str
    items: list[Case] = field(default_factory=list)

    def add(self, name: str, data: bytes | Path, suffix: str, what: str, **kw: Any) -> Case:
        stem = f"{self.category}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}"
        if any(self.folder.glob(f"{stem}.*")):  # names alike in ASCII: one report each
            stem = f"{stem}-{len(self.items)}"
        path = self.folder / f"{stem}{suffix}"
        path.write_bytes(data.read_bytes() if isinstance(data, Path) else data)
        kw.setdefault("kind", "site")
        case = Case(
            id=f"{self.category}/{name}", category=self.category, file=path.name, what=what, **kw
        )
        self.items.append(case)
        return case

    def side(self, name: str, data: bytes) -> str:
        """A second file of a case (a repeat's CSV); its name inside the folder."""
        path = self.folder / f"{self.category}-{name}"
        assert not path.exists(), f"two side files named {path.name}"
        path.write_bytes(data)
        return path.name


def corpus_build(folder: Path) -> list[Case]:
    """Write every case into `folder` and return them, category by category."""
    from tests.ingest.corpus import (
        dialects,
        encodings,
        impostors,
        repeats,
        truncations,
        values,
        workbooks,
    )
    from tests.ingest.corpus.shapes import exports_build

    exports = exports_build(folder / "seed")
    cases: list[Case] = []
    for module in (truncations, encodings, workbooks, dialects, values, repeats, impostors):
        cases += module.cases(exports, folder)
    assert len({c.id for c in cases}) == len(cases)
    return cases
