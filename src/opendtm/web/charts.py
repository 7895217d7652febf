"""Chart data for the pages: the figures query layer's answers reshaped for Plotly.

Nothing here counts or sums: every number comes from `figures.queries` as it is (hidden cells
stay None and are drawn as gaps). The static JS file `web/charts.js` draws what this returns,
read from `json_script` blocks.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from opendtm.figures.measures import SEX_AGE
from opendtm.figures.results import AdminFigures, Headline, OriginMatrix, SiteFigures, TimeSeries
from opendtm.gazetteer.outlines import Rings

# The same colours as .swatch.c0 to .c4 in web/static/web/app.css (the legend): a blue
# sequential scale for the fills; the circles are orange and purple (`charts.js`), apart from it.
CLASS_COLOURS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
HIDDEN_COLOUR = "#d9d9d9"
MAP_MARGIN = 0.1  # of the box's extent, around what the map shows
MAP_MIN_EXTENT = 0.5  # degrees: a single point still shows its coast


def _nice(value: float) -> int:
    """The smallest of 1, 2, 5 times a power of ten at or above `value` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** (len(str(int(value))) - 1)
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def class_breaks(values: list[int | None]) -> list[int]:
    """Upper bounds of (at most) five classes, at the quintiles of `values` rounded up to a
    nice number (1, 2, 5 x 10^k). Given the values of every round of the operation at one level
    for one measure, every round's map uses the same classes, so rounds compare."""
    shown = sorted(v for v in values if v is not None)
    if not shown:
        return []
    picks = [shown[min(len(shown) - 1, (len(shown) * k) // 5)] for k in range(1, 5)]
    return sorted({_nice(v) for v in [*picks, shown[-1]]})


def class_legend(bounds: list[int]) -> list[dict[str, Any]]:
    """The legend of the classes: each its range (from, to) and its colour; the last class is
    open (`to` None), since a later round may count more than the breaks were made from."""
    starts = [0, *(b + 1 for b in bounds[:-1])]
    ends: list[int | None] = [*bounds[:-1], None]
    return [
        {"from": start, "to": end, "colour": CLASS_COLOURS[i]}
        for i, (start, end) in enumerate(zip(starts, ends, strict=True))
    ]


def _class_colour(value: int | None, bounds: list[int]) -> str:
    if value is None or not bounds:
        return HIDDEN_COLOUR
    return CLASS_COLOURS[next((i for i, b in enumerate(bounds) if value <= b), len(bounds) - 1)]


# Severity 1 (none or minimal) to 5 (catastrophic): a yellow-to-red scale, the same as
# .sev1 to .sev5 in web/static/web/app.css (the table cells and the legend).
SEVERITY_COLOURS = ("#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026")


def severity_colour(level: int | None) -> str:
    return SEVERITY_COLOURS[level - 1] if level is not None and 1 <= level <= 5 else HIDDEN_COLOUR


def severity_choropleth(rows: Any, outlines: dict[int, Rings], level: int) -> dict[str, Any] | None:
    """Filled outlines of the units (rows with `unit_id`, `name`, `pcode`, `severity`) that
    have one, coloured by their severity (1-5; none: grey), as `choropleth_data` draws them."""
    rows = rows.filter(rows["unit_id"].is_in(list(outlines)))
    if rows.is_empty():
        return None
    areas = []
    for unit_id, name, pcode, value in zip(
        rows["unit_id"], rows["name"], rows["pcode"], rows["severity"], strict=True
    ):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for ring_x, ring_y in outlines[unit_id]:
            xs += [*ring_x, None]
            ys += [*ring_y, None]
        areas.append(
            {
                "label": f"{name} ({pcode})",
                "value": value,
                "x": xs,
                "y": ys,
                "colour": severity_colour(value),
            }
        )
    return {"level": level, "areas": areas, "measure": "Severity"}


CHOROPLETH_MEASURE = "idp_ind"  # what the filled outlines are shaded by


def choropleth_data(
    units: AdminFigures, outlines: dict[int, Rings], bounds: list[int]
) -> dict[str, Any] | None:
    """Filled outlines of the units that have one, shaded by IDP individuals in the classes
    `bounds` (`class_breaks`; a hidden count is grey), as one path per unit: rings joined by
    null gaps."""
    rows = units.rows.filter(units.rows["unit_id"].is_in(list(outlines)))
    if rows.is_empty():
        return None
    areas = []
    for unit_id, name, pcode, value in zip(
        rows["unit_id"], rows["name"], rows["pcode"], rows[CHOROPLETH_MEASURE], strict=True
    ):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for ring_x, ring_y in outlines[unit_id]:
            xs += [*ring_x, None]
            ys += [*ring_y, None]
        areas.append(
            {
                "label": f"{name} ({pcode})",
                "value": value,
                "x": xs,
                "y": ys,
                "colour": _class_colour(value, bounds),
            }
        )
    return {"level": units.level, "areas": areas, "legend": class_legend(bounds)}


def map_bounds(data: dict[str, Any]) -> tuple[float, float, float, float] | None:
    """The box (west, south, east, north) around what a map shows (outlines, circles), with a
    margin; None when it shows nothing placed."""
    xs: list[float] = []
    ys: list[float] = []
    for area in data.get("areas", {}).get("areas", []):
        xs += [x for x in area["x"] if x is not None]
        ys += [y for y in area["y"] if y is not None]
    for layer in ("units", "sites"):
        if layer in data:
            xs += data[layer]["lon"]
            ys += data[layer]["lat"]
    if not xs:
        return None
    west, east, south, north = min(xs), max(xs), min(ys), max(ys)
    pad_x = max((east - west) * MAP_MARGIN, (MAP_MIN_EXTENT - (east - west)) / 2, 0)
    pad_y = max((north - south) * MAP_MARGIN, (MAP_MIN_EXTENT - (north - south)) / 2, 0)
    return (west - pad_x, south - pad_y, east + pad_x, north + pad_y)


def map_data(
    units: AdminFigures,
    sites: SiteFigures | None = None,
    areas: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Proportional circles: IDP individuals at unit centroids (and people in sites), over
    a choropleth (`choropleth_data`) where the gazetteer has outlines."""
    rows = units.rows.filter(units.rows["latitude"].is_not_null())
    data: dict[str, Any] = {
        "units": {
            "lat": rows.get_column("latitude").to_list(),
            "lon": rows.get_column("longitude").to_list(),
            "value": rows.get_column("idp_ind").to_list(),
            "label": [f"{n} ({p})" for n, p in zip(rows["name"], rows["pcode"], strict=True)],
        }
    }
    if areas is not None:
        data["areas"] = areas
    if sites is not None:
        located = sites.rows.filter(sites.rows["site_latitude"].is_not_null())
        data["sites"] = {
            "lat": located.get_column("site_latitude").to_list(),
            "lon": located.get_column("site_longitude").to_list(),
            "value": located.get_column("ind").to_list(),
            "label": located.get_column("site_name").to_list(),
        }
    return data


def trend_data(series: TimeSeries) -> dict[str, Any]:
    """IDP and returnee individuals by round."""
    rows = series.rows
    return {
        "rounds": [f"R{n}" for n in rows.get_column("round_number").to_list()],
        "idp_ind": rows.get_column("idp_ind").to_list(),
        "returnee_idp_ind": rows.get_column("returnee_idp_ind").to_list(),
    }


def pyramid_data(values: dict[str, int | None]) -> dict[str, Any]:
    """Sex and age brackets (females left, males right) from SEX_AGE measures."""
    female = [m for m in SEX_AGE if m.name.startswith("ind_f_")]
    male = [m for m in SEX_AGE if m.name.startswith("ind_m_")]
    return {
        "brackets": [m.label.split(" ", 1)[1] for m in female],
        "female": [values.get(m.name) for m in female],
        "male": [values.get(m.name) for m in male],
    }


def headline_pyramid(headline: Headline) -> dict[str, Any]:
    """The round's pyramid: the people in the sites that gave all ten groups (`sites` of them),
    not all the IDPs, whose breakdown the baselines give (`idp_ind_f_lt1`, ...)."""
    return pyramid_data(headline.figures) | {"sites": headline.figures["sadd_sites"] or 0}


def origins_top(matrix: OriginMatrix, count: int = 10) -> list[dict[str, Any]]:
    """The origins with most IDPs (hidden values last), as rows for a table."""
    rows = matrix.rows.sort("origin_ind", descending=True, nulls_last=True).head(count)
    return list(rows.iter_rows(named=True))


def sites_pyramid(sites: SiteFigures) -> dict[str, Any]:
    """The pyramid of the kept sites (a site filter): their totals' groups, summed by the query
    layer over the sites that gave all ten (`sites` of them)."""
    return pyramid_data(sites.totals) | {"sites": int(sites.rows.get_column("sadd").sum())}


def events_layer(events: Iterable[Any]) -> dict[str, Any]:
    """Events (not verified, never a round figure) as their own map layer: a marker where the
    displaced went (a site, else the unit), else at the event's area, sized by individuals."""
    lat: list[float] = []
    lon: list[float] = []
    value: list[int] = []
    label: list[str] = []
    for e in events:
        site = e.to_site
        unit = e.to_unit or e.admin_unit
        if site is not None and site.latitude is not None and site.longitude is not None:
            point = (site.latitude, site.longitude)
        elif unit.latitude is not None and unit.longitude is not None:
            point = (unit.latitude, unit.longitude)
        elif e.admin_unit.latitude is not None and e.admin_unit.longitude is not None:
            point = (e.admin_unit.latitude, e.admin_unit.longitude)
        else:
            continue
        lat.append(point[0])
        lon.append(point[1])
        value.append(e.displaced_ind)
        label.append(
            f"{e.get_event_type_display()} {e.event_date.isoformat()} ({e.admin_unit.pcode})"
        )
    return {"lat": lat, "lon": lon, "value": value, "label": label}
