"""`portfolio import` and `portfolio template`: columns in any order and case, a reason for
every rejected row, money stored as given, dry runs and refusals write nothing."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from opendtm.accounts.models import AuditEvent
from opendtm.cli.main import cli
from opendtm.core.errors import InvalidInput, PermissionDenied
from opendtm.portfolio.exports import template_write
from opendtm.portfolio.imports import portfolio_import
from opendtm.portfolio.models import Contribution, Expenditure, Project
from tests.factories import PortfolioGrantFactory, ProjectFactory, SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "Status,END_DATE,start_date,Expenditure_USD,budget usd,Year,Donor,Sector,Programme_Type,"
    "Country_ISO3,Title,Project_Code,Currency,Amount,Exchange_Rate,Remarks"
)
OK = "active,2021-12-31,2020-01-01,{spent},{budget},2020,{donor},2,emergency,BGD,Shelter,P1"
ROWS = [
    OK.format(spent="600000", budget="980000", donor="Australia") + ",AUD,1500000,1.5,x",
    OK.format(spent="400000", budget="-", donor="Japan") + ",,,,",
    "",
    OK.format(spent="1", budget="1", donor="australia") + ",,,,",  # repeats row 2
    OK.replace("Shelter", "Other title").format(spent="1", budget="1", donor="EU") + ",,,,",
    "active,2021-12-31,2020-01-01,0,10,2020,UN,Shelter/NFI,emergency,BGD,T,P2,,,,",
    "active,2021-12-31,2020-01-01,0,10,2020,UN,2,emergency,XXX,T,P3,,,,",
    "active,2021-12-31,2020-01-01,0,10,20x0,UN,2,emergency,BGD,T,P4,,,,",
    "active,2021-12-31,2020-01-01,0,10,2020,UN,2,relief,BGD,T,P5,,,,",
    "active,2019-12-31,2020-01-01,0,10,2020,UN,2,emergency,BGD,T,P6,,,,",
    "active,2021-12-31,2020-01-01,0,ten,2020,UN,2,emergency,BGD,T,P7,,,,",
    "active,2021-12-31,2020-01-01,0,10,2020,UN,2,emergency,BGD,T,OLD,,,,",
    "active,2021-12-31,2020-01-01,0,10,2020,,2,emergency,BGD,T,P8,,,,",
]


def _file(tmp_path: Path, rows: list[str] = ROWS) -> Path:
    path = tmp_path / "portfolio.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _report(path: Path) -> list[tuple[str, str, str, str, str]]:
    with path.open(encoding="utf-8") as handle:
        return [
            (r["row"], r["submission_id"], r["field"], r["rule"], r["message"])
            for r in csv.DictReader(handle)
        ]


def test_rows_are_checked_one_by_one_and_every_rejection_has_a_reason(tmp_path: Path) -> None:
    ProjectFactory(code="OLD")
    admin = SuperuserFactory()
    outcome = portfolio_import(path=_file(tmp_path), actor=admin)
    assert (outcome.rows, outcome.accepted, outcome.projects) == (12, 2, 1)
    assert _report(tmp_path / "portfolio.report.csv") == [
        ("", "", "Remarks", "column.ignored",
         "column 'Remarks' is not a portfolio column; ignored"),
        ("2", "P1", "budget_usd", "money.rate_differs",
         "amount / exchange_rate is 1000000.00, the file's budget_usd is 980000.00: kept as given"),
        ("3", "P1", "budget_usd", "money.empty", "budget_usd is empty; read as 0"),
        ("5", "P1", "donor", "row.duplicate", "row rejected: row 2 has the same project, donor "
         "and year (one row per project x donor x year)"),
        ("6", "P1", "title", "project.inconsistent", "row rejected: project P1's row 2 has title "
         "Shelter; every row of a project repeats it"),
        ("7", "P2", "sector", "sector.unknown", "row rejected: sector 'Shelter/NFI' is not an "
         "MCOF sector (number, code or name: `opendtm mcof sectors`)"),
        ("8", "P3", "country_iso3", "country.unknown",
         "row rejected: country_iso3 is not an ISO 3166 code"),
        ("9", "P4", "year", "value.year", "row rejected: year must be a year, e.g. 2020"),
        ("10", "P5", "programme_type", "choice.unknown",
         "row rejected: programme_type must be one of emergency, post_crisis, preparedness"),
        ("11", "P6", "end_date", "date.order", "row rejected: end_date is before start_date"),
        ("12", "P7", "budget_usd", "type.decimal", "row rejected: budget_usd must be a number"),
        ("13", "OLD", "project_code", "project.exists",
         "row rejected: project OLD is already in the portfolio; an import adds projects"),
        ("14", "P8", "donor", "value.required", "row rejected: donor is required"),
    ]  # fmt: skip
    project = Project.objects.get(code="P1")
    assert (project.status, project.office_iso3, project.total_budget_usd) == (
        "active", "BGD", Decimal("980000.00"),
    )  # fmt: skip
    # The file's USD, original amount, currency and rate, as given: nothing recomputed.
    assert list(
        Contribution.objects.order_by("donor__name").values_list(
            "donor__name", "year", "amount_usd", "amount", "currency", "exchange_rate"
        )
    ) == [
        ("Australia", 2020, Decimal("980000.00"), Decimal("1500000.00"), "AUD", Decimal("1.5")),
        ("Japan", 2020, Decimal("0.00"), None, "", None),
    ]
    assert list(Expenditure.objects.values_list("iso3", "year", "amount_usd")) == [
        ("BGD", 2020, Decimal("1000000.00"))
    ]
    assert AuditEvent.objects.filter(action="project.import").count() == 1


def test_a_dry_run_writes_only_its_report(tmp_path: Path) -> None:
    report = tmp_path / "dry.xlsx"
    outcome = portfolio_import(
        path=_file(tmp_path, ROWS[:2]), actor=SuperuserFactory(), dry_run=True, report_path=report
    )
    assert (outcome.accepted, outcome.projects, outcome.summary_lines()[1]) == (
        2, 1, "would import 1 project(s), 2 contribution(s)",
    )  # fmt: skip
    assert report.exists()
    assert not Project.objects.exists() and not Contribution.objects.exists()
    assert not AuditEvent.objects.exists()


def test_importing_is_for_regional_reviewers(tmp_path: Path) -> None:
    developer = UserFactory()
    PortfolioGrantFactory(user=developer, role="project_developer", country_iso3="")
    with pytest.raises(PermissionDenied):
        portfolio_import(path=_file(tmp_path), actor=developer)
    assert not (tmp_path / "portfolio.report.csv").exists()
    assert not Project.objects.exists()
    reviewer = UserFactory(username="rev")
    PortfolioGrantFactory(user=reviewer, role="regional_reviewer", country_iso3="")
    assert portfolio_import(path=_file(tmp_path, ROWS[:1]), actor=reviewer).projects == 1


def test_a_missing_column_refuses_the_file(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("project_code,title\nP1,T\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="no column country_iso3, programme_type"):
        portfolio_import(path=path, actor=SuperuserFactory())


def test_the_template_has_a_notes_sheet_and_its_example_imports(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["portfolio", "template", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 0, result.output
    from opendtm.forms.sources import source_read

    source = source_read(tmp_path / "t.xlsx")
    assert source.sheet_names == ["portfolio", "notes"]
    assert source.headers("notes") == ["column", "required", "meaning"]
    outcome = portfolio_import(path=tmp_path / "t.xlsx", actor=SuperuserFactory())
    assert (outcome.rows, outcome.accepted) == (1, 1)
    project = Project.objects.get()
    assert (project.code, project.start_date.isoformat(), project.total_budget_usd) == (
        "BD10P0001", "2020-01-01", Decimal("1000000.00"),
    )  # fmt: skip
    assert sorted(project.sectors.values_list("number", flat=True)) == [1, 2]
    with pytest.raises(InvalidInput):
        template_write(tmp_path / "t.csv")


def test_priorities_and_operations_served(tmp_path: Path) -> None:
    from tests.factories import OperationFactory

    OperationFactory(code="bgd-floods")
    header = "project_code,title,country_iso3,programme_type,sector,donor,year,budget_usd,"
    header += "expenditure_usd,start_date,end_date,status,priorities,operations\n"
    base = "P1,T,BGD,emergency,1,{donor},2020,5,0,,,active,"
    path = tmp_path / "p.csv"
    path.write_text(
        header
        + base.format(donor="A") + "protection; AAP,BGD-FLOODS\n"
        + base.format(donor="B") + "gbv,\n"
        + base.format(donor="C") + "hope,\n"
        + base.format(donor="D") + ",nowhere\n",
        encoding="utf-8",
    )  # fmt: skip
    portfolio_import(path=path, actor=SuperuserFactory(), report_path=tmp_path / "r.csv")
    project = Project.objects.get(code="P1")
    assert project.priorities == ["aap", "gbv", "protection"]
    assert list(project.operations.values_list("code", flat=True)) == ["bgd-floods"]
    assert [line[2:4] for line in _report(tmp_path / "r.csv")] == [
        ("priorities", "priority.unknown"),
        ("operations", "operation.unknown"),
    ]
