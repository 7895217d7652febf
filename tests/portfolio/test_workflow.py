"""The proposal workflow: every move of PROJECT_TRANSITIONS allowed and refused by role, nothing
written on refusal, versions and comments kept across a return."""

from __future__ import annotations

import pytest

from opendtm.accounts.choices import PortfolioRole
from opendtm.accounts.models import AuditEvent
from opendtm.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from opendtm.portfolio.choices import ProjectStatus
from opendtm.portfolio.models import Project, ProjectComment, ProjectTransition
from opendtm.portfolio.queries import project_get, project_history, projects_visible
from opendtm.portfolio.services import (
    portfolio_grant,
    project_comment,
    project_create,
    project_retitle,
    project_transition,
)
from opendtm.portfolio.workflow import PROJECT_TRANSITIONS
from tests.factories import PortfolioGrantFactory, ProjectFactory, SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

DEV, REV, VIEW = PortfolioRole.DEVELOPER, PortfolioRole.REVIEWER, PortfolioRole.VIEWER
# Who is who: (role, country office or "" for the region), None for no grant at all.
PEOPLE: dict[str, tuple[str, str] | None] = {
    "dev_bgd": (DEV, "BGD"),
    "dev_pak": (DEV, "PAK"),
    "dev_region": (DEV, ""),
    "rev_region": (REV, ""),
    "rev_bgd": (REV, "BGD"),
    "rev_pak": (REV, "PAK"),
    "viewer": (VIEW, ""),
    "nobody": None,
}
# Who may make each move on a BGD project (the administrator may make every move).
MAY = {
    "submit": {"dev_bgd", "dev_region"},
    "withdraw": {"dev_bgd", "dev_region"},
    "start_review": {"rev_region", "rev_bgd"},
    "return": {"rev_region", "rev_bgd"},
    "endorse": {"rev_region", "rev_bgd"},
    "resubmit": {"dev_bgd", "dev_region"},
    "activate": {"dev_bgd", "dev_region"},
    "close": {"dev_bgd", "dev_region"},
}


def _person(name: str):  # type: ignore[no-untyped-def]
    user = UserFactory(username=name)
    grant = PEOPLE[name]
    if grant is not None:
        PortfolioGrantFactory(user=user, role=grant[0], country_iso3=grant[1])
    return user


def _state(project: Project) -> tuple[object, ...]:
    project.refresh_from_db()
    return (
        project.status,
        project.version,
        ProjectTransition.objects.count(),
        ProjectComment.objects.count(),
        AuditEvent.objects.count(),
    )


def test_the_table_names_every_move_once() -> None:
    assert {m.move.verb for m in PROJECT_TRANSITIONS.values()} == set(MAY)
    assert [k for k, m in PROJECT_TRANSITIONS.items() if m.move.reason_required] == [
        (ProjectStatus.SUBMITTED, ProjectStatus.DRAFT),
        (ProjectStatus.UNDER_REVIEW, ProjectStatus.RETURNED),
    ]


@pytest.mark.parametrize("name", list(PEOPLE))
@pytest.mark.parametrize("pair", list(PROJECT_TRANSITIONS), ids=lambda p: f"{p[0]}-{p[1]}")
def test_every_move_allowed_or_refused_by_role(
    name: str, pair: tuple[ProjectStatus, ProjectStatus]
) -> None:
    frm, to = pair
    verb = PROJECT_TRANSITIONS[pair].move.verb
    project = ProjectFactory(status=frm, version=2)
    user = _person(name)
    before = _state(project)
    if name in MAY[verb]:
        moved = project_transition(project=project, to_status=to, actor=user, reason="why")
        assert (moved.status, moved.version) == (to, 3 if verb == "resubmit" else 2)
        move = ProjectTransition.objects.get()
        assert (move.from_status, move.to_status, move.version, move.by, move.reason) == (
            frm, to, 2, user, "why",
        )  # fmt: skip
        event = AuditEvent.objects.get()
        assert (event.action, event.actor, event.reason) == (f"project.{verb}", user, "why")
        assert event.changes == {"status": [frm, to], "version": [2, moved.version]}
    else:
        with pytest.raises(PermissionDenied):
            project_transition(project=project, to_status=to, actor=user, reason="why")
        assert _state(project) == before


def test_the_administrator_makes_a_whole_life_and_a_returned_proposal_keeps_its_history() -> None:
    admin = SuperuserFactory(username="admin")
    dev, rev = _person("dev_bgd"), _person("rev_region")
    project = project_create(
        code="BD10P0001",
        title="Shelter for Cox's Bazar",
        office_iso3="bgd",
        programme_type="emergency",
        countries=["BGD"],
        sectors=["2", "camp_management"],
        phase="during",
        actor=dev,
    )
    assert sorted(project.sectors.values_list("number", flat=True)) == [1, 2]
    project_transition(project=project, to_status="submitted", actor=dev)
    project_transition(project=project, to_status="under_review", actor=rev)
    project_transition(project=project, to_status="returned", actor=rev, reason="Add a budget")
    project_comment(project=project, text="Budget added in annex 2", actor=dev)
    project_retitle(project=project, title="Shelter and NFI for Cox's Bazar", actor=dev)
    project_transition(project=project, to_status="submitted", actor=dev)
    project_comment(project=project, text="Looks right now", actor=rev)
    project_transition(project=project, to_status="under_review", actor=rev)
    project_transition(project=project, to_status="endorsed", actor=admin)
    project_transition(project=project, to_status="active", actor=dev)
    project_transition(project=project, to_status="closed", actor=dev)
    history = project_history(admin, "BD10P0001")
    assert (history["status"], history["version"]) == ("closed", 2)
    assert [(m["version"], m["from"], m["to"], m["by"]) for m in history["moves"]] == [
        (1, "draft", "submitted", "dev_bgd"),
        (1, "submitted", "under_review", "rev_region"),
        (1, "under_review", "returned", "rev_region"),
        (1, "returned", "submitted", "dev_bgd"),
        (2, "submitted", "under_review", "rev_region"),
        (2, "under_review", "endorsed", "admin"),
        (2, "endorsed", "active", "dev_bgd"),
        (2, "active", "closed", "dev_bgd"),
    ]
    assert [(c["version"], c["by"], c["text"]) for c in history["comments"]] == [
        (1, "rev_region", "Add a budget"),
        (1, "dev_bgd", "Budget added in annex 2"),
        (2, "rev_region", "Looks right now"),
    ]
    assert list(
        AuditEvent.objects.filter(object_id=str(project.pk)).order_by("id").values_list(
            "action", flat=True
        )
    ) == [
        "project.create", "project.submit", "project.start_review", "project.return",
        "project.comment", "project.update", "project.resubmit", "project.comment",
        "project.start_review", "project.endorse", "project.activate", "project.close",
    ]  # fmt: skip


def test_refusals_that_are_not_about_roles_write_nothing() -> None:
    dev, rev = _person("dev_bgd"), _person("rev_region")
    project = ProjectFactory(status=ProjectStatus.DRAFT)
    before = _state(project)
    with pytest.raises(Conflict, match="From draft it can become: submitted"):
        project_transition(project=project, to_status="endorsed", actor=rev)
    with pytest.raises(InvalidInput):
        project_transition(project=project, to_status="nonsense", actor=dev)
    submitted = ProjectFactory(status=ProjectStatus.UNDER_REVIEW)
    with pytest.raises(InvalidInput, match="give a reason"):
        project_transition(project=submitted, to_status="returned", actor=rev, reason="  ")
    with pytest.raises(Conflict, match="only a draft or a returned"):
        project_retitle(project=submitted, title="New", actor=dev)
    with pytest.raises(PermissionDenied):
        project_comment(project=project, text="hello", actor=_person("dev_pak"))
    with pytest.raises(PermissionDenied):
        project_create(
            code="PK1", title="t", office_iso3="BGD", programme_type="emergency",
            actor=_person("rev_pak"),
        )  # fmt: skip
    assert _state(project) == before
    assert Project.objects.count() == 2


def test_a_country_office_sees_its_own_projects_and_the_region_sees_all() -> None:
    ProjectFactory(code="BGD-1", office_iso3="BGD")
    ProjectFactory(code="PAK-1", office_iso3="PAK")
    codes = lambda user: sorted(projects_visible(user).values_list("code", flat=True))  # noqa: E731
    assert codes(_person("dev_bgd")) == ["BGD-1"]
    assert codes(_person("rev_region")) == ["BGD-1", "PAK-1"]
    assert codes(_person("viewer")) == ["BGD-1", "PAK-1"]
    assert codes(_person("nobody")) == []
    with pytest.raises(NotFound):
        project_get(_person("dev_pak"), "BGD-1")


def test_granting_is_for_administrators_and_audited() -> None:
    admin, user = SuperuserFactory(), UserFactory(username="u")
    grant = portfolio_grant(user=user, role="regional_reviewer", actor=admin)
    assert (grant.role, grant.country_iso3) == ("regional_reviewer", "")
    with pytest.raises(Conflict):
        portfolio_grant(user=user, role="regional_reviewer", actor=admin)
    with pytest.raises(PermissionDenied):
        portfolio_grant(user=user, role="project_developer", country_iso3="BGD", actor=user)
    assert user.portfolio_grants.count() == 1
    assert AuditEvent.objects.filter(action="portfolio.grant").count() == 1
