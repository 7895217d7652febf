"""A manager logs in, uploads a faulty export, reads the report, confirms, publishes the round
and sees the dashboard and map with the figures the query layer gives. Screenshots of the
dashboard and a site profile go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from opendtm.figures.exports import number
from opendtm.figures.queries import figures_headline
from opendtm.operations.models import Round
from tests.web.conftest import PASSWORD, WebWorld

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
MESSY = Path(__file__).resolve().parents[1] / "ingest" / "fixtures" / "sites_messy.csv"


def _faulty_export(folder: Path) -> Path:
    """The ingest tests' messy site export, moved onto the hand-made gazetteer's P-codes."""
    text = MESSY.read_text().replace("0102801", "0100101").replace("PH01028", "PH01001")
    path = folder / "sites_round2.csv"
    path.write_text(text)
    return path


@pytest.mark.django_db(transaction=True)
def test_manager_imports_publishes_and_reads_dashboard(
    web_world: WebWorld, live_server: Any, browser_page: Any, tmp_path: Path, task_worker: None
) -> None:
    page, logged = browser_page
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "max")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/o/typhoon/rounds/2/import/")
    page.select_option("select[name=form_id]", "dtm_site")
    page.set_input_files("input[name=file]", str(_faulty_export(tmp_path)))
    page.click("#upload")
    page.wait_for_selector("#job-status[data-state=validated]", timeout=30_000)
    rejected = int(page.inner_text("#rows-rejected"))
    read = int(page.inner_text("#rows-read"))
    assert read == 6
    assert rejected > 0
    assert page.locator("#issue-table tbody tr.sev-error").count() >= rejected
    page.select_option("select[name=kind]", "warning")
    expect(page.locator("#issue-table tbody tr.sev-error")).to_have_count(0)
    expect(page.locator("#issue-table tbody tr.sev-warning").first).to_be_visible()

    page.click("#confirm")
    page.wait_for_selector("#job-status[data-state=imported]", timeout=30_000)
    page.goto(f"{base}/o/typhoon/rounds/2/")
    assert page.locator("#batches tbody tr").count() == 3  # two fixture batches + this one
    page.click("#validate")
    page.click("#publish")  # the confirmation step (tests/browser/test_manage.py)
    page.check("#confirm-publish")
    page.click("#publish-confirm")
    assert page.inner_text("#round-status") == "Published"

    page.goto(f"{base}/o/typhoon/?round=2")
    page.wait_for_selector("body[data-charts=drawn]")
    page.wait_for_selector("#map .scatterlayer .point")
    manager = web_world.users["manager"]
    round2 = Round.objects.get(operation=web_world.world.operation, number=2)
    assert round2.status == "published"
    headline = figures_headline(user=manager, operation=web_world.world.operation, round_number=2)
    for measure in ("idp_ind", "idp_hh", "sites", "site_ind", "locations"):
        value = headline.figures[measure]
        shown = page.inner_text(f"[data-measure={measure}]")
        assert shown == number(value, hidden=value is None), measure
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    page.goto(f"{base}/o/typhoon/sites/S1/")
    page.wait_for_selector("body[data-charts=drawn]")
    page.screenshot(path=str(ARTIFACTS / "site-profile.png"), full_page=True)

    # Nothing on any page may break the content security policy (Plotly's own <style>
    # elements are kept out by placeholders), fail to load, or throw.
    violations = [m for m in logged if m.startswith("error") or "pageerror" in m]
    assert violations == [], "\n".join(violations)
