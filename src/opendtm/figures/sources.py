"""Where one round's figures are read from: its published snapshot, or computed live.

Both sources answer the same questions with frames of the same shape (LABEL_COLUMNS, the
measures, and the suppression MASK: 0 everywhere when the reader sees exact values), so the
query layer does not care which one it holds.

- `SnapshotFigures`: a published round with a snapshot built at the current threshold; every
  read is an index range scan with LIMIT/OFFSET, so a page costs the same in a round of ten
  rows or of a million.
- `LiveFigures`: every other round (unpublished ones, always exact since only analysts see
  them; and published rounds without a usable snapshot, masked here over whole levels).
"""

from __future__ import annotations

from functools import cache
from typing import Any, Protocol

import polars as pl
from django.db.models import QuerySet, Sum
from django.db.models.functions import Coalesce

from opendtm.figures import live
from opendtm.figures.measures import ADMIN_NAMES, LABEL_COLUMNS, ORIGIN_NAMES, SITE_NAMES
from opendtm.figures.models import (
    FigureRow,
    FigureSnapshot,
    OriginFigureRow,
    SiteFigureRow,
    SnapshotUnit,
)
from opendtm.figures.suppression import MASK, admin_masks, origin_mask, site_mask
from opendtm.gazetteer.models import AdminUnit
from opendtm.operations.models import Operation, Round

Page = tuple[pl.DataFrame, int]  # the rows asked for, and how many rows the whole answer has
SiteKinds = dict[str, str] | None
"""The sites kept by type and status: {"site_type": ..., "site_status": ...}, None for all."""


class RoundFigures(Protocol):
    """What the query layer asks of a round's figures."""

    def admin(
        self, level: int, within: AdminUnit | None, limit: int | None, offset: int
    ) -> Page: ...

    def admin_units(self, level: int, unit_ids: list[int]) -> pl.DataFrame: ...

    def admin_unit(self, unit: AdminUnit) -> pl.DataFrame: ...

    def sites(
        self,
        within: AdminUnit | None,
        limit: int | None,
        offset: int,
        kept: SiteKinds = None,
    ) -> Page: ...

    def sites_of(self, site_pks: list[int]) -> pl.DataFrame: ...

    def origins(
        self,
        origin_level: int,
        destination_level: int,
        within: AdminUnit | None,
        limit: int | None,
        offset: int,
    ) -> Page: ...

    def origin_totals(
        self, origin_level: int, destination_level: int, within: AdminUnit | None
    ) -> tuple[dict[str, int], int]: ...


def _sliced(frame: pl.DataFrame, limit: int | None, offset: int) -> Page:
    return frame.slice(offset, limit), frame.height


def _within(frame: pl.DataFrame, within: AdminUnit | None, prefix: str = "") -> pl.DataFrame:
    if within is None or within.level == 0:
        return frame
    return frame.filter(pl.col(f"{prefix}adm{within.level}_pcode") == within.pcode)


_ID_LIST = 5_000  # more ids than this are read by level, not listed in an IN (...)


def _slice(rows: QuerySet[Any], limit: int | None, offset: int) -> QuerySet[Any]:
    return rows[offset : offset + limit] if limit is not None else rows[offset:]


def _total(rows: QuerySet[Any], page: pl.DataFrame, limit: int | None, offset: int) -> int:
    """How many rows the whole answer has: counted only when the page may not be the end."""
    if limit is None or page.height < limit:
        return offset + page.height if page.height or offset == 0 else rows.count()
    return rows.count()


# --- the snapshot of a published round ------------------------------------------------------

_LABEL_FIELDS = list(LABEL_COLUMNS)
_LABEL_SCHEMA: dict[str, Any] = {
    c: pl.Int64
    if c in ("unit_id", "level")
    else pl.Float64
    if c in ("latitude", "longitude")
    else pl.Utf8
    for c in LABEL_COLUMNS
}


class SnapshotFigures:
    """Reads of a published round's snapshot; `exact` drops the stored masks."""

    def __init__(self, snapshot: FigureSnapshot, *, exact: bool) -> None:
        self.snapshot = snapshot
        self.exact = exact

    def _labels(self, frame: pl.DataFrame, named_by: dict[str, QuerySet[Any]]) -> pl.DataFrame:
        """SnapshotUnit labels of the units the frame names: `named_by` maps each column of
        unit ids to the query the frame was read with. One query listing the ids, or, for
        answers too big to list, one per column with that query as a subquery."""
        ids = sorted({i for c in named_by for i in frame.get_column(c).to_list()})
        units = SnapshotUnit.objects.filter(snapshot=self.snapshot)
        if len(ids) <= _ID_LIST:
            parts = [units.filter(unit_id__in=ids)]
        else:
            parts = [units.filter(unit_id__in=rows.values(c)) for c, rows in named_by.items()]
        found = pl.concat(
            [live._frame(part.values_list(*_LABEL_FIELDS), _LABEL_SCHEMA) for part in parts]
        )
        return found.unique(subset="unit_id", keep="first")

    def _under(self, level: int, within: AdminUnit) -> QuerySet[Any]:
        """Ids of the units at `level` inside `within` (coarser), following the snapshot's own
        parent links down: one indexed subquery per level between them."""
        ids: QuerySet[Any] | None = None
        for step in range(within.level + 1, level + 1):
            rows = FigureRow.objects.filter(round_id=self.snapshot.round_id, level=step)
            rows = rows.filter(parent_id=within.pk) if ids is None else rows.filter(parent__in=ids)
            ids = rows.values("unit_id")
        assert ids is not None
        return ids

    def _inside(self, rows: QuerySet[Any], field: str, level: int, within: AdminUnit) -> Any:
        """The rows whose unit at `level` (in `field`) is `within` or lies inside it."""
        if within.level >= level:
            return rows.filter(**{field: within.pk})
        return rows.filter(**{f"{field}__in": self._under(level, within)})

    def _total(
        self,
        key: str | None,
        rows: QuerySet[Any],
        page: pl.DataFrame,
        limit: int | None,
        offset: int,
    ) -> int:
        """Rows of the whole answer: counted at build for whole answers, else as needed."""
        if key is not None and key in self.snapshot.answer_rows:
            return int(self.snapshot.answer_rows[key])
        return _total(rows, page, limit, offset)

    def _read(self, rows: QuerySet[Any], fields: list[str], schema: dict[str, Any]) -> pl.DataFrame:
        frame = live._frame(rows.values_list(*fields), schema)
        return frame.with_columns(pl.lit(0, pl.Int64).alias(MASK)) if self.exact else frame

    def _admin_rows(self, rows: QuerySet[FigureRow], level: int) -> pl.DataFrame:
        fields = ["unit_id", MASK, *ADMIN_NAMES]
        frame = self._read(rows, fields, dict.fromkeys(fields, pl.Int64))
        labels = self._labels(frame, {"unit_id": rows})
        return labels.join(frame, on="unit_id", how="inner").sort("pcode")

    def admin(self, level: int, within: AdminUnit | None, limit: int | None, offset: int) -> Page:
        rows = FigureRow.objects.filter(round_id=self.snapshot.round_id, level=level)
        whole = within is None or within.level == 0
        if within is not None and not whole:
            rows = self._inside(rows, "unit_id", level, within)
        rows = rows.order_by("pcode")  # unique in a level: the index gives the order
        frame = self._admin_rows(_slice(rows, limit, offset), level)
        return frame, self._total(f"admin {level}" if whole else None, rows, frame, limit, offset)

    def admin_units(self, level: int, unit_ids: list[int]) -> pl.DataFrame:
        rows = FigureRow.objects.filter(round_id=self.snapshot.round_id, level=level)
        if len(unit_ids) <= _ID_LIST:
            return self._admin_rows(rows.filter(unit_id__in=unit_ids), level)
        return self._admin_rows(rows, level).filter(pl.col("unit_id").is_in(unit_ids))

    def admin_unit(self, unit: AdminUnit) -> pl.DataFrame:
        return self.admin_units(unit.level, [unit.pk])

    def _site_rows(self, rows: QuerySet[SiteFigureRow]) -> pl.DataFrame:
        pairs = [  # (snapshot field, frame column)
            ("site_id", "site_pk"),
            *((n, n) for n in ("site_code", "site_name", "site_type", "site_status", "flagged")),
            ("unit_id", "unit_id"),
            ("location_id", "location_id"),
            ("latitude", "site_latitude"),
            ("longitude", "site_longitude"),
            ("sadd", "sadd"),
            (MASK, MASK),
            *((n, n) for n in SITE_NAMES),
        ]
        schema = live.SITE_SCHEMA | {MASK: pl.Int64}
        frame = self._read(rows, [f for f, _ in pairs], {c: schema[c] for _, c in pairs})
        labels = self._labels(frame, {"unit_id": rows})
        return labels.join(frame, on="unit_id", how="inner").sort("site_code")

    def sites(
        self,
        within: AdminUnit | None,
        limit: int | None,
        offset: int,
        kept: SiteKinds = None,
    ) -> Page:
        rows = SiteFigureRow.objects.filter(round_id=self.snapshot.round_id, **(kept or {}))
        whole = (within is None or within.level == 0) and not kept
        if within is not None and not whole:
            if within.level <= self.snapshot.location_level:
                rows = self._inside(rows, "location_id", self.snapshot.location_level, within)
            else:
                rows = rows.filter(unit_id=within.pk)
        rows = rows.order_by("site_code")
        frame = self._site_rows(_slice(rows, limit, offset))
        return frame, self._total("sites" if whole else None, rows, frame, limit, offset)

    def sites_of(self, site_pks: list[int]) -> pl.DataFrame:
        rows = SiteFigureRow.objects.filter(round_id=self.snapshot.round_id)
        if len(site_pks) <= _ID_LIST:
            return self._site_rows(rows.filter(site_id__in=site_pks))
        return self._site_rows(rows).filter(pl.col("site_pk").is_in(site_pks))

    def _stored(self, origin_level: int) -> int:
        """The origin level the snapshot stores a request at (finer ones are the same rows)."""
        return min(origin_level, self.snapshot.origin_max_level)

    def _origin_rows(
        self, origin_level: int, destination_level: int, within: AdminUnit | None
    ) -> QuerySet[OriginFigureRow]:
        rows = OriginFigureRow.objects.filter(
            round_id=self.snapshot.round_id,
            origin_level=self._stored(origin_level),
            destination_level=destination_level,
        )
        if within is not None and within.level > 0:
            rows = self._inside(rows, "destination_id", destination_level, within)
        return rows

    def origins(
        self,
        origin_level: int,
        destination_level: int,
        within: AdminUnit | None,
        limit: int | None,
        offset: int,
    ) -> Page:
        rows = self._origin_rows(origin_level, destination_level, within).order_by(
            "destination_pcode", "origin_pcode"
        )
        fields = ["origin_id", "destination_id", *ORIGIN_NAMES, MASK]
        page = _slice(rows, limit, offset)
        frame = self._read(page, fields, dict.fromkeys(fields, pl.Int64))
        labels = self._labels(frame, {"origin_id": page, "destination_id": page})
        frame = live.origin_labelled(frame, labels, labels)
        whole = within is None or within.level == 0
        key = f"origin {self._stored(origin_level)} {destination_level}" if whole else None
        return frame, self._total(key, rows, frame, limit, offset)

    def origin_totals(
        self, origin_level: int, destination_level: int, within: AdminUnit | None
    ) -> tuple[dict[str, int], int]:
        """The sums of the whole matrix (those of its coarsest pair, one or a few rows) and how
        many of its rows keep an origin coarser than asked."""
        stored = self._stored(origin_level)
        whole = within is None or within.level == 0
        coarsest = OriginFigureRow.objects.filter(round_id=self.snapshot.round_id, origin_level=1)
        if whole:
            coarsest = coarsest.filter(destination_level=0)
        else:
            assert within is not None
            coarsest = coarsest.filter(destination_level=within.level, destination_id=within.pk)
        sums = coarsest.aggregate(**{n: Coalesce(Sum(n), 0) for n in ORIGIN_NAMES})
        counts = self.snapshot.answer_rows
        if whole and origin_level > stored:  # every origin is coarser than asked
            coarser = int(counts.get(f"origin {stored} {destination_level}", 0))
        elif whole:
            coarser = int(counts.get(f"coarser {stored} {destination_level}", 0))
        else:
            coarse_units = SnapshotUnit.objects.filter(
                snapshot=self.snapshot, level__lt=origin_level
            )
            coarser = (
                self._origin_rows(origin_level, destination_level, within)
                .filter(origin_id__in=coarse_units.values("unit_id"))
                .count()
            )
        return {n: int(sums[n]) for n in ORIGIN_NAMES}, coarser


# --- computed live ----------------------------------------------------------------------------


class LiveFigures:
    """A round's figures computed from its assessments. With a `threshold`, masks are
    computed as a published snapshot's would be (over whole levels, from the country down);
    without, every value is exact (MASK 0)."""

    def __init__(self, round_: Round, operation: Operation, *, threshold: int | None) -> None:
        self.round = round_
        self.operation = operation
        self.threshold = threshold
        self._level = cache(self._level_uncached)
        self._origins: dict[tuple[int, int, int | None], pl.DataFrame] = {}

    def _level_uncached(self, level: int) -> pl.DataFrame:
        if self.threshold is None:
            frame = live.admin_frame(round_=self.round, operation=self.operation, level=level)
            return frame.with_columns(pl.lit(0, pl.Int64).alias(MASK))
        frames = {
            k: live.admin_frame(round_=self.round, operation=self.operation, level=k)
            for k in range(level + 1)
        }
        return admin_masks(frames, self.threshold)[level]

    def admin(self, level: int, within: AdminUnit | None, limit: int | None, offset: int) -> Page:
        if self.threshold is None and within is not None and within.level > 0:
            frame = live.admin_frame(
                round_=self.round, operation=self.operation, level=level, within=within
            )
            return _sliced(frame.with_columns(pl.lit(0, pl.Int64).alias(MASK)), limit, offset)
        return _sliced(_within(self._level(level), within), limit, offset)

    def admin_units(self, level: int, unit_ids: list[int]) -> pl.DataFrame:
        return self._level(level).filter(pl.col("unit_id").is_in(unit_ids))

    def admin_unit(self, unit: AdminUnit) -> pl.DataFrame:
        if self.threshold is None:
            return live.admin_frame(
                round_=self.round, operation=self.operation, level=unit.level, within=unit
            ).with_columns(pl.lit(0, pl.Int64).alias(MASK))
        return self.admin_units(unit.level, [unit.pk])

    def _sites(self) -> pl.DataFrame:
        frame = live.site_frame(round_=self.round, operation=self.operation)
        if self.threshold is None:
            return frame.with_columns(pl.lit(0, pl.Int64).alias(MASK))
        return site_mask(frame, self._level(self.operation.location_level), self.threshold)

    def sites(
        self,
        within: AdminUnit | None,
        limit: int | None,
        offset: int,
        kept: SiteKinds = None,
    ) -> Page:
        frame = _within(self._sites(), within)
        for column, value in (kept or {}).items():
            frame = frame.filter(pl.col(column) == value)
        return _sliced(frame, limit, offset)

    def sites_of(self, site_pks: list[int]) -> pl.DataFrame:
        return self._sites().filter(pl.col("site_pk").is_in(site_pks))

    def origins(
        self,
        origin_level: int,
        destination_level: int,
        within: AdminUnit | None,
        limit: int | None,
        offset: int,
    ) -> Page:
        key = (origin_level, destination_level, within.pk if within else None)
        if key in self._origins:
            return _sliced(self._origins[key], limit, offset)
        frame = live.origin_frame(
            round_=self.round,
            operation=self.operation,
            origin_level=origin_level,
            destination_level=destination_level,
            within=within,
        )
        if self.threshold is None:
            frame = frame.with_columns(pl.lit(0, pl.Int64).alias(MASK))
        else:
            frame = origin_mask(frame, self.threshold)
        self._origins[key] = frame
        return _sliced(frame, limit, offset)

    def origin_totals(
        self, origin_level: int, destination_level: int, within: AdminUnit | None
    ) -> tuple[dict[str, int], int]:
        frame, _ = self.origins(origin_level, destination_level, within, None, 0)
        sums = {n: int(frame.get_column(n).sum()) for n in ORIGIN_NAMES}
        return sums, frame.filter(pl.col("origin_level") < origin_level).height
