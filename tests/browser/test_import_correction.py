"""A manager imports a round's export, then a corrected one: the page lists each value that
will change (old -> new) before anything is stored, and refuses to confirm without a reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from opendtm.ingest.models import CleaningLogEntry, ImportBatch
from tests.web.conftest import PASSWORD, WebWorld

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FIXTURES = Path(__file__).resolve().parents[1] / "ingest" / "fixtures"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _export(folder: Path, fixture: str, name: str) -> Path:
    text = (FIXTURES / fixture).read_text()
    path = folder / name
    path.write_text(text.replace("0102801", "0100101").replace("PH01028", "PH01001"))
    return path


def _upload(page: Any, base: str, path: Path) -> None:
    page.goto(f"{base}/o/typhoon/rounds/2/import/")
    page.select_option("select[name=form_id]", "dtm_site")
    page.set_input_files("input[name=file]", str(path))
    page.click("#upload")
    page.wait_for_selector("#job-status[data-state=validated]", timeout=30_000)


@pytest.mark.django_db(transaction=True)
def test_a_correction_shows_its_diff_and_needs_a_reason(
    web_world: WebWorld, live_server: Any, browser_page: Any, tmp_path: Path, task_worker: None
) -> None:
    page, logged = browser_page
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "max")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/")

    _upload(page, base, _export(tmp_path, "sites_messy.csv", "Sites round 2.csv"))
    expect(page.locator("#file-name")).to_contain_text("Sites round 2.csv")
    expect(page.locator("#changes")).to_have_count(0)  # nothing stored yet: nothing to change
    page.click("#confirm")
    page.wait_for_selector("#job-status[data-state=imported]", timeout=30_000)

    ARTIFACTS.mkdir(exist_ok=True)
    _upload(page, base, _export(tmp_path, "sites_corrected.csv", "recount 12 Nov.csv"))
    rows = page.locator("#change-table tbody tr")
    expect(rows).to_have_count(2)
    assert [r.split("\t") for r in rows.all_inner_texts()] == [
        ["uuid-a", "ind", "100", "→", "110"],
        ["uuid-a", "ind_f_18_59", "15", "→", "25"],
    ]
    page.set_viewport_size({"width": 390, "height": 800})  # a phone: the tables scroll inside
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "import-correction-390.png"), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})
    batches, log = ImportBatch.objects.count(), CleaningLogEntry.objects.count()
    # The box is required: the browser does not send an empty one...
    page.click("#confirm")
    assert page.evaluate("document.querySelector('#id_reason').validity.valueMissing") is True
    expect(page.locator("#job-status")).to_have_attribute("data-state", "validated")
    # ...and blanks are refused by the server, nothing stored.
    page.fill("#id_reason", "   ")
    page.click("#confirm")
    expect(page.locator(".messages")).to_contain_text("say why")
    expect(page.locator("#job-status")).to_have_attribute("data-state", "validated")
    assert (ImportBatch.objects.count(), CleaningLogEntry.objects.count()) == (batches, log)

    page.fill("#id_reason", "recount on 12 Nov")
    page.click("#confirm")
    page.wait_for_selector("#job-status[data-state=imported]", timeout=30_000)
    assert list(CleaningLogEntry.objects.values_list("field", "new_value", "reason")) == [
        ("ind", "110", "recount on 12 Nov"),
        ("ind_f_18_59", "25", "recount on 12 Nov"),
    ]
    page.wait_for_load_state("networkidle")  # the job page's own reload once done, settled
    page.goto(f"{base}/o/typhoon/rounds/2/")
    expect(page.locator("#batches")).to_contain_text("recount 12 Nov.csv")
    violations = [m for m in logged if m.startswith("error") or "pageerror" in m]
    assert violations == [], "\n".join(violations)
