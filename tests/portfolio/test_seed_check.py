"""The seed check: the fixture built from seed 001's 2020 figures loads, and the overview gives
back every figure the seed prints, exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from opendtm.cli.main import cli
from opendtm.portfolio.imports import portfolio_import
from opendtm.portfolio.queries import portfolio_overview
from tests.factories import SuperuserFactory
from tests.portfolio.seed001 import FILE, seed_csv

pytestmark = pytest.mark.django_db

# Seed 001, as printed: "$192,359,453 in total value of IOM EPC Projects in 2020", "46 active
# Crisis and Emergency Response projects in 11 countries", "33 active Post-Crisis and
# Stabilization projects in 13 countries", "TOTAL DONORS 45", "TOP 5 DONORS" and the map of
# "TOTAL PROJECT EXPENDITURES (USD)".
TOTAL_VALUE = 192_359_453
BY_TYPE = {"emergency": {"projects": 46, "countries": 11},
           "post_crisis": {"projects": 33, "countries": 13}}  # fmt: skip
EXPENDITURE = {
    "AFG": 38_700_000, "BGD": 143_000_000, "FJI": 1_200_000, "FSM": 21_300_000,
    "IDN": 28_500_000, "KOR": 1_400_000, "LKA": 500_000, "MHL": 1_000_000, "MMR": 3_900_000,
    "NPL": 2_600_000, "PAK": 62_400_000, "PHL": 12_800_000, "PNG": 4_000_000,
    "SLB": 1_200_000, "THA": 13_900_000, "TLS": 2_100_000, "VUT": 600_000,
}  # fmt: skip
TOP_FIVE = ["United States", "United Kingdom", "Australia", "European Union", "United Nations"]
DONORS = 45


def test_the_fixture_file_is_the_generators() -> None:
    assert FILE.read_text(encoding="utf-8") == seed_csv()


def test_the_2020_overview_reproduces_seed_001(tmp_path: Path) -> None:
    admin = SuperuserFactory()
    outcome = portfolio_import(path=FILE, actor=admin, report_path=tmp_path / "r.csv")
    assert (outcome.rows, outcome.accepted, outcome.projects) == (121, 121, 80)
    overview = portfolio_overview(admin, year=2020).as_json()
    assert overview["total_value_usd"] == TOTAL_VALUE
    assert overview["projects_by_type"] == BY_TYPE
    assert overview["expenditure_by_country"] == EXPENDITURE
    assert overview["donors"] == DONORS
    assert [d["donor"] for d in overview["top_donors"]] == TOP_FIVE
    # "USD 339 M" beside the donors: the 17 countries' expenditure, to the million.
    assert round(sum(EXPENDITURE.values()) / 1e6) == 339
    # Without a year the 2019 contribution counts; the proposal in review never does.
    every_year = portfolio_overview(admin).as_json()
    assert every_year["total_value_usd"] == TOTAL_VALUE + 999
    assert every_year["expenditure_by_country"]["BGD"] == 143_000_500
    assert every_year["expenditure_by_country_year"]["BGD"] == {"2019": 500, "2020": 143_000_000}
    assert every_year["expenditure_by_country_year"]["PAK"] == {"2020": 62_400_000}
    assert every_year["projects_by_type"] == BY_TYPE


def test_the_cli_overview_json_and_the_subregion_filter(tmp_path: Path) -> None:
    runner = CliRunner()
    report = str(tmp_path / "r.csv")
    loaded = runner.invoke(cli, ["portfolio", "import", str(FILE), "--report", report])
    assert loaded.exit_code == 0, loaded.output
    assert loaded.stdout.splitlines()[:2] == [
        "seed001_2020.csv: 121 row(s), 121 accepted, 0 rejected",
        "imported 80 project(s), 121 contribution(s)",
    ]
    shown = runner.invoke(cli, ["portfolio", "overview", "--year", "2020", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert (data["total_value_usd"], data["donors"]) == (TOTAL_VALUE, DONORS)
    assert data["expenditure_by_country"] == EXPENDITURE
    args = ["--year", "2020", "--subregion", "pacific", "--format", "json"]
    pacific = runner.invoke(cli, ["portfolio", "overview", *args])
    data = json.loads(pacific.stdout)
    assert data["expenditure_by_country"] == {
        "FJI": 1_200_000, "FSM": 21_300_000, "MHL": 1_000_000, "PNG": 4_000_000,
        "SLB": 1_200_000, "VUT": 600_000,
    }  # fmt: skip
    # 46 emergency projects round-robin over 11 countries: BGD and IDN get 5, the others 4, so
    # FSM, PNG, VUT, FJI and SLB have 20; 33 post-crisis over 13: the first 7 get 3, the rest 2,
    # so MHL and PNG (11th and 13th) have 4.
    assert data["projects_by_type"] == {"emergency": {"projects": 20, "countries": 5},
                                        "post_crisis": {"projects": 4, "countries": 2}}  # fmt: skip
    table = runner.invoke(cli, ["portfolio", "overview", "--year", "2020"])
    assert table.stdout.splitlines()[1].split() == ["total_value_usd", "-", "192359453"]
