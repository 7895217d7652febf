"""The information officer's management week in the browser, with no command line: an
administrator creates an operation, edits it and gives a role on it; a manager validates a
round, is stopped at the publication's confirmation (which says it cannot be undone and what
becomes public), publishes, and opens the next round; an administrator creates an account,
issues it an API token that works until it is revoked, then deactivates the account.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from opendtm.accounts.models import OperationGrant
from opendtm.api.services import token_create
from opendtm.figures.exports import number
from opendtm.figures.queries import figures_headline
from opendtm.operations.models import Operation, Round
from tests.web.conftest import PASSWORD, WebWorld

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/")


def _no_errors(logged: list[str]) -> None:
    violations = [m for m in logged if m.startswith("error") or "pageerror" in m]
    assert violations == [], "\n".join(violations)


@pytest.mark.django_db(transaction=True)
def test_an_administrator_creates_and_edits_an_operation_and_gives_a_role(
    web_world: WebWorld, live_server: Any, browser_page: Any
) -> None:
    page, logged = browser_page
    base = live_server.url
    _login(page, base, "boss")
    page.click("#new-operation")
    page.fill("input[name=code]", "phl-flood-2026")
    page.fill("input[name=name]", "Luzon floods")
    page.select_option("select[name=country]", "PHL")
    page.select_option("select[name=crisis_type]", "flood")
    page.fill("input[name=start_date]", "2026-08-01")
    page.select_option("select[name=mcof_phase]", "during")
    page.select_option("select[name=location_level]", "3")
    page.click("#create-operation")
    page.wait_for_url(f"{base}/o/phl-flood-2026/settings/")
    expect(page.locator(".messages")).to_contain_text("Operation phl-flood-2026 created.")

    page.goto(f"{base}/o/phl-flood-2026/rounds/")  # the way an admin finds the settings
    page.click("#settings-link")
    page.wait_for_url(f"{base}/o/phl-flood-2026/settings/")
    page.fill("input[name=name]", "Luzon floods, August 2026")
    page.check("input[name=is_public]")
    page.click("#save-operation")
    expect(page.locator(".messages")).to_contain_text("settings are saved")
    operation = Operation.objects.get(code="phl-flood-2026")
    assert (operation.name, operation.is_public) == ("Luzon floods, August 2026", True)

    page.click("#people-link")
    page.fill("#grant-form input[name=username]", "max")
    page.select_option("#grant-form select[name=role]", "manager")
    page.click("#grant")
    expect(page.locator('#grants tr[data-user="max"] .role')).to_have_text("Manager")
    assert OperationGrant.objects.get(operation=operation, user__username="max").role == "manager"
    _no_errors(logged)


@pytest.mark.django_db(transaction=True)
def test_a_manager_publishes_only_after_the_confirmation_and_opens_the_next_round(
    web_world: WebWorld, live_server: Any, browser_page: Any
) -> None:
    page, logged = browser_page
    base = live_server.url
    operation = web_world.world.operation
    _login(page, base, "max")
    page.goto(f"{base}/o/typhoon/sites/")
    page.click("nav.opnav >> text=Rounds")
    page.click('#round-list tr[data-round="2"] a')
    page.click("#validate")
    expect(page.locator("#round-status")).to_have_text("Validated")

    page.click("#publish")
    page.wait_for_url(f"{base}/o/typhoon/rounds/2/publish/")
    expect(page.locator("#cannot-undo")).to_contain_text("Publishing cannot be undone.")
    expect(page.locator("#audience")).to_contain_text("This operation is private: its 1 viewer")
    expect(page.locator("#becomes-public")).to_contain_text("CSV, XLSX, HXL, JSON and GeoJSON")
    expect(page.locator("#becomes-public")).to_contain_text(
        "/api/v1/operations/typhoon/figures/…?round=2"
    )
    headline = figures_headline(
        user=web_world.users["manager"], operation=operation, round_number=2
    )
    value = headline.figures["idp_ind"]
    expect(page.locator('#publish-headline [data-measure="idp_ind"]')).to_have_text(
        number(value, hidden=value is None)
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "publish-confirmation.png"), full_page=True)
    page.click("#publish-confirm")  # not ticked: the browser keeps the form
    assert page.url == f"{base}/o/typhoon/rounds/2/publish/"
    assert Round.objects.get(operation=operation, number=2).status == "validated"

    page.fill("#publish-form input[name=reason]", "weekly release")
    page.check("#confirm-publish")
    page.click("#publish-confirm")
    page.wait_for_url(f"{base}/o/typhoon/rounds/2/")
    expect(page.locator("#round-status")).to_have_text("Published")
    assert Round.objects.get(operation=operation, number=2).status == "published"
    expect(page.locator("#publish")).to_have_count(0)

    page.goto(f"{base}/o/typhoon/rounds/")
    page.fill("#round-open input[name=start_date]", "2026-12-01")
    page.click("#open-round")
    page.wait_for_url(f"{base}/o/typhoon/rounds/3/")
    expect(page.locator("#round-status")).to_have_text("Open")
    _no_errors(logged)


@pytest.mark.django_db(transaction=True)
def test_an_account_gets_a_token_that_works_until_it_is_revoked(
    web_world: WebWorld, live_server: Any, browser_page: Any
) -> None:
    page, logged = browser_page
    base = live_server.url
    _login(page, base, "boss")
    page.click("header >> text=Users")
    page.fill("#user-new input[name=username]", "lea")
    page.fill("#user-new input[name=password]", "a long and unusual pass phrase")
    page.click("#create-user")
    page.wait_for_url(f"{base}/manage/users/lea/")

    page.click("text=See, issue and revoke them")
    page.fill("#token-new input[name=name]", "weekly report")
    page.fill("#token-new input[name=username]", "lea")
    page.click("#issue-token")
    secret = page.input_value("#token-secret")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "token-issued.png"), full_page=True)
    assert secret.startswith("odtm_")
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/v1/operations").status_code == 200

    page.goto(f"{base}/account/tokens/?user=lea")
    expect(page.locator("#token-secret")).to_have_count(0)  # shown once only
    row = page.locator("#token-list tbody tr").first
    expect(row).to_contain_text(f"{secret[:11]}…")
    expect(row).to_contain_text("lea")
    expect(row.locator("td").nth(4)).not_to_have_text("never")  # the API call above
    row.locator("input[name=reason]").fill("script retired")
    row.locator("button").click()
    expect(page.locator(".messages")).to_contain_text("is revoked")
    assert api.get("/api/v1/operations").status_code == 401
    expect(page.locator("#token-list")).to_contain_text("No token in use.")
    expect(page.locator("#revoked-list")).to_contain_text("script retired")
    expect(page.locator("#revoked-list")).to_contain_text(f"{secret[:11]}…")

    page.goto(f"{base}/manage/users/lea/")
    page.fill("#account-active input[name=reason]", "left the mission")
    page.click("#toggle-active")
    expect(page.locator("#account-state")).to_have_text("deactivated")
    _no_errors(logged)


@pytest.mark.django_db(transaction=True)
def test_the_management_pages_fit_a_phone(
    web_world: WebWorld, live_server: Any, browser_page: Any
) -> None:
    """At 390 px no management page is wider than the screen (tables scroll in their card)."""
    page, logged = browser_page
    base = live_server.url
    Round.objects.filter(operation=web_world.world.operation, number=2).update(status="validated")
    boss = web_world.users["superuser"]
    token_create(username="boss", name="a script with a rather long name", actor=boss)
    page.set_viewport_size({"width": 390, "height": 800})
    _login(page, base, "boss")
    pages = [
        "/o/typhoon/rounds/",
        "/o/typhoon/rounds/2/publish/",
        "/o/typhoon/settings/",
        "/o/typhoon/people/",
        "/manage/operations/new/",
        "/manage/users/",
        "/manage/users/nora/",
        "/account/tokens/",
    ]
    widths = {}
    for url in pages:
        page.goto(base + url)
        widths[url] = page.evaluate("document.documentElement.scrollWidth")
    assert widths == dict.fromkeys(pages, 390)
    _no_errors(logged)
