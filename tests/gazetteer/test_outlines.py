"""Outlines for maps: simplified once at load, read back as rings in one query."""

from __future__ import annotations

import math
from typing import Any

import pytest
import shapely

from opendtm.gazetteer.models import AdminBoundary, AdminUnit
from opendtm.gazetteer.outlines import basemap, outline_levels, outlines_simplify, unit_outlines


def _circle(points: int, radius: float = 1.0) -> shapely.Polygon:
    return shapely.Polygon(
        [
            (
                radius * math.cos(2 * math.pi * k / points),
                radius * math.sin(2 * math.pi * k / points),
            )
            for k in range(points)
        ]
    )


def test_a_detailed_coast_is_simplified_and_a_square_kept() -> None:
    square = shapely.box(120.0, 10.0, 121.0, 11.0)
    coast = _circle(20_000)
    shown = [shapely.from_wkb(w) for w in outlines_simplify([coast.wkb, square.wkb])]
    assert shapely.get_num_coordinates(shown[0]) < 200  # from 20,001
    assert abs(shown[0].area - coast.area) / coast.area < 0.01
    assert shapely.equals(shown[1], square)
    assert outlines_simplify([]) == []


@pytest.mark.django_db
def test_loading_stores_outlines_and_reads_them_as_rings(load: Any) -> None:
    load("hti_adm1_2022.geojson", country_iso3="HTI")
    assert AdminBoundary.objects.filter(display_wkb__isnull=True).count() == 0
    west = AdminUnit.objects.get(pcode="HT01")
    AdminBoundary.objects.filter(unit__pcode="HT02").update(display_wkb=None)  # an older load
    east = AdminUnit.objects.get(pcode="HT02")
    outlines = unit_outlines([west.pk, east.pk, 999_999])  # the same squares either way
    assert outlines == {
        west.pk: [([-73.0, -71.0, -71.0, -73.0, -73.0], [20.0, 20.0, 18.0, 18.0, 20.0])],
        east.pk: [([-71.0, -69.0, -69.0, -71.0, -71.0], [20.0, 20.0, 18.0, 18.0, 20.0])],
    }
    assert outline_levels("HTI") == {1}
    assert outline_levels("PHL") == set()


def test_the_basemap_is_clipped_to_the_box_it_is_asked_for() -> None:
    """Natural Earth 1:50m, shipped in the package: the Philippines have coasts and no land
    border; France and Germany share one; the open Pacific has neither."""
    philippines = basemap((116.0, 4.0, 127.5, 21.5))
    xs, ys = philippines["coast"]
    points = [(x, y) for x, y in zip(xs, ys, strict=True) if x is not None]
    assert 300 < len(points) < 2_000  # the islands' coasts, simplified to the box
    assert all(116 <= x <= 127.5 and 4 <= y <= 21.5 for x, y in points)
    assert xs[-1] is None and len(xs) == len(ys)  # each line ends with a gap
    rhine = basemap((6.0, 47.0, 9.0, 50.0))
    assert len([x for x in rhine["borders"][0] if x is not None]) > 10
    assert basemap((-130.0, -50.0, -120.0, -40.0)) == {"coast": ([], []), "borders": ([], [])}
