"""Every supported file format and layout loads the same units, codes kept as text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import pytest
import shapely

from opendtm.gazetteer.models import AdminBoundary, AdminUnit
from tests.gazetteer.conftest import FIXTURES, level_counts

pytestmark = pytest.mark.django_db

Loader = Callable[..., Any]

# The five municipalities of the hand-made COD-AB file, with their parents and attributes.
WIDE_UNITS = {
    ("PH", "Philippines", 0, None, None, None, None),
    ("PH01", "Ilocos Region", 1, "PH", None, None, None),
    ("PH02", "Cagayan Valley", 1, "PH", None, None, None),
    ("PH01028", "Ilocos Norte", 2, "PH01", None, None, None),
    ("PH01029", "Ilocos Sur", 2, "PH01", None, None, None),
    ("PH02009", "Batanes", 2, "PH02", None, None, None),
    ("PH0102801", "Adams", 3, "PH01028", 2279, 18.453379, 120.919406),
    ("PH0102802", "Bacarra", 3, "PH01028", 32734, 18.267248, 120.612895),
    ("PH0102901", "Alilem", 3, "PH01029", 7117, 16.887, 120.53),
    ("PH0200901", "Basco", 3, "PH02009", 9517, 20.449, 121.97),
    ("PH0200905", "Sabtang", 3, "PH02009", 1667, 20.334, 121.869),
}


def stored_units() -> set[tuple[object, ...]]:
    return {
        (
            u.pcode,
            u.name,
            u.level,
            u.parent.pcode if u.parent else None,
            u.population,
            u.latitude,
            u.longitude,
        )
        for u in AdminUnit.objects.select_related("parent")
    }


def test_wide_csv_loads_every_level_with_parents_and_figures(load: Loader) -> None:
    result = load("wide.csv")
    assert level_counts(result) == {
        0: (1, 0, 0, 0),
        1: (2, 0, 0, 0),
        2: (3, 0, 0, 0),
        3: (5, 0, 0, 0),
        4: (0, 0, 0, 0),
    }
    assert stored_units() == WIDE_UNITS
    assert result.version.label == "wide"
    assert result.version.source == "wide.csv"
    assert result.version.unit_count == 11
    assert AdminUnit.objects.get(pcode="PH0102801").introduced_in == result.version


def test_xlsx_twin_with_upper_case_columns_loads_the_same_units(load: Loader) -> None:
    result = load("wide.xlsx")
    assert result.total().created == 11
    assert stored_units() == WIDE_UNITS


def test_semicolon_csv_with_bom_quotes_and_accents(load: Loader) -> None:
    load("semicolon_bom.csv")
    sabtang = AdminUnit.objects.get(pcode="PH0200905")
    assert sabtang.name == "Sabtang; Santo Niño"
    assert sabtang.population == 1667
    assert sabtang.latitude is None
    assert AdminUnit.objects.get(pcode="PH01").name == "Ilocos Region"


def test_long_layout_derives_levels_from_the_parent_chain(load: Loader) -> None:
    load("long.csv")
    assert {(u.pcode, u.level, u.parent.pcode) for u in AdminUnit.objects.exclude(level=0)} == {
        ("PH01", 1, "PH"),
        ("PH01028", 2, "PH01"),
        ("PH0102801", 3, "PH01028"),
        ("PH02", 1, "PH"),
        ("PH02009", 2, "PH02"),
    }


def test_codes_are_text_leading_zeros_kept(load: Loader, tmp_path: Path) -> None:
    path = tmp_path / "zeros.csv"
    path.write_text(
        "adm1_pcode,adm1_name,adm2_pcode,adm2_name\n01,North,01001,Alpha\n01,North,010,Beta\n"
    )
    load(path)
    assert sorted(AdminUnit.objects.exclude(level=0).values_list("pcode", flat=True)) == [
        "01",
        "010",
        "01001",
    ]


def test_hxl_hashtag_row_under_the_header_is_skipped(load: Loader, tmp_path: Path) -> None:
    path = tmp_path / "hxl.csv"
    path.write_text(
        "adm1_pcode,adm1_name,population\n"
        "#adm1+code,#adm1+name,#population\n"
        "PH01,Ilocos Region,5342453\n"
    )
    load(path)
    assert AdminUnit.objects.get(pcode="PH01").population == 5342453
    assert AdminUnit.objects.count() == 2


def _polygons_as_expected() -> None:
    boxes = {
        b.unit.pcode: (b.min_x, b.min_y, b.max_x, b.max_y)
        for b in AdminBoundary.objects.select_related("unit")
    }
    assert boxes == {
        "PH01028": (120.4, 17.8, 121.0, 18.6),
        "PH01029": (120.2, 16.6, 120.8, 17.8),
        "PH02009": (121.8, 20.2, 122.0, 21.0),
    }
    norte = AdminUnit.objects.get(pcode="PH01028")
    assert (norte.latitude, norte.longitude) == pytest.approx((18.2, 120.7))
    assert norte.population == 618850
    assert AdminUnit.objects.get(pcode="PH02009").population is None
    polygon = shapely.from_wkb(bytes(AdminBoundary.objects.get(unit=norte).wkb))
    assert polygon.geom_type == "Polygon"
    assert polygon.area == pytest.approx(0.6 * 0.8)
    assert {(u.pcode, u.parent.pcode) for u in AdminUnit.objects.filter(level=2)} == {
        ("PH01028", "PH01"),
        ("PH01029", "PH01"),
        ("PH02009", "PH02"),
    }


def test_geojson_keeps_polygons_and_computes_centroids(load: Loader) -> None:
    result = load("adm2.geojson")
    assert level_counts(result)[2] == (3, 0, 0, 0)
    assert result.boundaries_written == 3
    _polygons_as_expected()


def _rewrite(tmp_path: Path, name: str, driver: str, crs: str = "EPSG:4326") -> Path:
    """The GeoJSON fixture written again with pyogrio in another format (and CRS)."""
    meta, _fids, geometry, fields = pyogrio.raw.read(FIXTURES / "adm2.geojson")
    if crs != "EPSG:4326":
        from pyproj import Transformer

        move = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        geoms = shapely.transform(
            shapely.from_wkb(geometry),
            lambda xy: np.column_stack(move.transform(xy[:, 0], xy[:, 1])),
        )
        geometry = shapely.to_wkb(geoms)
    path = tmp_path / name
    pyogrio.raw.write(
        path,
        geometry,
        fields,
        fields=meta["fields"],
        geometry_type="Polygon",
        crs=crs,
        driver=driver,
    )
    return path


def test_geopackage_loads_like_the_geojson(load: Loader, tmp_path: Path) -> None:
    load(_rewrite(tmp_path, "adm2.gpkg", "GPKG"))
    _polygons_as_expected()


def test_shapefile_loads_like_the_geojson(load: Loader, tmp_path: Path) -> None:
    load(_rewrite(tmp_path, "adm2.shp", "ESRI Shapefile"))
    _polygons_as_expected()


def test_projected_geopackage_is_brought_back_to_wgs84(load: Loader, tmp_path: Path) -> None:
    load(_rewrite(tmp_path, "mercator.gpkg", "GPKG", crs="EPSG:3857"))
    box = AdminBoundary.objects.get(unit__pcode="PH01028")
    assert (box.min_x, box.min_y, box.max_x, box.max_y) == pytest.approx(
        (120.4, 17.8, 121.0, 18.6), abs=1e-6
    )
