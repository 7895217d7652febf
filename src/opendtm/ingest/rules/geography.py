"""Where the row says it was taken: coordinates in range (error), and inside the admin unit's
polygon when boundaries are loaded, otherwise within OPENDTM_GPS_MAX_KM of its centroid
(warning: a GPS fix can be off, the row is kept and flagged).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import shapely

from opendtm.ingest.context import ValidationContext
from opendtm.ingest.issues import WARNING, issues_concat, issues_where

EARTH_RADIUS_KM = 6371.0088


def _haversine_km(lat1: pl.Expr, lon1: pl.Expr, lat2: pl.Expr, lon2: pl.Expr) -> pl.Expr:
    p1, p2 = lat1.radians(), lat2.radians()
    dphi = (lat2 - lat1).radians()
    dlmb = (lon2 - lon1).radians()
    a = (dphi / 2).sin() ** 2 + p1.cos() * p2.cos() * (dlmb / 2).sin() ** 2
    return 2 * EARTH_RADIUS_KM * a.sqrt().arcsin()


def gps_rules(frame: pl.DataFrame, ctx: ValidationContext, *, field: str = "gps") -> pl.DataFrame:
    """Issues on the geopoint `field` (`<field>__lat`, `<field>__lon`) against `_unit_pcode`."""
    lat, lon = f"{field}__lat", f"{field}__lon"
    if lat not in frame.columns or lon not in frame.columns:
        return issues_concat([])
    value = pl.format("{} {}", pl.col(lat), pl.col(lon))
    given = pl.col(lat).is_not_null() & pl.col(lon).is_not_null()
    out_of_range = given & ((pl.col(lat).abs() > 90) | (pl.col(lon).abs() > 180))
    issues = [
        issues_where(
            frame,
            out_of_range,
            field=field,
            rule="gps.out_of_range",
            message="latitude must be within -90..90 and longitude within -180..180",
            value=value,
        )
    ]
    checkable = frame.filter(given & ~out_of_range & pl.col("_unit_pcode").is_not_null())
    if not checkable.height:
        return issues_concat(issues)
    polygons = ctx.boundaries(checkable.get_column("_unit_pcode").unique().to_list())
    inside = np.zeros(checkable.height, dtype=bool)
    has_polygon = np.zeros(checkable.height, dtype=bool)
    if polygons:
        codes = checkable.get_column("_unit_pcode").to_numpy()
        xs = checkable.get_column(lon).to_numpy()
        ys = checkable.get_column(lat).to_numpy()
        for code, geometry in polygons.items():  # one vectorised test per unit, not per row
            mask = codes == code
            has_polygon[mask] = True
            inside[mask] = shapely.contains_xy(geometry, xs[mask], ys[mask])
    checkable = checkable.with_columns(
        _inside=pl.Series(inside), _has_polygon=pl.Series(has_polygon)
    ).with_columns(
        _km=_haversine_km(pl.col(lat), pl.col(lon), pl.col("_unit_lat"), pl.col("_unit_lon"))
    )
    limit = ctx.thresholds.gps_max_km
    issues += [
        issues_where(
            checkable,
            pl.col("_has_polygon") & ~pl.col("_inside"),
            field=field,
            rule="gps.outside_unit",
            severity=WARNING,
            message=pl.format("the point is outside the boundary of {}", pl.col("_unit_pcode")),
            value=value,
        ),
        issues_where(
            checkable,
            ~pl.col("_has_polygon") & (pl.col("_km") > limit),
            field=field,
            rule="gps.far_from_unit",
            severity=WARNING,
            message=pl.format(
                "the point is {} km from the centre of {} (more than {} km)",
                pl.col("_km").round(1),
                pl.col("_unit_pcode"),
                pl.lit(limit),
            ),
            value=value,
        ),
    ]
    return issues_concat(issues)
