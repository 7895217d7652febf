"""Every page of the web app, and the API's docs, on a phone and on a desktop: axe-core finds no
serious or critical violation, nothing is wider than a 390 px screen, every interactive target
is at least 24 x 24 px (WCAG 2.5.8), and the skip link moves focus to the main content.

The pages are the one list `PAGES` below: a page added to the app is added here in one line.
axe-core is the vendored tests/browser/assets/axe.min.js (version in AXE_VERSION), served to
the page from its own origin so that the content security policy stays as in production.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import FLAGS
from tests.conftest import CHROMIUM
from tests.web.conftest import PASSWORD, WebWorld

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ASSETS = Path(__file__).resolve().parent / "assets"
AXE = ASSETS / "axe.min.js"
AXE_VERSION = "4.14.1"
AXE_URL = "/__tests__/axe.min.js"  # answered by the test (page.route), never by the app
MESSY = Path(__file__).resolve().parents[1] / "ingest" / "fixtures" / "sites_messy.csv"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
FAILING_IMPACTS = ("serious", "critical")
MIN_TARGET = 24  # CSS px, WCAG 2.2 success criterion 2.5.8 (AA)


# The element is there and HTMX has settled it (its htmx:load handlers, app.js's among them,
# run as the swap settles).
HTMX_DONE = """(selector) => document.querySelector(selector)
  && !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling")"""


def _upload_export(page: Any, tmp: Path) -> None:
    """From the import page, upload the ingest tests' messy export: the job page with its
    validation report."""
    text = MESSY.read_text().replace("0102801", "0100101").replace("PH01028", "PH01001")
    path = tmp / "sites_round2.csv"
    path.write_text(text)
    page.select_option("select[name=form_id]", "dtm_site")
    page.set_input_files("input[name=file]", str(path))
    page.click("#upload")
    page.wait_for_selector("#job-status[data-state=validated]", timeout=30_000)


def _drill_down(page: Any, tmp: Path) -> None:
    """Open the first unit of the dashboard's admin table (HTMX swaps in the level below)."""
    page.click("#breakdown tbody a")
    page.wait_for_function(HTMX_DONE, arg="#breakdown [data-level='2']")


def _open_operation(page: Any, tmp: Path) -> None:
    """Open the API docs' first operation and its "Try it out" form."""
    page.click(".swagger-ui .opblock-summary-control")
    page.click(".swagger-ui .try-out__btn")
    page.wait_for_selector(".swagger-ui .opblock-body .execute")


def _to_publish(page: Any, tmp: Path) -> None:
    """From the round page, validate the round and go to the publication's confirmation."""
    page.click("#validate")
    page.click("#publish")
    page.wait_for_selector("#publish-form")


def _issue_token(page: Any, tmp: Path) -> None:
    """Issue a token: the page that shows its secret once."""
    page.fill("#token-new input[name=name]", "weekly script")
    page.click("#issue-token")
    page.wait_for_selector("#token-secret")


def _report_render(state: str) -> Callable[[Any, Path], None]:
    """Open the page of a round report's render of the manager's in `state` (made here: the
    live server renders at once). Only a failed one is checked: the waiting one reloads every
    2 s, under axe's feet; it is the same template with a status line instead of the alert."""

    def go(page: Any, tmp: Path) -> None:
        from django.contrib.auth.models import User

        from opendtm.operations.models import Operation
        from opendtm.reports.models import ReportRender

        render = ReportRender.objects.create(
            operation=Operation.objects.get(code="typhoon"),
            requested_by=User.objects.get(username="max"),
            kind="round",
            round_number=1,
            language="en",
            basis="a11y",
            state=state,
            message="The report could not be rendered (the worker's log says why); ask again.",
        )
        page.goto(page.url.split("/o/")[0] + f"/o/typhoon/rounds/1/report.pdf?render={render.pk}")

    return go


def _portfolio_project(page: Any, tmp: Path) -> None:
    """A submitted project of the portfolio, opened by the superuser (every move offered)."""
    from tests.factories import ProjectFactory

    ProjectFactory(code="BD1", office_iso3="BGD", status="submitted")
    page.goto(page.url.split("/portfolio/")[0] + "/portfolio/projects/BD1/")


def _flow_point(page: Any, tmp: Path) -> None:
    """Register a flow monitoring point, import a week of its records and open its profile."""
    import datetime as dt

    from django.contrib.auth.models import User

    from opendtm.flows.services import fmp_add
    from opendtm.gazetteer.models import AdminUnit
    from opendtm.ingest.flows import flows_import_commit
    from opendtm.operations.models import Operation
    from tests.flows.world import fmr_csv

    operation = Operation.objects.get(code="typhoon")
    admin = User.objects.filter(is_superuser=True).first()
    assert admin is not None
    fmp_add(
        operation=operation,
        code="FMP-1",
        name="Matnog port",
        fmp_type="port",
        admin_unit=AdminUnit.objects.get(pcode="PH01001"),
        observed_from=dt.time(6),
        observed_to=dt.time(18),
        active_from=dt.date(2026, 3, 1),
        services=["water"],
        actor=admin,
    )
    rows = [
        {"obs_date": f"2026-03-0{d}", "fmp_code": "FMP-1", "direction": way, "group_size": "3"}
        for d in (2, 3)
        for way in ("incoming", "outgoing")
    ]
    flows_import_commit(
        operation=operation, form_id="dtm_fmr", path=fmr_csv(tmp / "fmr.csv", rows), actor=admin
    )
    page.goto(page.url + "FMP-1/")
    page.wait_for_selector("#fmp-movements")


@dataclass(frozen=True)
class Page:
    """One page to check: where it is, who looks at it (a role of `web_world`, "anonymous"
    for nobody logged in), the status it answers, a selector present once it is drawn, and
    what to do on it first (a click, an upload) to reach the state checked."""

    name: str
    path: str
    user: str = "manager"
    status: int = 200
    ready: str | None = None
    then: Callable[[Any, Path], None] | None = None


CHARTS = "body[data-charts=drawn]"
PAGES: tuple[Page, ...] = (
    Page("home, anonymous", "/", user="anonymous"),
    Page("home", "/"),
    Page("login", "/login/", user="anonymous"),
    Page("dashboard", "/o/typhoon/?round=2", ready=CHARTS),
    Page("dashboard, drilled down", "/o/typhoon/?round=2", ready=CHARTS, then=_drill_down),
    Page("breakdown", "/o/typhoon/breakdown/?round=2&level=2&parent=PH01001"),
    Page("needs and gaps", "/o/typhoon/needs/?round=2"),
    Page("needs and gaps, a sector in a unit", "/o/typhoon/needs/?round=2&pcode=PH01&sector=wash"),
    Page("sites", "/o/typhoon/sites/"),
    Page("site profile", "/o/typhoon/sites/S1/", ready=CHARTS),
    Page("flow monitoring points", "/o/typhoon/flows/points/"),
    Page("flow point profile", "/o/typhoon/flows/points/", then=_flow_point),
    Page("round", "/o/typhoon/rounds/2/"),
    Page("import upload", "/o/typhoon/rounds/2/import/"),
    Page("import job", "/o/typhoon/rounds/2/import/", then=_upload_export),
    Page("rounds", "/o/typhoon/rounds/"),
    Page("submissions", "/o/typhoon/rounds/2/submissions/?form=dtm_site", user="analyst"),
    Page("publish confirmation", "/o/typhoon/rounds/2/", then=_to_publish),
    Page("operation settings", "/o/typhoon/settings/", user="admin"),
    Page("operation people", "/o/typhoon/people/", user="admin"),
    Page("new operation", "/manage/operations/new/", user="superuser"),
    Page("users", "/manage/users/", user="superuser"),
    Page("user", "/manage/users/nora/", user="superuser"),
    Page("API tokens", "/account/tokens/", then=_issue_token),
    Page("round, published", "/o/typhoon/rounds/1/"),
    Page("report, failed", "/o/typhoon/rounds/1/", then=_report_render("failed")),
    Page("events", "/o/typhoon/events/", user="analyst"),
    Page("portfolio", "/portfolio/", user="superuser"),
    Page("portfolio project", "/portfolio/", user="superuser", then=_portfolio_project),
    Page("error 403", "/o/typhoon/rounds/2/import/", user="viewer", status=403),
    Page("error 404", "/o/typhoon/sites/NO-SUCH-SITE/", status=404),
    Page("API docs", "/api/docs", user="anonymous", ready=".swagger-ui .opblock"),
    Page("API docs, operation open", "/api/docs", user="anonymous", then=_open_operation),
)

AXE_RUN = """async () => {
  const results = await axe.run(document, {
    rules: { "target-size": { enabled: true } },  // WCAG 2.5.8, off by default in axe
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => {
      const data = (n.any[0] || {}).data;  // color-contrast says what it measured
      const measured = data && data.contrastRatio
        ? ` (${data.fgColor} on ${data.bgColor}: ${data.contrastRatio}:1)` : "";
      return n.target.join(" ") + measured;
    }),
  }));
}"""

# Interactive elements smaller than the minimum target. A link shown inline in a sentence
# (a paragraph with more text than the link) is the criterion's "inline" exception; every
# other target (table cells, menus, button rows, lists of downloads) must be 24 x 24 px.
# axe's own target-size rule (enabled below) also allows a small target with enough space
# around it; this check does not, as issue 12 asks for 24 px targets on phones.
SMALL_TARGETS = """(min) => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary,'
    + ' [role=button], [role=link], [role=tab], [tabindex]:not([tabindex="-1"])';
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === "hidden") continue;
    const sentence = el.closest("p");
    const inline = style.display === "inline" && sentence
      && sentence.textContent.trim() !== el.textContent.trim();
    if (inline) continue;
    if (box.width >= min && box.height >= min) continue;
    const classes = typeof el.className === "string" ? el.className.trim().split(/\\s+/) : [];
    const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
      + classes.filter(Boolean).map((c) => "." + c).join("");
    const text = el.innerText || el.value || el.getAttribute("aria-label") || "";
    const label = text.trim().replace(/\\s+/g, " ").slice(0, 30);
    small.push(`${name} "${label}" ${box.width.toFixed(1)}x${box.height.toFixed(1)}`);
  }
  return small;
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium for all the pages (a fresh context per page and user)."""
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the test's ORM calls, beside Playwright
    try:
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


class Tour:
    """Logged-in browser contexts, one per user, each with axe served at AXE_URL."""

    def __init__(self, browser: Any, base: str, world: WebWorld) -> None:
        self.browser = browser
        self.base = base
        self.world = world
        self.contexts: dict[str, Any] = {}

    def page(self, user: str) -> Any:
        if user not in self.contexts:
            context = self.browser.new_context(viewport=PHONE)
            context.route(
                f"{self.base}{AXE_URL}",
                lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"),
            )
            if (account := self.world.users[user]) is not None:
                page = context.new_page()
                page.goto(f"{self.base}/login/")
                page.fill("input[name=username]", account.username)
                page.fill("input[name=password]", PASSWORD)
                page.click("#login-form button[type=submit]")
                page.wait_for_url(f"{self.base}/")
                page.close()
            self.contexts[user] = context
        return self.contexts[user].new_page()

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


def _axe(page: Any) -> list[dict[str, Any]]:
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(url=AXE_URL)
    assert page.evaluate("axe.version") == AXE_VERSION
    found = page.evaluate(AXE_RUN)
    return [v for v in found if v["impact"] in FAILING_IMPACTS]


def _skip_link_problem(page: Any) -> str | None:
    """None when the first Tab lands on a link to the main content and following it moves
    focus there; else what went wrong."""
    # Start the keyboard where a new visitor's starts, before the first element (an element
    # the page focused itself, such as the login form's autofocus, is left aside).
    page.evaluate(
        "(() => { const start = document.createElement('span'); start.tabIndex = -1;"
        " document.body.prepend(start); start.focus(); start.remove(); window.scrollTo(0, 0) })()"
    )
    page.keyboard.press("Tab")
    first = page.evaluate(
        "(() => { const a = document.activeElement;"
        " return a ? [a.tagName, a.getAttribute('href') || ''] : null })()"
    )
    main_id = page.evaluate("(document.querySelector('main') || {}).id || ''")
    if not main_id:
        return "the page has no <main> with an id"
    if first != ["A", f"#{main_id}"]:
        return f"the first Tab reaches {first}, not a link to #{main_id}"
    if not page.evaluate("document.activeElement.getBoundingClientRect().height >= 24"):
        return "the skip link is not shown (or too small) when focused"
    page.keyboard.press("Enter")
    focused = page.evaluate("document.activeElement.id")
    if focused != main_id:
        return f"following the skip link focuses #{focused}, not #{main_id}"
    return None


def _check(tour: Tour, spec: Page, tmp: Path) -> list[str]:
    """Everything wrong with one page, one line each."""
    page = tour.page(spec.user)
    problems: list[str] = []
    try:
        answer = page.goto(f"{tour.base}{spec.path}")
        if answer is None or answer.status != spec.status:
            return [f"answered {answer and answer.status}, expected {spec.status}"]
        page.wait_for_load_state("networkidle")
        if spec.ready:
            page.wait_for_selector(spec.ready)
        if spec.then:
            spec.then(page, tmp)
            page.wait_for_load_state("networkidle")  # the scripts of a page it led to
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append(f"390 px: the page is {width} px wide")
        for v in _axe(page):
            problems.append(f"390 px: axe {v['id']} ({v['impact']}) {v['help']}: {v['targets']}")
        for small in page.evaluate(SMALL_TARGETS, MIN_TARGET):
            problems.append(f"390 px: target smaller than {MIN_TARGET} px: {small}")
        page.set_viewport_size(DESKTOP)
        page.wait_for_timeout(300)  # Plotly redraws responsive charts after a resize
        for v in _axe(page):
            problems.append(f"1280 px: axe {v['id']} ({v['impact']}) {v['help']}: {v['targets']}")
        if (skip := _skip_link_problem(page)) is not None:
            problems.append(f"skip link: {skip}")
    finally:
        page.close()
    return problems


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("spec", PAGES, ids=[p.name for p in PAGES])
def test_page_passes_axe_fits_a_phone_and_has_a_skip_link(
    spec: Page, web_world: WebWorld, live_server: Any, browser: Any, tmp_path: Path
) -> None:
    tour = Tour(browser, live_server.url, web_world)
    try:
        problems = _check(tour, spec, tmp_path)
    finally:
        tour.close()
    assert problems == [], f"{spec.name} ({spec.path}): {len(problems)} problems:\n" + "\n".join(
        problems
    )


def test_the_vendored_axe_is_the_stated_version() -> None:
    head = AXE.read_text()[:200]
    assert head.startswith(f"/*! axe v{AXE_VERSION}\n")
    assert "Mozilla Public" in head


# Each chart's figures are also a table (a chart alone says nothing to a screen reader or
# to someone who needs the numbers): a `table` follows the chart in its section, or the
# chart names its table's id in `data-table`.
CHARTS_WITHOUT_TABLE = """() => [...document.querySelectorAll(".chart")].filter((chart) => {
  const named = chart.dataset.table && document.getElementById(chart.dataset.table);
  if (named && named.tagName === "TABLE") return false;
  const section = chart.closest("section") || document.body;
  return ![...section.querySelectorAll("table")].some(
    (t) => chart.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING);
}).map((chart) => "#" + chart.id)"""


@pytest.mark.django_db(transaction=True)
def test_every_chart_has_its_table(
    web_world: WebWorld, live_server: Any, browser: Any, tmp_path: Path
) -> None:
    tour = Tour(browser, live_server.url, web_world)
    missing: list[str] = []
    try:
        for spec in (p for p in PAGES if p.ready == CHARTS and p.then is None):
            page = tour.page(spec.user)
            page.goto(f"{tour.base}{spec.path}")
            page.wait_for_selector(CHARTS)
            missing += [f"{spec.name}: {c}" for c in page.evaluate(CHARTS_WITHOUT_TABLE)]
            page.close()
    finally:
        tour.close()
    assert missing == [], "charts without their table:\n" + "\n".join(missing)
