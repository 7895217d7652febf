"""Writes of the portfolio: grants, projects, the proposal workflow and its comments.

Every function authorizes through accounts.roles (authorize_portfolio), runs in one transaction
and records an audit event; a refused call writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from opendtm.accounts.choices import PortfolioAction, PortfolioRole
from opendtm.accounts.roles import authorize_portfolio, authorize_superuser
from opendtm.accounts.services import audit_record
from opendtm.core.choices import choice_parse
from opendtm.core.errors import Conflict, InvalidInput
from opendtm.gazetteer.countries import country_get
from opendtm.mcof.queries import sector_get
from opendtm.operations.choices import McofPhase
from opendtm.operations.workflow import transition_find
from opendtm.portfolio.choices import ProgrammeType, ProjectStatus
from opendtm.portfolio.models import (
    PortfolioGrant,
    Project,
    ProjectComment,
    ProjectCountry,
    ProjectTransition,
)
from opendtm.portfolio.workflow import EDITABLE, PROJECT_MOVES, PROJECT_TRANSITIONS

COMMENT_MAX = 10_000


@transaction.atomic
def portfolio_grant(
    *, user: User, role: str, country_iso3: str = "", actor: User | None
) -> PortfolioGrant:
    """Give `user` a portfolio role for a country office or (no country) the region."""
    authorize_superuser(actor, "grant portfolio roles")
    parsed = choice_parse(PortfolioRole, role, field="portfolio role")
    iso3 = country_get(country_iso3).iso3 if country_iso3 else ""
    grant, created = PortfolioGrant.objects.get_or_create(user=user, role=parsed, country_iso3=iso3)
    if not created:
        raise Conflict(f"{user.username} is already {parsed} for {iso3 or 'the region'}.")
    audit_record(
        actor=actor,
        action="portfolio.grant",
        obj=grant,
        summary=f"{user.username} is {parsed} for {iso3 or 'the region'}",
    )
    return grant


def _text(value: str, *, field: str, longest: int) -> str:
    cleaned = (value or "").strip()
    if not cleaned or len(cleaned) > longest:
        raise InvalidInput(f"The {field} must have 1 to {longest} characters.")
    return cleaned


def _countries(codes: Iterable[str]) -> list[str]:
    found = sorted({country_get(code).iso3 for code in codes})
    if not found:
        raise InvalidInput("A project names at least one country.")
    return found


@transaction.atomic
def project_create(
    *,
    code: str,
    title: str,
    office_iso3: str,
    programme_type: str,
    actor: User,
    countries: Iterable[str] = (),
    sectors: Iterable[str] = (),
    phase: str = "",
    total_budget_usd: Decimal | None = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    implementing_partners: Iterable[str] = (),
) -> Project:
    """Draft a proposal for a country office (its project developers)."""
    office = country_get(office_iso3).iso3
    authorize_portfolio(actor, PortfolioAction.DRAFT, office)
    code = _text(code, field="project code", longest=64)
    if Project.objects.filter(code=code).exists():
        raise Conflict(f"Project {code} already exists.")
    if start_date and end_date and end_date < start_date:
        raise InvalidInput(f"Project {code} ends ({end_date}) before it starts ({start_date}).")
    project = Project.objects.create(
        code=code,
        title=_text(title, field="title", longest=500),
        office_iso3=office,
        programme_type=choice_parse(ProgrammeType, programme_type, field="programme type"),
        phase=choice_parse(McofPhase, phase, field="phase") if phase else "",
        total_budget_usd=total_budget_usd,
        start_date=start_date,
        end_date=end_date,
        implementing_partners=[p.strip() for p in implementing_partners if p.strip()],
        created_by=actor,
    )
    isos = _countries([office, *countries])
    ProjectCountry.objects.bulk_create(ProjectCountry(project=project, iso3=i) for i in isos)
    project.sectors.set([sector_get(s) for s in sectors])
    audit_record(
        actor=actor,
        action="project.create",
        obj=project,
        summary=f"drafted project {code} for {office}",
        changes={"countries": [None, isos]},
    )
    return project


@transaction.atomic
def project_retitle(*, project: Project, title: str, actor: User, reason: str = "") -> Project:
    """Change a proposal's title while its office may edit it (draft or returned)."""
    authorize_portfolio(actor, PortfolioAction.DRAFT, project.office_iso3)
    current = Project.objects.select_for_update().get(pk=project.pk)
    if current.status not in EDITABLE:
        raise Conflict(
            f"Project {current.code} is {current.status}: only a draft or a returned "
            "proposal is edited."
        )
    old, current.title = current.title, _text(title, field="title", longest=500)
    current.save(update_fields=["title", "updated_at"])
    audit_record(
        actor=actor,
        action="project.update",
        obj=current,
        summary=f"retitled project {current.code}",
        reason=reason,
        changes={"title": [old, current.title]},
    )
    return current


@transaction.atomic
def project_transition(
    *, project: Project, to_status: str, actor: User, reason: str = ""
) -> Project:
    """Move a project through the proposal workflow, as PROJECT_TRANSITIONS allows.

    The role is checked for the project's country office before anything else; a move that
    needs a reason (withdraw, return) is refused without one; the reason of a return is also
    kept as a comment on the returned version. Resubmitting opens the next version.
    """
    authorize_portfolio(actor, PortfolioAction.VIEW, project.office_iso3)
    target = choice_parse(ProjectStatus, to_status, field="project status")
    current = Project.objects.select_for_update().get(pk=project.pk)
    what = f"Project {current.code}"
    move = transition_find(PROJECT_MOVES, ProjectStatus(current.status), target, what=what)
    rule = PROJECT_TRANSITIONS[(ProjectStatus(current.status), target)]
    authorize_portfolio(actor, rule.action, current.office_iso3)
    reason = (reason or "").strip()
    if move.reason_required and not reason:
        raise InvalidInput(f"To {move.verb} project {current.code} give a reason.")
    if len(reason) > COMMENT_MAX:
        raise InvalidInput(f"A reason has at most {COMMENT_MAX} characters.")
    from_status, version = current.status, current.version
    current.status = target
    if rule.new_version:
        current.version += 1
    current.save(update_fields=["status", "version", "updated_at"])
    ProjectTransition.objects.create(
        project=current,
        from_status=from_status,
        to_status=target,
        version=version,
        by=actor,
        reason=reason,
    )
    if target == ProjectStatus.RETURNED:
        ProjectComment.objects.create(project=current, version=version, author=actor, text=reason)
    audit_record(
        actor=actor,
        action=f"project.{move.verb}",
        obj=current,
        summary=f"{move.verb} project {current.code} (version {version})",
        reason=reason,
        changes={"status": [from_status, target], "version": [version, current.version]},
    )
    return current


@transaction.atomic
def project_comment(*, project: Project, text: str, actor: User) -> ProjectComment:
    """Comment on the proposal's current version: its office's developers and the reviewers."""
    if not _may_comment(actor, project):
        authorize_portfolio(actor, PortfolioAction.REVIEW, project.office_iso3)
    current = Project.objects.select_for_update().get(pk=project.pk)
    comment = ProjectComment.objects.create(
        project=current,
        version=current.version,
        author=actor,
        text=_text(text, field="comment", longest=COMMENT_MAX),
    )
    audit_record(
        actor=actor,
        action="project.comment",
        obj=current,
        summary=f"commented on project {current.code} (version {current.version})",
    )
    return comment


def _may_comment(actor: User, project: Project) -> bool:
    from opendtm.accounts.roles import can_portfolio

    return can_portfolio(actor, PortfolioAction.DRAFT, project.office_iso3)
