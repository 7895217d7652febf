"""The one bulk writer (executemany on SQLite, COPY on PostgreSQL) stores the same rows on both."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from opendtm.core import bulk
from opendtm.core.bulk import rows_insert, rows_update
from opendtm.gazetteer.models import AdminBoundary, AdminUnit, AdminUnitCode
from opendtm.operations.models import Site
from tests.factories import OperationFactory, UserFactory, admin_tree

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


AWKWARD = [
    "tab\there",
    "line\nbreak\r\nand CRLF",
    "back\\slash \\N \\. \\t",
    "quotes ' \" `",
    "Ñuñoa, Île-de-France, ሰላም, 台風, 🏕️",
    "",
    "\\N",
]


def _site_rows(operation_id: int, unit_id: int, user_id: int, names: list[str]) -> list[tuple]:
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(datetime(2026, 11, 20, 8, 30, tzinfo=UTC))
    return [
        (
            operation_id,
            f"S-{i:03d}",
            name,
            "evacuation_centre",
            unit_id,
            None if i % 2 else 10.25 + i,
            None,
            None if i % 2 else ops.adapt_datefield_value(date(2026, 11, 1 + i)),
            "open",
            None,
            name,
            stamp,
            stamp,
            None if i % 3 else user_id,
        )
        for i, name in enumerate(names)
    ]


SITE_NAMES = (
    "operation",  # a field name ...
    "site_id",
    "name",
    "site_type",
    "admin_unit_id",  # ... an attname ...
    "latitude",
    "longitude",
    "opened_on",
    "status",
    "closed_on",
    "closure_reason",
    "created_at",
    "updated_at",
    "created_by",
)


def test_rows_insert_stores_exact_text_nulls_and_dates_from_a_generator() -> None:
    operation = OperationFactory()
    unit = admin_tree(depth=1, fanout=1)["PH01"]
    user = UserFactory()
    rows = _site_rows(operation.pk, unit.pk, user.pk, AWKWARD)
    rows_insert(Site, SITE_NAMES, (row for row in rows))
    stored = list(
        Site.objects.order_by("site_id").values_list(
            "site_id", "name", "closure_reason", "latitude", "longitude", "opened_on",
            "closed_on", "created_by_id", "created_at",
        )
    )  # fmt: skip
    stamp = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    assert stored == [
        ("S-000", "tab\there", "tab\there", 10.25, None, date(2026, 11, 1), None, user.pk, stamp),
        ("S-001", AWKWARD[1], AWKWARD[1], None, None, None, None, None, stamp),
        ("S-002", AWKWARD[2], AWKWARD[2], 12.25, None, date(2026, 11, 3), None, None, stamp),
        ("S-003", AWKWARD[3], AWKWARD[3], None, None, None, None, user.pk, stamp),
        ("S-004", AWKWARD[4], AWKWARD[4], 14.25, None, date(2026, 11, 5), None, None, stamp),
        ("S-005", "", "", None, None, None, None, None, stamp),
        ("S-006", "\\N", "\\N", 16.25, None, date(2026, 11, 7), None, user.pk, stamp),
    ]
    assert Site.objects.filter(name__isnull=True).count() == 0


@settings(max_examples=25, deadline=None)
@given(
    texts=st.lists(
        # NUL is refused by PostgreSQL; a lone surrogate is no text at all (not UTF-8 encodable)
        st.text(alphabet=st.characters(exclude_characters="\x00", exclude_categories=("Cs",))),
        max_size=4,
    )
)
def test_any_text_but_nul_round_trips(texts: list[str]) -> None:
    unit = AdminUnit.objects.filter(pcode="PH01").first() or admin_tree(depth=1, fanout=1)["PH01"]
    AdminUnitCode.objects.filter(unit=unit, kind="other").delete()  # whatever an example left
    rows = [("PHL", f"C{i}", unit.pk, "other", text[:300]) for i, text in enumerate(texts)]
    rows_insert(AdminUnitCode, ("country_iso3", "code", "unit", "kind", "note"), rows)
    stored = AdminUnitCode.objects.filter(unit=unit, kind="other").order_by("code")
    assert list(stored.values_list("note", flat=True)) == [text[:300] for text in texts]
    AdminUnitCode.objects.filter(unit=unit, kind="other").delete()


def test_rows_insert_takes_an_iterator_a_chunk_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "_SQLITE_CHUNK", 2)
    unit = admin_tree(depth=1, fanout=1)["PH01"]
    rows = [("PHL", f"C{i}", unit.pk, "other", f"n{i}") for i in range(5)]
    rows_insert(AdminUnitCode, ("country_iso3", "code", "unit_id", "kind", "note"), iter(rows))
    assert list(
        AdminUnitCode.objects.filter(kind="other").order_by("code").values_list("code", "note")
    ) == [(f"C{i}", f"n{i}") for i in range(5)]


def test_an_unknown_column_is_refused_before_anything_is_written() -> None:
    unit = admin_tree(depth=1, fanout=1)["PH01"]
    with pytest.raises(ValueError, match="AdminUnitCode has no column colour"):
        rows_insert(AdminUnitCode, ("code", "unit_id", "colour"), [("C1", unit.pk, "red")])
    assert AdminUnitCode.objects.filter(code="C1").count() == 0
