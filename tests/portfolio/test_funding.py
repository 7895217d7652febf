"""`funding import` and `funding summary`: an FTS-shaped file with a line break inside a
description and a repeated flow id; flows attached to projects by code; amounts as given."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from opendtm.accounts.models import AuditEvent
from opendtm.cli.main import cli
from opendtm.core.errors import PermissionDenied
from opendtm.portfolio.funding import funding_import, funding_summary
from opendtm.portfolio.models import FundingFlow
from tests.factories import PortfolioGrantFactory, ProjectFactory, SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

FTS = (
    "Flow ID,Date,Source org,Destination org,Amount USD,Original amount,Original currency,"
    "Exchange rate,Plan,Destination global cluster,Destination location,Description,"
    "Project code\n"
    "201001,2020-03-02,Australia,International Organization for Migration,700000,1000000,AUD,"
    "1.43,Bangladesh JRP 2020,Shelter/NFI,Bangladesh,\"Shelter kits for Cox's Bazar,\n"
    'phase 2 (""monsoon"")",BD10P0001\n'
    "201002,2020-05-10,United States,International Organization for Migration,1500000,,,,"
    "Bangladesh JRP 2020,CCCM,BGD,Site management,\n"
    "201001,2020-03-02,Australia,International Organization for Migration,700000,1000000,AUD,"
    "1.43,Bangladesh JRP 2020,Shelter/NFI,Bangladesh,repeated,BD10P0001\n"
    "201003,2019-11-01,Japan,UNHCR,250000,,,,,Protection,Pakistan,Winter,PK-NONE\n"
    "201004,2020-01-01,Japan,UNHCR,lots,,,,,Protection,Pakistan,bad amount,\n"
)


@pytest.fixture
def fts(tmp_path: Path) -> Path:
    path = tmp_path / "fts_incoming.csv"
    path.write_text(FTS, encoding="utf-8")
    return path


def test_an_fts_export_imports_with_its_multiline_description_and_one_duplicate(
    fts: Path, tmp_path: Path
) -> None:
    project = ProjectFactory(code="BD10P0001")
    outcome = funding_import(path=fts, actor=SuperuserFactory())
    assert outcome.summary_lines()[:2] == [
        "fts_incoming.csv: 5 flow(s), 3 imported, 1 duplicate(s), 1 rejected",
        "1 attached to portfolio projects",
    ]
    first = FundingFlow.objects.get(flow_id="201001")
    assert first.description == 'Shelter kits for Cox\'s Bazar,\nphase 2 ("monsoon")'
    # As given: 1,000,000 AUD at 1.43 is 699,300.70 USD; the export says 700,000 and so do we.
    assert (first.amount_usd, first.original_amount, first.original_currency) == (
        Decimal("700000.00"), Decimal("1000000.00"), "AUD",
    )  # fmt: skip
    assert (first.exchange_rate, first.country_iso3, first.project) == (
        Decimal("1.43"), "BGD", project,
    )  # fmt: skip
    assert FundingFlow.objects.get(flow_id="201003").project is None
    report = (tmp_path / "fts_incoming.report.csv").read_text(encoding="utf-8").splitlines()
    assert report[1:] == [
        "fts_incoming.csv,4,201001,flow_id,201001,flow.duplicate,warning,"
        "flow 201001 repeats row 2 of this file; not imported again",
        "fts_incoming.csv,5,201003,project_code,PK-NONE,project.unknown,warning,"
        "no portfolio project PK-NONE; flow kept unattached",
        "fts_incoming.csv,6,201004,amount_usd,lots,type.decimal,error,"
        "row rejected: amount_usd must be a number",
    ]
    assert AuditEvent.objects.filter(action="funding.import").count() == 1
    again = funding_import(path=fts, actor=SuperuserFactory(username="other"))
    assert (again.imported, again.duplicates) == (0, 4)
    assert FundingFlow.objects.count() == 3


def test_summary_by_country_year_and_recipient(fts: Path) -> None:
    admin = SuperuserFactory()
    funding_import(path=fts, actor=admin)
    assert funding_summary(admin) == {"flows": 3, "total_usd": 2_450_000, "donors": 3}
    assert funding_summary(admin, country="bgd", year=2020) == {
        "flows": 2, "total_usd": 2_200_000, "donors": 2,
    }  # fmt: skip
    assert funding_summary(admin, recipient="unhcr") == {
        "flows": 1, "total_usd": 250_000, "donors": 1,
    }  # fmt: skip
    office = UserFactory(username="pak")
    PortfolioGrantFactory(user=office, role="portfolio_viewer", country_iso3="PAK")
    assert funding_summary(office) == {"flows": 1, "total_usd": 250_000, "donors": 1}
    result = CliRunner().invoke(cli, ["funding", "summary", "--country", "BGD", "--format", "json"])
    assert json.loads(result.stdout) == {"flows": 2, "total_usd": 2_200_000, "donors": 2}


def test_a_developer_may_not_import_flows_and_nothing_is_written(fts: Path) -> None:
    developer = UserFactory()
    PortfolioGrantFactory(user=developer, role="project_developer", country_iso3="BGD")
    with pytest.raises(PermissionDenied):
        funding_import(path=fts, actor=developer)
    assert not FundingFlow.objects.exists()
    assert not (fts.parent / "fts_incoming.report.csv").exists()
