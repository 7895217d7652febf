"""Stored repeat rows (a baseline's origins) that a re-import would remove.

A corrected submission replaces the stored one with its repeat rows. When the file brings no
repeat rows for a submission that has some stored (its `origins` sheet renamed or left out, a
CSV imported without `--repeat`, `_parent_index` values that match nothing), replacing it would
delete them: such an import is refused with the count, unless the user says the repeats are to
be cleared (`clear_repeats`, with a reason). Either way the dry run and the report list every
submission concerned, and the batch records how many rows were cleared.
"""

from __future__ import annotations

import polars as pl

from opendtm.core.errors import InvalidInput
from opendtm.ingest.issues import ISSUE_COLUMNS, WARNING
from opendtm.ingest.storage import Plan

RULE = "repeat.removed"


def repeats_clear_check(*, clear_repeats: bool, reason: str) -> None:
    """Clearing stored repeats is a decision someone answers for: it needs a reason."""
    if clear_repeats and not reason.strip():
        raise InvalidInput(
            "Clearing the stored repeats (origins) of the file's submissions needs a reason.",
            hint='Say why with --reason, e.g. --reason "origins re-collected in round 3".',
        )


def _what(plan: Plan) -> tuple[int, int, str]:
    removed = plan.repeats_removed
    repeats = sorted(set(removed.get_column("repeat").to_list())) or ["origins"]
    return plan.repeat_rows_removed, removed.height, ", ".join(repeats)


def repeats_removal_summary(plan: Plan, *, dry_run: bool, clear_repeats: bool) -> str | None:
    """The summary line saying what was (or would be) removed; None when nothing is."""
    rows, submissions, name = _what(plan)
    if not rows:
        return None
    counted = f"{rows:,} stored {name} row(s) of {submissions:,} submission(s)"
    if not dry_run:
        return f"removed {counted}: the file brings none for them (--clear-repeats)"
    if clear_repeats:
        return f"would remove {counted}: the file brings none for them (--clear-repeats)"
    return (
        f"would remove {counted}: the file brings none for them; the import will be refused "
        "unless they are cleared on purpose (--clear-repeats --reason TEXT)"
    )


def repeats_removal_refused(plan: Plan, *, file_name: str, round_number: int) -> InvalidInput:
    """The refusal of an import that would remove stored repeat rows nobody asked to clear."""
    rows, submissions, name = _what(plan)
    return InvalidInput(
        f"{file_name}: importing it would remove {rows:,} {name} row(s) of {submissions:,} "
        f"submission(s) stored in round {round_number}, because the file brings no {name} rows "
        f"for them (a missing or renamed {name!r} sheet, a CSV without its {name} file, or "
        "parent indexes that match no submission). Nothing was imported.",
        hint=f"Import the file with its {name}. If they are to be removed, say so: "
        "--clear-repeats with --reason (the web form: 'Clear the stored origins'). "
        "--dry-run lists the submissions in the report.",
    )


def repeats_removal_lines(plan: Plan, *, dry_run: bool, clear_repeats: bool) -> pl.DataFrame:
    """One report line per submission whose stored repeat rows go (ISSUE_SCHEMA), on its row."""
    removed = plan.repeats_removed
    if not dry_run:
        outcome = "were removed, as asked (--clear-repeats)"
    elif clear_repeats:
        outcome = "would be removed, as asked (--clear-repeats)"
    else:
        outcome = "would be removed: the import is refused unless they are cleared on purpose"
    return removed.select(
        sheet=pl.col("_sheet"),
        row=pl.col("_row"),
        submission_id=pl.col("_submission_id"),
        field=pl.col("repeat"),
        value=pl.col("removed").cast(pl.Utf8),
        rule=pl.lit(RULE),
        severity=pl.lit(WARNING),
        message=pl.format(
            "the {} stored {} row(s) of this submission {}: the file brings none for it",
            pl.col("removed"),
            pl.col("repeat"),
            pl.lit(outcome),
        ),
    ).select(ISSUE_COLUMNS)
