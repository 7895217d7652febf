"""The portfolio endpoints: who sees what, exact answers, bad parameters are 4xx."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from opendtm.portfolio.models import Contribution, Donor, Expenditure, ProjectCountry
from tests.factories import PortfolioGrantFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/portfolio"


@pytest.fixture
def clients() -> dict[str, Client]:
    found = {"anonymous": Client()}
    for name, grant in {"norole": None, "bgd": ("project_developer", "BGD"),
                        "region": ("portfolio_viewer", "")}.items():  # fmt: skip
        user = UserFactory(username=name)
        if grant:
            PortfolioGrantFactory(user=user, role=grant[0], country_iso3=grant[1])
        found[name] = Client()
        found[name].force_login(user)
    bd1 = ProjectFactory(code="BD1", status="active", phase="during")
    ProjectCountry.objects.create(project=bd1, iso3="BGD")
    pk1 = ProjectFactory(code="PK1", office_iso3="PAK", status="endorsed")
    ProjectCountry.objects.create(project=pk1, iso3="PAK")
    us = Donor.objects.create(name="United States")
    Contribution.objects.create(
        project=bd1, donor=us, year=2020, amount_usd=Decimal("699300.70"),
        amount=Decimal(1_000_000), currency="AUD", exchange_rate=Decimal("1.43"),
    )  # fmt: skip
    Contribution.objects.create(project=pk1, donor=us, year=2021, amount_usd=Decimal(50))
    Expenditure.objects.create(project=bd1, iso3="BGD", year=2020, amount_usd=Decimal(300))
    return found


def test_who_sees_what(clients: dict[str, Client]) -> None:
    assert clients["anonymous"].get(f"{API}/projects").status_code == 401
    assert clients["norole"].get(f"{API}/overview").status_code == 403
    listed = clients["bgd"].get(f"{API}/projects").json()
    assert [p["code"] for p in listed["results"]] == ["BD1"]
    assert clients["bgd"].get(f"{API}/projects/PK1").status_code == 404
    region = clients["region"].get(f"{API}/overview").json()
    assert region == {
        "year": None, "subregion": None, "total_value_usd": 699350.7,
        "projects_by_type": {"emergency": {"projects": 2, "countries": 2}},
        "expenditure_by_country": {"BGD": 300.0}, "donors": 1,
        "top_donors": [{"donor": "United States", "usd": 699350.7}], "by_sector": {},
        "expenditure_by_country_year": {"BGD": {"2020": 300.0}},
    }  # fmt: skip
    office = clients["bgd"].get(f"{API}/overview", {"year": 2020, "phase": "during"}).json()
    assert (office["total_value_usd"], office["projects_by_type"]) == (
        699300.7, {"emergency": {"projects": 1, "countries": 1}},
    )  # fmt: skip


def test_one_project_as_stored(clients: dict[str, Client]) -> None:
    body = clients["region"].get(f"{API}/projects/BD1").json()
    assert body["countries"] == ["BGD"]
    assert body["contributions"] == [
        {"donor": "United States", "year": 2020, "amount_usd": 699300.7,
         "amount": 1000000.0, "currency": "AUD", "exchange_rate": 1.43},
    ]  # fmt: skip
    assert body["expenditures"] == [{"iso3": "BGD", "year": 2020, "amount_usd": 300.0}]


def test_bad_parameters(clients: dict[str, Client]) -> None:
    client = clients["region"]
    assert client.get(f"{API}/overview", {"phase": "never"}).status_code == 400
    assert client.get(f"{API}/overview", {"year": "x"}).status_code == 400
    assert client.get(f"{API}/overview", {"subregion": "atlantis"}).status_code == 404
