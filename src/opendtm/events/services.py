"""Writes of event tracking: one event reported by a focal point (the web form), through the same
validation and store as an imported export (`ingest.dated`), and the confirmation of an event's
locations by a later baseline. Each is atomic, authorized and audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import authorize
from opendtm.accounts.services import audit_record
from opendtm.core.errors import InvalidInput
from opendtm.events.models import Event, EventConfirmation
from opendtm.forms.definitions import EVENT_FORM_ID
from opendtm.forms.reader import ISSUE_SCHEMA
from opendtm.forms.spec import FormSpec
from opendtm.mobility.models import BaselineAssessment
from opendtm.operations.models import Operation, Round

WEB_SHEET = "web form"
_DTYPES: dict[str, Any] = {
    "integer": pl.Int64,
    "decimal": pl.Float64,
    "date": pl.Date,
    "select_multiple": pl.List(pl.Utf8),
}


@dataclass
class WebReport:
    """One event typed into the web form, in the shape of a read export (`ExportLike`)."""

    form: FormSpec
    file_name: str
    sha256: str
    main: pl.DataFrame
    repeats: dict[str, pl.DataFrame] = field(default_factory=dict)
    issues: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ISSUE_SCHEMA))
    ignored_columns: list[str] = field(default_factory=list)
    sources: dict[str, Path] = field(default_factory=dict)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def web_report_build(*, form: FormSpec, answers: dict[str, Any]) -> WebReport:
    """A one-row export of the form's answers, typed as the reader types cells."""
    submission_id = f"web-{uuid.uuid4().hex}"
    columns: dict[str, pl.Series] = {}
    for f in form.main_fields():
        dtype = _DTYPES.get(f.type, pl.Utf8)
        if f.type in ("start", "end", "deviceid", "geopoint", "calculate", "note"):
            continue
        value: Any = answers.get(f.name)
        if _blank(value):
            value = None
        elif f.type == "select_multiple" and isinstance(value, str):
            value = value.split()
        elif f.type == "integer":
            value = int(value)
        elif f.type == "date" and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        elif dtype == pl.Utf8:
            value = str(value).strip()
        columns[f.name] = pl.Series(f.name, [value], dtype=dtype)
    main = pl.DataFrame(columns).with_columns(
        pl.lit(WEB_SHEET).alias("_sheet"),
        pl.lit(1, pl.Int64).alias("_row"),
        pl.lit(submission_id).alias("_submission_id"),
        pl.lit(timezone.now()).cast(pl.Datetime("us", "UTC")).alias("_submitted_at"),
    )
    digest = hashlib.sha256(submission_id.encode()).hexdigest()
    return WebReport(form=form, file_name=WEB_SHEET, sha256=digest, main=main)


def event_report(*, operation: Operation, answers: dict[str, Any], actor: User) -> Event:
    """Store one event a focal point reports: the same rules as an imported export; a refused
    answer raises InvalidInput with every reason and nothing is written."""
    from opendtm.forms.queries import form_spec_get
    from opendtm.ingest.dated import dated_parsed_commit

    authorize(actor, Action.IMPORT, operation)
    report = web_report_build(form=form_spec_get(form_id=EVENT_FORM_ID), answers=answers)
    checked = dated_parsed_commit(
        operation=operation, parsed=report, dry_run=True, actor=actor, report_path=None
    )
    if checked.rows_rejected:
        errors = checked.issues.filter(pl.col("severity") == "error")
        reasons = "; ".join(f"{r['field']}: {r['message']}" for r in errors.iter_rows(named=True))
        raise InvalidInput(
            f"The event was not recorded: {reasons}.", hint="Correct the answers and send again."
        )
    dated_parsed_commit(operation=operation, parsed=report, actor=actor, report_path=None)
    submission_id = str(report.main.get_column("_submission_id")[0])
    return Event.objects.get(operation=operation, submission_id=submission_id)


def _places(event: Event) -> list[tuple[str, str]]:
    """(P-code, what) of the units the event names where the displaced are: the place
    displaced to (a unit, or a site's unit), else the event's area."""
    if event.to_unit is not None:
        return [(event.to_unit.pcode, "displaced to")]
    if event.to_site is not None:
        return [(event.to_site.admin_unit.pcode, f"site {event.to_site.site_id}")]
    return [(event.admin_unit.pcode, "area of the event")]


def event_confirm(
    *, event: Event, round: Round, actor: User, note: str = ""
) -> list[EventConfirmation]:
    """Link the event with the baselines of a later round that find IDPs where it displaced
    people to (the unit or below it): one confirmation per location, kept on a re-run."""
    operation = event.operation
    authorize(actor, Action.CORRECT, operation)
    if round.operation_id != operation.pk:
        raise InvalidInput(f"Round {round.number} is not a round of operation {operation.code}.")
    if round.end_date is not None and round.end_date < event.event_date:
        raise InvalidInput(
            f"Round {round.number} ended on {round.end_date}, before the event of "
            f"{event.event_date}: only a later baseline confirms an event.",
            hint="Confirm it with a round whose data collection came after the event.",
        )
    places = _places(event)
    pcode, what = places[0]
    baselines = BaselineAssessment.objects.filter(
        round=round, location__pcode__startswith=pcode, idp_ind__gt=0
    ).select_related("location")
    if not baselines:
        raise InvalidInput(
            f"No baseline of round {round.number} finds IDPs in {pcode} ({what}) or below it: "
            f"nothing confirms event {event.submission_id}. Nothing was written.",
            hint="Import the round's baseline first, or confirm with another round.",
        )
    with transaction.atomic():
        links = []
        for baseline in baselines:
            link, _created = EventConfirmation.objects.get_or_create(
                event=event,
                round=round,
                location=baseline.location,
                defaults={"confirmed_by": actor, "note": note},
            )
            links.append(link)
        audit_record(
            actor=actor,
            action="event.confirm",
            obj=event,
            operation=operation,
            reason=note,
            summary=f"event {event.submission_id} of {operation.code} confirmed by the "
            f"baseline of round {round.number} at {len(links)} location(s)",
            changes={"locations": [link.location.pcode for link in links]},
        )
    return links
