"""Reads: resolving any accepted form of a code, in bulk with a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from opendtm.gazetteer.choices import CodeKind
from opendtm.gazetteer.models import AdminUnitCode
from opendtm.gazetteer.queries import (
    current_units,
    unit_ancestors,
    unit_children,
    unit_detail,
    unit_resolve,
    units_resolve,
    versions_list,
)
from tests.factories import admin_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree() -> dict[str, Any]:
    units = admin_tree(depth=4, fanout=2)
    leaf = units["PH0100101001"]
    AdminUnitCode.objects.create(
        country_iso3="PHL", code="0100101001", unit=leaf, kind=CodeKind.PSGC
    )
    AdminUnitCode.objects.create(
        country_iso3="PHL", code="PH010101001", unit=leaf, kind=CodeKind.CORRESPONDENCE
    )
    return units


@pytest.mark.parametrize(
    "sent",
    ["PH0100101001", "ph0100101001", " PH 0100101001 ", "0100101001", "ph010101001", "010101001"],
)
def test_unit_resolve_accepts_every_form(tree: dict[str, Any], sent: str) -> None:
    assert unit_resolve(country_iso3="phl", code=sent) == tree["PH0100101001"]


@pytest.mark.parametrize("sent", ["PH9999", "", "   ", "0100101002X", "PH01\x00"])
def test_unit_resolve_unknown_is_none(tree: dict[str, Any], sent: str) -> None:
    assert unit_resolve(country_iso3="PHL", code=sent) is None


def test_prefixless_pcode_resolves(tree: dict[str, Any]) -> None:
    assert unit_resolve(country_iso3="PHL", code="01001") == tree["PH01001"]


def test_units_resolve_few_codes_in_two_queries(
    tree: dict[str, Any], django_assert_num_queries: Callable[..., Any]
) -> None:
    codes = ["PH01", "ph0100101001", "010101001", "nope", "PH0200202"]
    with django_assert_num_queries(2):
        found = units_resolve(country_iso3="PHL", codes=codes)
    assert {k: (v.pcode if v else None) for k, v in found.items()} == {
        "PH01": "PH01",
        "ph0100101001": "PH0100101001",
        "010101001": "PH0100101001",
        "nope": None,
        "PH0200202": "PH0200202",
    }


def test_units_resolve_many_codes_in_two_queries(
    tree: dict[str, Any], django_assert_num_queries: Callable[..., Any]
) -> None:
    codes = [f"PH9{i:05d}" for i in range(3000)] + list(tree) + ["0100101001"]
    with django_assert_num_queries(2):
        found = units_resolve(country_iso3="PHL", codes=codes)
    assert len(found) == 3000 + len(tree) + 1
    assert sum(unit is not None for unit in found.values()) == len(tree) + 1
    assert found["0100101001"] == tree["PH0100101001"]
    assert all(found[pcode] == unit for pcode, unit in tree.items())


def test_unit_ancestors_in_one_query(
    tree: dict[str, Any], django_assert_num_queries: Callable[..., Any]
) -> None:
    with django_assert_num_queries(1):
        chain = unit_ancestors(tree["PH0100101001"])
    assert [u.pcode for u in chain] == ["PH", "PH01", "PH01001", "PH0100101"]
    assert unit_ancestors(tree["PH"]) == []


def test_children_and_detail(tree: dict[str, Any]) -> None:
    assert [u.pcode for u in unit_children(tree["PH01001"])] == ["PH0100101", "PH0100102"]
    detail = unit_detail(tree["PH0100101001"])
    assert [c.code for c in detail.codes] == ["PH010101001", "0100101001"]
    assert detail.children == 0
    assert [u.pcode for u in detail.ancestors] == ["PH", "PH01", "PH01001", "PH0100101"]


def test_current_units_parents_first(tree: dict[str, Any]) -> None:
    pcodes = list(current_units(country_iso3="phl", max_level=2).values_list("pcode", flat=True))
    assert pcodes == ["PH", "PH01", "PH02", "PH01001", "PH01002", "PH02001", "PH02002"]


def test_versions_list_counts_units_per_level(load: Callable[..., Any]) -> None:
    first = load("wide.csv").version
    second = load("wide_v2.csv").version
    summaries = versions_list(country_iso3="phl")
    assert [(s.version, s.levels) for s in summaries] == [
        (first, {0: 1, 1: 2, 2: 3, 3: 5}),
        (second, {0: 1, 1: 2, 2: 3, 3: 5}),
    ]
    assert versions_list(country_iso3="KEN") == []
