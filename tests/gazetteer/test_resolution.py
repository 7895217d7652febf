"""Resolving codes with a status: current, alternative, retired (through the crosswalk) or
unknown, in a fixed number of queries however many codes are sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendtm.gazetteer.choices import ChangeKind, CodeKind, ResolveStatus
from opendtm.gazetteer.models import AdminUnit, AdminUnitCode, CrosswalkChange, GazetteerVersion
from opendtm.gazetteer.resolution import (
    RESOLUTION_SCHEMA,
    code_resolve,
    codes_resolution_frame,
    codes_resolve,
    resolve_rows,
)
from tests.factories import admin_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree() -> dict[str, Any]:
    """PH01, PH02 with two provinces each; in version v2 PH01002 split into PH01001 and PH02001
    and PH02002 was retired with no successor."""
    units = admin_tree(depth=2, fanout=2)
    first = units["PH"].introduced_in
    first.label = "v1"
    first.save()
    second = GazetteerVersion.objects.create(country_iso3="PHL", label="v2", sha256="0" * 64)
    AdminUnit.objects.filter(pcode__in=["PH01002", "PH02002"]).update(retired_in=second)
    for new in ("PH01001", "PH02001"):
        CrosswalkChange.objects.create(
            country_iso3="PHL",
            from_version=first,
            to_version=second,
            kind=ChangeKind.SPLIT,
            level=2,
            group=1,
            old_unit=units["PH01002"],
            new_unit=units[new],
            old_pcode="PH01002",
            new_pcode=new,
        )
    AdminUnitCode.objects.create(
        country_iso3="PHL",
        code="0100100000",
        unit=units["PH01001"],
        kind=CodeKind.PSGC,
        note="10-digit PSGC code",
    )
    AdminUnitCode.objects.create(
        country_iso3="PHL",
        code="PH09999",
        unit=units["PH02001"],
        kind=CodeKind.COD_AB,
        note="COD-AB 2023 code, under PH02",
        edition="cod-ab-2023",
        parent_code="PH02",
    )
    return units


SENT = ["PH01001", " ph 01001", "01001", "0100100000", "PH09999", "PH01002", "PH02002", "PH7", ""]


def test_every_status_with_its_reason(tree: dict[str, Any]) -> None:
    resolved = codes_resolve(country_iso3="phl", codes=SENT)
    assert resolved.select("input", "status", "current_pcode", "reason", "version").rows() == [
        ("PH01001", "current", "PH01001", "", "v2"),
        (" ph 01001", "current", "PH01001", "", "v2"),
        ("01001", "alternative", "PH01001", "without the country prefix", "v2"),
        ("0100100000", "alternative", "PH01001", "10-digit PSGC code", "v2"),
        ("PH09999", "alternative", "PH02001", "COD-AB 2023 code, under PH02", "cod-ab-2023"),
        (
            "PH01002",
            "retired",
            None,
            "split in v2; now PH01001, PH02001: no single unit holds its place",
            "v1",
        ),
        ("PH02002", "retired", None, "retired in v2 with no successor", "v1"),
        ("PH7", "unknown", None, None, None),
        ("", "unknown", None, None, None),
    ]
    assert resolve_rows(resolved).rows() == [
        ("PH01001", "PH01001", "Adm2 PH01001", "2", "v2", "current"),
        (" ph 01001", "PH01001", "Adm2 PH01001", "2", "v2", "current"),
        ("01001", "PH01001", "Adm2 PH01001", "2", "v2", "alternative"),
        ("0100100000", "PH01001", "Adm2 PH01001", "2", "v2", "alternative"),
        ("PH09999", "PH02001", "Adm2 PH02001", "2", "cod-ab-2023", "alternative"),
        (
            "PH01002",
            None,
            "split in v2; now PH01001, PH02001: no single unit holds its place",
            "2",
            "v1",
            "retired",
        ),
        ("PH02002", None, "retired in v2 with no successor", "2", "v1", "retired"),
        ("PH7", None, None, None, None, "unknown"),
        ("", None, None, None, None, "unknown"),
    ]


def test_one_code_follows_the_crosswalk(tree: dict[str, Any]) -> None:
    merged = tree["PH02002"]
    CrosswalkChange.objects.create(
        country_iso3="PHL",
        from_version=GazetteerVersion.objects.get(label="v1"),
        to_version=GazetteerVersion.objects.get(label="v2"),
        kind=ChangeKind.MERGED,
        level=2,
        group=2,
        old_unit=merged,
        new_unit=tree["PH02001"],
        old_pcode="PH02002",
        new_pcode="PH02001",
    )
    answer = code_resolve(country_iso3="PHL", code="ph02002")
    assert (answer.status, answer.unit, answer.current, answer.reason, answer.version) == (
        ResolveStatus.RETIRED,
        merged,
        tree["PH02001"],
        "merged in v2; now PH02001",
        "v1",
    )
    nothing = code_resolve(country_iso3="PHL", code="XX")
    assert (nothing.status, nothing.unit, nothing.current, nothing.reason) == (
        ResolveStatus.UNKNOWN,
        None,
        None,
        "",
    )


@pytest.mark.parametrize("count", [10, 5000])
def test_queries_do_not_grow_with_codes(
    tree: dict[str, Any], django_assert_num_queries: Callable[..., Any], count: int
) -> None:
    codes = [SENT[i % len(SENT)] for i in range(count)]
    with django_assert_num_queries(4):
        resolved = codes_resolve(country_iso3="PHL", codes=codes)
    assert resolved.height == count
    assert resolved["input"].to_list() == codes


def test_the_frame_lists_every_form_once(tree: dict[str, Any]) -> None:
    frame = codes_resolution_frame(country_iso3="PHL")
    assert frame.schema == pl.Schema(RESOLUTION_SCHEMA)
    assert frame["code"].is_unique().all()
    # 7 P-codes and 2 alternative codes, each also with the prefix added or taken off.
    assert frame.height == 2 * (7 + 2)
    assert frame.filter(pl.col("code") == "PH")["status"].to_list() == ["current"]
    assert frame.filter(pl.col("code") == "PH0100100000")["status"].to_list() == ["alternative"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.one_of(st.none(), st.text(max_size=14)), max_size=12))
def test_any_input_gets_one_row_in_order(tree: dict[str, Any], codes: list[str | None]) -> None:
    resolved = codes_resolve(country_iso3="PHL", codes=codes)
    assert resolved["input"].to_list() == ["" if c is None else c for c in codes]
    assert set(resolved["status"].to_list()) <= set(ResolveStatus.values)
    assert resolved.filter(
        (pl.col("status") == "unknown") & pl.col("current_pcode").is_not_null()
    ).is_empty()
