"""Area figures computed by hand: the distribution and the 25 % rule, people in need by group
and by sex and age, intersectoral PiN as maximum-then-sum, and priority-need shares."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from opendtm.needs.areas import area_figures, location_places, priority_needs, site_places
from opendtm.needs.rules import ruleset_parse, shipped, shipped_text

RULES = shipped("sphere-2018-v2")


def _places(rows: list[tuple[int, str, str, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema=["unit_id", "place", "group", "population"], orient="row"
    ).with_columns(pl.col("unit_id", "population").cast(pl.Int64))


def _severities(rows: list[tuple[str, str, int]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["place", "sector", "severity"], orient="row").with_columns(
        pl.col("severity").cast(pl.Int64)
    )


def _overall(severities: pl.DataFrame) -> pl.DataFrame:
    return severities.group_by("place").agg(pl.col("severity").max())


def _row(frame: pl.DataFrame, unit: int, sector: str) -> dict[str, Any]:
    rows = frame.filter((pl.col("unit_id") == unit) & (pl.col("sector") == sector)).to_dicts()
    assert len(rows) == 1
    return rows[0]


def _rules(**changes: str) -> Any:
    text = shipped_text("sphere-2018-v2").replace("version: sphere-2018-v2", "version: t-1")
    for old, new in changes.items():
        text = text.replace(old, new)
    return ruleset_parse(text, name="t.yaml")


def test_the_area_severity_is_the_highest_level_holding_a_quarter_at_or_above() -> None:
    # wash in unit 1: 500 people at 1, 300 at 2, 150 at 4, 50 at 5 (1,000 assessed).
    # At or above 5: 5 %; at or above 4: 20 %; at or above 3: 20 %; at or above 2: 50 %
    # -> level 2 (the highest level with >= 25 % at or above it).
    places = _places(
        [
            (1, "a", "sites", 500),
            (1, "b", "sites", 300),
            (1, "c", "host", 150),
            (1, "d", "host", 50),
        ]
    )
    sev = _severities([("a", "wash", 1), ("b", "wash", 2), ("c", "wash", 4), ("d", "wash", 5)])
    wash = _row(area_figures(places, sev, _overall(sev), RULES), 1, "wash")
    assert [wash[f"pop_l{k}"] for k in range(1, 6)] == [500, 300, 0, 150, 50]
    assert wash["assessed"] == 1000 and wash["places"] == 4
    assert wash["severity"] == 2
    # 100 more people at level 4: at or above 4 is 300 / 1,100 = 27.3 % -> level 4
    more = pl.concat([places, _places([(1, "e", "host", 100)])])
    sev_more = pl.concat([sev, _severities([("e", "wash", 4)])])
    assert _row(area_figures(more, sev_more, _overall(sev_more), RULES), 1, "wash")["severity"] == 4


@pytest.mark.parametrize(
    ("at_5", "level"),
    [(250, 5), (249, 4)],  # of 1,000: exactly 25 % at 5 is enough, 24.9 % is not
)
def test_a_quarter_exactly_is_enough(at_5: int, level: int) -> None:
    places = _places(
        [(1, "a", "sites", 1000 - at_5 - 1), (1, "b", "sites", at_5), (1, "c", "host", 1)]
    )
    sev = _severities([("a", "food", 1), ("b", "food", 5), ("c", "food", 4)])
    assert _row(area_figures(places, sev, _overall(sev), RULES), 1, "food")["severity"] == level


def test_the_at_rule_reads_each_level_alone() -> None:
    # 30 % at 1, 20 % at 3, 20 % at 4, 30 % at 5: `at` -> 5 (30 % at 5 itself);
    # 40 % at 1, 30 % at 2, 15 % at 4, 15 % at 5: `at` -> 2, `at_or_above` -> 4 (30 % at >= 4)
    rules = _rules(**{"method: at_or_above": "method: at"})
    places = _places(
        [
            (1, "a", "sites", 400),
            (1, "b", "sites", 300),
            (1, "c", "sites", 150),
            (1, "d", "sites", 150),
        ]
    )
    sev = _severities([("a", "wash", 1), ("b", "wash", 2), ("c", "wash", 4), ("d", "wash", 5)])
    assert _row(area_figures(places, sev, _overall(sev), rules), 1, "wash")["severity"] == 2
    assert _row(area_figures(places, sev, _overall(sev), RULES), 1, "wash")["severity"] == 4


def test_people_in_need_by_group_and_intersectoral_maximum_then_sum() -> None:
    # Unit 1: site a (sites, 100 people) severe in wash, food and shelter (3, 4, 5); location b
    # with 60 IDPs in host communities and 40 returnees, wash 3, food 1, shelter 2.
    places = _places([(1, "a", "sites", 100), (1, "b", "host", 60), (1, "b", "returnees", 40)])
    sev = _severities(
        [
            ("a", "wash", 3),
            ("a", "food", 4),
            ("a", "shelter", 5),
            ("b", "wash", 3),
            ("b", "food", 1),
            ("b", "shelter", 2),
        ]
    )
    frame = area_figures(places, sev, _overall(sev), RULES)
    wash, food, shelter = (_row(frame, 1, s) for s in ("wash", "food", "shelter"))
    assert (wash["pin_ind"], wash["pin_sites"], wash["pin_host"], wash["pin_returnees"]) == (
        200,
        100,
        60,
        40,
    )
    assert (food["pin_ind"], food["pin_sites"], food["pin_host"]) == (100, 100, 0)
    assert (shelter["pin_ind"], shelter["pin_sites"]) == (100, 100)
    across = _row(frame, 1, "intersectoral")
    # per place and group the highest sectoral PiN: a 100 (sites), b 60 (host) + 40 (returnees)
    assert (across["pin_ind"], across["pin_sites"], across["pin_host"]) == (200, 100, 60)
    assert across["pin_returnees"] == 40
    assert "never the sum of sectors" in across["pin_method"]
    # the sum of sectors would say 400
    assert wash["pin_ind"] + food["pin_ind"] + shelter["pin_ind"] == 400


def test_summing_sectors_would_triple_the_intersectoral_figure() -> None:
    # One site of 250 people in need in three sectors: 250 people in need, not 750.
    places = _places([(7, "s", "sites", 250)])
    sev = _severities([("s", "wash", 3), ("s", "health", 4), ("s", "protection", 3)])
    frame = area_figures(places, sev, _overall(sev), RULES)
    sectors = frame.filter(pl.col("sector") != "intersectoral")
    assert sectors.get_column("pin_ind").sum() == 750
    across = _row(frame, 7, "intersectoral")
    assert across["pin_ind"] == 250
    assert across["severity"] == 4 and across["pop_l4"] == 250
    assert frame.get_column("sector").to_list() == ["wash", "health", "protection", "intersectoral"]


def test_sex_and_age_of_people_in_need_come_from_sites_that_gave_all_ten_groups() -> None:
    groups = ["ind_f_lt1", "ind_f_1_5", "ind_f_6_17", "ind_f_18_59", "ind_f_60p"]
    groups += [g.replace("_f_", "_m_") for g in groups]
    whole = dict(zip(groups, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], strict=True))
    sites = pl.DataFrame(
        [
            {"unit_id": 1, "place": "a", "ind": 55, **whole},
            {"unit_id": 1, "place": "b", "ind": 30, **dict.fromkeys(groups, 3)},
            {"unit_id": 1, "place": "c", "ind": 20, **(dict.fromkeys(groups) | {"ind_f_lt1": 20})},
        ]
    )
    sev = _severities([("a", "wash", 3), ("b", "wash", 2), ("c", "wash", 5)])
    wash = _row(area_figures(site_places(sites), sev, _overall(sev), RULES), 1, "wash")
    assert wash["pin_ind"] == 75  # a and c
    assert wash["pin_ind_f_lt1"] == 1  # c gave only one group: not counted by sex and age
    assert wash["pin_ind_m_60p"] == 10


def test_location_places_keep_idps_outside_sites_and_returnees() -> None:
    baselines = pl.DataFrame(
        {
            "unit_id": [1, 1],
            "place": ["l1", "l2"],
            "idp_ind": [300, 50],
            "idp_hh": [60, 0],
            "idp_hh_sites": [20, None],  # a third of the households live in sites
            "returnee_idp_ind": [10, 0],
            "returnee_abroad_ind": [5, None],
        }
    )
    got = location_places(baselines).sort("place", "group").rows()
    assert got == [
        (1, "l1", "host", 200),
        (1, "l1", "returnees", 15),
        (1, "l2", "host", 50),
        (1, "l2", "returnees", 0),
    ]


def test_priority_need_shares_of_locations_idps_and_ranked_sites() -> None:
    locations = pl.DataFrame(
        {
            "unit_id": [1, 1, 1, 1],
            "place": ["l1", "l2", "l3", "l4"],
            "idp_ind": [100, 300, 600, 50],
            "priority_needs": [["food", "water"], ["food"], ["shelter"], []],  # l4: no answer
        },
        schema={
            "unit_id": pl.Int64,
            "place": pl.Utf8,
            "idp_ind": pl.Int64,
            "priority_needs": pl.List(pl.Utf8),
        },
    )
    # site s1 (100 people): food, water, shelter; s2 (300 people): shelter, food, -
    sites = pl.DataFrame(
        {
            "unit_id": [1, 1],
            "place": ["s1", "s2"],
            "ind": [100, 300],
            "priority_need_1": ["food", "shelter"],
            "priority_need_2": ["water", "food"],
            "priority_need_3": ["shelter", None],
        }
    )
    frame = priority_needs(locations, sites, RULES)
    got = {
        (r["source"], r["need"]): (
            r["places"],
            r["places_assessed"],
            round(r["share_places"], 4),
            r["people"],
            r["people_assessed"],
            round(r["share_people"], 4),
        )
        for r in frame.to_dicts()
    }
    # locations: 3 answered with 1,000 IDPs; food named by l1, l2 (2 of 3, 400 of 1,000 IDPs)
    assert got[("locations", "food")] == (2, 3, 0.6667, 400, 1000, 0.4)
    assert got[("locations", "shelter")] == (1, 3, 0.3333, 600, 1000, 0.6)
    assert got[("locations", "water")] == (1, 3, 0.3333, 100, 1000, 0.1)
    # sites, weights 3/2/1: s1 gives 6 (food 3, water 2, shelter 1), s2 gives 5 (shelter 3,
    # food 2): food 5/11, shelter 4/11, water 2/11. By people: s1 600 (300/200/100), s2 1,500
    # (900/600): food (300 + 600) / 2,100, shelter (100 + 900) / 2,100, water 200 / 2,100
    assert got[("sites", "food")] == (2, 2, 0.4545, 400, 400, 0.4286)
    assert got[("sites", "shelter")] == (2, 2, 0.3636, 400, 400, 0.4762)
    assert got[("sites", "water")] == (1, 2, 0.1818, 100, 400, 0.0952)
    assert frame.get_column("need").to_list() == [
        "food",
        "shelter",
        "water",
        "food",
        "shelter",
        "water",
    ]
