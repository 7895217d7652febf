"""Every page for every role, on a private and on a public operation: the expected answer is
written out below, one row per page. "login" means the visitor is sent to the login page.

The operation (tests/figures/conftest.py) has round 1 published and round 2 open.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from opendtm.flows.services import fmp_add
from opendtm.gazetteer.models import AdminUnit
from opendtm.ingest.models import ImportBatch
from opendtm.mobility.models import SiteAssessment
from opendtm.operations.models import Operation, Round
from tests.web.conftest import WebWorld

ROLES = ("anonymous", "norole", "viewer", "analyst", "manager", "admin", "superuser")

# page -> (method, url)
PAGES: dict[str, tuple[str, str]] = {
    "home": ("get", "/"),
    "dashboard": ("get", "/o/typhoon/"),
    "dashboard_r1": ("get", "/o/typhoon/?round=1"),
    "dashboard_r2": ("get", "/o/typhoon/?round=2"),
    "breakdown": ("get", "/o/typhoon/breakdown/?round=1&level=2&parent=PH01001"),
    "breakdown_r2": ("get", "/o/typhoon/breakdown/?round=2&level=2&parent=PH01001"),
    "download": ("get", "/o/typhoon/download/admin.csv?round=1&level=1"),
    "download_r2": ("get", "/o/typhoon/download/site.xlsx?round=2"),
    "needs": ("get", "/o/typhoon/needs/"),
    "needs_r2": ("get", "/o/typhoon/needs/?round=2"),
    "needs_download": ("get", "/o/typhoon/needs/download.xlsx?round=1&level=1"),
    "needs_download_r2": ("get", "/o/typhoon/needs/download.csv?round=2"),
    "sites": ("get", "/o/typhoon/sites/"),
    "site": ("get", "/o/typhoon/sites/S1/"),
    "site_pdf": ("get", "/o/typhoon/sites/S1/profile.pdf"),
    "site_table": ("get", "/o/typhoon/sites/S1/tables/needs.xlsx"),
    "round1": ("get", "/o/typhoon/rounds/1/"),
    "round2": ("get", "/o/typhoon/rounds/2/"),
    "round1_pdf": ("get", "/o/typhoon/rounds/1/report.pdf"),
    "round2_pdf": ("get", "/o/typhoon/rounds/2/report.pdf"),
    "cleaning_log": ("get", "/o/typhoon/rounds/1/cleaning-log.csv"),
    "import": ("get", "/o/typhoon/rounds/2/import/"),
    "move": ("post", "/o/typhoon/rounds/2/move/"),
    "import_job": ("get", "/o/typhoon/imports/nosuchtoken/"),
    "import_confirm": ("post", "/o/typhoon/imports/nosuchtoken/confirm/"),
    "import_r1": ("get", "/o/typhoon/rounds/1/import/"),  # published: no import form
    "import_r1_post": ("post", "/o/typhoon/rounds/1/import/"),
    "import_report_xlsx": ("get", "/o/typhoon/imports/nosuchtoken/report.xlsx"),
    "batch_report": ("get", "/o/typhoon/batches/{r1_batch}/report.csv"),
    "batch_report_r2": ("get", "/o/typhoon/batches/{r2_batch}/report.xlsx"),
    "submissions": ("get", "/o/typhoon/rounds/1/submissions/?form=dtm_site"),
    "submission": ("get", "/o/typhoon/rounds/1/submissions/{batch}/{row}/"),
    "submissions_r2": ("get", "/o/typhoon/rounds/2/submissions/"),
    "events": ("get", "/o/typhoon/events/"),
    "event_new": ("post", "/o/typhoon/events/new/"),  # empty: the form answers 400
    "events_csv": ("get", "/o/typhoon/events/events.hxl?all=1"),
    "fmps": ("get", "/o/typhoon/flows/points/"),
    "fmp": ("get", "/o/typhoon/flows/points/FMP-1/"),
}

L = "login"
# Private operation. Columns: anonymous, no role, viewer, analyst, manager, admin, superuser.
PRIVATE: dict[str, tuple[Any, ...]] = {
    "home":           (200, 200, 200, 200, 200, 200, 200),
    "dashboard":      (L,   404, 200, 200, 200, 200, 200),
    "dashboard_r1":   (L,   404, 200, 200, 200, 200, 200),
    "dashboard_r2":   (L,   404, 404, 200, 200, 200, 200),
    "breakdown":      (L,   404, 200, 200, 200, 200, 200),
    "breakdown_r2":   (L,   404, 404, 200, 200, 200, 200),
    "download":       (L,   404, 200, 200, 200, 200, 200),
    "download_r2":    (L,   404, 404, 200, 200, 200, 200),
    "needs":          (L,   404, 200, 200, 200, 200, 200),
    "needs_r2":       (L,   404, 404, 200, 200, 200, 200),
    "needs_download": (L,   404, 200, 200, 200, 200, 200),
    "needs_download_r2": (L, 404, 404, 200, 200, 200, 200),
    "sites":          (L,   404, 200, 200, 200, 200, 200),
    "site":           (L,   404, 200, 200, 200, 200, 200),
    "site_pdf":       (L,   404, 200, 200, 200, 200, 200),
    "site_table":     (L,   404, 200, 200, 200, 200, 200),
    "round1":         (L,   404, 200, 200, 200, 200, 200),
    "round2":         (L,   404, 404, 200, 200, 200, 200),
    "round1_pdf":     (L,   404, 200, 200, 200, 200, 200),
    "round2_pdf":     (L,   404, 404, 200, 200, 200, 200),
    "cleaning_log":   (L,   404, 403, 200, 200, 200, 200),
    "import":         (L,   404, 403, 403, 200, 200, 200),
    "move":           (L,   404, 403, 403, 302, 302, 302),
    "import_job":     (L,   404, 403, 403, 404, 404, 404),
    "import_confirm": (L,   404, 403, 403, 404, 404, 404),
    "import_r1":      (L,   404, 403, 403, 409, 409, 409),
    "import_r1_post": (L,   404, 403, 403, 409, 409, 409),
    "import_report_xlsx": (L, 404, 403, 403, 404, 404, 404),
    "batch_report":   (L,   404, 403, 200, 200, 200, 200),
    "batch_report_r2": (L,  404, 403, 200, 200, 200, 200),
    "submissions":    (L,   404, 403, 200, 200, 200, 200),
    "submission":     (L,   404, 403, 200, 200, 200, 200),
    "submissions_r2": (L,   404, 403, 200, 200, 200, 200),
    "events":         (L,   404, 403, 200, 200, 200, 200),
    "event_new":      (L,   404, 403, 403, 400, 400, 400),
    "events_csv":     (L,   404, 403, 200, 200, 200, 200),
    "fmps":           (L,   404, 403, 200, 200, 200, 200),
    "fmp":            (L,   404, 403, 200, 200, 200, 200),
}  # fmt: skip
# Public operation: anyone sees the published round; the rest is as on a private one.
PUBLIC: dict[str, tuple[Any, ...]] = {
    "home":           (200, 200, 200, 200, 200, 200, 200),
    "dashboard":      (200, 200, 200, 200, 200, 200, 200),
    "dashboard_r1":   (200, 200, 200, 200, 200, 200, 200),
    "dashboard_r2":   (L,   404, 404, 200, 200, 200, 200),
    "breakdown":      (200, 200, 200, 200, 200, 200, 200),
    "breakdown_r2":   (L,   404, 404, 200, 200, 200, 200),
    "download":       (200, 200, 200, 200, 200, 200, 200),
    "download_r2":    (L,   404, 404, 200, 200, 200, 200),
    "needs":          (200, 200, 200, 200, 200, 200, 200),
    "needs_r2":       (L,   404, 404, 200, 200, 200, 200),
    "needs_download": (200, 200, 200, 200, 200, 200, 200),
    "needs_download_r2": (L, 404, 404, 200, 200, 200, 200),
    "sites":          (200, 200, 200, 200, 200, 200, 200),
    "site":           (200, 200, 200, 200, 200, 200, 200),
    "site_pdf":       (200, 200, 200, 200, 200, 200, 200),
    "site_table":     (200, 200, 200, 200, 200, 200, 200),
    "round1":         (200, 200, 200, 200, 200, 200, 200),
    "round2":         (L,   404, 404, 200, 200, 200, 200),
    "round1_pdf":     (200, 200, 200, 200, 200, 200, 200),
    "round2_pdf":     (L,   404, 404, 200, 200, 200, 200),
    "cleaning_log":   (L,   403, 403, 200, 200, 200, 200),
    "import":         (L,   403, 403, 403, 200, 200, 200),
    "move":           (L,   403, 403, 403, 302, 302, 302),
    "import_job":     (L,   403, 403, 403, 404, 404, 404),
    "import_confirm": (L,   403, 403, 403, 404, 404, 404),
    "import_r1":      (L,   403, 403, 403, 409, 409, 409),
    "import_r1_post": (L,   403, 403, 403, 409, 409, 409),
    "import_report_xlsx": (L, 403, 403, 403, 404, 404, 404),
    "batch_report":   (L,   403, 403, 200, 200, 200, 200),
    "batch_report_r2": (L,  403, 403, 200, 200, 200, 200),
    "submissions":    (L,   403, 403, 200, 200, 200, 200),
    "submission":     (L,   403, 403, 200, 200, 200, 200),
    "submissions_r2": (L,   403, 403, 200, 200, 200, 200),
    "events":         (L,   403, 403, 200, 200, 200, 200),
    "event_new":      (L,   403, 403, 403, 400, 400, 400),
    "events_csv":     (L,   403, 403, 200, 200, 200, 200),
    "fmps":           (L,   403, 403, 200, 200, 200, 200),
    "fmp":            (L,   403, 403, 200, 200, 200, 200),
}  # fmt: skip

CASES = [
    pytest.param(public, table, role, i, id=f"{'public' if public else 'private'}-{role}")
    for public, table in ((False, PRIVATE), (True, PUBLIC))
    for i, role in enumerate(ROLES)
]


@pytest.mark.parametrize(("public", "table", "role", "column"), CASES)
def test_pages_answer_each_role(
    web_world: WebWorld,
    client: Client,
    public: bool,
    table: dict[str, tuple[Any, ...]],
    role: str,
    column: int,
) -> None:
    """One role on one operation: every page (the workflow move last) answers as the table
    says; a refused move writes nothing."""
    Operation.objects.filter(pk=web_world.world.operation.pk).update(is_public=public)
    fmp_add(
        operation=web_world.world.operation,
        code="FMP-1",
        name="Matnog port",
        fmp_type="port",
        admin_unit=AdminUnit.objects.get(pcode="PH01001"),
        observed_from=dt.time(6),
        observed_to=dt.time(18),
        active_from=dt.date(2026, 11, 1),
        actor=web_world.world.admin,
    )
    user = web_world.users[role]
    if user is not None:
        client.force_login(user)
    got: dict[str, Any] = {}
    s1 = SiteAssessment.objects.get(round__number=1, site__site_id="S1")
    batches = {
        f"r{n}_batch": ImportBatch.objects.filter(round__number=n).order_by("id").first().pk  # type: ignore[union-attr]
        for n in (1, 2)
    }
    for page in sorted(PAGES, key=lambda p: p == "move"):
        method, url = PAGES[page]
        url = url.format(batch=s1.batch_id, row=s1.source_row, **batches)
        data = {"to_status": "validated"} if page == "move" else None
        response = getattr(client, method)(url, data)
        location = response.get("Location", "")
        got[page] = (
            L
            if response.status_code == 302 and location.startswith("/login/")
            else (response.status_code)
        )
    assert got == {page: table[page][column] for page in PAGES}
    round2 = Round.objects.get(operation=web_world.world.operation, number=2)
    assert round2.status == ("validated" if table["move"][column] == 302 else "open")


def test_every_url_is_in_the_table() -> None:
    from opendtm.web.urls import urlpatterns

    names = {p.name for p in urlpatterns}
    covered = {"home", "login", "logout", "dashboard", "breakdown", "download", "sites", "site",
               "needs", "needs-download",
               "site-pdf", "site-table", "round", "round-move", "round-pdf", "cleaning-log",
               "import", "import-job", "import-report", "import-confirm",
               "import-cancel", "submissions", "submission", "import-report-as",
               "batch-report", "events", "event-new", "events-download", "fmps", "fmp",
               # the management pages: tests/web/test_access_manage.py
               "rounds", "round-open", "round-publish", "operation-settings",
               "operation-people", "operation-form", "operation-new", "users", "user",
               "user-active", "user-password", "tokens", "token-revoke",
               "figures-rebuild",
               # the language switcher (anyone): tests/web/test_language.py
               "language",
               # the portfolio pages: tests/web/test_portfolio.py
               "portfolio", "portfolio-project", "portfolio-project-move",
               "portfolio-project-comment"}  # fmt: skip
    assert names == covered


SAMPLE = {
    "number": 1,
    "site_id": "S1",
    "kind": "admin",
    "fmt": "csv",
    "token": "abc",
    "table": "population",
    "batch": 2,
    "row": 2,
    "batch_id": 1,
    "form_id": "dtm_site",
    "fmp_code": "FMP-1",
}


def _operation_urls(code: str) -> list[tuple[str, str]]:
    """Every page of an operation (method, URL), from the URL patterns."""
    from django.urls import reverse

    from opendtm.web.urls import urlpatterns

    pages = []
    for pattern in urlpatterns:
        names = set(pattern.pattern.converters)  # type: ignore[attr-defined]
        if "code" not in names:
            continue
        kwargs = {"code": code, **{k: v for k, v in SAMPLE.items() if k in names}}
        method = (
            "post"
            if pattern.name
            in (
                "round-move",
                "round-open",
                "import-confirm",
                "import-cancel",
                "figures-rebuild",
                "event-new",
            )
            else "get"
        )
        pages.append((method, reverse(f"web:{pattern.name}", kwargs=kwargs)))
    return pages


def _untokened(content: bytes) -> bytes:
    """A page with its CSRF tokens blanked: Django masks the token afresh on every answer."""
    import re

    return re.sub(
        rb'(X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[A-Za-z0-9]+', rb"\1-", content
    )


@pytest.mark.parametrize("role", ["anonymous", "norole"])
def test_a_private_operation_answers_as_one_that_does_not_exist(
    web_world: WebWorld, client: Client, role: str
) -> None:
    """Every page of a private operation answers the anonymous (the login page) and a user
    without a role (404) exactly as a code nobody uses does."""
    user = web_world.users[role]
    if user is not None:
        client.force_login(user)
    pages = list(zip(_operation_urls("typhoon"), _operation_urls("nosuchop"), strict=True))
    assert len(pages) == 34
    for (method, private_url), (_, missing_url) in pages:
        private = getattr(client, method)(private_url)
        missing = getattr(client, method)(missing_url)
        expected = 302 if role == "anonymous" else 404
        assert (private.status_code, missing.status_code) == (expected, expected), private_url
        assert private.get("Location", "").replace("typhoon", "nosuchop") == missing.get(
            "Location", ""
        )
        assert _untokened(private.content.replace(b"typhoon", b"nosuchop")) == _untokened(
            missing.content
        ), private_url
    assert Round.objects.get(operation=web_world.world.operation, number=2).status == "open"


def test_pages_show_what_the_reader_may_see(web_world: WebWorld, client: Client) -> None:
    """Round 2 (open) reports S1 closed: the analyst's registry, filter, profile and home
    page say so; the viewer's say what published round 1 says, and name no account."""
    import re

    def page(url: str) -> str:
        return client.get(url).content.decode()

    def listed(url: str) -> list[str]:
        return re.findall(r'href="/o/typhoon/sites/(S\d)/"', page(url))

    def rounds_on_home() -> str:
        return re.findall(r'<td class="num">(\d+)</td>', page("/"))[0]

    client.force_login(web_world.users["viewer"])  # type: ignore[arg-type]
    assert listed("/o/typhoon/sites/?status=closed") == []
    assert listed("/o/typhoon/sites/?status=open") == ["S1", "S2", "S3"]
    profile = page("/o/typhoon/sites/S1/")
    assert re.search(r'id="site-status">Open <small>round 1, reported', profile)
    assert "Status changes recorded in the registry" not in profile
    assert rounds_on_home() == "1"
    assert "boss" not in page("/o/typhoon/rounds/1/")
    client.force_login(web_world.users["analyst"])  # type: ignore[arg-type]
    assert listed("/o/typhoon/sites/?status=closed") == ["S1"]
    assert re.search(
        r'id="site-status">Closed <small>round 2, reported', page("/o/typhoon/sites/S1/")
    )
    assert rounds_on_home() == "2"
    assert "<td>boss</td>" in page("/o/typhoon/rounds/1/")
