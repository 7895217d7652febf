"""Reads of the mobility records, restricted to what the user may see: a site's indicators and
profile facts, and a round's submissions as stored or rejected (the submissions table)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import authorize
from opendtm.core.choices import choice_parse
from opendtm.core.errors import InvalidInput, NotFound
from opendtm.forms.queries import form_spec_get
from opendtm.gazetteer.queries import unit_or_below
from opendtm.ingest.choices import Severity, SubmissionStatus
from opendtm.ingest.models import ImportBatch, ImportIssue
from opendtm.ingest.queries import cells_as_received
from opendtm.ingest.tables import table_for
from opendtm.mobility.choices import AssessmentForm, StandardStatus
from opendtm.mobility.indicators import INDICATORS, SOURCE_FIELDS, indicators_frame
from opendtm.mobility.models import BaselineAssessment, SiteAssessment
from opendtm.mobility.profile import SOURCE_FIELDS as PROFILE_FIELDS
from opendtm.mobility.profile import profile_frame
from opendtm.operations.choices import RoundStatus
from opendtm.operations.models import Operation, Round, Site
from opendtm.operations.queries import AnyUser, admin_unit_for_code, round_get, rounds_of

_TYPES: dict[str, Any] = {
    "covered_area_m2": pl.Float64,
    "water_lpd": pl.Float64,
    **dict.fromkeys(
        (
            "latrines_separated",
            "handwashing",
            "security_incidents",
            "gbv_referral",
            "cfm",
            "site_management",
        ),
        pl.Boolean,
    ),
    **dict.fromkeys(
        (
            "site_status",
            "water_source",
            "health_access",
            "food_access",
            "children_in_school",
            "lighting",
        ),
        pl.Utf8,
    ),
}


def site_indicators(*, user: AnyUser, operation: Operation, site: Site) -> pl.DataFrame:
    """The sector indicators of the site in every round the user may see (published rounds
    only for viewers and the public), by round then in the rule set's order: `round`, then
    the columns of `mobility.indicators.indicators_frame`. One query."""
    rounds = rounds_of(operation=operation, user=user).values("pk")
    rows = (
        SiteAssessment.objects.filter(site=site, round__in=rounds)
        .order_by("round__number")
        .values_list("round__number", *SOURCE_FIELDS)
    )
    schema = {"round": pl.Int64} | {f: _TYPES.get(f, pl.Int64) for f in SOURCE_FIELDS}
    assessments = pl.DataFrame(list(rows), schema=schema, orient="row")
    labels = _select_one_labels()
    return indicators_frame(assessments, ["round"], labels)


def _select_one_labels() -> dict[str, dict[str, str]]:
    """Per select_one field of the site form, the label of each of its choices."""
    spec = form_spec_get(form_id=AssessmentForm.SITE)
    lists = _choice_labels()
    return {f.name: lists.get(f.list_name or "", {}) for f in spec.fields if f.type == "select_one"}


def _choice_labels() -> dict[str, dict[str, str]]:
    """The label of each choice of the site form's lists, by list name."""
    spec = form_spec_get(form_id=AssessmentForm.SITE)
    return {name: {c.name: c.label for c in choices} for name, choices in spec.choices.items()}


def site_facts(*, user: AnyUser, operation: Operation, site: Site) -> pl.DataFrame:
    """The site's priority needs, vulnerable persons (shares of its population), diseases,
    movements and site management in every round the user may see, by round: the columns of
    `mobility.profile.profile_frame`. A published round hides small groups (its figures'
    suppression threshold); an unpublished one, seen only by analysts and up, is exact. One
    query."""
    rounds = rounds_of(operation=operation, user=user).values("pk")
    rows = (
        SiteAssessment.objects.filter(site=site, round__in=rounds)
        .order_by("round__number")
        .values_list("round__number", "round__status", *PROFILE_FIELDS)
    )
    text = ("priority_need_1", "priority_need_2", "priority_need_3")
    schema: dict[str, Any] = (
        {"round": pl.Int64, "published": pl.Boolean}
        | {f: pl.Utf8 if f in text else pl.Int64 for f in PROFILE_FIELDS}
        | {"diseases": pl.List(pl.Utf8), "site_management": pl.Boolean}
    )
    values = [(number, status == RoundStatus.PUBLISHED, *rest) for number, status, *rest in rows]
    assessments = pl.DataFrame(values, schema=schema, orient="row")
    threshold = settings.OPENDTM_SUPPRESSION_THRESHOLD
    return profile_frame(assessments, threshold, _choice_labels())


def round_indicator_summary(
    *, user: AnyUser, operation: Operation, round_number: int
) -> pl.DataFrame:
    """How many of the round's assessed sites stand how against each indicator's standard:
    one row per indicator in the rule set's order (`indicator`, `sector`, `label`,
    `standard`), then one count of sites per `StandardStatus` value. Counts of sites, not of
    people: nothing is suppressed. NotFound for a round the user may not see. One query."""
    round_ = round_get(operation=operation, number=round_number, user=user)
    rows = SiteAssessment.objects.filter(round=round_).values_list("site_id", *SOURCE_FIELDS)
    schema = {"site": pl.Int64} | {f: _TYPES.get(f, pl.Int64) for f in SOURCE_FIELDS}
    assessments = pl.DataFrame(list(rows), schema=schema, orient="row")
    labels = _select_one_labels()
    scored = indicators_frame(assessments, ["site"], labels)
    tally = scored.group_by("indicator").agg(
        (pl.col("status") == s.value).sum().cast(pl.Int64).alias(s.value) for s in StandardStatus
    )
    described = pl.DataFrame(
        {
            "indicator": [i.key for i in INDICATORS],
            "sector": [i.sector.value for i in INDICATORS],
            "label": [str(i.label) for i in INDICATORS],
            "standard": [str(i.standard) for i in INDICATORS],
        }
    )
    return described.join(tally, on="indicator", how="left", maintain_order="left").with_columns(
        pl.col(s.value).fill_null(0) for s in StandardStatus
    )


# --- the submissions table of a round (web: /o/<code>/rounds/<n>/submissions/) -------------

SUBMISSIONS_PER_PAGE = 50
# sort key -> column of the table; every order ends on (batch, row), so pages never overlap.
SUBMISSION_SORTS = {
    "file": "batch_id",
    "row": "row",
    "submission": "submission_id",
    "status": "state",
    "unit": "unit_pcode",
    "site": "site_code",
    "issues": "issues",
}
SUBMISSION_COLUMNS = (
    "batch_id",
    "sheet",
    "row",
    "submission_id",
    "state",
    "unit_pcode",
    "unit_name",
    "site_code",
    "file_name",
    "issues",
)


@dataclass(frozen=True)
class SubmissionPage:
    """One page of a round's submissions of one form: `rows` are dicts of SUBMISSION_COLUMNS;
    `rules` are the rules the round's report lines of that form name, for the rule filter."""

    rows: list[dict[str, Any]]
    total: int
    number: int
    pages: int
    rules: list[str]


def _main_sheets(batches: QuerySet[ImportBatch]) -> dict[int, str]:
    """Batch id -> the sheet its submissions were read from: the sheet of its first report
    line, because a report lists the main sheet's lines before any repeat sheet's
    (`ingest.rules`); a batch without lines has no rejected row to find. One query."""
    first = ImportIssue.objects.filter(batch=OuterRef("pk")).order_by("id").values("sheet")[:1]
    found = batches.annotate(main_sheet=Subquery(first)).values_list("pk", "main_sheet")
    return {pk: sheet for pk, sheet in found if sheet is not None}


def _rejected_lines(batches: QuerySet[ImportBatch]) -> QuerySet[ImportIssue]:
    """The report lines on submission rows (main sheet, a row number) of these batches; a
    repeat row that points at no submission (`repeat.orphan`) is none."""
    on_main = Q(pk__in=[])
    for pk, sheet in _main_sheets(batches).items():
        on_main |= Q(batch_id=pk, sheet=sheet)
    return ImportIssue.objects.filter(on_main, row__isnull=False).exclude(rule="repeat.orphan")


def submissions_of(
    *,
    user: AnyUser,
    round_: Round,
    form_id: str,
    status: str = "",
    rule: str = "",
    admin_pcode: str = "",
    site_id: str = "",
    sort: str = "file",
    page: int = 1,
    per_page: int = SUBMISSIONS_PER_PAGE,
) -> SubmissionPage:
    """The round's submissions of one form, one row each, filtered, sorted and paged in SQL
    (a fixed number of queries whatever the number of rows): the stored assessments
    (accepted, or flagged by a warning) and the rows imports rejected, which are kept only
    as their batch's report lines (and its stored file). A rejected row has no admin unit or
    site (none was stored), so filtering on either keeps stored rows only. `issues` counts
    the row's own report lines; `rule` keeps the rows with a line of that rule. `sort` is a
    key of SUBMISSION_SORTS, `-` first for descending. Raw data: analysts and up."""
    authorize(user, Action.VIEW_RAW, round_.operation)
    form = choice_parse(AssessmentForm, form_id, field="form")
    wanted = choice_parse(SubmissionStatus, status, field="status") if status else None
    key = sort.removeprefix("-")
    if key not in SUBMISSION_SORTS:
        raise InvalidInput(
            f"Sort {sort!r} is not a column of the table.",
            hint=f"Use one of: {', '.join(SUBMISSION_SORTS)} (with - first to reverse).",
        )
    if page < 1:
        raise InvalidInput(f"Page {page} is not a page number (1 or more).")
    table = table_for(form.value)
    is_site = table.key == "site"
    batches = ImportBatch.objects.filter(round=round_, form_id=form.value)
    rules = list(
        ImportIssue.objects.filter(batch__in=batches, row__isnull=False)
        .order_by("rule")
        .values_list("rule", flat=True)
        .distinct()
    )
    if rule and rule not in rules:
        raise InvalidInput(
            f"No report line of round {round_.number} ({form.value}) has rule {rule!r}.",
            hint=f"Its rules: {', '.join(rules)}." if rules else "It has no report line.",
        )

    unit_path = "admin_unit" if is_site else "location"
    own = ImportIssue.objects.filter(
        batch=OuterRef("batch_id"), sheet=OuterRef("source_sheet"), row=OuterRef("source_row")
    )
    stored = table.model.objects.filter(round=round_)
    if wanted is not None:
        stored = (
            stored.none()
            if wanted == SubmissionStatus.REJECTED
            else stored.filter(flagged=wanted == SubmissionStatus.FLAGGED)
        )
    if rule:
        stored = stored.filter(Exists(own.filter(rule=rule)))
    if admin_pcode:
        try:
            unit = admin_unit_for_code(country_iso3=round_.operation.country_iso3, code=admin_pcode)
        except NotFound as exc:
            raise InvalidInput(exc.message, hint=exc.hint) from None
        stored = stored.filter(unit_or_below(unit_path, unit))
    if site_id:
        if not is_site:
            raise InvalidInput(
                f"The {form.value} form has no site: filter its submissions by admin unit."
            )
        stored = stored.filter(site__site_id=site_id.strip())
    counted = own.order_by().values("batch").annotate(n=Count("pk")).values("n")
    stored_rows = (
        stored.annotate(
            sheet=F("source_sheet"),
            row=F("source_row"),
            state=Case(
                When(flagged=True, then=Value(SubmissionStatus.FLAGGED.value)),
                default=Value(SubmissionStatus.ACCEPTED.value),
            ),
            unit_pcode=F(f"{unit_path}__pcode"),
            unit_name=F(f"{unit_path}__name"),
            site_code=F("site__site_id") if is_site else Value(""),
            file_name=F("batch__file_name"),
            issues=Coalesce(Subquery(counted), 0),
        )
        .order_by()
        .values(*SUBMISSION_COLUMNS)
    )

    parts = [stored_rows]
    if not (admin_pcode or site_id) and wanted in (None, SubmissionStatus.REJECTED):
        rejected = (
            _rejected_lines(batches)
            .order_by()
            .values("batch_id", "sheet", "row", "submission_id")
            .annotate(
                errors=Count("pk", filter=Q(severity=Severity.ERROR)),
                matching=Count("pk", filter=Q(rule=rule)) if rule else Value(1),
                state=Value(SubmissionStatus.REJECTED.value),
                unit_pcode=Value(""),
                unit_name=Value(""),
                site_code=Value(""),
                file_name=Max("batch__file_name"),
                issues=Count("pk"),
            )
            .filter(errors__gt=0, matching__gt=0)
            .order_by()
            .values(*SUBMISSION_COLUMNS)
        )
        parts.append(rejected)
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    total = union.count()
    pages = max(1, -(-total // per_page))
    if page > pages:
        raise InvalidInput(f"Page {page} is past the last page ({pages}).")
    column = SUBMISSION_SORTS[key]
    order = [f"-{column}" if sort.startswith("-") else column, "batch_id", "row"]
    start = (page - 1) * per_page
    rows = list(union.order_by(*dict.fromkeys(order))[start : start + per_page])
    return SubmissionPage(rows=rows, total=total, number=page, pages=pages, rules=rules)


@dataclass(frozen=True)
class Submission:
    """One row of a batch as the submissions table links to it: where it stands, the stored
    record (None when rejected), its cells as received (`values`, None with `values_note`
    saying why when the batch kept no file), its own report lines and those of its repeat
    rows (same submission ID, another sheet)."""

    batch: ImportBatch
    sheet: str
    row: int
    submission_id: str
    status: SubmissionStatus
    record: SiteAssessment | BaselineAssessment | None
    values: dict[str, str] | None
    values_note: str
    issues: list[ImportIssue]
    repeat_issues: list[ImportIssue]


def submission_get(*, user: AnyUser, round_: Round, batch_id: int, row: int) -> Submission:
    """Row `row` of batch `batch_id` of the round: a stored assessment, or a row the import
    rejected; NotFound when the batch is not the round's or the row is neither (a row whose
    submission a later import replaced is that import's now). Raw data: analysts and up."""
    authorize(user, Action.VIEW_RAW, round_.operation)
    batch = ImportBatch.objects.select_related("imported_by").filter(round=round_, pk=batch_id)
    found = batch.first()
    if found is None:
        raise NotFound(f"Round {round_.number} has no import batch {batch_id}.")
    table = table_for(found.form_id)
    related = ["admin_unit", "site"] if table.key == "site" else ["location"]
    record = (
        table.model.objects.select_related(*related)
        .filter(round=round_, batch=found, source_row=row)
        .first()
    )
    if record is not None:
        sheet, submission_id = record.source_sheet, record.submission_id
        status = SubmissionStatus.FLAGGED if record.flagged else SubmissionStatus.ACCEPTED
    else:
        lines = _rejected_lines(batch).filter(row=row, severity=Severity.ERROR)
        line = lines.order_by("id").values_list("sheet", "submission_id").first()
        if line is None:
            raise NotFound(
                f"Row {row} of {found.file_name} is not a submission of round {round_.number}.",
                hint="A later import may have replaced it: the table lists every submission.",
            )
        (sheet, submission_id), status = line, SubmissionStatus.REJECTED
    try:
        values = cells_as_received(user=user, batch=found, sheet=sheet, row=row)
        note = ""
    except NotFound as exc:
        values, note = None, str(exc)
    lines = ImportIssue.objects.filter(batch=found).order_by("id")
    return Submission(
        batch=found,
        sheet=sheet,
        row=row,
        submission_id=submission_id,
        status=status,
        record=record,
        values=values,
        values_note=note,
        issues=list(lines.filter(sheet=sheet, row=row)),
        repeat_issues=list(lines.filter(submission_id=submission_id).exclude(sheet=sheet))
        if submission_id
        else [],
    )
