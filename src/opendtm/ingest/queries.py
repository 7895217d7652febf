"""Reads of the import: what validation compares a file with, batches, and the cleaning log.

The gazetteer, the registry and the round's rows are read as whole Polars frames with one query
each (a country's gazetteer is ~50,000 units), so the number of queries never grows with rows.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import shapely
from django.db import connection
from django.db.models import QuerySet

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import authorize
from opendtm.core.errors import NotFound
from opendtm.forms.sources import rows_as_received
from opendtm.forms.spec import FormSpec
from opendtm.gazetteer.models import AdminBoundary, AdminUnit, GazetteerVersion
from opendtm.gazetteer.queries import accepted_parents_frame
from opendtm.gazetteer.resolution import codes_resolution_frame
from opendtm.ingest.context import (
    CODE_SCHEMA,
    PARENT_SCHEMA,
    PREVIOUS_SCHEMA,
    ROUND_BASELINES_SCHEMA,
    ROUND_SITES_SCHEMA,
    SITE_SCHEMA,
    STORED_SCHEMA,
    UNIT_SCHEMA,
    Thresholds,
    ValidationContext,
)
from opendtm.ingest.files import file_unpack
from opendtm.ingest.models import CleaningLogEntry, ImportBatch, ImportFile, ImportIssue
from opendtm.ingest.tables import table_for
from opendtm.mobility.models import BaselineAssessment, BaselineOrigin, SiteAssessment
from opendtm.operations.models import Operation, Round, Site
from opendtm.operations.queries import AnyUser


def frame_of(query: QuerySet[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """The rows of a `values_list` query of plain columns (text, numbers, ids) as a frame,
    fetched in one go: Django's per-row iteration costs seconds on a registry of a million
    sites, and a join done in SQL per row is cheaper as one Polars join."""
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pl.DataFrame(rows, schema=schema, orient="row")


def units_frame(country_iso3: str) -> pl.DataFrame:
    """Every admin unit of the country with its ancestors' P-codes (`anc1`..`anc4`)."""
    base = frame_of(
        AdminUnit.objects.filter(country_iso3=country_iso3.upper()).values_list(
            "pk", "pcode", "level", "retired_in_id", "latitude", "longitude", "parent_id"
        ),
        {
            "unit_id": pl.Int64,
            "pcode": pl.Utf8,
            "level": pl.Int64,
            "retired_in": pl.Int64,
            "lat": pl.Float64,
            "lon": pl.Float64,
            "parent_id": pl.Int64,
        },
    ).with_columns(retired=pl.col("retired_in").is_not_null())
    parents = base.select(
        pl.col("unit_id").alias("parent_id"),
        pl.col("pcode").alias("_p_pcode"),
        pl.col("level").alias("_p_level"),
        pl.col("parent_id").alias("_p_parent"),
    )
    frame = base.with_columns(
        [
            pl.when(pl.col("level") == k).then(pl.col("pcode")).otherwise(None).alias(f"anc{k}")
            for k in range(1, 5)
        ]
    ).with_columns(_cursor=pl.col("parent_id"))
    for _ in range(4):  # walk up at most four levels, one join per level
        step = parents.rename({"parent_id": "_cursor"})
        frame = frame.join(step, on="_cursor", how="left", maintain_order="left")
        frame = (
            frame.with_columns(
                [
                    pl.when(pl.col("_p_level") == k)
                    .then(pl.col("_p_pcode"))
                    .otherwise(pl.col(f"anc{k}"))
                    .alias(f"anc{k}")
                    for k in range(1, 5)
                ]
            )
            .with_columns(_cursor=pl.col("_p_parent"))
            .drop("_p_pcode", "_p_level", "_p_parent")
        )
    return frame.select(list(UNIT_SCHEMA)).cast(pl.Schema(UNIT_SCHEMA))


def codes_frame(country_iso3: str) -> pl.DataFrame:
    """Every code form that leads somewhere in the country's gazetteer (CODE_SCHEMA): the
    gazetteer's own whole-country resolution, so an import reads old codes exactly as
    `opendtm gazetteer resolve` does (through alternative codes and the crosswalk)."""
    frame = codes_resolution_frame(country_iso3=country_iso3)
    return frame.select(list(CODE_SCHEMA)).cast(pl.Schema(CODE_SCHEMA))


def parents_frame(country_iso3: str) -> pl.DataFrame:
    """Every (unit, parent) link some version or edition of the gazetteer had (PARENT_SCHEMA)."""
    frame = accepted_parents_frame(country_iso3=country_iso3)
    return frame.select(list(PARENT_SCHEMA)).cast(pl.Schema(PARENT_SCHEMA))


def _current_of(codes: pl.DataFrame) -> pl.DataFrame:
    """unit_id -> current_unit_id for every unit (itself when current; null when a retired
    unit has no single successor)."""
    return codes.select("unit_id", "current_unit_id").unique(subset="unit_id", keep="first")


def sites_frame(
    operation: Operation, units: pl.DataFrame, codes: pl.DataFrame | None = None
) -> pl.DataFrame:
    """The operation's site registry: site ID, its key and the P-code of its admin unit; with
    `codes`, the unit holding its place today (a site registered in a unit since recoded is
    compared with the row's current unit, not reported as moved)."""
    registry = frame_of(
        Site.objects.filter(operation=operation).values_list("site_id", "pk", "admin_unit_id"),
        {"site_id": pl.Utf8, "site_pk": pl.Int64, "unit_id": pl.Int64},
    )
    if codes is not None:
        registry = registry.join(
            _current_of(codes), on="unit_id", how="left", maintain_order="left"
        ).select("site_id", "site_pk", pl.coalesce("current_unit_id", "unit_id").alias("unit_id"))
    return registry.join(
        units.select("unit_id", pl.col("pcode").alias("site_unit")),
        on="unit_id",
        how="left",
        maintain_order="left",
    ).select(list(SITE_SCHEMA))


def _stored(form_id: str, round_id: int) -> pl.DataFrame:
    table = table_for(form_id)
    key = "site_id" if table.key == "site" else "location_id"
    return frame_of(
        table.model.objects.filter(round_id=round_id).values_list("submission_id", key),
        STORED_SCHEMA,
    )


def _previous(form_id: str, round_: Round, codes: pl.DataFrame) -> tuple[pl.DataFrame, int | None]:
    """Population per site or location in the latest earlier round that has any.

    A location stored on a unit since recoded is compared under the unit holding its place
    today; locations merged into one unit (or split) have no single previous value, so none.
    """
    table = table_for(form_id)
    key = "site_id" if table.key == "site" else "location_id"
    model: Any = SiteAssessment if table.key == "site" else BaselineAssessment
    earlier = (
        model.objects.filter(
            round__operation_id=round_.operation_id, round__number__lt=round_.number
        )
        .order_by("-round__number")
        .values_list("round__number", flat=True)
        .first()
    )
    if earlier is None:
        return pl.DataFrame(schema=PREVIOUS_SCHEMA), None
    rows = model.objects.filter(
        round__operation_id=round_.operation_id, round__number=earlier
    ).values_list(key, table.people)
    previous = frame_of(rows, PREVIOUS_SCHEMA)
    if table.key != "site":
        mapped = previous.join(
            _current_of(codes).rename({"unit_id": "key_id"}), on="key_id", how="left"
        ).filter(pl.col("current_unit_id").is_not_null())
        previous = (
            mapped.filter(pl.len().over("current_unit_id") == 1)
            .select(pl.col("current_unit_id").alias("key_id"), "previous")
            .cast(pl.Schema(PREVIOUS_SCHEMA))
        )
    return previous, earlier


def round_sites_frame(round_: Round, units: pl.DataFrame, location_level: int) -> pl.DataFrame:
    """The round's stored site assessments (ROUND_SITES_SCHEMA), each with the location it
    lies in: the ancestor of its unit at the location level (null for a coarser unit)."""
    rows = frame_of(
        SiteAssessment.objects.filter(round=round_).values_list(
            "site_id", "admin_unit_id", "ind", "site_status"
        ),
        {"site_pk": pl.Int64, "unit_id": pl.Int64, "ind": pl.Int64, "site_status": pl.Utf8},
    )
    ancestor = units.select("unit_id", pl.col(f"anc{location_level}").alias("_pcode"))
    ids = units.select(pl.col("pcode").alias("_pcode"), pl.col("unit_id").alias("location_id"))
    return (
        rows.join(ancestor, on="unit_id", how="left")
        .join(ids.unique(subset="_pcode", keep="first"), on="_pcode", how="left")
        .select(list(ROUND_SITES_SCHEMA))
    )


def round_baselines_frame(round_: Round) -> pl.DataFrame:
    """The round's stored baselines: location, IDPs and sites counted (ROUND_BASELINES_SCHEMA)."""
    return frame_of(
        BaselineAssessment.objects.filter(round=round_).values_list(
            "location_id", "idp_ind", "sites_count"
        ),
        ROUND_BASELINES_SCHEMA,
    )


def boundaries_of(pcodes: list[str], country_iso3: str) -> dict[str, Any]:
    """Polygons of these units, where boundaries are loaded."""
    found = AdminBoundary.objects.filter(
        unit__country_iso3=country_iso3.upper(), unit__pcode__in=pcodes
    ).values_list("unit__pcode", "wkb")
    return {code: shapely.from_wkb(bytes(wkb)) for code, wkb in found}


def context_load(*, operation: Operation, round_: Round, form: FormSpec) -> ValidationContext:
    """Everything validation compares a file with, in a fixed number of queries."""
    units = units_frame(operation.country_iso3)
    codes = codes_frame(operation.country_iso3)
    previous, previous_number = _previous(form.form_id, round_, codes)
    is_site = table_for(form.form_id).key == "site"
    has_boundaries = AdminBoundary.objects.filter(
        unit__country_iso3=operation.country_iso3.upper()
    ).exists()
    return ValidationContext(
        form=form,
        country_iso3=operation.country_iso3.upper(),
        location_level=operation.location_level,
        units=units,
        codes=codes,
        parents=parents_frame(operation.country_iso3),
        gazetteer_version=_gazetteer_label(operation.country_iso3),
        sites=sites_frame(operation, units, codes),
        stored=_stored(form.form_id, round_.pk),
        previous=previous,
        previous_round=previous_number,
        round_sites=round_sites_frame(round_, units, operation.location_level),
        round_baselines=round_baselines_frame(round_)
        if is_site
        else pl.DataFrame(schema=ROUND_BASELINES_SCHEMA),
        thresholds=Thresholds.from_settings(),
        boundaries=(lambda codes: boundaries_of(codes, operation.country_iso3))
        if has_boundaries
        else (lambda _codes: {}),
    )


def dated_context_load(*, operation: Operation, form: FormSpec) -> ValidationContext:
    """What validation compares a dated form's file with (events): the gazetteer and the site
    registry, no round. An event's area is an admin unit of any level: admin 1 at least."""
    units = units_frame(operation.country_iso3)
    codes = codes_frame(operation.country_iso3)
    return ValidationContext(
        form=form,
        country_iso3=operation.country_iso3.upper(),
        location_level=1,
        units=units,
        codes=codes,
        parents=parents_frame(operation.country_iso3),
        gazetteer_version=_gazetteer_label(operation.country_iso3),
        sites=sites_frame(operation, units, codes),
        thresholds=Thresholds.from_settings(),
    )


def _gazetteer_label(country_iso3: str) -> str:
    return (
        GazetteerVersion.objects.filter(country_iso3=country_iso3.upper())
        .order_by("-id")
        .values_list("label", flat=True)
        .first()
        or ""
    )


def batch_identical_exists(*, round_: Round, form_id: str, sha256: str) -> bool:
    """Has this very file (same SHA-256) already been imported into the round for this form?"""
    return ImportBatch.objects.filter(round=round_, form_id=form_id, sha256=sha256).exists()


def batches_of(*, user: AnyUser, round_: Round) -> QuerySet[ImportBatch]:
    """The import batches of a round, oldest first, with who imported each (raw data:
    analysts and up; PermissionDenied otherwise)."""
    authorize(user, Action.VIEW_RAW, round_.operation)
    return (
        ImportBatch.objects.filter(round=round_)
        .select_related("imported_by")
        .order_by("imported_at", "id")
    )


def batch_get(*, user: AnyUser, operation: Operation, batch_id: int) -> ImportBatch:
    """One import batch of the operation, in a round the user may see (raw data: analysts and
    up); NotFound otherwise."""
    authorize(user, Action.VIEW_RAW, operation)
    visible = Round.objects.visible_to(user, operation)
    found = (
        ImportBatch.objects.filter(operation=operation, pk=batch_id, round__in=visible)
        .select_related("round", "operation")
        .first()
    )
    if found is None:
        raise NotFound(f"Operation {operation.code} has no import batch {batch_id}.")
    return found


def issues_of(*, user: AnyUser, batch: ImportBatch) -> QuerySet[ImportIssue]:
    """The issues an import batch reported, in their order (raw data: analysts and up)."""
    authorize(user, Action.VIEW_RAW, batch.operation)
    return ImportIssue.objects.filter(batch=batch).order_by("id")


def cleaning_log(*, user: AnyUser, round_: Round) -> QuerySet[CleaningLogEntry]:
    """The round's corrections, oldest first, with who made them (raw data: analysts and
    up; PermissionDenied otherwise)."""
    authorize(user, Action.VIEW_RAW, round_.operation)
    return (
        CleaningLogEntry.objects.filter(round=round_)
        .select_related("changed_by", "batch")
        .order_by("changed_at", "id")
    )


def raw_row(
    *, user: AnyUser, record: SiteAssessment | BaselineAssessment | BaselineOrigin
) -> dict[str, str]:
    """A stored row's cells exactly as its batch's file had them: {original header: cell text},
    an empty cell as "". Read back from the stored file (sheet and row kept on the row); raw
    data, for analysts and up."""
    if isinstance(record, BaselineOrigin):
        batch, role = record.assessment.batch, "origins"
    else:
        batch, role = record.batch, "main"
    authorize(user, Action.VIEW_RAW, batch.operation)
    return _cells(batch, role, record.source_sheet, record.source_row)


def cells_as_received(*, user: AnyUser, batch: ImportBatch, sheet: str, row: int) -> dict[str, str]:
    """Row `row` of `sheet` of the batch's main file as received, stored or rejected alike (the
    batch keeps the whole file): {original header: cell text}. Raw data, for analysts and up."""
    authorize(user, Action.VIEW_RAW, batch.operation)
    return _cells(batch, "main", sheet, row)


def _cells(batch: ImportBatch, role: str, sheet: str, row: int) -> dict[str, str]:
    """Row `row` of `sheet` in the batch's stored file of `role` (else its main file), as
    received; NotFound saying why when the batch kept no such file or row."""
    files = {f.role: f for f in ImportFile.objects.filter(batch=batch)}
    stored = files.get(role) or files.get("main")
    where = f"row {row} of {sheet or batch.file_name}"
    if stored is None:
        raise NotFound(f"Batch {batch.pk} ({batch.file_name}) has no stored file for {where}.")
    with tempfile.TemporaryDirectory(prefix="opendtm-raw-") as folder:
        path = file_unpack(stored, Path(folder) / f"received{Path(stored.name).suffix}")
        rows = rows_as_received(path, sheet, [row])
    if row not in rows:
        raise NotFound(f"{stored.name} has no {where}.")
    return rows[row]
