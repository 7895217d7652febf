"""The shape of a report line, and how a rule turns a row mask into report lines, column-wise.

ISSUE_SCHEMA is the export reader's (`forms.reader`), defined there once: the reader's cell
problems and the validator's rule results concatenate into one report frame, and the report
file (`ingest.report`) has exactly its columns.
"""

from __future__ import annotations

import re

import polars as pl

from opendtm.forms.reader import ISSUE_SCHEMA
from opendtm.forms.spec import FormSpec
from opendtm.ingest.choices import Severity

ISSUE_COLUMNS = list(ISSUE_SCHEMA)

# Rules whose warnings are notes for the officer, not doubts about the row: they do not flag it.
NOTE_RULES = frozenset(
    {
        "site.registered",
        "column.ignored",
        "column.metadata",
        "form.constraint_unchecked",
        "repeat.missing",
        "repeat.removed",
        "import.dry_run",
    }
)

# Columns KoboToolbox and ODK Central add to every export about the submission, not answers
# (forms.headers reads those it needs: _uuid, _index, KEY...). Kobo's own all begin with "_"
# (`_notes`, `_validation_status`, `_submission__tags` in a repeat sheet).
PLATFORM_COLUMNS = frozenset(
    {
        "start", "end", "today", "deviceid", "username", "phonenumber", "simserial",
        "subscriberid", "audit", "instanceName", "deprecatedID", "uuid", "__version__",
        "SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected", "Status",
        "ReviewState", "DeviceID", "Edits", "FormVersion",
    }
)  # fmt: skip
METADATA_TYPES = frozenset(
    {"start", "end", "today", "deviceid", "username", "phonenumber", "simserial", "subscriberid",
     "audit", "start-geopoint", "background-audio"}
)  # fmt: skip

ERROR = Severity.ERROR.value
WARNING = Severity.WARNING.value


def issues_empty() -> pl.DataFrame:
    return pl.DataFrame(schema=ISSUE_SCHEMA)


def as_text(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A cell as the report shows it: lists space-separated, like a select_multiple export."""
    if isinstance(dtype, pl.List):
        return expr.cast(pl.List(pl.Utf8)).list.join(" ")
    return expr.cast(pl.Utf8)


def issues_where(
    frame: pl.DataFrame,
    condition: pl.Expr,
    *,
    field: str,
    rule: str,
    message: pl.Expr | str,
    severity: str = ERROR,
    value: pl.Expr | None = None,
) -> pl.DataFrame:
    """One issue per row of `frame` where `condition` is true (null counts as false).

    `frame` carries the reader's `_sheet`, `_row` and `_submission_id`; `value` defaults to the
    field's own cell.
    """
    if value is None:
        value = (
            as_text(pl.col(field), frame.schema[field])
            if field in frame.columns
            else pl.lit(None, pl.Utf8)
        )
    # Lazy, so that only the columns the lines show are filtered, not the whole wide frame.
    return (
        frame.lazy()
        .filter(condition.fill_null(False))
        .select(
            sheet=pl.col("_sheet").cast(pl.Utf8),
            row=pl.col("_row").cast(pl.Int64),
            submission_id=pl.col("_submission_id").cast(pl.Utf8),
            field=pl.lit(field, pl.Utf8),
            value=value.cast(pl.Utf8),
            rule=pl.lit(rule, pl.Utf8),
            severity=pl.lit(severity, pl.Utf8),
            message=message.cast(pl.Utf8) if isinstance(message, pl.Expr) else pl.lit(message),
        )
        .collect()
    )


def file_note(*, sheet: str, field: str, rule: str, message: str) -> pl.DataFrame:
    """A warning about the whole file (no row): an ignored column, an unchecked constraint."""
    return pl.DataFrame(
        [
            {
                "sheet": sheet,
                "row": None,
                "submission_id": None,
                "field": field,
                "value": None,
                "rule": rule,
                "severity": WARNING,
                "message": message,
            }
        ],
        schema=ISSUE_SCHEMA,
    )


def is_metadata_column(header: str, form: FormSpec) -> bool:
    """A column of the export platform's own (submission metadata) rather than a question."""
    text = header.strip()
    last = re.split(r"[/.:-]", text)[-1]
    if text.startswith("_") or text in PLATFORM_COLUMNS or last in PLATFORM_COLUMNS:
        return True
    return any(f.name == last and f.type in METADATA_TYPES for f in form.fields)


def ignored_columns_notes(columns: list[str], *, form: FormSpec, sheet: str) -> list[pl.DataFrame]:
    """The columns the import did not read: the platform's metadata in one note, each other
    column (a question the form does not have) in a note of its own."""
    metadata = [c for c in columns if is_metadata_column(c, form)]
    notes = []
    if metadata:
        notes.append(
            file_note(
                sheet=sheet,
                field="",
                rule="column.metadata",
                message=f"{len(metadata)} column(s) of submission metadata that KoboToolbox or "
                f"ODK adds were ignored (not answers): {', '.join(metadata)}",
            )
        )
    notes += [
        file_note(
            sheet=sheet,
            field=column,
            rule="column.ignored",
            message=f"column {column!r} is not a field of form {form.form_id}; it was ignored",
        )
        for column in columns
        if column not in metadata
    ]
    return notes


def issues_concat(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """All issue frames as one, in ISSUE_SCHEMA (empty parts are fine)."""
    frames = [p.select(ISSUE_COLUMNS).cast(ISSUE_SCHEMA) for p in parts if p.height]  # type: ignore[arg-type]
    return pl.concat(frames, how="vertical") if frames else issues_empty()
