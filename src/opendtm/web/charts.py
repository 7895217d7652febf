"""Chart data for the pages: the figures query layer's answers reshaped for Plotly.

Nothing here counts or sums: every number comes from `figures.queries` as it is (hidden cells
stay None and are drawn as gaps). The static JS file `web/charts.js` draws what this returns,
read from `json_script` blocks.
"""

from __future__ import annotations

from typing import Any

from opendtm.figures.measures import SEX_AGE
from opendtm.figures.results import AdminFigures, Headline, OriginMatrix, SiteFigures, TimeSeries
from opendtm.gazetteer.outlines import Rings

# The same colours as .swatch.c0 to .c4 in web/static/web/app.css (the legend).
CLASS_COLOURS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
HIDDEN_COLOUR = "#d9d9d9"


def _classes(values: list[int | None]) -> list[int]:
    """Upper bounds of (at most) five classes of the shown values, by quantile."""
    shown = sorted(v for v in values if v is not None)
    if not shown:
        return []
    bounds = sorted({shown[min(len(shown) - 1, (len(shown) * k) // 5)] for k in range(1, 6)})
    return [*bounds[:-1], shown[-1]] if bounds[-1] != shown[-1] else bounds


def choropleth_data(units: AdminFigures, outlines: dict[int, Rings]) -> dict[str, Any] | None:
    """Filled outlines of the units that have one, shaded by IDP individuals in five quantile
    classes (a hidden count is grey), as one path per unit: rings joined by null gaps."""
    rows = units.rows.filter(units.rows["unit_id"].is_in(list(outlines)))
    if rows.is_empty():
        return None
    values = rows.get_column("idp_ind").to_list()
    bounds = _classes(values)
    areas = []
    for unit_id, name, pcode, value in zip(
        rows["unit_id"], rows["name"], rows["pcode"], values, strict=True
    ):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for ring_x, ring_y in outlines[unit_id]:
            xs += [*ring_x, None]
            ys += [*ring_y, None]
        colour = (
            HIDDEN_COLOUR
            if value is None
            else CLASS_COLOURS[next(i for i, b in enumerate(bounds) if value <= b)]
        )
        areas.append(
            {"label": f"{name} ({pcode})", "value": value, "x": xs, "y": ys, "colour": colour}
        )
    legend = [{"upto": bound, "colour": CLASS_COLOURS[i]} for i, bound in enumerate(bounds)]
    return {"level": units.level, "areas": areas, "legend": legend}


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
