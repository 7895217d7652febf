"""`opendtm report site|round`: the PDF written whole, its text holding the world's figures;
one `error:` line and no file for a round the user may not see or a missing system library."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from opendtm.cli.main import cli
from opendtm.reports import rendering
from tests.figures.conftest import World
from tests.reports.conftest import pdf_text

Run = Callable[..., Result]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.delenv("OPENDTM_DEBUG", raising=False)

    def invoke(user: str, *args: str) -> Result:
        monkeypatch.setenv("OPENDTM_USER", user)
        return CliRunner().invoke(cli, ["report", *args])

    return invoke


def _lines(text: str) -> set[str]:
    return {" ".join(line.split()) for line in text.splitlines() if line.strip()}


@pytest.mark.pdf
def test_round_and_site_reports_are_written(world: World, run: Run, tmp_path: Path) -> None:
    target = tmp_path / "round1.pdf"
    result = run("vic", "round", "typhoon", "1", "--output", str(target))
    assert result.exit_code == 0, result.output
    size = target.stat().st_size
    assert result.stdout == f"Wrote {target} ({size:,} bytes).\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["read", "round1.pdf"]  # no .part
    text = _lines(pdf_text(target.read_bytes(), tmp_path / "read"))
    assert {"IDP individuals 278", "IDP households 66", "Individuals in sites 84"} <= text
    site = tmp_path / "s2.pdf"
    result = run("ana", "site", "typhoon", "S2", "--round", "1", "--output", str(site))
    assert result.exit_code == 0, result.output
    text = _lines(pdf_text(site.read_bytes(), tmp_path / "read"))
    assert {
        "Pregnant or lactating women 10.0%",
        "Individuals who left since the last round *",
    } <= text
    assert "Round 1 (published), reported 2026-11-01" in " ".join(text)


@pytest.fixture(autouse=True)
def _read_folder(tmp_path: Path) -> None:
    (tmp_path / "read").mkdir()


def test_a_viewer_gets_no_report_of_an_open_round(world: World, run: Run, tmp_path: Path) -> None:
    target = tmp_path / "round2.pdf"
    refused = (1, "error: Operation typhoon has no round 2. Its rounds: 1.\n")
    result = run("vic", "round", "typhoon", "2", "--output", str(target))
    assert (result.exit_code, result.stderr) == refused
    result = run("vic", "site", "typhoon", "S2", "--round", "2", "--output", str(target))
    assert (result.exit_code, result.stderr) == refused
    assert not target.exists()


def test_a_missing_library_is_named(
    world: World, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A machine without one of the renderer's libraries: the command names the Debian
    package and how to install it, exits 69 (EX_UNAVAILABLE) and writes nothing."""
    monkeypatch.setattr(
        rendering, "LIBRARIES", (*rendering.LIBRARIES, ("opendtm-nosuch-1.0", "libnosuch-1.0-0"))
    )
    target = tmp_path / "round1.pdf"
    result = run("vic", "round", "typhoon", "1", "--output", str(target))
    assert (result.exit_code, result.stderr) == (
        69,
        "error: PDF reports need system packages this machine lacks: libnosuch-1.0-0. "
        "On Debian or Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
        "fonts-dejavu-core\n",
    )
    assert not target.exists()


def test_a_missing_folder_is_refused(world: World, run: Run, tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "round1.pdf"
    result = run("vic", "round", "typhoon", "1", "--output", str(target))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: Cannot write {target}: folder ")
