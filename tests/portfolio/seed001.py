"""The seed-check fixture: a portfolio file shaped by seed 001's 2020 figures (the regional
office's factsheet of its emergency and post-crisis portfolio, docs/portfolio.md "Seed check").

The seed gives totals, not projects, so the projects are invented to add up to them: 46
emergency projects round-robin over 11 countries, 33 post-crisis ones over 13 (17 countries in
all), each country's 2020 expenditure on its projects, one contribution per project from the
five top donors in turn and 40 more donors with one contribution each (45 donors). Two rows
that the 2020 overview must leave out: a 2019 contribution and a proposal still submitted.
`python -m tests.portfolio.seed001` rewrites tests/portfolio/data/seed001_2020.csv.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

FILE = Path(__file__).with_name("data") / "seed001_2020.csv"
COLUMNS = (
    "project_code", "title", "country_iso3", "programme_type", "sector", "donor", "year",
    "budget_usd", "expenditure_usd", "start_date", "end_date", "status",
)  # fmt: skip
EMERGENCY = ("BGD", "IDN", "PHL", "FSM", "PNG", "VUT", "FJI", "SLB", "MMR", "AFG", "PAK")
POST_CRISIS = (
    "AFG", "PAK", "BGD", "IDN", "PHL", "MMR", "THA", "NPL", "LKA", "TLS", "KOR", "MHL", "PNG",
)  # fmt: skip
# Seed 001, "total project expenditures (USD)", 2020, per country (USD x.y M as printed).
EXPENDITURE = {
    "KOR": 1_400_000, "PNG": 4_000_000, "FSM": 21_300_000, "MHL": 1_000_000,
    "NPL": 2_600_000, "TLS": 2_100_000, "SLB": 1_200_000, "VUT": 600_000,
    "IDN": 28_500_000, "LKA": 500_000, "BGD": 143_000_000, "PAK": 62_400_000,
    "AFG": 38_700_000, "THA": 13_900_000, "PHL": 12_800_000, "FJI": 1_200_000,
    "MMR": 3_900_000,
}  # fmt: skip
# The top five donors in the seed's order and what this fixture gives each (invented amounts,
# decreasing); with 40 others at 100,000 each they make the seed's total value, 192,359,453.
TOP = {
    "United States": 80_000_000,
    "United Kingdom": 40_000_000,
    "Australia": 30_000_000,
    "European Union": 20_000_000,
    "United Nations": 18_359_453,
}
OTHERS = [f"Other donor {n:02d}" for n in range(1, 41)]
OTHER_AMOUNT = 100_000


def _split(total: int, parts: int) -> list[int]:
    share = total // parts
    return [share + total - share * parts] + [share] * (parts - 1)


def seed_rows() -> list[dict[str, object]]:
    projects = [("EM", i, EMERGENCY[i % 11], "emergency") for i in range(46)]
    projects += [("PC", i, POST_CRISIS[i % 13], "post_crisis") for i in range(33)]
    by_country: dict[str, list[int]] = {}
    for j, (_p, _i, iso3, _t) in enumerate(projects):
        by_country.setdefault(iso3, []).append(j)
    spent = [0] * len(projects)
    for iso3, members in by_country.items():
        for j, amount in zip(members, _split(EXPENDITURE[iso3], len(members)), strict=True):
            spent[j] = amount
    donors = list(TOP)
    shares = {
        d: iter(_split(TOP[d], sum(1 for j in range(len(projects)) if j % 5 == k)))
        for k, d in enumerate(donors)
    }
    rows: list[dict[str, object]] = []
    for j, (prefix, i, iso3, kind) in enumerate(projects):
        common = {
            "project_code": f"{prefix}{i + 1:02d}.{iso3}",
            "title": f"{'Response' if kind == 'emergency' else 'Recovery'} {iso3} {i + 1}",
            "country_iso3": iso3,
            "programme_type": kind,
            "sector": "2" if kind == "emergency" else "7",
            "year": 2020,
            "start_date": "2020-01-01",
            "end_date": "2021-12-31",
            "status": "active" if j % 4 else "closed",
        }
        donor = donors[j % 5]
        rows.append({**common, "donor": donor, "budget_usd": next(shares[donor]),
                     "expenditure_usd": spent[j]})  # fmt: skip
        if j % 2 == 0:
            rows.append({**common, "donor": OTHERS[j // 2], "budget_usd": OTHER_AMOUNT,
                         "expenditure_usd": 0})  # fmt: skip
        if j == 0:  # the 2019 contribution
            rows.append({**common, "donor": "United States", "year": 2019,
                         "budget_usd": 999, "expenditure_usd": 500})  # fmt: skip
    rows.append({
        "project_code": "EM99.BGD", "title": "A proposal in review", "country_iso3": "BGD",
        "programme_type": "emergency", "sector": "2", "donor": "Not yet a donor", "year": 2020,
        "budget_usd": 5_000_000, "expenditure_usd": 0, "start_date": "2020-06-01",
        "end_date": "2021-06-01", "status": "submitted",
    })  # fmt: skip
    return rows


def seed_csv() -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(seed_rows())
    return out.getvalue()


if __name__ == "__main__":
    FILE.write_text(seed_csv(), encoding="utf-8")
