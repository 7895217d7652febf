"""The import of a dated form (the event tracking form `dtm_ett`): the same path as a round's
import (`ingest.services.import_commit` dispatches here), with no round.

Read by the form (`forms.reader`), validate with reasons per row (`rules.validate_dated`), then
in ONE transaction: the batch (round null) with its files as received, the new events in bulk,
the replaced ones updated in bulk (each changed value to the cleaning log, with the reason the
import must give), the report lines and the audit event; the report goes beside the file once
committed. Importing the same file again records nothing; a re-import of a submission with the
same values leaves it unchanged (idempotent on the submission ID, per operation).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import authorize
from opendtm.accounts.services import audit_record
from opendtm.core.bulk import rows_update
from opendtm.forms.definitions import EVENT_FORM_ID
from opendtm.forms.spec import FormSpec
from opendtm.ingest.files import Packing, files_store
from opendtm.ingest.models import ImportBatch
from opendtm.ingest.queries import dated_context_load
from opendtm.ingest.report import ReportDraft, report_path_default
from opendtm.ingest.rules import ExportLike, Validation, validate_dated
from opendtm.ingest.storage import LOG_SCHEMA, rows_insert
from opendtm.ingest.tables import DATETIME_FORMAT
from opendtm.operations.models import Operation

DATED_FORMS = frozenset({EVENT_FORM_ID})

# Stored columns compared on a re-import: (column, name in the cleaning log).
_COMPARED = (
    ("report_date", "report_date"),
    ("enumerator_code", "enumerator_code"),
    ("event_type", "event_type"),
    ("event_date", "event_date"),
    ("admin_unit_id", "area_pcode"),
    ("count_method", "count_method"),
    ("displaced_hh", "displaced_hh"),
    ("displaced_ind", "displaced_ind"),
    ("from_unit_id", "from_pcode"),
    ("from_site_id", "from_site_id"),
    ("to_unit_id", "to_pcode"),
    ("to_site_id", "to_site_id"),
    ("shelter", "shelter"),
    ("nationality", "nationality"),
    ("dead", "dead"),
    ("injured", "injured"),
    ("missing", "missing"),
    ("vulnerabilities", "vulnerabilities"),
    ("priority_need_1", "priority_need_1"),
    ("priority_need_2", "priority_need_2"),
    ("priority_need_3", "priority_need_3"),
    ("source_type", "source_type"),
    ("source_reliability", "source_reliability"),
)
_UNITS = {"admin_unit_id", "from_unit_id", "to_unit_id"}
_SITES = {"from_site_id", "to_site_id"}
_BLANK_TEXT = (
    "enumerator_code",
    "shelter",
    "nationality",
    "priority_need_1",
    "priority_need_2",
    "priority_need_3",
)


def is_dated(form_id: str) -> bool:
    return form_id in DATED_FORMS


def _column(frame: pl.DataFrame, name: str, dtype: Any) -> pl.Expr:
    return pl.col(name) if name in frame.columns else pl.lit(None, dtype)


def _vulnerabilities(frame: pl.DataFrame) -> pl.Expr:
    if "vulnerabilities" not in frame.columns:
        return pl.lit("[]")
    column = pl.col("vulnerabilities").cast(pl.List(pl.Utf8))
    return (
        pl.when(column.is_null() | (column.list.len() == 0))
        .then(pl.lit("[]"))
        .otherwise(pl.format('["{}"]', column.list.join('","')))
    )


def event_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """The accepted rows as the compared columns of `events.Event` (ids for places, dates as
    ISO text, the vulnerabilities as JSON text), keyed by `submission_id`."""
    text = [
        _column(frame, name, pl.Utf8).cast(pl.Utf8).fill_null("").alias(name)
        for name in _BLANK_TEXT
    ]
    return frame.select(
        pl.col("_submission_id").alias("submission_id"),
        pl.col("report_date").cast(pl.Utf8),
        pl.col("event_type").cast(pl.Utf8),
        pl.col("event_date").cast(pl.Utf8),
        pl.col("_unit_id").alias("admin_unit_id"),
        pl.col("count_method").cast(pl.Utf8),
        _column(frame, "displaced_hh", pl.Int64).cast(pl.Int64),
        pl.col("displaced_ind").cast(pl.Int64),
        pl.col("_from_unit_id").alias("from_unit_id"),
        pl.col("_from_site_pk").alias("from_site_id"),
        pl.col("_to_unit_id").alias("to_unit_id"),
        pl.col("_to_site_pk").alias("to_site_id"),
        *[_column(frame, n, pl.Int64).cast(pl.Int64).alias(n) for n in ("dead", "injured")],
        _column(frame, "missing", pl.Int64).cast(pl.Int64),
        _vulnerabilities(frame).alias("vulnerabilities"),
        pl.col("source_type").cast(pl.Utf8),
        pl.col("source_reliability").cast(pl.Utf8),
        *text,
    ).select("submission_id", *[c for c, _ in _COMPARED])


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _plan(
    operation: Operation, rows: pl.DataFrame, names: dict[str, dict[int, str]]
) -> tuple[list[str], list[str], pl.DataFrame]:
    """(new submission IDs, replaced ones, the changed values as LOG_SCHEMA lines)."""
    from opendtm.events.models import Event

    ids = rows.get_column("submission_id").to_list()
    columns = [c for c, _ in _COMPARED]
    stored = {
        row[0]: row[1:]
        for row in Event.objects.filter(operation=operation, submission_id__in=ids).values_list(
            "submission_id", *columns
        )
    }
    new, replaced, log = [], [], []
    for row in rows.iter_rows(named=True):
        old = stored.get(row["submission_id"])
        if old is None:
            new.append(row["submission_id"])
            continue
        changed = False
        for (column, shown), before in zip(_COMPARED, old, strict=True):
            was, now = _text(before), _text(row[column])
            if column == "vulnerabilities":
                now = _text(json.loads(row[column]))
            if was == now:
                continue
            changed = True
            lookup = names.get("units" if column in _UNITS else "sites" if column in _SITES else "")
            if lookup is not None:
                was = lookup.get(int(before)) if before is not None else None
                now = lookup.get(int(row[column])) if row[column] is not None else None
            log.append((row["submission_id"], shown, was, now))
        if changed:
            replaced.append(row["submission_id"])
    return new, replaced, pl.DataFrame(log, schema=LOG_SCHEMA, orient="row")


def _names(ctx_units: pl.DataFrame, ctx_sites: pl.DataFrame) -> dict[str, dict[int, str]]:
    return {
        "units": dict(ctx_units.select("unit_id", "pcode").iter_rows()),
        "sites": dict(ctx_sites.select("site_pk", "site_id").iter_rows()),
    }


def dated_import_commit(
    *,
    operation: Operation,
    form_id: str,
    path: Path,
    dry_run: bool = False,
    reason: str = "",
    actor: User,
    report_path: Path | None = None,
    form: FormSpec | None = None,
) -> Any:
    """Import one export of a dated form into the operation (see the module docstring)."""
    authorize(actor, Action.IMPORT, operation)
    report = report_path or report_path_default(Path(path))
    ReportDraft(report)  # an unknown report format is refused before the file is read
    from opendtm.forms.queries import form_spec_get
    from opendtm.forms.reader import read_export

    spec = form or form_spec_get(form_id=form_id)
    parsed = read_export(form=spec, path=Path(path))
    return dated_parsed_commit(
        operation=operation,
        parsed=parsed,
        dry_run=dry_run,
        reason=reason,
        actor=actor,
        report_path=report,
    )


def dated_parsed_commit(
    *,
    operation: Operation,
    parsed: ExportLike,
    dry_run: bool = False,
    reason: str = "",
    actor: User,
    report_path: Path | None,
) -> Any:
    """Validate and store an export of a dated form already read (or built by the web form)."""
    from opendtm.core.errors import InvalidInput
    from opendtm.ingest.services import correction_reason_check

    authorize(actor, Action.IMPORT, operation)
    draft = ReportDraft(report_path) if report_path is not None else None
    ctx = dated_context_load(operation=operation, form=parsed.form)
    checked = validate_dated(parsed, ctx)
    accepted = checked.main.filter(pl.col("_accepted"))
    rows = event_columns(accepted)
    names = _names(ctx.units, ctx.sites)
    if dry_run:
        new, replaced, log = _plan(operation, rows, names)
        if draft is not None:
            draft.write(checked.issues, dry_run=True, changes=log)
            draft.publish()
        return _result(parsed, checked, new, replaced, log, report_path, dry_run=True)
    packing = Packing(dict(parsed.sources))
    try:
        with transaction.atomic():
            new, replaced, log = _plan(operation, rows, names)
            correction_reason_check(changes=log.height, reason=reason)
            if draft is not None:
                draft.write(checked.issues)
            result = _store(
                operation=operation,
                parsed=parsed,
                checked=checked,
                accepted=accepted,
                rows=rows,
                plan=(new, replaced, log),
                packing=packing,
                reason=reason,
                actor=actor,
                report_path=report_path,
            )
        if draft is not None:
            draft.publish()
        return result
    except IntegrityError as exc:
        raise InvalidInput(
            f"The database refused the import of {parsed.file_name}: {exc}. Nothing was written.",
            hint="A row breaks a rule of the database that the form did not check; "
            "fix the row (or the form's constraints) and import again.",
        ) from None
    finally:
        if draft is not None:
            draft.discard()


def _store(
    *,
    operation: Operation,
    parsed: ExportLike,
    checked: Validation,
    accepted: pl.DataFrame,
    rows: pl.DataFrame,
    plan: tuple[list[str], list[str], pl.DataFrame],
    packing: Packing,
    reason: str,
    actor: User,
    report_path: Path | None,
) -> Any:
    from opendtm.events.models import Event
    from opendtm.ingest.services import _issues_insert, _log_insert

    new, replaced, log = plan
    unchanged = len(rows) - len(new) - len(replaced)
    if not new and not replaced:
        already = ImportBatch.objects.filter(
            operation=operation, round__isnull=True, form_id=parsed.form.form_id,
            sha256=parsed.sha256,
        ).exists()  # fmt: skip
        if already:
            result = _result(parsed, checked, new, replaced, log, report_path, dry_run=False)
            result.already_imported = True
            return result
    batch = ImportBatch.objects.create(
        operation=operation,
        round=None,
        form_id=parsed.form.form_id,
        form_version=parsed.form.version,
        file_name=parsed.file_name,
        sha256=parsed.sha256,
        imported_by=actor,
        reason=reason,
        rows_read=checked.rows_read,
        rows_accepted=checked.rows_accepted,
        rows_rejected=checked.rows_rejected,
        rows_flagged=checked.rows_flagged,
        rows_new=len(new),
        rows_replaced=len(replaced),
        rows_unchanged=unchanged,
        ignored_columns=list(parsed.ignored_columns),
    )
    files_store(batch, packing.result())
    now = str(connection.ops.adapt_datetimefield_value(timezone.now()))
    meta = accepted.select(
        pl.col("_submission_id").alias("submission_id"),
        (
            pl.col("_submitted_at")
            .cast(pl.Datetime("us", "UTC"))
            .dt.strftime(DATETIME_FORMAT[connection.vendor == "sqlite"])
            if "_submitted_at" in accepted.columns
            else pl.lit(None, pl.Utf8)
        ).alias("submitted_at"),
        pl.col("_flagged").cast(pl.Int8).alias("flagged"),
        pl.col("_sheet").cast(pl.Utf8).fill_null("").alias("source_sheet"),
        pl.col("_row").alias("source_row"),
    )
    full = rows.join(meta, on="submission_id", how="left", maintain_order="left").with_columns(
        pl.lit(batch.pk, pl.Int64).alias("batch_id"), pl.lit(now).alias("updated_at")
    )
    rows_insert(
        Event,
        full.filter(pl.col("submission_id").is_in(new)).with_columns(
            pl.lit(operation.pk, pl.Int64).alias("operation_id"),
            pl.lit(now).alias("created_at"),
            pl.lit(actor.pk, pl.Int64).alias("created_by_id"),
        ),
    )
    changed = full.filter(pl.col("submission_id").is_in(replaced))
    names = [c for c in changed.columns if c != "submission_id"]
    rows_update(
        Event,
        ["operation_id", "submission_id"],
        names,
        [(operation.pk, *row) for row in changed.rows()],
    )
    _log_insert(
        log, round=None, batch=batch, form_id=parsed.form.form_id, actor=actor, reason=reason
    )
    _issues_insert(checked.issues, batch=batch)
    audit_record(
        actor=actor,
        action="import.commit",
        obj=batch,
        operation=operation,
        reason=reason,
        summary=f"imported {parsed.file_name} ({parsed.form.form_id}) into {operation.code} "
        f"(dated, no round): {checked.rows_accepted} accepted, {checked.rows_rejected} rejected",
        changes={
            "new": len(new),
            "replaced": len(replaced),
            "unchanged": unchanged,
            "sha256": parsed.sha256,
        },
    )
    result = _result(parsed, checked, new, replaced, log, report_path, dry_run=False)
    result.batch = batch
    return result


def _result(
    parsed: ExportLike,
    checked: Validation,
    new: list[str],
    replaced: list[str],
    log: pl.DataFrame,
    report_path: Path | None,
    *,
    dry_run: bool,
) -> Any:
    from opendtm.ingest.services import ImportResult

    return ImportResult(
        file_name=parsed.file_name,
        form_id=parsed.form.form_id,
        dry_run=dry_run,
        rows_read=checked.rows_read,
        rows_accepted=checked.rows_accepted,
        rows_rejected=checked.rows_rejected,
        rows_flagged=checked.rows_flagged,
        rows_new=len(new),
        rows_replaced=len(replaced),
        rows_unchanged=checked.rows_accepted - len(new) - len(replaced),
        sites_registered=0,
        changes_logged=log.height,
        report_path=report_path,
        issues=checked.issues,
        changes=log,
    )
