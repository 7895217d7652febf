"""The tree explains itself: every document the code and the docs cite is in the repository.

References used to point at files that were never committed (a domain reference and a reader
contract kept outside the tree); they are now docs/domain.md and docs/reader_contract.md.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CITING = ("src", "tests", "docs", "bench")
SUFFIXES = {".py", ".md", ".csv", ".html", ".txt", ".toml", ".json", ".lua", ".sh"}
# Files outside the repository that the tree once cited (patterns, so this file cites nothing).
OUTSIDE = re.compile(r"DOMAIN\.md|DESIGN\.md|\.\./shared|shared[/]seeds|notes[/]\w")
DOC_PATH = re.compile(r"\bdocs/[\w./-]+\.(?:md|json)")
SECTION = re.compile(
    r"\bdomain\.md,? (?:§|section )(\d+(?:\.\d+)?)((?:(?:,| and) §\d+(?:\.\d+)?)*)"
)
MD_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _files() -> list[Path]:
    found = [ROOT / "README.md"]
    for top in CITING:
        found += [p for p in (ROOT / top).rglob("*") if p.is_file() and p.suffix in SUFFIXES]
    return sorted(found)


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def test_nothing_cites_a_file_outside_the_repository() -> None:
    cited = {
        f"{path.relative_to(ROOT)}:{n}"
        for path in _files()
        for n, line in enumerate(_text(path).splitlines(), 1)
        if OUTSIDE.search(line)
    }
    assert sorted(cited) == []


def test_every_cited_document_exists() -> None:
    missing = {
        f"{path.relative_to(ROOT)}: {doc}"
        for path in _files()
        for doc in DOC_PATH.findall(_text(path))
        if not (ROOT / doc.rstrip(".")).exists()
    }
    assert sorted(missing) == []


def test_every_markdown_link_of_the_docs_resolves() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    broken = {
        f"{page.relative_to(ROOT)}: {target}"
        for page in pages
        for target in MD_LINK.findall(_text(page))
        if "://" not in target and not (page.parent / target).exists()
    }
    assert sorted(broken) == []


def test_every_cited_section_of_the_domain_reference_exists() -> None:
    headings = re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", _text(ROOT / "docs/domain.md"), re.M)
    assert headings[:3] == ["1", "2", "3"]
    cited: set[str] = set()
    for path in _files():
        for first, more in SECTION.findall(_text(path)):
            cited |= {first, *re.findall(r"§(\d+(?:\.\d+)?)", more)}
    assert {"4.1", "4.2", "5", "6", "9"} <= cited
    assert sorted(cited - set(headings)) == []
