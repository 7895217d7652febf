"""Outlines of admin units for maps: polygons simplified once, at load, and read as rings.

A dashboard draws a choropleth offline, as filled polygons on plain longitude/latitude axes
(no base map, no tiles from the internet). The stored polygons are as precise as the COD-AB
(a region of the Philippines is thousands of vertices); a map a few hundred pixels wide needs
one vertex every few hundred metres. Each outline is simplified with a tolerance of 1/500 of
its own bounding box (small units keep their shape) and coordinates are kept to 4 decimals
(about 10 m).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
import shapely

from opendtm.gazetteer.models import AdminBoundary

SHARE_OF_EXTENT = 1 / 500
PRECISION = 1e-4

Rings = list[tuple[list[float], list[float]]]
"""An outline as rings: each ring its longitudes and its latitudes, closed."""


def outlines_simplify(wkb: Sequence[bytes]) -> list[bytes]:
    """The display outlines (WKB) of the given polygons, one each, in order (vectorised)."""
    if not wkb:
        return []
    geoms = shapely.from_wkb(np.array(wkb, dtype=object))
    bounds = shapely.bounds(geoms)
    extent = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
    simple = shapely.simplify(geoms, extent * SHARE_OF_EXTENT, preserve_topology=True)
    fixed = shapely.set_precision(simple, PRECISION)
    empty = shapely.is_empty(fixed)  # a sliver below the precision: keep the simplified one
    fixed[empty] = simple[empty]
    return [bytes(b) for b in shapely.to_wkb(fixed)]


def _rings(geometry: shapely.Geometry) -> Rings:
    rings: Rings = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        if not isinstance(polygon, shapely.Polygon):
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            xs, ys = ring.xy
            rings.append((list(xs), list(ys)))
    return rings


def unit_outlines(unit_ids: Sequence[int]) -> dict[int, Rings]:
    """The display outline of each of the units that has a boundary, as rings. One query
    (units loaded before outlines were stored are simplified here)."""
    found = AdminBoundary.objects.filter(unit_id__in=list(unit_ids)).values_list(
        "unit_id", "display_wkb", "wkb"
    )
    rows = list(found)
    missing = [bytes(wkb) for _, display, wkb in rows if display is None]
    simplified = iter(outlines_simplify(missing))
    outlines: dict[int, Rings] = {}
    for unit_id, display, _ in rows:
        data = bytes(display) if display is not None else next(simplified)
        outlines[unit_id] = _rings(shapely.from_wkb(data))
    return outlines


def outline_levels(country_iso3: str) -> set[int]:
    """The levels of the country at which some unit has a boundary. One query."""
    return set(
        AdminBoundary.objects.filter(unit__country_iso3=country_iso3)
        .values_list("unit__level", flat=True)
        .distinct()
    )


# --- the base map: coasts and country borders -----------------------------------------------

BASEMAP = Path(__file__).with_name("data") / "natural_earth_50m.json"
BASEMAP_SOURCE = "Natural Earth 1:50m (public domain), via the npm package world-atlas 2.0.2"
Lines = tuple[list[float | None], list[float | None]]
"""Lines for one Plotly trace: longitudes and latitudes, each line ended by a None gap."""


@cache
def _basemap_lines() -> dict[str, np.ndarray]:
    """The shipped coasts and borders as arrays of LineStrings, decoded once per process."""
    data = json.loads(BASEMAP.read_text())
    quantum = data["quantum"]
    lines = {}
    for kind in ("coast", "borders"):
        decoded = [
            shapely.LineString(np.cumsum(np.array(flat).reshape(-1, 2), axis=0) * quantum)
            for flat in data[kind]
        ]
        lines[kind] = np.array(decoded, dtype=object)
    return lines


def basemap(bounds: tuple[float, float, float, float]) -> dict[str, Lines]:
    """The coasts and country borders inside `bounds` (min lon, min lat, max lon, max lat),
    clipped and simplified to the box server-side, so a page carries only what it draws."""
    west, south, east, north = bounds
    tolerance = max(east - west, north - south) * SHARE_OF_EXTENT
    out: dict[str, Lines] = {}
    for kind, lines in _basemap_lines().items():
        near = lines[shapely.intersects(lines, shapely.box(*bounds))]
        clipped = shapely.simplify(shapely.clip_by_rect(near, west, south, east, north), tolerance)
        xs: list[float | None] = []
        ys: list[float | None] = []
        for geometry in clipped:
            for part in getattr(geometry, "geoms", [geometry]):
                if part.is_empty or not isinstance(part, shapely.LineString):
                    continue
                coords = np.round(shapely.get_coordinates(part), 3)
                xs += [*coords[:, 0].tolist(), None]
                ys += [*coords[:, 1].tolist(), None]
        out[kind] = (xs, ys)
    return out
