"""The import service over built exports: storing, re-imports, corrections, refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opendtm.forms.spec import FormSpec
from opendtm.ingest.services import ImportResult, import_parsed_commit
from opendtm.operations.models import Operation, Round
from tests.ingest.builders import export_build


def commit(
    form: FormSpec,
    operation: Operation,
    round_: Round,
    actor: Any,
    rows: list[dict[str, Any]],
    *,
    report: Path | None = None,
    **kw: Any,
) -> ImportResult:
    dry_run = kw.pop("dry_run", False)
    reason = kw.pop("reason", "")
    return import_parsed_commit(
        operation=operation,
        round=round_,
        parsed=export_build(form, rows, **kw),
        actor=actor,
        report_path=report,
        dry_run=dry_run,
        reason=reason,
    )
