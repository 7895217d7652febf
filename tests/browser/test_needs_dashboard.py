"""An analyst reads the needs page: chooses an area and a sector, drills down to where the
gazetteer has outlines (the severity map is drawn), reloads and goes back; the page keeps what
the URL says. Round 1 of tests/figures/conftest.py is published."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.figures.conftest import P2
from tests.web.conftest import PASSWORD, WebWorld
from tests.web.test_dashboard import outline_level_3

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_the_needs_filters_live_in_the_url(
    web_world: WebWorld, live_server: Any, browser_page: Any
) -> None:
    outline_level_3(web_world)
    page, logged = browser_page
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "ana")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/o/typhoon/?round=1")
    page.click("#needs-link")
    page.wait_for_url(f"{base}/o/typhoon/needs/?round=1")
    expect(page.locator("#draft-banner")).to_have_count(0)
    assert page.input_value("select[name=sector]") == "intersectoral"

    page.select_option("select[name=pcode]", "PH01")
    page.select_option("select[name=sector]", "wash")
    page.click("#needs-filters button[type=submit]")
    page.wait_for_url(f"{base}/o/typhoon/needs/?round=1&pcode=PH01&sector=wash")
    expect(page.locator("#ranked-card h2")).to_have_text(
        "Sites by Water, sanitation and hygiene severity"
    )
    page.click(f"#severity-table a:text-is('{P2}')")  # drill down, keeping the sector
    page.wait_for_url(f"{base}/o/typhoon/needs/?round=1&pcode={P2}&sector=wash")
    page.wait_for_selector("body[data-charts=drawn]")
    expect(page.locator("#map")).to_have_count(1)  # level 3 has outlines
    page.reload()
    assert page.input_value("select[name=pcode]") == P2
    assert page.input_value("select[name=sector]") == "wash"
    page.go_back()
    page.wait_for_url(f"{base}/o/typhoon/needs/?round=1&pcode=PH01&sector=wash")
    expect(page.locator("#needs-downloads a")).to_have_count(4)
    assert logged == []
