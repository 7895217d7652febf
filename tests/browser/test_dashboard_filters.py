"""An analyst filters the dashboard by admin area and site status, drills down, reloads and
goes back: the page keeps what the URL says. The map draws the Natural Earth coast with its
points and the admin outlines, and exports as a PNG. Hand-computed values: round 1 (published)
P2 = PH01002 holds 145 IDPs (M3 120, M4 25)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.figures.conftest import M3, P2
from tests.web.conftest import PASSWORD, WebWorld
from tests.web.test_dashboard import outline_level_3

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _kpi(page: Any, measure: str) -> str:
    return str(page.inner_text(f"#headline [data-measure={measure}]"))


@pytest.mark.django_db(transaction=True)
def test_filters_live_in_the_url_through_reload_and_back(
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

    page.goto(f"{base}/o/typhoon/")
    page.wait_for_selector("body[data-charts=drawn]")
    assert page.input_value("select[name=round]") == "1"  # the published round, not the draft
    expect(page.locator("#draft-banner")).to_have_count(0)
    page.focus("select[name=round]")
    page.keyboard.press("ArrowDown")  # choosing with the keyboard does not leave the page
    assert page.input_value("select[name=round]") == "2"
    assert page.url == f"{base}/o/typhoon/"
    page.select_option("select[name=round]", "1")

    page.select_option("select[name=pcode]", "PH01")  # the selector offers one level down
    page.click("#filters button[type=submit]")
    page.wait_for_url(f"{base}/o/typhoon/?round=1&pcode=PH01&site_type=&site_status=")
    page.select_option("select[name=pcode]", P2)
    page.select_option("select[name=site_status]", "open")
    page.click("#filters button[type=submit]")
    page.wait_for_url(f"{base}/o/typhoon/?round=1&pcode={P2}&site_type=&site_status=open")
    assert _kpi(page, "idp_ind") == "145"
    expect(page.locator("#site-filter-note")).to_be_visible()

    page.click(f"#breakdown a:text-is('{M3}')")  # drill down, keeping the other filters
    page.wait_for_url(f"{base}/o/typhoon/?round=1&pcode={M3}&site_status=open")
    assert _kpi(page, "idp_ind") == "120"
    expect(page.locator("#crumbs li")).to_have_text(
        ["Operation typhoon", "Adm1 PH01 (PH01)", f"Adm2 {P2} ({P2})", f"Adm3 {M3} ({M3})"]
    )
    page.reload()
    assert _kpi(page, "idp_ind") == "120"
    assert page.input_value("select[name=pcode]") == M3

    page.go_back()
    page.wait_for_url(f"{base}/o/typhoon/?round=1&pcode={P2}&site_type=&site_status=open")
    assert _kpi(page, "idp_ind") == "145"
    assert page.input_value("select[name=pcode]") == P2
    assert page.input_value("select[name=site_status]") == "open"

    # The map: the coast (a trace with its points), the two outlines of P2's municipalities,
    # and the circles, drawn as SVG.
    page.wait_for_selector("body[data-charts=drawn]")
    traces = page.evaluate(
        """() => document.getElementById("map").data.map(t => ({
            name: t.name, fill: t.fill || "", points: t.x.filter(v => v !== null).length }))"""
    )
    coast = [t for t in traces if t["name"] == "Coastline"]
    assert len(coast) == 1 and coast[0]["points"] >= 10
    areas = [t["name"] for t in traces if t["fill"] == "toself"]
    assert areas == [f"Adm3 {M3} ({M3})", "Adm3 PH0100202 (PH0100202)"]
    assert page.locator("#map .scatterlayer .trace path.js-line").count() >= 3
    assert page.locator("#map .scatterlayer .trace path.js-fill").count() >= 2
    expect(page.locator("#map-legend .swatch")).to_have_count(3)  # two classes and "hidden"

    with page.expect_download() as download:
        page.click("button.png-export[data-chart=map]")
    assert download.value.suggested_filename == "typhoon-r1-map.png"
    assert Path(download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    page.goto(f"{base}/o/typhoon/?round=2")
    expect(page.locator("#draft-banner")).to_contain_text("Draft, not published.")
    violations = [m for m in logged if m.startswith("error") or "pageerror" in m]
    assert violations == [], "\n".join(violations)
