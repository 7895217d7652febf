"""The import of flow monitoring registry exports (`dtm_fmr`) on the one import path.

The same reader (`forms.reader.read_export`), the same form, text and submission-ID rules and
verdicts (`ingest.rules`, with the flow rules of `ingest.rules.flows`), the same report
(`ingest.report.ReportDraft`), the same batch with its files as received and its report
lines, and the same audit event as a baseline or site import. What differs: flow records are
dated, not tied to a round (the batch has no round), and they are keyed by submission ID in
the operation, so importing the same file again stores nothing and a corrected file replaces
the submissions it changes (with a reason).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import authorize
from opendtm.accounts.services import audit_record
from opendtm.core.errors import InvalidInput
from opendtm.flows.choices import BORDER_TYPES
from opendtm.flows.models import FlowRecord
from opendtm.flows.registry import status_periods
from opendtm.forms.spec import FormSpec
from opendtm.gazetteer.queries import units_resolve
from opendtm.ingest.files import Packing, files_store
from opendtm.ingest.models import ImportBatch, ImportIssue
from opendtm.ingest.report import ReportDraft, report_path_default
from opendtm.ingest.rules import ExportLike, Validation
from opendtm.ingest.rules.flows import PLACES, SEX_AGE, FlowContext, places_resolve, validate_flows
from opendtm.ingest.services import ImportResult, correction_reason_check
from opendtm.ingest.storage import LOG_SCHEMA, rows_insert
from opendtm.ingest.tables import DATETIME_FORMAT
from opendtm.operations.models import Operation

FLOW_FORMS = ("dtm_fmr",)
COUNTS = ("group_size", *SEX_AGE, "uac_count", "pwd_count", "plw_count", "older_count")
TEXTS = ("direction", "enumerator_code", "nationality", "transport", "reason", "intended_duration")
# The stored columns a corrected file may change, compared as text.
COMPARED = (
    "point_id",
    "obs_date",
    "window_start",
    "window_end",
    *TEXTS,
    *COUNTS,
    *(f"{p}_{part}" for p in PLACES for part in ("country", "adm1", "adm2")),
)


def _units_of(iso3: str, codes: Iterable[str]) -> dict[str, tuple[str, int, str | None] | None]:
    """A loaded gazetteer's answer for the codes (empty when the country has none)."""
    from opendtm.gazetteer.models import AdminUnit

    if not AdminUnit.objects.filter(country_iso3=iso3).exists():
        return {}
    found = units_resolve(country_iso3=iso3, codes=codes)
    return {
        code: None
        if unit is None
        else (unit.pcode, unit.level, unit.parent.pcode if unit.parent is not None else None)
        for code, unit in found.items()
    }


def flow_context_load(*, operation: Operation, form: FormSpec) -> FlowContext:
    points = pl.DataFrame(
        [
            (
                p.code,
                p.pk,
                p.observation_days,
                p.observed_from.hour * 60 + p.observed_from.minute,
                p.observed_to.hour * 60 + p.observed_to.minute,
                p.fmp_type in BORDER_TYPES,
            )
            for p in operation.flow_points.all()
        ],
        schema={
            "point_code": pl.Utf8,
            "point_id": pl.Int64,
            "days": pl.Utf8,
            "from_min": pl.Int64,
            "to_min": pl.Int64,
            "border": pl.Boolean,
        },
        orient="row",
    )
    return FlowContext(
        form=form,
        country_iso3=operation.country_iso3,
        points=points,
        periods=status_periods(operation=operation),
        places=lambda wanted: places_resolve(
            wanted, home_iso3=operation.country_iso3, units_of=_units_of
        ),
    )


def _time_text(minutes: str) -> pl.Expr:
    m = pl.col(minutes)
    return pl.when(m.is_not_null()).then(
        pl.format(
            "{}:{}:00", (m // 60).cast(pl.Utf8).str.zfill(2), (m % 60).cast(pl.Utf8).str.zfill(2)
        )
    )


def _records(accepted: pl.DataFrame) -> pl.DataFrame:
    """The accepted rows as the stored columns (COMPARED), as text, keyed by submission ID."""
    out = [
        pl.col("_submission_id").alias("submission_id"),
        pl.col("_point_id").cast(pl.Utf8).alias("point_id"),
        pl.col("obs_date").cast(pl.Utf8).alias("obs_date"),
        _time_text("_start_min").alias("window_start"),
        _time_text("_end_min").alias("window_end"),
        *(pl.col(n).fill_null("").alias(n) for n in TEXTS),
        *(pl.col(n).cast(pl.Utf8) for n in COUNTS),
    ]
    for p in PLACES:
        out += [
            pl.col(f"{p}_country").fill_null("").alias(f"{p}_country"),
            pl.col(f"_{p}_adm1").fill_null("").alias(f"{p}_adm1"),
            pl.col(f"_{p}_adm2").fill_null("").alias(f"{p}_adm2"),
        ]
    return accepted.select(out)


def _stored(operation: Operation, ids: list[str]) -> pl.DataFrame:
    rows = []
    chunk = 5_000
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        rows += list(
            FlowRecord.objects.filter(operation=operation, submission_id__in=part)
            .order_by()
            .values_list("submission_id", *COMPARED)
        )
    schema = dict.fromkeys(("submission_id", *COMPARED), pl.Utf8)

    def text(value: Any) -> str | None:
        if value is None:
            return None
        return value.isoformat() if hasattr(value, "isoformat") else str(value)

    return pl.DataFrame([[text(v) for v in r] for r in rows], schema=schema, orient="row")


def _changes(new: pl.DataFrame, stored: pl.DataFrame) -> pl.DataFrame:
    """Every stored value the file changes (LOG_SCHEMA)."""
    if not stored.height:
        return pl.DataFrame(schema=LOG_SCHEMA)
    both = new.join(stored, on="submission_id", how="inner", suffix="__old")
    parts = [
        both.filter(~pl.col(n).eq_missing(pl.col(f"{n}__old"))).select(
            "submission_id",
            field=pl.lit(n),
            old_value=pl.col(f"{n}__old"),
            new_value=pl.col(n),
        )
        for n in COMPARED
    ]
    return pl.concat(parts).sort("submission_id", maintain_order=True)


def _db_frame(
    accepted: pl.DataFrame, new: pl.DataFrame, *, operation: Operation, batch: ImportBatch
) -> pl.DataFrame:
    extra = accepted.select(
        pl.col("_submission_id").alias("submission_id"),
        (
            pl.col("_submitted_at")
            .cast(pl.Datetime("us", "UTC"))
            .dt.strftime(DATETIME_FORMAT[connection.vendor == "sqlite"])
        ).alias("submitted_at"),
        pl.col("_flagged").alias("flagged"),
        pl.col("_sheet").alias("source_sheet"),
        pl.col("_row").alias("source_row"),
    )
    frame = new.join(extra, on="submission_id", how="left", maintain_order="left")
    return frame.with_columns(
        pl.lit(operation.pk, pl.Int64).alias("operation_id"),
        pl.lit(batch.pk, pl.Int64).alias("batch_id"),
        pl.col("point_id").cast(pl.Int64),
        *(pl.col(n).cast(pl.Int64) for n in COUNTS),
    )


def flows_import_parsed(
    *,
    operation: Operation,
    parsed: ExportLike,
    dry_run: bool,
    reason: str,
    actor: User,
    report_path: Path | None,
) -> dict[str, Any]:
    """Validate and (unless a dry run) store a flow registry export already read; the counts
    and frames `ingest.services.ImportResult` is made of."""
    authorize(actor, Action.IMPORT, operation)
    draft = ReportDraft(report_path) if report_path is not None else None
    form = parsed.form
    packing = None if dry_run else Packing(dict(parsed.sources))
    checked: Validation = validate_flows(parsed, flow_context_load(operation=operation, form=form))
    accepted = checked.main.filter(pl.col("_accepted"))
    new = _records(accepted)
    stored = _stored(operation, new.get_column("submission_id").to_list())
    changes = _changes(new, stored)
    changed_ids = changes.get_column("submission_id").unique()
    is_stored = pl.col("submission_id").is_in(stored.get_column("submission_id").implode())
    to_insert = new.filter(~is_stored)
    to_replace = new.filter(pl.col("submission_id").is_in(changed_ids.implode()))
    counts = {
        "checked": checked,
        "new": to_insert.height,
        "replaced": to_replace.height,
        "unchanged": new.height - to_insert.height - to_replace.height,
        "changes": changes,
        "batch": None,
        "already_imported": False,
    }
    if dry_run:
        if draft is not None:
            draft.write(checked.issues, dry_run=True, changes=changes)
            draft.publish()
        return counts
    try:
        with transaction.atomic():
            correction_reason_check(changes=changes.height, reason=reason)
            if draft is not None:
                draft.write(checked.issues)
            writes = to_insert.height + to_replace.height
            same = ImportBatch.objects.filter(
                operation=operation, round=None, form_id=form.form_id, sha256=parsed.sha256
            )
            if not writes and same.exists():
                counts["already_imported"] = True
            else:
                counts["batch"] = _store(
                    operation=operation,
                    parsed=parsed,
                    checked=checked,
                    accepted=accepted,
                    rows=pl.concat([to_insert, to_replace]),
                    counts=counts,
                    packing=packing,
                    reason=reason,
                    actor=actor,
                )
        if draft is not None:
            draft.publish()
        return counts
    except IntegrityError as exc:
        raise InvalidInput(
            f"The database refused the import of {parsed.file_name}: {exc}. Nothing was written."
        ) from None
    finally:
        if draft is not None:
            draft.discard()


def _store(
    *,
    operation: Operation,
    parsed: Any,
    checked: Validation,
    accepted: pl.DataFrame,
    rows: pl.DataFrame,
    counts: dict[str, Any],
    packing: Packing | None,
    reason: str,
    actor: User,
) -> ImportBatch:
    form = parsed.form
    batch = ImportBatch.objects.create(
        operation=operation,
        round=None,
        form_id=form.form_id,
        form_version=form.version,
        file_name=parsed.file_name,
        sha256=parsed.sha256,
        imported_by=actor,
        reason=reason,
        rows_read=checked.rows_read,
        rows_accepted=checked.rows_accepted,
        rows_rejected=checked.rows_rejected,
        rows_flagged=checked.rows_flagged,
        rows_new=counts["new"],
        rows_replaced=counts["replaced"],
        rows_unchanged=counts["unchanged"],
        ignored_columns=list(parsed.ignored_columns),
    )
    if packing is not None:
        files_store(batch, packing.result())
    replaced = rows.get_column("submission_id").to_list()
    for start in range(0, len(replaced), 5_000):
        FlowRecord.objects.filter(
            operation=operation, submission_id__in=replaced[start : start + 5_000]
        ).delete()
    rows_insert(FlowRecord, _db_frame(accepted, rows, operation=operation, batch=batch))
    issues = checked.issues.select(
        pl.lit(batch.pk, pl.Int64).alias("batch_id"),
        pl.col("sheet").fill_null(""),
        "row",
        pl.col("submission_id").fill_null(""),
        pl.col("field").fill_null(""),
        pl.col("value").fill_null(""),
        "rule",
        "severity",
        pl.col("message").fill_null(""),
    )
    rows_insert(ImportIssue, issues)
    audit_record(
        actor=actor,
        action="import.commit",
        obj=batch,
        operation=operation,
        reason=reason,
        summary=f"imported {parsed.file_name} ({form.form_id}) into {operation.code}: "
        f"{checked.rows_accepted} accepted, {checked.rows_rejected} rejected",
        changes={
            "new": counts["new"],
            "replaced": counts["replaced"],
            "unchanged": counts["unchanged"],
            "sha256": parsed.sha256,
        },
    )
    return batch


def flows_import_commit(
    *,
    operation: Operation,
    form_id: str,
    path: Path,
    dry_run: bool = False,
    reason: str = "",
    actor: User,
    report_path: Path | None = None,
) -> ImportResult:
    """Import one field export of a flow form into the operation (see the module docstring);
    the report goes to `report_path`, by default `<input stem>.report.csv` beside the input."""
    from opendtm.forms.queries import form_spec_get
    from opendtm.forms.reader import read_export

    authorize(actor, Action.IMPORT, operation)
    if form_id not in FLOW_FORMS:
        raise InvalidInput(f"Form {form_id!r} is not a flow form.", hint="Use dtm_fmr.")
    report = report_path or report_path_default(Path(path))
    ReportDraft(report)  # an unknown report format is refused before the file is read
    spec = form_spec_get(form_id=form_id)
    parsed = read_export(form=spec, path=Path(path))
    done = flows_import_parsed(
        operation=operation,
        parsed=parsed,
        dry_run=dry_run,
        reason=reason,
        actor=actor,
        report_path=report,
    )
    checked: Validation = done["checked"]
    result = ImportResult(
        file_name=parsed.file_name,
        form_id=form_id,
        dry_run=dry_run,
        rows_read=checked.rows_read,
        rows_accepted=checked.rows_accepted,
        rows_rejected=checked.rows_rejected,
        rows_flagged=checked.rows_flagged,
        rows_new=done["new"],
        rows_replaced=done["replaced"],
        rows_unchanged=done["unchanged"],
        sites_registered=0,
        changes_logged=done["changes"].height,
        report_path=report,
        issues=checked.issues,
        batch=done["batch"],
        already_imported=done["already_imported"],
        changes=done["changes"],
        into=f"operation {operation.code}",
    )
    return result
