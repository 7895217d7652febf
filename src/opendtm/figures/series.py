"""A unit's row in each round of a time series, whichever gazetteer version the round is on
(used by `figures.queries.figures_time_series`; the crosswalk itself is `figures.comparison`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from opendtm.figures import comparison
from opendtm.figures.measures import ADMIN_NAMES
from opendtm.figures.suppression import MASK
from opendtm.gazetteer.models import AdminUnit, GazetteerVersion
from opendtm.operations.models import Operation

if TYPE_CHECKING:
    from opendtm.figures.queries import _Source as Source


class SeriesPlace:
    """One unit's row in each round, whichever gazetteer version the round is on."""

    def __init__(self, operation: Operation, unit: AdminUnit, latest: int | None) -> None:
        """`latest`: the id of the country's latest gazetteer version."""
        self.operation, self.unit = operation, unit
        self.latest: int | None = None
        self.lived: int | None = None
        if unit.retired_in_id is None:  # rounds on earlier versions map to the latest
            self.latest = latest
        else:  # the unit's own figures up to the version before it was retired
            self.lived = (
                GazetteerVersion.objects.filter(
                    country_iso3=operation.country_iso3, pk__lt=unit.retired_in_id
                )
                .order_by("-id")
                .values_list("id", flat=True)
                .first()
            )
        self._crossings: dict[tuple[int | None, int | None], comparison.Crossing | None] = {}

    def _through(self, earlier: int | None, later: int | None) -> comparison.Crossing | None:
        if (earlier, later) not in self._crossings:
            self._crossings[earlier, later] = comparison.crossing(
                country_iso3=self.operation.country_iso3, earlier=earlier, later=later
            )
        return self._crossings[earlier, later]

    def values(self, source: Source) -> tuple[pl.DataFrame, str | None]:
        """The unit's row in a round (a zero row when nothing was assessed there, a null row
        when it has no figure of its own there) and the gazetteer's note on it."""
        unit, version = self.unit, source.version_id
        retired_in = unit.retired_in_id
        if retired_in is not None and version is not None and version >= retired_in:
            through = self._through(self.lived, version)
            if through is None:
                return null_row(unit), None
            return null_row(unit), comparison.unit_gone(through, unit_id=unit.pk, level=unit.level)
        through = self._through(version, self.latest)
        if through is None:
            frame = source.figures.admin_unit(unit)
            return (frame if frame.height else zero_row(unit)), None
        whole, _ = source.figures.admin(unit.level, None, None, 0)
        row, note = comparison.unit_earlier(whole, through, unit_id=unit.pk, level=unit.level)
        if row is None:
            return null_row(unit), note
        return (row if row.height else zero_row(unit)), note

    def change_note(self, previous: Source, source: Source) -> str | None:
        """The crosswalk's note on the unit between the previous round's version and this
        round's ("recoded from PH01002"), when this round is on the unit's own version."""
        if self.unit.retired_in_id is not None:
            return None
        through = self._through(previous.version_id, source.version_id)
        if through is None:
            return None
        return comparison.unit_note(through, unit_id=self.unit.pk, level=self.unit.level)[0]


def zero_row(unit: AdminUnit) -> pl.DataFrame:
    """A unit with no row in a round: nothing assessed there, every count 0."""
    return pl.DataFrame(
        {"unit_id": [unit.pk], "pcode": [unit.pcode], **{n: [0] for n in ADMIN_NAMES}, MASK: [0]},
        schema={
            "unit_id": pl.Int64,
            "pcode": pl.Utf8,
            **dict.fromkeys(ADMIN_NAMES, pl.Int64),
            MASK: pl.Int64,
        },
    )


def null_row(unit: AdminUnit) -> pl.DataFrame:
    """A unit with no figure of its own in a round (its place was split, merged or retired
    between the round's version and the unit's): every count null, no code."""
    return zero_row(unit).with_columns(
        pl.lit(None, pl.Utf8).alias("pcode"),
        *(pl.lit(None, pl.Int64).alias(n) for n in ADMIN_NAMES),
    )
