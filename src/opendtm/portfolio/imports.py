"""`portfolio import`: a portfolio spreadsheet (XLSX or CSV), one row per project x donor x year.

The file is opened by the project's one reader of import files (forms.sources: bounded, every
cell as text), columns are matched by header in any order and letter case, every row is checked
and a rejected row gets one report line with its reason (the import report of ingest.report:
written beside the file unless --report names it, in place only once the import committed).
Accepted rows are written in one transaction; money is stored as the file states it.
Columns and rules: docs/portfolio.md, "Import columns".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import polars as pl
from django.contrib.auth.models import User
from django.db import transaction

from opendtm.accounts.choices import PortfolioAction
from opendtm.accounts.roles import authorize_portfolio
from opendtm.accounts.services import audit_record
from opendtm.core.errors import InvalidInput, OpenDTMError
from opendtm.forms.reader import ISSUE_SCHEMA
from opendtm.forms.sources import source_read
from opendtm.forms.values import date_parse
from opendtm.gazetteer.countries import country_get
from opendtm.ingest.choices import Severity
from opendtm.ingest.report import ReportDraft, report_path_default
from opendtm.mcof.choices import CrossCuttingPriority
from opendtm.mcof.models import Sector
from opendtm.operations.choices import McofPhase
from opendtm.operations.models import Operation
from opendtm.portfolio.choices import ProgrammeType, ProjectStatus
from opendtm.portfolio.models import (
    Contribution,
    Donor,
    Expenditure,
    Project,
    ProjectCountry,
)

REQUIRED = (
    "project_code",
    "title",
    "country_iso3",
    "programme_type",
    "sector",
    "donor",
    "year",
    "budget_usd",
    "expenditure_usd",
    "start_date",
    "end_date",
    "status",
)
OPTIONAL = (
    "currency",
    "amount",
    "exchange_rate",
    "contribution_date",
    "phase",
    "office_iso3",
    "implementing_partners",
    "priorities",
    "operations",
)
# The project's own columns: every row of a project must repeat the same value.
PROJECT_COLUMNS = ("title", "programme_type", "status", "start_date", "end_date", "phase")
ROWS_MAX = 200_000
YEARS = (1990, 2100)
MONEY_MAX = Decimal("99999999999999.99")
EMPTY_MONEY = ("", "-")  # a budget "-" or empty is read as 0 (with a warning): docs/portfolio.md
ERROR, WARNING = Severity.ERROR.value, Severity.WARNING.value


class RowRejected(Exception):
    def __init__(self, column: str, value: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.column, self.value, self.rule, self.message = column, value, rule, message


@dataclass
class ProjectDraft:
    code: str
    first_row: int
    values: dict[str, Any]
    office: str
    countries: set[str] = field(default_factory=set)
    sectors: set[int] = field(default_factory=set)
    partners: list[str] = field(default_factory=list)
    priorities: set[str] = field(default_factory=set)
    operations: set[int] = field(default_factory=set)


def _listed(value: str) -> list[str]:
    return [p.strip() for p in re.split(r"[;,]", value) if p.strip()]


def _priorities(value: str) -> set[str]:
    found = {p.lower() for p in _listed(value)}
    unknown = sorted(found - set(CrossCuttingPriority.values))
    if unknown:
        raise RowRejected(
            "priorities",
            value,
            "priority.unknown",
            f"priority {unknown[0]!r} is not one of {', '.join(CrossCuttingPriority.values)}",
        )
    return found


def _operations(value: str, known: dict[str, int]) -> set[int]:
    found = set()
    for code in _listed(value):
        if code.lower() not in known:
            raise RowRejected("operations", value, "operation.unknown", f"no operation {code!r}")
        found.add(known[code.lower()])
    return found


@dataclass
class ImportOutcome:
    """What an import did (or, dry, would do)."""

    file_name: str
    rows: int
    accepted: int
    projects: int
    contributions: int
    dry_run: bool
    report_path: Path
    issues: pl.DataFrame

    def summary_lines(self) -> list[str]:
        rejected = self.rows - self.accepted
        verb = "would import" if self.dry_run else "imported"
        return [
            f"{self.file_name}: {self.rows} row(s), {self.accepted} accepted, {rejected} rejected",
            f"{verb} {self.projects} project(s), {self.contributions} contribution(s)",
            f"report: {self.report_path}",
        ]


def header_key(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", (text or "").strip().lower())


def portfolio_table(path: Path) -> tuple[str, pl.DataFrame, dict[str, str]]:
    """The sheet holding the portfolio (the first with a `project_code` column), its text frame
    and a map canonical column -> header as written; InvalidInput naming missing columns."""
    source = source_read(Path(path))
    for name in source.sheet_names:
        headers = source.headers(name)
        matched = {header_key(h): h for h in reversed(headers)}
        if "project_code" not in matched:
            continue
        missing = [c for c in REQUIRED if c not in matched]
        if missing:
            raise InvalidInput(
                f"{Path(path).name}, sheet {name}: no column {', '.join(missing)}.",
                hint=f"A portfolio file has the columns {', '.join(REQUIRED)} (any order).",
            )
        frame = source.table(name).frame
        if frame.height > ROWS_MAX:
            raise InvalidInput(f"{Path(path).name} has {frame.height} rows; at most {ROWS_MAX}.")
        return name, frame, matched
    raise InvalidInput(
        f"{Path(path).name} has no sheet with a project_code column.",
        hint="Start from `opendtm portfolio template OUT.xlsx`.",
    )


def money_parse(value: str, column: str, *, warnings: list[tuple[str, str, str, str]]) -> Decimal:
    text = value.replace(",", "").replace(" ", "")
    if text in EMPTY_MONEY:
        warnings.append((column, value, "money.empty", f"{column} is empty; read as 0"))
        return Decimal(0)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise RowRejected(column, value, "type.decimal", f"{column} must be a number") from None
    if not amount.is_finite() or amount < 0 or amount > MONEY_MAX:
        raise RowRejected(column, value, "value.out_of_range", f"{column} must be 0 or more")
    return amount.quantize(Decimal("0.01"))


def decimal_parse_optional(value: str, column: str) -> Decimal | None:
    if not value:
        return None
    try:
        number = Decimal(value.replace(",", ""))
    except InvalidOperation:
        raise RowRejected(column, value, "type.decimal", f"{column} must be a number") from None
    if not number.is_finite() or number <= 0 or number > MONEY_MAX:
        raise RowRejected(column, value, "value.out_of_range", f"{column} must be above 0")
    return number


def date_parse_optional(value: str, column: str) -> dt.date | None:
    if not value:
        return None
    parsed = pl.select(date_parse(pl.lit(value, pl.Utf8))).item()
    if parsed is None:
        raise RowRejected(
            column, value, "type.date", f"{column} must be a date (YYYY-MM-DD or dd/mm/yyyy)"
        )
    result: dt.date = parsed
    return result


class _Sectors:
    """MCOF sector by number, code or name (any case); several separated by ; or ,."""

    def __init__(self) -> None:
        self.by_key: dict[str, int] = {}
        for pk, number, code, name in Sector.objects.values_list("pk", "number", "code", "name"):
            for key in (str(number), code, name.lower()):
                self.by_key[key] = pk

    def parse(self, value: str) -> set[int]:
        found = set()
        for part in filter(None, (p.strip() for p in re.split(r"[;,]", value))):
            pk = self.by_key.get(part.lower())
            if pk is None:
                raise RowRejected(
                    "sector",
                    value,
                    "sector.unknown",
                    f"sector {part!r} is not an MCOF sector (number, code or name: "
                    "`opendtm mcof sectors`)",
                )
            found.add(pk)
        return found


def _row(
    cells: dict[str, str], sectors: _Sectors, operations: dict[str, int], warnings: list[Any]
) -> dict[str, Any]:
    """One row's typed values; RowRejected with the first problem."""
    code = cells["project_code"]
    if not code or len(code) > 64:
        raise RowRejected("project_code", code, "value.required", "project_code is required")
    for column in ("title", "donor"):
        if not cells[column] or len(cells[column]) > (500 if column == "title" else 200):
            raise RowRejected(column, cells[column], "value.required", f"{column} is required")
    try:
        country = country_get(cells["country_iso3"]).iso3
        office = country_get(cells.get("office_iso3") or country).iso3
    except InvalidInput:
        column = "country_iso3" if not cells.get("office_iso3") else "office_iso3"
        raise RowRejected(
            column, cells[column], "country.unknown", f"{column} is not an ISO 3166 code"
        ) from None
    values: dict[str, Any] = {}
    for column, choices in (
        ("programme_type", ProgrammeType),
        ("status", ProjectStatus),
        ("phase", McofPhase),
    ):
        text = cells.get(column, "").lower()
        if column == "phase" and not text:
            values[column] = ""
            continue
        if text not in choices.values:
            raise RowRejected(
                column,
                cells.get(column, ""),
                "choice.unknown",
                f"{column} must be one of {', '.join(choices.values)}",
            )
        values[column] = text
    year_text = cells["year"].removesuffix(".0")
    if not year_text.isdigit() or not YEARS[0] <= int(year_text) <= YEARS[1]:
        raise RowRejected("year", cells["year"], "value.year", "year must be a year, e.g. 2020")
    start = date_parse_optional(cells["start_date"], "start_date")
    end = date_parse_optional(cells["end_date"], "end_date")
    if start and end and end < start:
        raise RowRejected(
            "end_date", cells["end_date"], "date.order", "end_date is before start_date"
        )
    values.update(start_date=start, end_date=end, title=cells["title"])
    return {
        "code": code,
        "country": country,
        "office": office,
        "donor": " ".join(cells["donor"].split()),
        "year": int(year_text),
        "sectors": sectors.parse(cells["sector"]),
        "budget": money_parse(cells["budget_usd"], "budget_usd", warnings=warnings),
        "spent": money_parse(cells["expenditure_usd"], "expenditure_usd", warnings=warnings),
        "currency": cells.get("currency", "").upper()[:3],
        "amount": decimal_parse_optional(cells.get("amount", ""), "amount"),
        "rate": decimal_parse_optional(cells.get("exchange_rate", ""), "exchange_rate"),
        "date": date_parse_optional(cells.get("contribution_date", ""), "contribution_date"),
        "partners": [
            p.strip() for p in cells.get("implementing_partners", "").split(";") if p.strip()
        ],
        "priorities": _priorities(cells.get("priorities", "")),
        "operations": _operations(cells.get("operations", ""), operations),
        "values": values,
    }


def report_line(
    sheet: str,
    row: int | None,
    code: str,
    column: str,
    value: str,
    rule: str,
    severity: str,
    message: str,
) -> dict[str, Any]:
    return {
        "sheet": sheet,
        "row": row,
        "submission_id": code,
        "field": column,
        "value": value,
        "rule": rule,
        "severity": severity,
        "message": message,
    }


def portfolio_import(
    *, path: Path, actor: User, dry_run: bool = False, report_path: Path | None = None
) -> ImportOutcome:
    """Check every row of the file and, unless `dry_run`, create its projects in one step.

    Regional reviewers and administrators import (the whole region's portfolio). A project code
    already in the portfolio is rejected, not changed: an import adds projects.
    """
    authorize_portfolio(actor, PortfolioAction.IMPORT, "")
    path = Path(path)
    report = ReportDraft(report_path or report_path_default(path))
    sheet, frame, matched = portfolio_table(path)
    lines: list[dict[str, Any]] = []
    known = set(REQUIRED) | set(OPTIONAL)
    for key, header in matched.items():
        if key not in known:
            lines.append(
                report_line(
                    sheet,
                    None,
                    "",
                    header,
                    "",
                    "column.ignored",
                    WARNING,
                    f"column {header!r} is not a portfolio column; ignored",
                )
            )
    existing = set(Project.objects.values_list("code", flat=True))
    sectors = _Sectors()
    operations = {code.lower(): pk for code, pk in Operation.objects.values_list("code", "pk")}
    drafts: dict[str, ProjectDraft] = {}
    keys: dict[tuple[str, str, int], int] = {}
    accepted: list[tuple[int, dict[str, Any]]] = []
    first = 2
    for index, raw in enumerate(frame.iter_rows(named=True)):
        number = first + index
        cells = {
            key: ("" if raw.get(header) is None else " ".join(str(raw[header]).split()))
            for key, header in matched.items()
            if key in known
        }
        if not any(cells.values()):
            continue  # an empty line
        warnings: list[tuple[str, str, str, str]] = []
        code = cells.get("project_code", "")
        try:
            row = _row(cells, sectors, operations, warnings)
            _consistent(row, number, drafts, keys, existing)
        except RowRejected as bad:
            lines.append(
                report_line(
                    sheet,
                    number,
                    code,
                    bad.column,
                    bad.value,
                    bad.rule,
                    ERROR,
                    f"row rejected: {bad.message}",
                )
            )
            continue
        for column, value, rule, message in warnings:
            lines.append(report_line(sheet, number, code, column, value, rule, WARNING, message))
        _given_usd_note(row, sheet, number, lines)
        accepted.append((number, row))
    issues = (
        pl.DataFrame(lines, schema=ISSUE_SCHEMA) if lines else pl.DataFrame(schema=ISSUE_SCHEMA)
    )
    outcome = ImportOutcome(
        file_name=path.name,
        rows=sum(1 for _ in frame.iter_rows()) - _empty_rows(frame),
        accepted=len(accepted),
        projects=len(drafts),
        contributions=len(accepted),
        dry_run=dry_run,
        report_path=report.path,
        issues=issues,
    )
    report.write(issues, dry_run=dry_run)
    try:
        if not dry_run:
            _write(drafts, accepted, actor=actor, file_name=path.name)
    except (OpenDTMError, Exception):
        report.discard()
        raise
    report.publish()
    return outcome


def _empty_rows(frame: pl.DataFrame) -> int:
    return sum(1 for raw in frame.iter_rows() if not any((c or "").strip() for c in raw))


def _consistent(
    row: dict[str, Any],
    number: int,
    drafts: dict[str, ProjectDraft],
    keys: dict[tuple[str, str, int], int],
    existing: set[str],
) -> None:
    """Refuse a row whose project exists already, repeats a project x donor x year, or
    disagrees with its project's first accepted row; otherwise add it to the project."""
    code = row["code"]
    if code in existing:
        raise RowRejected(
            "project_code",
            code,
            "project.exists",
            f"project {code} is already in the portfolio; an import adds projects",
        )
    key = (code, row["donor"].lower(), row["year"])
    if key in keys:
        raise RowRejected(
            "donor",
            row["donor"],
            "row.duplicate",
            f"row {keys[key]} has the same project, donor and year (one row per project x "
            "donor x year)",
        )
    draft = drafts.get(code)
    if draft is not None:
        for column in PROJECT_COLUMNS:
            if row["values"][column] != draft.values[column]:
                raise RowRejected(
                    column,
                    str(row["values"][column] or ""),
                    "project.inconsistent",
                    f"project {code}'s row {draft.first_row} has {column} "
                    f"{draft.values[column] or '(empty)'!s}; every row of a project repeats it",
                )
        if row["office"] != draft.office and row["office"] != row["country"]:
            raise RowRejected(
                "office_iso3",
                row["office"],
                "project.inconsistent",
                f"project {code}'s office is {draft.office}",
            )
    else:
        draft = drafts[code] = ProjectDraft(code, number, row["values"], row["office"])
    keys[key] = number
    draft.countries.add(row["country"])
    draft.sectors |= row["sectors"]
    draft.partners += [p for p in row["partners"] if p not in draft.partners]
    draft.priorities |= row["priorities"]
    draft.operations |= row["operations"]


def _given_usd_note(row: dict[str, Any], sheet: str, number: int, lines: list[Any]) -> None:
    """The file's USD amount is kept as given; when amount / exchange rate differs from it by
    more than a cent, the report says so (never corrected silently)."""
    amount, rate = row["amount"], row["rate"]
    if amount is None or rate is None:
        return
    computed = (amount / rate).quantize(Decimal("0.01"))
    if abs(computed - row["budget"]) > Decimal("0.01"):
        lines.append(
            report_line(
                sheet,
                number,
                row["code"],
                "budget_usd",
                str(row["budget"]),
                "money.rate_differs",
                WARNING,
                f"amount / exchange_rate is {computed}, the file's budget_usd is "
                f"{row['budget']}: kept as given",
            )
        )


@transaction.atomic
def _write(
    drafts: dict[str, ProjectDraft],
    accepted: list[tuple[int, dict[str, Any]]],
    *,
    actor: User,
    file_name: str,
) -> None:
    donors = {d.name.lower(): d for d in Donor.objects.all()}
    for _number, row in accepted:
        if row["donor"].lower() not in donors:
            donors[row["donor"].lower()] = Donor.objects.create(name=row["donor"])
    budgets: dict[str, Decimal] = {}
    for _number, row in accepted:
        budgets[row["code"]] = budgets.get(row["code"], Decimal(0)) + row["budget"]
    projects: dict[str, Project] = {}
    for code, draft in drafts.items():
        v = draft.values
        projects[code] = Project.objects.create(
            code=code,
            title=v["title"],
            office_iso3=draft.office,
            programme_type=v["programme_type"],
            status=v["status"],
            phase=v["phase"],
            start_date=v["start_date"],
            end_date=v["end_date"],
            total_budget_usd=budgets[code],
            implementing_partners=draft.partners,
            priorities=sorted(draft.priorities),
            created_by=actor,
        )
    ProjectCountry.objects.bulk_create(
        ProjectCountry(project=projects[c], iso3=i)
        for c, d in drafts.items()
        for i in sorted(d.countries)
    )
    links = Project.sectors.through
    links.objects.bulk_create(
        links(project=projects[c], sector_id=s)
        for c, d in drafts.items()
        for s in sorted(d.sectors)
    )
    served = Project.operations.through
    served.objects.bulk_create(
        served(project=projects[c], operation_id=o)
        for c, d in drafts.items()
        for o in sorted(d.operations)
    )
    Contribution.objects.bulk_create(
        Contribution(
            project=projects[row["code"]],
            donor=donors[row["donor"].lower()],
            year=row["year"],
            amount_usd=row["budget"],
            amount=row["amount"],
            currency=row["currency"],
            exchange_rate=row["rate"],
            date=row["date"],
        )
        for _number, row in accepted
    )
    spent: dict[tuple[str, str, int], Decimal] = {}
    for _number, row in accepted:
        key = (row["code"], row["country"], row["year"])
        spent[key] = spent.get(key, Decimal(0)) + row["spent"]
    Expenditure.objects.bulk_create(
        Expenditure(project=projects[c], iso3=i, year=y, amount_usd=amount)
        for (c, i, y), amount in spent.items()
    )
    for code, project in projects.items():
        audit_record(
            actor=actor,
            action="project.import",
            obj=project,
            summary=f"imported project {code} ({project.status}) from {file_name}",
            changes={"total_budget_usd": [None, str(budgets[code])]},
        )
