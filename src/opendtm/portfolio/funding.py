"""`funding import`: incoming-funding flows from an FTS export (CSV, or XLSX), and their summary.

Headers are matched by the names FTS and people use (`Flow ID`, `Source org`, `Amount USD`...,
any case); descriptions may hold line breaks inside quoted fields (the CSV reader of
forms.sources keeps a quoted field whole, so a row is a record, not a line). A flow id seen
twice in the file, or already stored, is reported and not imported again; a flow naming a
project code of the portfolio is attached to it. Amounts are stored as given.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pycountry
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction
from django.db.models import Count, Q, Sum

from opendtm.accounts.choices import PortfolioAction
from opendtm.accounts.roles import authorize_portfolio, portfolio_scopes
from opendtm.accounts.services import audit_record
from opendtm.core.errors import InvalidInput
from opendtm.forms.reader import ISSUE_SCHEMA
from opendtm.forms.sources import source_read
from opendtm.ingest.report import ReportDraft, report_path_default
from opendtm.portfolio.imports import (
    ERROR,
    WARNING,
    RowRejected,
    date_parse_optional,
    decimal_parse_optional,
    header_key,
    money_parse,
    report_line,
)
from opendtm.portfolio.models import FundingFlow, Project

# Canonical column -> the header keys (lower case, spaces as _) that name it.
ALIASES: dict[str, tuple[str, ...]] = {
    "flow_id": ("flow_id", "flowid", "id"),
    "source": ("source_org", "source_organization", "source_organisation", "source", "donor"),
    "destination": (
        "destination_org",
        "destination_organization",
        "destination_organisation",
        "destination",
        "recipient",
    ),
    "amount_usd": ("amount_usd", "amount_(usd)", "amountusd", "funding_us$", "amount_us$"),
    "original_amount": ("original_amount", "originalamount"),
    "original_currency": ("original_currency", "originalcurrency", "currency"),
    "exchange_rate": ("exchange_rate", "exchangerate"),
    "date": ("date", "decision_date", "flow_date"),
    "plan": ("plan", "destination_plan"),
    "sector": (
        "sector",
        "cluster",
        "destination_global_cluster",
        "destination_cluster",
        "destination_sector",
    ),
    "country": ("country", "country_iso3", "destination_country", "destination_location"),
    "description": ("description",),
    "project_code": ("project_code", "destination_project_code", "project"),
}
REQUIRED = ("flow_id", "source", "destination", "amount_usd")
ROWS_MAX = 500_000


@dataclass
class FundingOutcome:
    file_name: str
    rows: int
    imported: int
    duplicates: int
    attached: int
    report_path: Path

    def summary_lines(self) -> list[str]:
        return [
            f"{self.file_name}: {self.rows} flow(s), {self.imported} imported, "
            f"{self.duplicates} duplicate(s), {self.rows - self.imported - self.duplicates} "
            "rejected",
            f"{self.attached} attached to portfolio projects",
            f"report: {self.report_path}",
        ]


def _columns(headers: list[str], name: str) -> dict[str, str]:
    keys = {header_key(h): h for h in reversed(headers)}
    found = {}
    for column, aliases in ALIASES.items():
        for alias in aliases:
            if alias in keys:
                found[column] = keys[alias]
                break
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        raise InvalidInput(
            f"{name}: no column for {', '.join(missing)}.",
            hint="An FTS incoming-funding export has Flow ID, Source org, Destination org and "
            "Amount USD columns.",
        )
    return found


def _country(value: str) -> str:
    if not value:
        return ""
    try:
        return str(pycountry.countries.lookup(value.strip()).alpha_3)
    except LookupError:
        raise RowRejected(
            "country",
            value,
            "country.unknown",
            f"country {value!r} is not a country name or ISO code",
        ) from None


def funding_import(
    *, path: Path, actor: User, report_path: Path | None = None, dry_run: bool = False
) -> FundingOutcome:
    """Import the flows of an FTS export; report duplicates and rejected rows."""
    authorize_portfolio(actor, PortfolioAction.IMPORT, "")
    path = Path(path)
    source = source_read(path)
    sheet = source.sheet_names[0]
    columns = _columns(source.headers(sheet), path.name)
    frame = source.table(sheet).frame
    if frame.height > ROWS_MAX:
        raise InvalidInput(f"{path.name} has {frame.height} rows; at most {ROWS_MAX}.")
    stored = set(FundingFlow.objects.values_list("flow_id", flat=True))
    projects = dict(Project.objects.values_list("code", "pk"))
    seen: dict[str, int] = {}
    lines: list[dict[str, Any]] = []
    flows: list[FundingFlow] = []
    duplicates = rows = 0
    for index, raw in enumerate(frame.iter_rows(named=True)):
        number = index + 2
        cells = {c: ("" if raw[h] is None else str(raw[h]).strip()) for c, h in columns.items()}
        if not any(cells.values()):
            continue
        rows += 1
        flow_id = cells["flow_id"]
        if flow_id in seen or flow_id in stored:
            duplicates += 1
            where = f"row {seen[flow_id]} of this file" if flow_id in seen else "a stored flow"
            lines.append(
                report_line(
                    sheet,
                    number,
                    flow_id,
                    "flow_id",
                    flow_id,
                    "flow.duplicate",
                    WARNING,
                    f"flow {flow_id} repeats {where}; not imported again",
                )
            )
            continue
        try:
            flow = _flow(cells, projects)
        except RowRejected as bad:
            lines.append(
                report_line(
                    sheet,
                    number,
                    flow_id,
                    bad.column,
                    bad.value,
                    bad.rule,
                    ERROR,
                    f"row rejected: {bad.message}",
                )
            )
            continue
        seen[flow_id] = number
        if flow.project_code and flow.project_id is None:
            lines.append(
                report_line(
                    sheet,
                    number,
                    flow_id,
                    "project_code",
                    flow.project_code,
                    "project.unknown",
                    WARNING,
                    f"no portfolio project {flow.project_code}; flow kept unattached",
                )
            )
        flow.imported_by = actor
        flows.append(flow)
    issues = (
        pl.DataFrame(lines, schema=ISSUE_SCHEMA) if lines else pl.DataFrame(schema=ISSUE_SCHEMA)
    )
    report = ReportDraft(report_path or report_path_default(path))
    report.write(issues, dry_run=dry_run)
    try:
        if not dry_run:
            _store(flows, actor=actor, file_name=path.name)
    except BaseException:
        report.discard()
        raise
    report.publish()
    return FundingOutcome(
        file_name=path.name,
        rows=rows,
        imported=len(flows),
        duplicates=duplicates,
        attached=sum(1 for f in flows if f.project_id is not None),
        report_path=report.path,
    )


def _flow(cells: dict[str, str], projects: dict[str, int]) -> FundingFlow:
    flow_id = cells["flow_id"]
    if not flow_id or len(flow_id) > 64:
        raise RowRejected("flow_id", flow_id, "value.required", "a flow id is required")
    for column in ("source", "destination"):
        if not cells[column]:
            raise RowRejected(column, "", "value.required", f"{column} is required")
    amount = money_parse(cells["amount_usd"], "amount_usd", warnings=[])
    date = date_parse_optional(cells.get("date", ""), "date")
    code = cells.get("project_code", "")[:64]
    return FundingFlow(
        flow_id=flow_id,
        source=" ".join(cells["source"].split())[:300],
        destination=" ".join(cells["destination"].split())[:300],
        amount_usd=amount,
        original_amount=decimal_parse_optional(cells.get("original_amount", ""), "original_amount"),
        original_currency=cells.get("original_currency", "").upper()[:3],
        exchange_rate=decimal_parse_optional(cells.get("exchange_rate", ""), "exchange_rate"),
        date=date,
        year=date.year if date else None,
        plan=cells.get("plan", "")[:300],
        sector=cells.get("sector", "")[:200],
        country_iso3=_country(cells.get("country", "")),
        description=cells.get("description", ""),
        project_code=code,
        project_id=projects.get(code),
    )


@transaction.atomic
def _store(flows: list[FundingFlow], *, actor: User, file_name: str) -> None:
    FundingFlow.objects.bulk_create(flows)
    if flows:
        first = FundingFlow.objects.get(flow_id=flows[0].flow_id)
        audit_record(
            actor=actor,
            action="funding.import",
            obj=first,
            summary=f"imported {len(flows)} funding flow(s) from {file_name}",
        )


def funding_summary(
    user: AbstractBaseUser | AnonymousUser | None,
    *,
    country: str = "",
    year: int | None = None,
    recipient: str = "",
) -> dict[str, Any]:
    """Flows, their USD total and the number of donors, for what the user may see: a country
    office sees its countries' flows, the regional unit all."""
    scopes = portfolio_scopes(user, PortfolioAction.VIEW)
    flows = FundingFlow.objects.all()
    if scopes is not None:
        flows = flows.filter(country_iso3__in=sorted(scopes))
    if country:
        flows = flows.filter(country_iso3=country.strip().upper())
    if year is not None:
        flows = flows.filter(year=year)
    if recipient:
        flows = flows.filter(Q(destination__iexact=recipient.strip()))
    totals = flows.aggregate(
        n=Count("pk"), usd=Sum("amount_usd"), donors=Count("source", distinct=True)
    )
    usd: Decimal = totals["usd"] or Decimal(0)
    return {
        "flows": totals["n"],
        "total_usd": int(usd) if usd == usd.to_integral_value() else float(usd),
        "donors": totals["donors"],
    }
