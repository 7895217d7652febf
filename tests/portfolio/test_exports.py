"""`portfolio export`: contributions as CSV, HXL and XLSX; text never runs as a formula."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from opendtm.cli.main import cli
from opendtm.forms.sources import source_read
from opendtm.mcof.queries import sector_get
from opendtm.portfolio.models import Contribution, Donor
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio() -> None:
    shelter = ProjectFactory(code="BD1", title="=HYPERLINK(1)", status="active")
    shelter.sectors.set([sector_get("2"), sector_get("5")])
    us, eu = Donor.objects.create(name="United States"), Donor.objects.create(name="@EU")
    Contribution.objects.create(project=shelter, donor=us, year=2020, amount_usd=Decimal("1500.5"))
    Contribution.objects.create(project=shelter, donor=eu, year=2019, amount_usd=Decimal(7))
    draft = ProjectFactory(code="BD2", status="draft")
    Contribution.objects.create(project=draft, donor=us, year=2020, amount_usd=Decimal(9))


def test_hxl_and_csv(portfolio: None, tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    result = CliRunner().invoke(
        cli, ["portfolio", "export", "--format", "hxl", "--output", str(out)]
    )
    assert result.stdout == f"2 contribution(s) written to {out}\n"
    assert out.read_text(encoding="utf-8").splitlines() == [
        "project_code,title,country_iso3,programme_type,sector,donor,year,amount_usd",
        "#activity+code,#activity+name,#country+code,#activity+type,#sector,#org+funder,"
        "#date+year,#value+funding+usd",
        "BD1,'=HYPERLINK(1),BGD,emergency,HEA PRO SHL,'@EU,2019,7.0",
        "BD1,'=HYPERLINK(1),BGD,emergency,HEA PRO SHL,United States,2020,1500.5",
    ]
    CliRunner().invoke(cli, ["portfolio", "export", "--year", "2020", "--output", str(out)])
    assert out.read_text(encoding="utf-8").splitlines()[1:] == [
        "BD1,'=HYPERLINK(1),BGD,emergency,HEA PRO SHL,United States,2020,1500.5",
    ]


def test_xlsx(portfolio: None, tmp_path: Path) -> None:
    out = tmp_path / "c.xlsx"
    CliRunner().invoke(cli, ["portfolio", "export", "--format", "xlsx", "--output", str(out)])
    frame = source_read(out).table("contributions").frame
    assert frame.columns[-2:] == ["year", "amount_usd"]
    assert frame["title"].to_list() == ["'=HYPERLINK(1)", "'=HYPERLINK(1)"]
    assert frame["amount_usd"].to_list() == ["7", "1500.5"]
