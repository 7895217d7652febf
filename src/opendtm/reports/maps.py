"""The map of a PDF, drawn on the server as SVG: no browser, no tiles, offline.

The layers are the dashboard's own: the admin outlines of `gazetteer.outlines` shaded by
`web.charts.choropleth_data` (same classes, same colours), and circles for IDP individuals at
unit centroids and in sites, as `web.charts.map_data` gives them. Here they are only projected
(longitude scaled by the cosine of the middle latitude, so a degree looks the same both ways)
and written as SVG paths; a circle's area grows with its value. Values are never changed: a
hidden count is a small grey circle.
"""

from __future__ import annotations

import math
from typing import Any
from xml.sax.saxutils import escape

from opendtm.figures.results import AdminFigures, SiteFigures
from opendtm.gazetteer.outlines import outline_levels, unit_outlines
from opendtm.web import charts

WIDTH = 640.0
MAX_HEIGHT = 520.0
MAX_RADIUS = 22.0
MARGIN = MAX_RADIUS + 4  # a circle at the edge stays whole
MIN_RADIUS = 2.5
UNIT_COLOUR = "#1f5f99"
SITE_COLOUR = "#c55a11"
OUTLINE_MAX_UNITS = 400  # as the dashboard: more outlines make a heavy file


def choropleth(country_iso3: str, answers: list[AdminFigures]) -> dict[str, Any] | None:
    """The finest answer whose level has outlines (and at most OUTLINE_MAX_UNITS rows),
    as `charts.choropleth_data` shades it; None without outlines."""
    levels = outline_levels(country_iso3)
    for answer in sorted(answers, key=lambda a: -a.level):
        if answer.level in levels and answer.rows.height <= OUTLINE_MAX_UNITS:
            outlines = unit_outlines(answer.rows.get_column("unit_id").to_list())
            return charts.choropleth_data(answer, outlines)
    return None


class _Frame:
    """Longitude/latitude to SVG coordinates fitting every point in WIDTH x height."""

    def __init__(self, lons: list[float], lats: list[float]) -> None:
        self.west, self.east = min(lons), max(lons)
        self.south, self.north = min(lats), max(lats)
        self.scale_x = math.cos(math.radians((self.south + self.north) / 2))
        span_x = max((self.east - self.west) * self.scale_x, 1e-6)
        span_y = max(self.north - self.south, 1e-6)
        self.unit = min((WIDTH - 2 * MARGIN) / span_x, (MAX_HEIGHT - 2 * MARGIN) / span_y)
        self.height = span_y * self.unit + 2 * MARGIN
        if self.east == self.west and self.north == self.south:  # one point: centre it
            self.unit, self.height = 1.0, 2 * MARGIN + 2 * MAX_RADIUS

    def x(self, lon: float) -> float:
        if self.east == self.west:
            return WIDTH / 2
        return MARGIN + (lon - self.west) * self.scale_x * self.unit

    def y(self, lat: float) -> float:
        if self.north == self.south:
            return self.height / 2
        return MARGIN + (self.north - lat) * self.unit


Circle = tuple[str, float, float, Any]  # kind ("unit" or "site"), longitude, latitude, value


def _circles(kind: str, layer: dict[str, Any] | None) -> list[Circle]:
    if not layer:
        return []
    places = zip(layer["lon"], layer["lat"], layer["value"], strict=True)
    return [(kind, lon, lat, value) for lon, lat, value in places]


def round_map(units: AdminFigures, sites: SiteFigures, areas: dict[str, Any] | None) -> str | None:
    """The dashboard's map of a round: shaded outlines, unit and site circles."""
    data = charts.map_data(units, sites, areas)
    circles = _circles("unit", data.get("units")) + _circles("site", data.get("sites"))
    return map_svg(circles, (areas or {}).get("areas", []), title="Map of displacement")


def site_map(site: Any, value: int | None) -> str | None:
    """The site's place within the outline of the finest unit above it that has one; None
    when no unit above it has an outline."""
    circles: list[Circle] = []
    if site.latitude is not None and site.longitude is not None:
        circles.append(("site", site.longitude, site.latitude, value))
    unit, polygons = site.admin_unit, []
    while unit is not None:
        rings = unit_outlines([unit.pk]).get(unit.pk)
        if rings:
            xs: list[float | None] = []
            ys: list[float | None] = []
            for ring_x, ring_y in rings:
                xs += [*ring_x, None]
                ys += [*ring_y, None]
            polygons.append({"x": xs, "y": ys, "colour": charts.CLASS_COLOURS[0]})
            break
        unit = unit.parent
    if not polygons:  # a lone dot on a blank square tells nothing
        return None
    return map_svg(circles, polygons, title=f"Location of {site.name}")


def map_svg(circles: list[Circle], polygons: list[dict[str, Any]], *, title: str) -> str | None:
    """The SVG of the polygons (`x`, `y` rings joined by None, `colour`) and circles; None
    when nothing has a place to draw."""
    lons = [c[1] for c in circles] + [x for a in polygons for x in a["x"] if x is not None]
    lats = [c[2] for c in circles] + [y for a in polygons for y in a["y"] if y is not None]
    if not lons:
        return None
    frame = _Frame(lons, lats)
    largest = max((c[3] for c in circles if c[3] is not None), default=0) or 1
    quote = {'"': "&quot;"}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:.0f} {frame.height:.0f}" '
        f'width="{WIDTH:.0f}" height="{frame.height:.0f}" role="img" '
        f'aria-label="{escape(title, quote)}">',
        f'<rect width="{WIDTH:.0f}" height="{frame.height:.0f}" fill="#ffffff"/>',
    ]
    for area in polygons:
        parts.append(
            f'<path d="{_path(frame, area["x"], area["y"])}" fill="{area["colour"]}" '
            'stroke="#555555" stroke-width="0.6" fill-rule="evenodd"/>'
        )
    # Big circles first, so the small ones stay visible on top.
    for kind, lon, lat, value in sorted(circles, key=lambda c: -(c[3] or 0)):
        colour = UNIT_COLOUR if kind == "unit" else SITE_COLOUR
        if value is None:
            radius, fill = MIN_RADIUS, charts.HIDDEN_COLOUR
        else:
            radius, fill = max(MIN_RADIUS, MAX_RADIUS * math.sqrt(value / largest)), colour
        parts.append(
            f'<circle cx="{frame.x(lon):.1f}" cy="{frame.y(lat):.1f}" r="{radius:.1f}" '
            f'fill="{fill}" fill-opacity="0.6" stroke="{colour}" stroke-width="0.8"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _path(frame: _Frame, xs: list[float | None], ys: list[float | None]) -> str:
    """Rings joined by None gaps (as `choropleth_data` gives them) as one SVG path."""
    out: list[str] = []
    start = True
    for x, y in zip(xs, ys, strict=True):
        if x is None or y is None:
            if not start:
                out.append("Z")
            start = True
            continue
        out.append(f"{'M' if start else 'L'}{frame.x(x):.1f} {frame.y(y):.1f}")
        start = False
    if not start:
        out.append("Z")
    return " ".join(out)
