"""The bulk write paths (executemany on SQLite, COPY on PostgreSQL) store the same rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from opendtm.gazetteer.bulk import rows_insert, rows_update
from opendtm.gazetteer.models import AdminBoundary, AdminUnit, AdminUnitCode
from tests.factories import admin_tree

pytestmark = pytest.mark.django_db


def test_rows_insert_then_update_by_a_two_column_key() -> None:
    tree = admin_tree(depth=2, fanout=2)
    a, b = tree["PH01001"], tree["PH01002"]
    rows_insert(
        AdminUnitCode,
        ("country_iso3", "code", "unit_id", "kind", "note"),
        [("PHL", "0100100000", a.pk, "psgc", ""), ("PHL", "PH0100200", b.pk, "other", "it's")],
    )
    rows_update(
        AdminUnitCode,
        ("country_iso3", "code"),
        ("unit_id", "kind", "note"),
        [("PHL", "0100100000", b.pk, "former", "moved: 'a' -> b")],
    )
    assert sorted(AdminUnitCode.objects.values_list("code", "unit__pcode", "kind", "note")) == [
        ("0100100000", "PH01002", "former", "moved: 'a' -> b"),
        ("PH0100200", "PH01002", "other", "it's"),
    ]


def test_rows_update_writes_nulls_dates_and_leaves_other_rows() -> None:
    tree = admin_tree(depth=2, fanout=2)
    version = tree["PH01"].introduced_in
    AdminUnit.objects.filter(pcode="PH01001").update(
        population=5, retired_in=version, valid_to=date(2026, 1, 1)
    )
    unit = tree["PH01001"]
    rows_update(
        AdminUnit,
        ("id",),
        ("name", "population", "latitude", "retired_in_id", "valid_to"),
        [(unit.pk, 'Ñame, "quoted"\ttab', None, 14.5, None, None)],
    )
    unit.refresh_from_db()
    assert (unit.name, unit.population, unit.latitude, unit.retired_in, unit.valid_to) == (
        'Ñame, "quoted"\ttab',
        None,
        14.5,
        None,
        None,
    )
    assert AdminUnit.objects.get(pcode="PH01002").name == "Adm2 PH01002"


def test_binary_polygons_round_trip() -> None:
    unit = admin_tree(depth=1, fanout=1)["PH01"]
    wkb = bytes(range(256)) + b"\x00\\\n\t"
    rows_insert(
        AdminBoundary,
        ("unit_id", "wkb", "min_x", "min_y", "max_x", "max_y"),
        [(unit.pk, wkb, 1.0, 2.0, 3.0, 4.0)],
    )
    assert bytes(AdminBoundary.objects.get(unit=unit).wkb) == wkb
    rows_update(AdminBoundary, ("unit_id",), ("wkb", "max_x"), [(unit.pk, b"\x01\x02", 9.5)])
    stored = AdminBoundary.objects.get(unit=unit)
    assert (bytes(stored.wkb), stored.max_x, stored.min_x) == (b"\x01\x02", 9.5, 1.0)


def test_empty_rows_do_nothing(django_assert_num_queries: Callable[..., Any]) -> None:
    with django_assert_num_queries(0):
        rows_insert(AdminUnitCode, ("code",), [])
        rows_update(AdminUnitCode, ("code",), ("kind",), [])
