"""Which rounds and sites a reader sees, and a site's status as they see it.

The status of a site is the status its latest assessment in a round the reader may see
reports; without VIEW_UNPUBLISHED a site exists only once it has an assessment in a published
round. The operation below is public, with rounds 1 and 2 published and round 3 open:

    site  registry   round 1   round 2      round 3 (open)
    A     open       open      closed       open
    B     open       open      (no status)  closed
    C     open       -         -            closing      (registered by the round 3 import)
    D     planned    -         -            -
"""

from __future__ import annotations

import datetime as dt
from itertools import product
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from opendtm.accounts.choices import Action, Role
from opendtm.accounts.models import OperationGrant
from opendtm.accounts.queries import operations_where
from opendtm.accounts.roles import can
from opendtm.core.errors import NotFound
from opendtm.ingest.models import ImportBatch
from opendtm.mobility.models import SiteAssessment
from opendtm.operations.choices import RoundStatus
from opendtm.operations.models import Operation, RoundTransition, Site
from opendtm.operations.queries import (
    operation_list,
    round_transitions,
    rounds_of,
    site_counts_by_status,
    site_get,
    site_history,
    sites_of,
)
from opendtm.operations.services import site_status_change
from tests.factories import (
    OperationFactory,
    RoundFactory,
    SiteFactory,
    SuperuserFactory,
    UserFactory,
    admin_tree,
)

pytestmark = pytest.mark.django_db

D = dt.date
ASSESSED = {  # site -> {round: (status, assessment date)}
    "A": {1: ("open", D(2026, 11, 2)), 2: ("closed", D(2026, 11, 10)), 3: ("open", None)},
    "B": {1: ("open", D(2026, 11, 3)), 2: (None, D(2026, 11, 9)), 3: ("closed", None)},
    "C": {3: ("closing", D(2026, 11, 16))},
}


@pytest.fixture
def world() -> dict[str, Any]:
    units = admin_tree(depth=2, fanout=2)
    op = OperationFactory(code="ty", is_public=True)
    boss = SuperuserFactory(username="boss")
    rounds = {
        1: RoundFactory(operation=op, status=RoundStatus.PUBLISHED),
        2: RoundFactory(operation=op, status=RoundStatus.PUBLISHED),
        3: RoundFactory(operation=op),
    }
    sites = {
        name: SiteFactory(
            operation=op,
            site_id=name,
            admin_unit=units["PH01001"],
            status="planned" if name == "D" else "open",
        )
        for name in "ABCD"
    }
    for number, round_ in rounds.items():
        batch = ImportBatch.objects.create(
            operation=op,
            round=round_,
            form_id="dtm_site",
            file_name=f"r{number}.csv",
            sha256="0" * 64,
            imported_by=boss,
        )
        for name, by_round in ASSESSED.items():
            if number in by_round:
                status, on = by_round[number]
                SiteAssessment.objects.create(
                    round=round_,
                    batch=batch,
                    submission_id=f"{name}-{number}",
                    site=sites[name],
                    admin_unit=units["PH01001"],
                    site_status=status,
                    assessment_date=on,
                    source_row=2,
                )
    viewer, analyst = UserFactory(username="vic"), UserFactory(username="ana")
    OperationGrant.objects.create(user=viewer, operation=op, role=Role.VIEWER)
    OperationGrant.objects.create(user=analyst, operation=op, role=Role.ANALYST)
    readers = {"anonymous": AnonymousUser(), "viewer": viewer, "analyst": analyst, "boss": boss}
    return {"op": op, "rounds": rounds, "sites": sites, **readers}


def _shown(world: dict[str, Any], who: str, **filters: Any) -> list[tuple[Any, ...]]:
    return [
        (s.site_id, s.current_status, s.status_round, s.status_on, s.current_closed_on)
        for s in sites_of(user=world[who], operation=world["op"], **filters)
    ]


PUBLIC_VIEW = [
    ("A", "closed", 2, dt.date(2026, 11, 10), dt.date(2026, 11, 10)),
    ("B", "open", 1, dt.date(2026, 11, 3), None),  # round 2 reported no status
]
INSIDE_VIEW = [
    ("A", "open", 3, dt.date(2026, 11, 15), None),  # no assessment date: the round's start
    ("B", "closed", 3, dt.date(2026, 11, 15), dt.date(2026, 11, 15)),
    ("C", "closing", 3, dt.date(2026, 11, 16), None),
    ("D", "planned", None, None, None),  # never assessed: the registry's recorded status
]


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", PUBLIC_VIEW), ("viewer", PUBLIC_VIEW), ("analyst", INSIDE_VIEW)],
)
def test_the_status_shown_is_the_latest_visible_assessments(
    world: dict[str, Any], who: str, expected: list[tuple[Any, ...]]
) -> None:
    assert _shown(world, who) == expected


def test_filters_and_counts_agree_with_the_list(world: dict[str, Any]) -> None:
    assert [s[0] for s in _shown(world, "anonymous", status="closed")] == ["A"]
    assert [s[0] for s in _shown(world, "anonymous", status="open")] == ["B"]
    assert [s[0] for s in _shown(world, "analyst", status="closed")] == ["B"]
    assert [s[0] for s in _shown(world, "analyst", status="planned")] == ["D"]
    op = world["op"]
    assert site_counts_by_status(user=world["anonymous"], operation=op) == {
        "planned": 0, "open": 1, "closing": 0, "closed": 1,
    }  # fmt: skip
    assert site_counts_by_status(user=world["analyst"], operation=op) == {
        "planned": 1, "open": 1, "closing": 1, "closed": 1,
    }  # fmt: skip


def test_the_round_figures_count_the_same_statuses(world: dict[str, Any]) -> None:
    """Every site is assessed in round 3: the registry as an analyst sees it counts what the
    round's figures count (SiteAssessment.site_status of the round)."""
    from opendtm.figures.queries import figures_headline

    headline = figures_headline(user=world["analyst"], operation=world["op"], round_number=3)
    counts = site_counts_by_status(user=world["analyst"], operation=world["op"])
    figures = headline.figures
    assert (figures["sites_open"], figures["sites_closing"], figures["sites_closed"]) == (
        counts["open"], counts["closing"], counts["closed"],
    ) == (1, 1, 1)  # fmt: skip


def test_a_site_of_an_open_round_only_does_not_exist_for_the_public(
    world: dict[str, Any],
) -> None:
    op = world["op"]
    for who in ("anonymous", "viewer"):
        with pytest.raises(NotFound) as hidden:
            site_get(user=world[who], operation=op, site_id="C")
        with pytest.raises(NotFound) as missing:
            site_get(user=world[who], operation=op, site_id="Z")
        assert str(hidden.value).replace("'C'", "'Z'") == str(missing.value)
    site = site_get(user=world["analyst"], operation=op, site_id="C")
    assert (site.current_status, site.status_round) == ("closing", 3)
    # Taking the operation private hides the registry from everyone without a role.
    Operation.objects.filter(pk=op.pk).update(is_public=False)
    op.refresh_from_db()
    assert sites_of(user=AnonymousUser(), operation=op).count() == 0
    assert sites_of(user=UserFactory(), operation=op).count() == 0
    assert sites_of(user=world["viewer"], operation=op).count() == 2


def test_the_registry_history_is_for_insiders(world: dict[str, Any]) -> None:
    op, boss = world["op"], world["boss"]
    site = Site.objects.get(operation=op, site_id="D")
    site.operation = op
    site_status_change(site=site, to_status="open", on=dt.date(2026, 11, 20), actor=boss)
    for who, expected in (
        ("anonymous", []),
        ("viewer", []),
        ("analyst", [("planned", "open", "boss")]),
    ):
        shown = site_history(user=world[who], site=site)
        assert [(c.from_status, c.to_status, c.by.username) for c in shown] == expected
    assert _shown(world, "analyst", status="open")[1][:3] == ("D", "open", None)


def test_rounds_and_round_counts_follow_the_reader(world: dict[str, Any]) -> None:
    op = world["op"]
    private = OperationFactory(code="zz")
    RoundFactory(operation=private, status=RoundStatus.PUBLISHED)
    RoundFactory(operation=private)
    expected = {
        "anonymous": ([1, 2], [("ty", 2)]),
        "viewer": ([1, 2], [("ty", 2)]),
        "analyst": ([1, 2, 3], [("ty", 3)]),
        "boss": ([1, 2, 3], [("ty", 3), ("zz", 2)]),
    }
    for who, (numbers, counted) in expected.items():
        assert [r.number for r in rounds_of(operation=op, user=world[who])] == numbers
        listed = operation_list(user=world[who])
        assert [(o.code, o.round_count) for o in listed] == counted
    OperationGrant.objects.create(user=world["viewer"], operation=private, role=Role.VIEWER)
    assert [(o.code, o.round_count) for o in operation_list(user=world["viewer"])] == [
        ("ty", 2),
        ("zz", 1),
    ]


def test_round_count_is_one_query(world: dict[str, Any], django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        assert [o.round_count for o in operation_list(user=world["viewer"])] == [2]


def test_workflow_history_names_accounts_for_insiders_only(world: dict[str, Any]) -> None:
    round_ = world["rounds"][1]
    round_.operation = world["op"]
    RoundTransition.objects.create(
        round=round_, from_status="validated", to_status="published", by=world["boss"]
    )
    for who, name in (("anonymous", ""), ("viewer", ""), ("analyst", "boss"), ("boss", "boss")):
        moves = round_transitions(user=world[who], round_=round_)
        assert [(m.to_status, m.by_name) for m in moves] == [("published", name)]
    hidden = world["rounds"][3]
    hidden.operation = world["op"]
    RoundTransition.objects.create(
        round=hidden, from_status="open", to_status="validated", by=world["boss"]
    )
    assert list(round_transitions(user=world["viewer"], round_=hidden)) == []


@pytest.mark.parametrize("public", [False, True])
def test_operations_where_decides_as_the_role_matrix(public: bool) -> None:
    """The SQL form of `can` (used by Round.objects.visible_to) agrees with it everywhere."""
    op = OperationFactory(is_public=public)
    other = OperationFactory(is_public=not public)
    users: list[Any] = [None, AnonymousUser(), UserFactory(), SuperuserFactory()]
    users.append(UserFactory(is_active=False, is_superuser=True))
    for role in Role:
        user = UserFactory()
        OperationGrant.objects.create(user=user, operation=op, role=role)
        users.append(user)
        gone = UserFactory(is_active=False)
        OperationGrant.objects.create(user=gone, operation=op, role=role)
        users.append(gone)
    for user, action in product(users, Action):
        expected = {o.pk for o in (op, other) if can(user, action, o)}
        assert set(operations_where(user, action).values_list("pk", flat=True)) == expected
