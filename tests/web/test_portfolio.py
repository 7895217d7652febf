"""The portfolio pages for each kind of reader; the workflow moves through the web: allowed,
refused (403, nothing written) and refused by the table (a message, nothing written)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from opendtm.accounts.models import AuditEvent
from opendtm.portfolio.models import Contribution, Donor, Expenditure, ProjectTransition
from tests.factories import PortfolioGrantFactory, ProjectFactory, SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

PEOPLE = {
    "dev_bgd": ("project_developer", "BGD"),
    "dev_pak": ("project_developer", "PAK"),
    "reviewer": ("regional_reviewer", ""),
}


@pytest.fixture
def people() -> dict[str, object]:
    found: dict[str, object] = {
        "norole": UserFactory(username="norole"),
        "admin": SuperuserFactory(),
    }
    for name, (role, country) in PEOPLE.items():
        user = UserFactory(username=name)
        PortfolioGrantFactory(user=user, role=role, country_iso3=country)
        found[name] = user
    bgd = ProjectFactory(code="BD1", office_iso3="BGD", status="submitted")
    ProjectFactory(code="PK1", office_iso3="PAK", status="active", programme_type="post_crisis")
    donor = Donor.objects.create(name="United States")
    Contribution.objects.create(project=bgd, donor=donor, year=2020, amount_usd=Decimal(10))
    Expenditure.objects.create(project=bgd, iso3="BGD", year=2020, amount_usd=Decimal(4))
    return found


def _client(people: dict[str, object], who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(people[who])  # type: ignore[arg-type]
    return client


@pytest.mark.parametrize(
    ("who", "overview", "bd1", "pk1", "listed"),
    [
        ("anonymous", 302, 302, 302, None),
        ("norole", 403, 403, 403, None),
        ("dev_bgd", 200, 200, 404, ["BD1"]),
        ("dev_pak", 200, 404, 200, ["PK1"]),
        ("reviewer", 200, 200, 200, ["BD1", "PK1"]),
        ("admin", 200, 200, 200, ["BD1", "PK1"]),
    ],
)
def test_pages_for_each_reader(
    people: dict[str, object], who: str, overview: int, bd1: int, pk1: int, listed: list[str] | None
) -> None:
    client = _client(people, who)
    page = client.get("/portfolio/")
    assert page.status_code == overview
    assert client.get("/portfolio/projects/BD1/").status_code == bd1
    assert client.get("/portfolio/projects/PK1/").status_code == pk1
    if listed is not None:
        assert re.findall(r'data-project="([^"]+)"', page.content.decode()) == listed


def test_the_overview_filters_and_refuses_bad_values(people: dict[str, object]) -> None:
    client = _client(people, "reviewer")
    page = client.get("/portfolio/?year=2020").content.decode()
    # BD1 is submitted: a proposal in review is not in the portfolio's figures.
    assert re.search(r'id="total-value">0<', page)
    assert client.get("/portfolio/?year=abc").status_code == 400
    assert client.get("/portfolio/?phase=never").status_code == 400
    assert client.get("/portfolio/?subregion=atlantis").status_code == 404
    assert client.get("/portfolio/?subregion=south_asia").status_code == 200


def test_moves_through_the_web(people: dict[str, object]) -> None:
    reviewer, developer = _client(people, "reviewer"), _client(people, "dev_bgd")
    page = reviewer.get("/portfolio/projects/BD1/").content.decode()
    assert re.findall(r'data-move="([^"]+)"', page) == ["start_review"]
    assert re.findall(
        r'data-move="([^"]+)"', developer.get("/portfolio/projects/BD1/").content.decode()
    ) == ["withdraw"]
    # The developer may not start the review: 403, nothing written.
    refused = developer.post("/portfolio/projects/BD1/move/", {"to_status": "under_review"})
    assert refused.status_code == 403
    assert not ProjectTransition.objects.exists() and not AuditEvent.objects.exists()
    # A move the table does not have: a message, nothing written.
    wrong = reviewer.post("/portfolio/projects/BD1/move/", {"to_status": "closed"}, follow=True)
    assert "cannot become closed" in wrong.content.decode()
    assert not ProjectTransition.objects.exists()
    moved = reviewer.post("/portfolio/projects/BD1/move/", {"to_status": "under_review"})
    assert (moved.status_code, moved["Location"]) == (302, "/portfolio/projects/BD1/")
    no_reason = reviewer.post(
        "/portfolio/projects/BD1/move/", {"to_status": "returned"}, follow=True
    )
    assert "give a reason" in no_reason.content.decode()
    reviewer.post("/portfolio/projects/BD1/move/", {"to_status": "returned", "reason": "Budget?"})
    developer.post("/portfolio/projects/BD1/comment/", {"text": "See annex"})
    assert (
        _client(people, "dev_pak")
        .post("/portfolio/projects/BD1/comment/", {"text": "x"})
        .status_code
        == 404
    )
    page = developer.get("/portfolio/projects/BD1/").content.decode()
    assert "Version 1, reviewer: Budget?" in page and "Version 1, dev_bgd: See annex" in page
    assert list(ProjectTransition.objects.values_list("to_status", "by__username")) == [
        ("under_review", "reviewer"),
        ("returned", "reviewer"),
    ]
