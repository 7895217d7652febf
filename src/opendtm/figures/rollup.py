"""Rolling the finest figures of a round up the gazetteer, in memory, to build its snapshot.

The snapshot of a published round holds every level and every pair of origin and destination
levels. Asking the database for each (five GROUP BYs over the round, twenty over its origins)
costs minutes at a million rows, so the build asks once at the finest grain (`live`, GROUP BY
location; GROUP BY origin as reported and location) and sums up from there with Polars. Every
measure is a sum or a count, so a sum of sums is the same figure (the IDPs' sex-and-age groups
too: a unit that carries them has only children that carry them, `live.idp_breakdown`); the
tests hold the snapshot equal to the live answers at every level.
"""

from __future__ import annotations

import polars as pl

from opendtm.figures import live
from opendtm.figures.measures import ADMIN_NAMES, LABEL_COLUMNS
from opendtm.gazetteer.models import MAX_LEVEL, AdminUnit
from opendtm.mobility.models import BaselineOrigin
from opendtm.operations.models import Operation, Round


def reported_origins(
    round_: Round, operation: Operation, locations: pl.DataFrame, labels: pl.DataFrame
) -> pl.DataFrame:
    """The origins of the round as reported, by location, with both units' labels: the
    locations' from the admin frame at the location level, the origins' from the coarse
    labels and, for origins at the finest level, one query. Two queries."""
    counts = live.origin_counts(
        round_=round_,
        operation=operation,
        origin_level=MAX_LEVEL,
        destination_level=operation.location_level,
    )
    finest = live.unit_labels(
        AdminUnit.objects.filter(
            level=MAX_LEVEL,
            id__in=BaselineOrigin.objects.filter(assessment__round=round_).values("origin"),
        )
    )
    origins = pl.concat([labels, finest], how="vertical_relaxed")
    return live.origin_labelled(counts, origins, locations.select(LABEL_COLUMNS))


def coarse_labels(operation: Operation) -> pl.DataFrame:
    """LABEL_COLUMNS of every unit of the country above the finest level (retired ones too:
    the figures cite the units their rows name). One query."""
    return live.unit_labels(
        AdminUnit.objects.filter(country_iso3=operation.country_iso3, level__lt=MAX_LEVEL)
    )


def _key(level: int, labels: pl.DataFrame, prefix: str = "") -> pl.Expr:
    """The P-code of the unit at `level` a row (with labels under `prefix`) lies in."""
    if level == 0:
        country = labels.filter(pl.col("level") == 0).get_column("pcode")
        return pl.lit(country[0] if country.len() else None, pl.Utf8)
    return pl.col(f"{prefix}adm{level}_pcode")


def admin_rolled(finest: pl.DataFrame, level: int, labels: pl.DataFrame) -> pl.DataFrame:
    """The admin frame at a coarser `level` from the frame at the location level."""
    sums = (
        finest.group_by(_key(level, labels).alias("pcode"))
        .agg(pl.col(n).sum() for n in ADMIN_NAMES)
        .filter(pl.col("pcode").is_not_null())
    )
    return live.idp_breakdown(
        labels.filter(pl.col("level") == level)
        .join(sums, on="pcode", how="inner")
        .select(*LABEL_COLUMNS, *ADMIN_NAMES)
        .sort("pcode", "unit_id")
    )


def origins_rolled(
    finest: pl.DataFrame, origin_level: int, destination_level: int, labels: pl.DataFrame
) -> pl.DataFrame:
    """The origin matrix at a pair of levels from the matrix of origins as reported by
    location (`live.origin_frame` at origin level MAX_LEVEL and the location level)."""
    origin_key = (
        pl.when(pl.col("origin_level") >= origin_level)
        .then(_key(origin_level, labels, "origin_"))
        .otherwise(pl.col("origin_pcode"))
    )
    sums = finest.group_by(
        origin_key.alias("_origin"),
        _key(destination_level, labels, "destination_").alias("_destination"),
    ).agg(
        pl.col("destination_id").n_unique().cast(pl.Int64).alias("locations"),
        pl.col("origin_hh").sum(),
        pl.col("origin_ind").sum(),
    )
    units = pl.concat(
        [
            labels,
            *(
                finest.select(
                    pl.col(f"{side}_id").alias("unit_id"),
                    *(pl.col(f"{side}_{c}").alias(c) for c in LABEL_COLUMNS[1:]),
                )
                for side in ("origin", "destination")
            ),
        ],
        how="vertical_relaxed",
    ).unique(subset="pcode", keep="first")
    frame = (
        sums.join(
            units.select(pl.col("pcode").alias("_origin"), pl.col("unit_id").alias("origin_id")),
            on="_origin",
        )
        .join(
            units.select(
                pl.col("pcode").alias("_destination"), pl.col("unit_id").alias("destination_id")
            ),
            on="_destination",
        )
        .select("origin_id", "destination_id", "locations", "origin_hh", "origin_ind")
    )
    named = units.select(LABEL_COLUMNS)
    return live.origin_labelled(frame, named, named)
