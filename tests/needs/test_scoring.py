"""Each indicator of the shipped rule set at and around each threshold, each answer's level,
and the sector and overall combination rules, computed by hand."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from opendtm.needs.rules import ruleset_parse, shipped, shipped_text
from opendtm.needs.scoring import indicator_levels, overall_severity, sector_severity

RULES = shipped("sphere-2018-v2")
SITE_SCHEMA: dict[str, Any] = {
    "key": pl.Int64,
    "site_status": pl.Utf8,
    "ind": pl.Int64,
    "hh": pl.Int64,
    "hh_no_shelter": pl.Int64,
    "covered_area_m2": pl.Float64,
    "water_lpd": pl.Float64,
    "taps": pl.Int64,
    "latrines": pl.Int64,
    "showers": pl.Int64,
    "latrines_separated": pl.Boolean,
    "handwashing": pl.Boolean,
    "water_source": pl.Utf8,
    "health_access": pl.Utf8,
    "food_access": pl.Utf8,
    "children_in_school": pl.Utf8,
    "lighting": pl.Utf8,
    "security_incidents": pl.Boolean,
    "gbv_referral": pl.Boolean,
    "cfm": pl.Boolean,
    "site_management": pl.Boolean,
}


def _sites(*rows: dict[str, Any]) -> pl.DataFrame:
    base = dict.fromkeys(SITE_SCHEMA) | {"site_status": "open", "ind": 100, "hh": 20}
    return pl.DataFrame([base | {"key": i} | row for i, row in enumerate(rows)], schema=SITE_SCHEMA)


def _levels(indicator: str, *rows: dict[str, Any]) -> list[int | None]:
    frame = indicator_levels(_sites(*rows), RULES, "site", ["key"])
    return frame.filter(pl.col("indicator") == indicator).sort("key").get_column("level").to_list()


@pytest.mark.parametrize(
    ("litres", "level"),
    [(15, 1), (14.99, 2), (10, 2), (9.99, 3), (7.5, 3), (7.49, 4), (3, 4), (2.99, 5), (0, 5)],
)
def test_water_per_person_at_and_around_each_limit(litres: float, level: int) -> None:
    assert _levels("water_lpd", {"water_lpd": litres}) == [level]


@pytest.mark.parametrize(
    ("ind", "area", "level"),
    # 3.5, 2.5, 1.5 and 1 m² per person for 100 people: 350, 250, 150, 100 m²
    [
        (100, 350, 1),
        (100, 349, 2),
        (100, 250, 2),
        (100, 249, 3),
        (100, 150, 3),
        (100, 149, 4),
        (100, 100, 4),
        (100, 99, 5),
        (100, 0, 5),
    ],
)
def test_covered_space_per_person_at_and_around_each_limit(
    ind: int, area: float, level: int
) -> None:
    assert _levels("covered_area_pp", {"ind": ind, "covered_area_m2": float(area)}) == [level]


@pytest.mark.parametrize(
    ("no_shelter", "level"),
    # of 200 households: 0 %, 0.5 %, 10 %, 10.5 %, 25 %, 25.5 %, 50 %, 50.5 %
    [(0, 1), (1, 2), (20, 2), (21, 3), (50, 3), (51, 4), (100, 4), (101, 5), (200, 5)],
)
def test_households_without_shelter_at_and_around_each_limit(no_shelter: int, level: int) -> None:
    row = {"ind": 1000, "hh": 200, "hh_no_shelter": no_shelter}
    assert _levels("hh_no_shelter_share", row) == [level]


@pytest.mark.parametrize(
    ("indicator", "field", "limits"),
    [
        ("people_per_tap", "taps", (250, 500, 750, 1000)),
        ("people_per_latrine", "latrines", (20, 50, 75, 100)),
        ("people_per_shower", "showers", (50, 100, 150, 200)),
    ],
)
def test_people_per_facility_at_and_around_each_limit(
    indicator: str, field: str, limits: tuple[int, ...]
) -> None:
    # one facility: the people are the ratio; limit + 1 people is just past it
    rows = [{"ind": n, "hh": 1, field: 1} for limit in limits for n in (limit, limit + 1)]
    assert _levels(indicator, *rows) == [1, 2, 2, 3, 3, 4, 4, 5]
    # none working with people there: the worst level; not reported: no level
    assert _levels(indicator, {field: 0}, {field: None}) == [5, None]


@pytest.mark.parametrize(
    ("indicator", "answers"),
    [
        ("health_access", {"on_site": 1, "lt_5km": 1, "gt_5km": 3, "none": 4, "other": None}),
        ("food_access", {"regular": 1, "irregular": 3, "none": 4}),
        ("children_in_school", {"most": 1, "some": 2, "few": 3, "none": 4}),
        ("lighting", {"adequate": 1, "partial": 2, "none": 3}),
        ("site_management", {True: 1, False: 3}),
        ("latrines_separated", {True: 1, False: 2}),
        ("handwashing", {True: 1, False: 3}),
        ("security_incidents", {False: 1, True: 3}),
        ("gbv_referral", {True: 1, False: 3}),
        ("cfm", {True: 1, False: 2}),
    ],
)
def test_each_answer_has_its_level(indicator: str, answers: dict[Any, int | None]) -> None:
    rows = [{indicator: answer} for answer in answers] + [{indicator: None}]
    assert _levels(indicator, *rows) == [*answers.values(), None]


def test_closed_and_empty_sites_are_not_scored() -> None:
    rows = [{"water_lpd": 1.0, "site_status": "closed"}, {"water_lpd": 1.0, "ind": 0, "hh": 0}]
    assert _levels("water_lpd", *rows) == [None, None]


def test_water_source_has_no_level() -> None:
    frame = indicator_levels(_sites({"water_source": "surface"}), RULES, "site", ["key"])
    assert "water_source" not in frame.get_column("indicator").to_list()


def _sectors(frame: pl.DataFrame) -> dict[str, tuple[int, str]]:
    sectors = sector_severity(indicator_levels(frame, RULES, "site", ["key"]), RULES, ["key"])
    return {s: (v, w) for s, v, w in sectors.select("sector", "severity", "worst_indicator").rows()}


def test_sector_combination_rules() -> None:
    # shelter (worst): covered space 2 (300 m² for 100), no shelter 4 (30 of 100 households)
    # wash (mean of the two worst, rounded up): water 4, taps 1, latrines 2 (100 people, 2
    #   latrines), showers -, separated 2, handwashing 1 -> (4 + 2) / 2 = 3
    # protection (mean of the two worst): lighting 2, incidents 3, gbv 1, cfm 2 -> 2.5 -> 3
    site = {
        "hh": 100,
        "hh_no_shelter": 30,
        "covered_area_m2": 300.0,
        "water_lpd": 5.0,
        "taps": 1,
        "latrines": 2,
        "latrines_separated": False,
        "handwashing": True,
        "lighting": "partial",
        "security_incidents": True,
        "gbv_referral": True,
        "cfm": False,
    }
    sectors = _sectors(_sites(site))
    assert sectors["shelter"] == (4, "hh_no_shelter_share")
    assert sectors["wash"] == (3, "water_lpd")
    assert sectors["protection"] == (3, "security_incidents")
    assert set(sectors) == {"shelter", "wash", "protection"}  # nothing reported elsewhere


def test_mean_of_two_worst_rounds_up_and_takes_one_alone() -> None:
    # wash: water 4 and latrines 3 (75 people for 1 latrine): (4 + 3) / 2 = 3.5 -> 4
    two = _sectors(_sites({"ind": 75, "water_lpd": 5.0, "latrines": 1}))
    assert two["wash"] == (4, "water_lpd")
    # only one wash indicator reported: its level
    one = _sectors(_sites({"water_lpd": 9.0}))
    assert one["wash"] == (3, "water_lpd")
    # four levels 5, 5, 1, 1: the two worst are 5 and 5
    worst = _sectors(_sites({"water_lpd": 1.0, "taps": 0, "latrines_separated": True}))
    assert worst["wash"] == (5, "water_lpd")


def test_overall_severity_is_the_worst_sector_or_the_declared_rule() -> None:
    frame = _sites(
        {"water_lpd": 9.0, "food_access": "none", "lighting": "adequate"},  # wash 3, food 4
        {"water_lpd": 15.0, "lighting": "partial"},  # wash 1, protection 2
    )
    sectors = sector_severity(indicator_levels(frame, RULES, "site", ["key"]), RULES, ["key"])
    overall = overall_severity(sectors, RULES, ["key"])
    assert overall.rows() == [(0, 4, "food"), (1, 2, "protection")]
    text = (
        shipped_text("sphere-2018-v2")
        .replace("version: sphere-2018-v2", "version: two-worst")
        .replace("overall: worst", "overall: mean_of_two_worst")
    )
    mean = overall_severity(sectors, ruleset_parse(text, name="t.yaml"), ["key"])
    assert mean.rows() == [(0, 4, "food"), (1, 2, "protection")]  # (4+3)/2 -> 4; (2+1)/2 -> 2


def test_location_indicators_read_the_baseline() -> None:
    frame = pl.DataFrame(
        {
            "key": [1, 2],
            "idp_hh": [40, 40],
            "idp_hh_makeshift": [4, 5],  # 10 % -> 2; 12.5 % -> 3
            "priority_needs": [["water", "food"], []],
        },
        schema={
            "key": pl.Int64,
            "idp_hh": pl.Int64,
            "idp_hh_makeshift": pl.Int64,
            "priority_needs": pl.List(pl.Utf8),
        },
    )
    levels = indicator_levels(frame, RULES, "location", ["key"])
    got = {(k, i): v for k, i, v in levels.select("key", "indicator", "level").rows()}
    assert got[(1, "makeshift_share")] == 2
    assert got[(2, "makeshift_share")] == 3
    assert got[(1, "need_wash")] == 2 and got[(1, "need_food")] == 2
    assert got[(1, "need_health")] == 1 and got[(2, "need_wash")] == 1
