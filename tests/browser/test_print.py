"""A viewer prints the site profile (the print stylesheet: no navigation, no buttons) and
downloads the round report and the site profile as PDFs whose text holds the world's figures
(round 1: 278 IDPs in 66 households, 84 people in 3 sites; S2's facts: tests/reports)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.reports.conftest import facts_store
from tests.web.conftest import PASSWORD, WebWorld

pytestmark = [pytest.mark.browser, pytest.mark.pdf, pytest.mark.slow]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _text(path: Path) -> set[str]:
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return {" ".join(line.split()) for line in out.splitlines() if line.strip()}


@pytest.mark.django_db(transaction=True)
def test_viewer_prints_and_downloads_reports(
    web_world: WebWorld, live_server: Any, browser_page: Any, tmp_path: Path
) -> None:
    facts_store(web_world.world)
    page, logged = browser_page
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "vic")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/o/typhoon/")
    page.wait_for_selector("body[data-charts=drawn]")
    page.emulate_media(media="print")
    assert not page.is_visible("header.top") and not page.is_visible("select[name=round]")
    assert page.is_visible("#headline") and page.is_visible(".prov")
    page.emulate_media(media="screen")

    page.goto(f"{base}/o/typhoon/sites/S2/")
    page.wait_for_selector("body[data-charts=drawn]")
    assert page.is_visible("header.top") and page.is_visible("#site-pdf")
    page.emulate_media(media="print")
    assert not page.is_visible("header.top")
    assert not page.is_visible("#site-pdf")
    assert not page.is_visible("#site-downloads")
    assert page.is_visible("#site-vulnerabilities")
    ARTIFACTS.mkdir(exist_ok=True)
    page.pdf(path=str(ARTIFACTS / "site-profile-print.pdf"), format="A4")
    printed = _text(ARTIFACTS / "site-profile-print.pdf")
    assert "OpenDTM" not in " ".join(printed)  # the brand in the navigation bar is gone
    assert "Pregnant or lactating women 10.0%" in printed
    page.emulate_media(media="screen")

    with page.expect_download() as download:
        page.click("#site-pdf")
    site_pdf = tmp_path / "site.pdf"
    download.value.save_as(site_pdf)
    assert download.value.suggested_filename == "typhoon-site-S2-r1.pdf"
    text = _text(site_pdf)
    assert {
        "1. Food",
        "Older persons living alone 20.0%",
        "Site management agency present: yes",
    } <= text

    page.goto(f"{base}/o/typhoon/rounds/1/")
    with page.expect_download() as download:
        page.click("#round-pdf")
    round_pdf = tmp_path / "round.pdf"
    download.value.save_as(round_pdf)
    text = _text(round_pdf)
    assert {
        "IDP individuals 278",
        "IDP households 66",
        "Individuals in sites 84",
        "Sites assessed 3",
    } <= text
    violations = [m for m in logged if m.startswith("error") or "pageerror" in m]
    assert violations == [], "\n".join(violations)
