"""Sector indicators of site assessments: values, scores against Sphere, what each user sees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opendtm.mobility.indicators import INDICATORS, SOURCE_FIELDS, VERSION, indicators_frame
from opendtm.mobility.models import SiteAssessment
from opendtm.mobility.queries import site_indicators
from tests.figures.conftest import World, world_build

LABELS = {"health_access": {"lt_5km": "Less than 5 km"}, "food_access": {"regular": "Regular"}}


def _assessments(*rows: dict[str, Any]) -> pl.DataFrame:
    schema: dict[str, Any] = dict.fromkeys(SOURCE_FIELDS, pl.Int64) | {"key": pl.Int64}
    for name in ("covered_area_m2", "water_lpd"):
        schema[name] = pl.Float64
    for name in (
        "site_status",
        "water_source",
        "health_access",
        "food_access",
        "children_in_school",
        "lighting",
    ):
        schema[name] = pl.Utf8
    for name in ("latrines_separated", "handwashing", "security_incidents", "gbv_referral"):
        schema[name] = pl.Boolean
    schema["cfm"] = schema["site_management"] = pl.Boolean
    return pl.DataFrame([dict.fromkeys(schema) | row for row in rows], schema=schema)


def _by_indicator(frame: pl.DataFrame, key: int) -> dict[str, tuple[str | None, str]]:
    rows = frame.filter(pl.col("key") == key).select("indicator", "value", "status").rows()
    return {indicator: (value, status) for indicator, value, status in rows}


def test_values_and_scores_of_two_assessments() -> None:
    full = {
        "key": 1,
        "ind": 500,
        "hh": 100,
        "hh_no_shelter": 5,
        "covered_area_m2": 2000.0,
        "water_lpd": 12.5,
        "taps": 2,
        "latrines": 15,
        "showers": 0,
        "latrines_separated": True,
        "handwashing": False,
        "health_access": "lt_5km",
        "food_access": "irregular",
        "site_management": True,
    }
    frame = indicators_frame(_assessments(full, {"key": 2, "ind": 0, "hh": 0}), ["key"], LABELS)
    assert frame.height == 2 * len(INDICATORS)
    assert frame.columns == [
        "key",
        "indicator",
        "sector",
        "label",
        "unit",
        "standard",
        "value",
        "status",
        "level",
    ]
    levels = dict(frame.filter(pl.col("key") == 1).select("indicator", "level").rows())
    # 5 % without shelter: 2; 4 m² each: 1; 12.5 l: 2; 250 per tap: 1; 33.3 per latrine: 2;
    # no shower working: 5; irregular food: 3; the main water source has no level
    assert [levels[k] for k in ("hh_no_shelter_share", "covered_area_pp", "water_lpd")] == [
        2,
        1,
        2,
    ]
    assert [levels[k] for k in ("people_per_tap", "people_per_latrine", "people_per_shower")] == [
        1,
        2,
        5,
    ]
    assert (levels["food_access"], levels["water_source"], levels["cfm"]) == (3, None, None)
    assert set(frame.filter(pl.col("key") == 2).get_column("level").to_list()) == {None}
    assert _by_indicator(frame, 1) == {
        "site_management": ("yes", "meets"),
        "hh_no_shelter_share": ("5", "below"),
        "covered_area_pp": ("4", "meets"),
        "water_lpd": ("12.5", "below"),
        "people_per_tap": ("250", "meets"),
        "people_per_latrine": ("33.3", "emergency"),
        "people_per_shower": ("none working", "below"),
        "latrines_separated": ("yes", "meets"),
        "handwashing": ("no", "below"),
        "water_source": (None, "no_standard"),
        "health_access": ("Less than 5 km", "meets"),
        "food_access": ("irregular", "below"),
        "children_in_school": (None, "no_data"),
        "lighting": (None, "no_data"),
        "security_incidents": (None, "no_data"),
        "gbv_referral": (None, "no_data"),
        "cfm": (None, "no_data"),
    }
    # An empty site: no ratio of nobody, and nothing scored for nobody.
    empty = _by_indicator(frame, 2)
    assert empty["people_per_tap"] == (None, "not_scored")
    assert empty["hh_no_shelter_share"] == (None, "not_scored")
    assert {status for _, status in empty.values()} == {"not_scored", "no_standard"}


def test_the_shown_value_never_contradicts_its_score() -> None:
    """12,851.8 m² for 3,722 people is 3.4529 m² each: below 3.5, and shown as 3.45."""
    rows = [
        {"key": 1, "ind": 3722, "covered_area_m2": 12851.8},
        {"key": 2, "ind": 10_000, "covered_area_m2": 34_999.0},  # 3.4999: not shown as 3.50
        {"key": 3, "ind": 200, "covered_area_m2": 700.0},  # exactly 3.5 meets
        {"key": 4, "ind": 1001, "latrines": 50},  # 20.02 per latrine: not shown as 20
        {"key": 5, "ind": 5001, "latrines": 100},  # 50.01: not shown as 50
        {"key": 6, "ind": 1000, "hh": 1000, "hh_no_shelter": 0, "water_lpd": 14.96},
        {"key": 7, "ind": 1000, "hh": 2001, "hh_no_shelter": 1},  # 0.04998 %: not shown as 0
    ]
    frame = indicators_frame(_assessments(*rows), ["key"], {})

    def shown(key: int, indicator: str) -> tuple[str | None, str]:
        return _by_indicator(frame, key)[indicator]

    assert shown(1, "covered_area_pp") == ("3.45", "below")
    assert shown(2, "covered_area_pp") == ("3.49", "below")
    assert shown(3, "covered_area_pp") == ("3.5", "meets")
    assert shown(4, "people_per_latrine") == ("20.1", "emergency")
    assert shown(5, "people_per_latrine") == ("50.1", "below")
    assert shown(6, "hh_no_shelter_share") == ("0", "meets")
    assert shown(6, "water_lpd") == ("14.9", "below")
    assert shown(7, "hh_no_shelter_share") == ("0.1", "below")


def test_a_closed_or_empty_site_is_not_scored() -> None:
    answers = {"site_management": True, "handwashing": False, "water_lpd": 20.0, "taps": 1}
    frame = indicators_frame(
        _assessments(
            {"key": 1, "site_status": "closed", "ind": 40, "hh": 10, **answers},
            {"key": 2, "site_status": "open", "ind": 0, "hh": 0, **answers},
            {"key": 3, "site_status": "closing", "ind": 40, "hh": 10, **answers},
        ),
        ["key"],
        {},
    )
    for key in (1, 2):
        scored = _by_indicator(frame, key)
        assert scored["site_management"] == ("yes", "not_scored")
        assert scored["water_lpd"] == ("20", "not_scored")
        assert {status for _, status in scored.values()} == {"not_scored", "no_standard"}
    assert _by_indicator(frame, 3)["water_lpd"] == ("20", "meets")
    assert _by_indicator(frame, 3)["handwashing"] == ("no", "below")


@settings(deadline=None, max_examples=60)
@given(
    ind=st.integers(min_value=1, max_value=100_000),
    area=st.floats(min_value=0, max_value=1_000_000, allow_nan=False),
)
def test_covered_space_shown_agrees_with_its_score(ind: int, area: float) -> None:
    frame = indicators_frame(
        _assessments({"key": 1, "ind": ind, "covered_area_m2": area}), ["key"], {}
    )
    value, status = _by_indicator(frame, 1)["covered_area_pp"]
    assert value is not None
    assert status == ("meets" if area / ind >= 3.5 else "below")
    assert (float(value) >= 3.5) == (status == "meets")


@settings(deadline=None, max_examples=60)  # a Polars frame per example: tens of ms
@given(
    ind=st.integers(min_value=0, max_value=100_000),
    taps=st.one_of(st.none(), st.integers(min_value=0, max_value=1_000)),
)
def test_people_per_tap_meets_exactly_when_the_sphere_ratio_holds(
    ind: int, taps: int | None
) -> None:
    frame = indicators_frame(_assessments({"key": 1, "ind": ind, "taps": taps}), ["key"], {})
    _, status = _by_indicator(frame, 1)["people_per_tap"]
    if ind == 0:
        assert status == "not_scored"
    elif taps is None:
        assert status == "no_data"
    elif taps == 0:
        assert status == "below"
    else:
        assert status == ("meets" if ind / taps <= 250 else "below")


@pytest.fixture
def world(db: Any) -> World:
    return world_build()


def _equip_s2(world: World) -> None:
    """Give site S2 its WASH answers in both rounds (the world has population only)."""
    SiteAssessment.objects.filter(site=world.sites["S2"], round=world.rounds[1]).update(
        water_lpd=18.0, taps=1, latrines=1, health_access="on_site"
    )
    SiteAssessment.objects.filter(site=world.sites["S2"], round=world.rounds[2]).update(
        water_lpd=9.0, taps=0, latrines=2, health_access="none"
    )


def _water(frame: pl.DataFrame) -> list[tuple[Any, ...]]:
    return (
        frame.filter(pl.col("indicator").is_in(["water_lpd", "people_per_tap", "health_access"]))
        .select("round", "indicator", "value", "status")
        .rows()
    )


@pytest.mark.django_db
def test_a_viewer_sees_the_published_round_only(
    world: World, django_assert_num_queries: Any
) -> None:
    _equip_s2(world)
    site = world.sites["S2"]
    with django_assert_num_queries(1):  # the assessments; who sees which round is a subquery
        seen = site_indicators(user=world.viewer, operation=world.operation, site=site)
    assert _water(seen) == [
        (1, "water_lpd", "18", "meets"),
        (1, "people_per_tap", "50", "meets"),
        (1, "health_access", "Health facility on site", "meets"),
    ]
    analysed = site_indicators(user=world.analyst, operation=world.operation, site=site)
    assert _water(analysed)[3:] == [
        (2, "water_lpd", "9", "below"),
        (2, "people_per_tap", "none working", "below"),
        (2, "health_access", "No access to health services", "below"),
    ]


def test_the_documented_rule_set_is_the_declared_one() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "web.md").read_text()
    for indicator in INDICATORS:
        standard = str(indicator.standard) or "(no standard)"
        unit = indicator.unit or "answer"
        line = f"| {indicator.sector.label} | {indicator.label} | {unit} | {standard} |"
        assert line in docs, line
    assert VERSION in docs
