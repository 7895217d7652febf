"""The import service: the one path every field export takes into a round (CLI, web, demo).

Read by the form, validate, then in ONE transaction: the batch with its files as received
(compressed, packed in a thread during validation), sites to register, new rows, replaced rows
(each changed value to the cleaning log), the report lines and the audit event. Anything
failing inside leaves the database as it was; the report is put beside the file only once the
transaction committed (`ingest.report`). A re-import that would remove stored repeat rows the
file does not bring again is refused unless asked (`ingest.repeats`). Importing the same file
again records nothing (see docs/decisions/0002-import-storage.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import authorize
from opendtm.accounts.services import audit_record
from opendtm.core.errors import Conflict, InvalidInput, library_panic, panic_text
from opendtm.forms.spec import FormSpec
from opendtm.ingest.files import Packing, files_store
from opendtm.ingest.formfit import form_better_fit
from opendtm.ingest.issues import ISSUE_COLUMNS, issues_concat
from opendtm.ingest.models import CleaningLogEntry, ImportBatch, ImportIssue
from opendtm.ingest.queries import batch_identical_exists, context_load
from opendtm.ingest.repeats import (
    repeats_clear_check,
    repeats_removal_lines,
    repeats_removal_refused,
    repeats_removal_summary,
)
from opendtm.ingest.report import ReportDraft, changes_path, report_path_default
from opendtm.ingest.rules import ExportLike, Validation, validate
from opendtm.ingest.storage import (
    LOG_SCHEMA,
    Plan,
    origins_insert,
    plan_changes,
    rows_delete,
    rows_insert,
)
from opendtm.ingest.tables import Table, db_columns, table_for
from opendtm.operations.models import Operation, Round
from opendtm.operations.services import round_ensure_writable, sites_register_many
from opendtm.operations.sites import SITES_AT_A_TIME

# Told how far an import got: ("read" | "checked" | "stored", rows). The web's jobs show it.
Progress = Callable[[str, int], None]


def _told(progress: Progress | None, stage: str, rows: int) -> None:
    if progress is not None:
        progress(stage, rows)


CHANGES_SHOWN = 50


def changes_empty() -> pl.DataFrame:
    return pl.DataFrame(schema=LOG_SCHEMA)


def looks_like_line(title: str) -> str:
    return f"no row was accepted: this looks like an export of the {title}"


def correction_reason_check(*, changes: int, reason: str) -> None:
    """A correction (an import that changes stored values) says why; the one place that decides,
    for the CLI, the page's confirmation and the import itself."""
    if changes and not reason.strip():
        raise InvalidInput(
            f"This import changes {changes} stored value(s): say why (the reason goes into the "
            "cleaning log with every changed value). Nothing was written.",
            hint="Give a reason (--reason TEXT); a dry run (--dry-run) lists what would change.",
        )


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do). rows_read = accepted + rejected."""

    file_name: str
    form_id: str
    dry_run: bool
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rows_flagged: int
    rows_new: int
    rows_replaced: int
    rows_unchanged: int
    sites_registered: int
    changes_logged: int
    report_path: Path | None
    issues: pl.DataFrame = field(repr=False)
    batch: ImportBatch | None = None
    already_imported: bool = False  # the same file again: nothing changed, nothing recorded
    repeats_removed: str | None = None  # the line saying which stored repeat rows go, if any
    # Every stored value the import changes (or, dry run, would change): LOG_SCHEMA, the same
    # lines the cleaning log gets, so the page and the CLI show the diff before it is confirmed.
    changes: pl.DataFrame = field(default_factory=changes_empty, repr=False)
    # When no row is accepted and the file's columns fit another form better: that form's title.
    looks_like: str | None = None
    into: str = "the round"  # what the import went into (flow records: their operation)

    def summary_lines(self) -> list[str]:
        head = "dry run, nothing written: " if self.dry_run else ""
        lines = [
            f"{head}{self.file_name} ({self.form_id}): read {self.rows_read}, "
            f"accepted {self.rows_accepted}, rejected {self.rows_rejected}, "
            f"flagged {self.rows_flagged}",
            f"new {self.rows_new}, replaced {self.rows_replaced}, "
            f"unchanged {self.rows_unchanged}, sites registered {self.sites_registered}, "
            f"values changed {self.changes_logged}",
        ]
        if self.repeats_removed is not None:
            lines.append(self.repeats_removed)
        if self.already_imported:
            lines.append(f"this file was already imported into {self.into}: nothing changed")
        if self.looks_like is not None:
            lines.append(looks_like_line(self.looks_like))
        if self.report_path is not None:
            lines.append(f"report: {self.report_path}")
        return lines

    def change_lines(self, limit: int = CHANGES_SHOWN) -> list[str]:
        """The values a dry run would change, `submission field: old -> new`, at most `limit`
        of them (the changes file beside the report holds them all)."""
        if not self.changes.height:
            return []
        verb = "would change" if self.dry_run else "changed"
        lines = [f"{self.changes.height} stored value(s) {verb} (old -> new):"]
        for sub, name, old, new in self.changes.head(limit).iter_rows():
            lines.append(f"  {sub} {name}: {_shown(old)} -> {_shown(new)}")
        if self.changes.height > limit:
            more = f"  ... and {self.changes.height - limit} more"
            if self.dry_run and self.report_path is not None:
                more += f", all in {changes_path(self.report_path)}"
            lines.append(more)
        return lines


def _shown(value: str | None) -> str:
    return "(empty)" if value is None or value == "" else value


def import_commit(
    *,
    operation: Operation,
    round: Round | None,
    form_id: str,
    path: Path,
    repeat_files: dict[str, Path] | None = None,
    dry_run: bool = False,
    reason: str = "",
    clear_repeats: bool = False,
    actor: User,
    report_path: Path | None = None,
    form: FormSpec | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one field export of `form_id` into the round (see the module docstring).

    `form` is the operation's own version of the form; by default the shipped one. The report
    goes to `report_path`, by default `<input stem>.report.csv` beside the input.
    `clear_repeats` (with a `reason`) lets the import remove the stored repeat rows of the
    submissions it brings none for; without it such an import is refused.

    A dated form (the event tracking form, `ingest.dated`) is imported into the operation
    alone: `round` is None for it, and given for every other form.
    """
    from opendtm.ingest.dated import dated_import_commit, is_dated

    if is_dated(form_id):
        if round is not None:
            raise InvalidInput(
                f"{form_id} records are dated, not tied to a round: import them without a round.",
                hint="Leave out --round.",
            )
        result: ImportResult = dated_import_commit(
            operation=operation,
            form_id=form_id,
            path=path,
            dry_run=dry_run,
            reason=reason,
            actor=actor,
            report_path=report_path,
            form=form,
        )
        return result
    if round is None:
        raise InvalidInput(f"Say which round the {form_id} export goes into.", hint="--round N")
    _check_target(operation=operation, round=round, actor=actor)
    repeats_clear_check(clear_repeats=clear_repeats, reason=reason)
    report = report_path or report_path_default(Path(path))
    ReportDraft(report)  # an unknown report format is refused before the file is read
    table_for(form_id)
    from opendtm.forms.queries import form_spec_get
    from opendtm.forms.reader import read_export

    spec = form or form_spec_get(form_id=form_id)
    try:
        try:
            parsed = read_export(form=spec, path=Path(path), repeat_files=repeat_files)
        except InvalidInput as exc:
            other = form_better_fit(path=Path(path), form=spec)
            if other is None:
                raise
            raise InvalidInput(
                exc.message,
                hint=f"This looks like an export of the {other.title}: import it as that.",
            ) from None
        _told(progress, "read", parsed.main.height)
        result = import_parsed_commit(
            operation=operation,
            round=round,
            parsed=parsed,
            dry_run=dry_run,
            reason=reason,
            clear_repeats=clear_repeats,
            actor=actor,
            report_path=report,
            progress=progress,
        )
        if result.rows_read and not result.rows_accepted:
            other = form_better_fit(path=Path(path), form=spec)
            result.looks_like = other.title if other is not None else None
        return result
    except BaseException as exc:  # a Rust library's panic on the file's data: not an Exception
        if not library_panic(exc):
            raise
        raise InvalidInput(
            f"{Path(path).name}: a library OpenDTM uses failed on the file's data "
            f"({panic_text(exc)}). Nothing was written.",
            hint="Export the file again and import that; if it fails again, report it with the "
            "file.",
        ) from None


def _check_target(*, operation: Operation, round: Round, actor: User) -> None:
    authorize(actor, Action.IMPORT, operation)
    if round.operation_id != operation.pk:
        raise InvalidInput(f"Round {round.number} is not a round of operation {operation.code}.")
    round_ensure_writable(round)


def import_parsed_commit(
    *,
    operation: Operation,
    round: Round,
    parsed: ExportLike,
    dry_run: bool = False,
    reason: str = "",
    clear_repeats: bool = False,
    actor: User,
    report_path: Path | None,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate and store an export already read by `forms.reader.read_export`."""
    _check_target(operation=operation, round=round, actor=actor)
    repeats_clear_check(clear_repeats=clear_repeats, reason=reason)
    draft = ReportDraft(report_path) if report_path is not None else None
    form = parsed.form
    table = table_for(form.form_id)
    packing = None if dry_run else Packing(dict(parsed.sources))
    ctx = context_load(operation=operation, round_=round, form=form)
    checked = validate(parsed, ctx)
    assert checked.rows_read == checked.rows_accepted + checked.rows_rejected
    _told(progress, "checked", checked.rows_read)
    # Filtering copies every column: skipped when every row is accepted (memory of big files).
    accepted = (
        checked.main if checked.rows_rejected == 0 else checked.main.filter(pl.col("_accepted"))
    )
    origins = checked.repeats.get("origins")
    if dry_run:
        plan = _plan(accepted, table, form, round, origins, ctx.units)
        issues = _with_removals(checked.issues, plan, dry_run=True, clear=clear_repeats)
        if draft is not None:
            draft.write(issues, dry_run=True, changes=plan.log)
            draft.publish()
        sites = _new_sites(accepted)
        result = _result(parsed, checked, plan, report_path, dry_run=True, sites=sites)
        result.issues = issues
        result.repeats_removed = repeats_removal_summary(
            plan, dry_run=True, clear_repeats=clear_repeats
        )
        return result
    try:
        with transaction.atomic():
            result = _store(
                operation=operation,
                round=round,
                parsed=parsed,
                checked=checked,
                table=table,
                accepted=accepted,
                units=ctx.units,
                packing=packing,
                reason=reason,
                clear_repeats=clear_repeats,
                actor=actor,
                draft=draft,
                progress=progress,
            )
        if draft is not None:  # committed: the report may now say so
            draft.publish()
        return result
    except IntegrityError as exc:
        raise InvalidInput(
            f"The database refused the import of {parsed.file_name}: {exc}. Nothing was written.",
            hint="A row breaks a rule of the database that the form did not check; "
            "fix the row (or the form's constraints) and import again.",
        ) from None
    finally:
        if draft is not None:  # refused or interrupted: no report claims an import
            draft.discard()


def _with_removals(issues: pl.DataFrame, plan: Plan, *, dry_run: bool, clear: bool) -> pl.DataFrame:
    """The report's lines with those of the stored repeat rows that go first (if any)."""
    if not plan.repeats_removed.height:
        return issues
    lines = repeats_removal_lines(plan, dry_run=dry_run, clear_repeats=clear)
    return issues_concat([lines, issues])


def _plan(
    accepted: pl.DataFrame,
    table: Table,
    form: FormSpec,
    round: Round,
    origins: pl.DataFrame | None,
    units: pl.DataFrame,
) -> Plan:
    return plan_changes(accepted, table, form, round_id=round.pk, origins=origins, units=units)


def _new_sites(accepted: pl.DataFrame) -> int:
    if "_site_pk" not in accepted.columns:
        return 0
    return accepted.filter(pl.col("_site_pk").is_null()).get_column("_site_key").n_unique()


def _store(
    *,
    operation: Operation,
    round: Round,
    parsed: ExportLike,
    checked: Validation,
    table: Table,
    accepted: pl.DataFrame,
    units: pl.DataFrame,
    packing: Packing | None,
    reason: str,
    clear_repeats: bool,
    actor: User,
    draft: ReportDraft | None,
    progress: Progress | None = None,
) -> ImportResult:
    round_ensure_writable(round)  # again, under the transaction's lock
    form = parsed.form
    origins = checked.repeats.get("origins")
    plan = _plan(accepted, table, form, round, origins, units)
    if plan.repeats_removed.height and not clear_repeats:
        raise repeats_removal_refused(plan, file_name=parsed.file_name, round_number=round.number)
    correction_reason_check(changes=plan.log.height, reason=reason)
    issues = _with_removals(checked.issues, plan, dry_run=False, clear=True)
    if draft is not None:  # written now, put in place once the transaction committed
        draft.write(issues)
    report_path = draft.path if draft is not None else None
    writes = plan.new.height + plan.replaced.height
    if not writes and batch_identical_exists(
        round_=round, form_id=form.form_id, sha256=parsed.sha256
    ):
        result = _result(parsed, checked, plan, report_path, dry_run=False, sites=0)
        result.already_imported = True
        return result
    batch = ImportBatch.objects.create(
        operation=operation,
        round=round,
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
        rows_new=plan.new.height,
        rows_replaced=plan.replaced.height,
        rows_unchanged=plan.unchanged,
        repeats_cleared=plan.repeat_rows_removed,
        ignored_columns=list(parsed.ignored_columns),
    )
    if packing is not None:
        files_store(batch, packing.result())
    parts = [p for p in (plan.new, plan.replaced) if p.height]
    to_write = pl.concat(parts, how="vertical_relaxed") if len(parts) > 1 else plan.new
    if not plan.new.height:
        to_write = plan.replaced
    registered = 0
    if table.key == "site":
        to_write, registered = _register_sites(to_write, operation=operation, actor=actor)
    rows_delete(table, round_id=round.pk, ids=plan.replaced.get_column("_submission_id").to_list())
    # In submission ID order, the (round, submission_id) index grows at its end.
    rows_insert(
        table.model,
        db_columns(to_write, table, form, round_id=round.pk, batch_id=batch.pk),
        order=to_write.get_column("_submission_id").arg_sort(),
    )
    _told(progress, "stored", to_write.height)
    if origins is not None:
        written = to_write.get_column("_submission_id").implode()
        origins_insert(
            origins.filter(pl.col("_submission_id").is_in(written)), table=table, batch_id=batch.pk
        )
    _log_insert(
        plan.log, round=round, batch=batch, form_id=form.form_id, actor=actor, reason=reason
    )
    _issues_insert(issues, batch=batch)
    audit_record(
        actor=actor,
        action="import.commit",
        obj=batch,
        operation=operation,
        reason=reason,
        summary=f"imported {parsed.file_name} ({form.form_id}) into round {round.number} of "
        f"{operation.code}: {checked.rows_accepted} accepted, {checked.rows_rejected} rejected",
        changes={
            "new": plan.new.height,
            "replaced": plan.replaced.height,
            "unchanged": plan.unchanged,
            "repeats_cleared": plan.repeat_rows_removed,
            "sha256": parsed.sha256,
        },
    )
    result = _result(parsed, checked, plan, report_path, dry_run=False, sites=registered)
    result.batch = batch
    result.issues = issues
    result.repeats_removed = repeats_removal_summary(plan, dry_run=False, clear_repeats=True)
    return result


def _register_sites(
    frame: pl.DataFrame, *, operation: Operation, actor: User
) -> tuple[pl.DataFrame, int]:
    """Register the sites the registry does not know yet, from their first row, in one write."""
    # Only the columns a site is registered from: filtering the whole frame would copy it.
    optional = {
        "site_name": pl.Utf8,
        "site_status": pl.Utf8,
        "gps__lat": pl.Float64,
        "gps__lon": pl.Float64,
        "assessment_date": pl.Date,
    }
    new = (
        frame.lazy()
        .filter(pl.col("_site_pk").is_null())
        .select(
            "_row",
            "_site_key",
            "site_type",
            "_unit_id",
            *(
                pl.col(name) if name in frame.columns else pl.lit(None, dtype).alias(name)
                for name, dtype in optional.items()
            ),
        )
        .sort("_row")
        .unique(subset="_site_key", keep="first", maintain_order=True)
        .collect()
    )
    if not new.height:
        return frame, 0
    status = pl.col("site_status")
    records = new.select(
        site_id=pl.col("_site_key"),
        name=pl.coalesce(pl.col("site_name"), pl.col("_site_key")),
        site_type=pl.col("site_type"),
        admin_unit_id=pl.col("_unit_id"),
        latitude=pl.col("gps__lat"),
        longitude=pl.col("gps__lon"),
        status=pl.when(status.is_in(["open", "closing", "closed"]))
        .then(status)
        .otherwise(pl.lit("open")),
        closed_on=pl.when(status == "closed").then(pl.col("assessment_date")),
        source_row=pl.col("_row"),
    )
    # Records made a slice at a time as the registry takes them: never all as Python dicts.
    registered = sites_register_many(
        operation=operation,
        records=(
            row
            for part in records.iter_slices(SITES_AT_A_TIME)
            for row in part.iter_rows(named=True)
        ),
        actor=actor,
    )
    ids = pl.DataFrame(
        {"_site_key": list(registered), "_new_pk": list(registered.values())},
        schema={"_site_key": pl.Utf8, "_new_pk": pl.Int64},
    )
    # Joined on the key column alone: the frame's other columns are shared, not copied.
    new_pks = frame.select("_site_key").join(ids, on="_site_key", how="left", maintain_order="left")
    frame = frame.with_columns(
        _site_pk=pl.coalesce(frame.get_column("_site_pk"), new_pks.get_column("_new_pk"))
    )
    return frame, len(registered)


def _log_insert(
    log: pl.DataFrame,
    *,
    round: Round | None,
    batch: ImportBatch,
    form_id: str,
    actor: User,
    reason: str,
) -> None:
    now = timezone.now()
    frame = log.select(
        pl.lit(round.pk if round is not None else None, pl.Int64).alias("round_id"),
        pl.lit(batch.pk, pl.Int64).alias("batch_id"),
        pl.lit(form_id).alias("form_id"),
        "submission_id",
        "field",
        "old_value",
        "new_value",
        pl.lit(actor.pk, pl.Int64).alias("changed_by_id"),
        pl.lit(str(connection.ops.adapt_datetimefield_value(now))).alias("changed_at"),
        pl.lit(reason).alias("reason"),
    )
    rows_insert(CleaningLogEntry, frame)


def _issues_insert(issues: pl.DataFrame, *, batch: ImportBatch) -> None:
    frame = issues.select(ISSUE_COLUMNS).select(
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
    rows_insert(ImportIssue, frame)


def _result(
    parsed: ExportLike,
    checked: Validation,
    plan: Plan,
    report_path: Path | None,
    *,
    dry_run: bool,
    sites: int,
) -> ImportResult:
    result = ImportResult(
        file_name=parsed.file_name,
        form_id=parsed.form.form_id,
        dry_run=dry_run,
        rows_read=checked.rows_read,
        rows_accepted=checked.rows_accepted,
        rows_rejected=checked.rows_rejected,
        rows_flagged=checked.rows_flagged,
        rows_new=plan.new.height,
        rows_replaced=plan.replaced.height,
        rows_unchanged=plan.unchanged,
        sites_registered=sites,
        changes_logged=plan.log.height,
        report_path=report_path,
        issues=checked.issues,
        changes=plan.log,
    )
    if result.rows_read != result.rows_accepted + result.rows_rejected:
        raise Conflict("Internal count mismatch: rows read != accepted + rejected.")
    return result
