"""Rounds: numbering, one open round at a time, the transition table, read-only when published."""

from __future__ import annotations

import datetime as dt
from itertools import product

import pytest
from django.db import IntegrityError, transaction

from opendtm.accounts.choices import Role
from opendtm.accounts.models import AuditEvent, OperationGrant
from opendtm.core.errors import Conflict, InvalidInput, PermissionDenied
from opendtm.operations.choices import RoundStatus, SiteStatus
from opendtm.operations.models import Operation, Round, RoundTransition
from opendtm.operations.services import (
    round_ensure_writable,
    round_open,
    round_publish,
    round_reopen,
    round_transition,
    round_update,
    round_validate,
)
from opendtm.operations.workflow import (
    ROUND_TRANSITIONS,
    SITE_TRANSITIONS,
    moves_from,
    target_of,
)
from tests.factories import (
    GazetteerVersionFactory,
    OperationFactory,
    RoundFactory,
    SuperuserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

START = dt.date(2026, 11, 1)


@pytest.fixture
def op() -> Operation:
    return OperationFactory(code="phl-ty", start_date=START)


def _state(op: Operation) -> tuple[list[tuple[int, str]], int, int]:
    """What a refused call must leave untouched: statuses, transitions, audit events."""
    return (
        list(op.rounds.order_by("number").values_list("number", "status")),
        RoundTransition.objects.count(),
        AuditEvent.objects.count(),
    )


# --- opening -------------------------------------------------------------------------------


def test_open_numbers_rounds_from_one_and_audits(op: Operation) -> None:
    root = SuperuserFactory(username="root")
    r1 = round_open(operation=op, start_date=START, actor=root)
    round_validate(round=r1, actor=root)
    r2 = round_open(operation=op, start_date=dt.date(2026, 11, 8), actor=root)
    assert (r1.number, r2.number, r2.status, r2.created_by) == (1, 2, "open", root)
    opened = AuditEvent.objects.filter(action="round.open").order_by("id")
    assert [e.summary for e in opened] == [
        "opened round 1 of phl-ty starting 2026-11-01",
        "opened round 2 of phl-ty starting 2026-11-08",
    ]


def test_open_with_a_number_leaves_gaps_and_continues_after_the_highest(op: Operation) -> None:
    root = SuperuserFactory()
    r5 = round_open(operation=op, number=5, start_date=START, actor=root)
    round_validate(round=r5, actor=root)
    assert round_open(operation=op, start_date=START, actor=root).number == 6


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"number": 1}, Conflict, "Operation phl-ty already has a round 1."),
        ({"number": 0}, InvalidInput, "Round number 0 is not 1 or more."),
        (
            {"start_date": dt.date(2026, 10, 31)},
            InvalidInput,
            "Start date 2026-10-31 is before the start of operation phl-ty (2026-11-01).",
        ),
        (
            {"start_date": dt.date(2026, 11, 2)},
            InvalidInput,
            "Start date 2026-11-02 of round 2 is out of order: round 1 starts on 2026-11-03.",
        ),
        ({"start_date": "2026-11-10"}, InvalidInput, "Start date '2026-11-10' is not a date."),
    ],
)
def test_open_refused_writes_nothing(
    op: Operation, kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    RoundFactory(operation=op, start_date=dt.date(2026, 11, 3), status=RoundStatus.VALIDATED)
    before = _state(op)
    with pytest.raises(error) as caught:
        round_open(
            operation=op,
            **{"start_date": dt.date(2026, 11, 10), **kwargs},  # type: ignore[arg-type]
            actor=SuperuserFactory(),
        )
    assert str(caught.value).startswith(message)
    assert _state(op) == before


def test_open_refused_while_another_round_is_open(op: Operation) -> None:
    RoundFactory(operation=op)
    before = _state(op)
    with pytest.raises(Conflict) as caught:
        round_open(operation=op, start_date=dt.date(2026, 11, 8), actor=SuperuserFactory())
    assert str(caught.value) == (
        "Round 1 of phl-ty is still open: an operation has one open round at a time. "
        "Validate it first: `opendtm round validate --operation phl-ty --number 1`."
    )
    assert _state(op) == before


def test_the_database_also_keeps_one_open_round(op: Operation) -> None:
    RoundFactory(operation=op)
    with pytest.raises(IntegrityError), transaction.atomic():
        Round.objects.create(operation=op, number=2, start_date=START)


def test_open_after_the_operation_ended_is_refused(op: Operation) -> None:
    op.end_date = dt.date(2026, 12, 31)
    op.save()
    with pytest.raises(InvalidInput) as caught:
        round_open(operation=op, start_date=dt.date(2027, 1, 1), actor=SuperuserFactory())
    assert str(caught.value) == (
        "Start date 2027-01-01 is after the end of operation phl-ty (2026-12-31)."
    )


# --- the transition table ------------------------------------------------------------------

ALLOWED = {
    ("open", "validated"),
    ("validated", "open"),
    ("validated", "published"),
}


def test_the_table_is_exactly_the_documented_one() -> None:
    assert {(a.value, b.value) for a, b in ROUND_TRANSITIONS} == ALLOWED
    assert {(a.value, b.value) for (a, b), t in ROUND_TRANSITIONS.items() if t.reason_required} == {
        ("validated", "open")
    }


def test_the_moves_interfaces_offer_come_from_the_table() -> None:
    assert [moves_from(ROUND_TRANSITIONS, s) for s in RoundStatus] == [
        [RoundStatus.VALIDATED],
        [RoundStatus.PUBLISHED, RoundStatus.OPEN],
        [],
    ]
    assert {v: target_of(ROUND_TRANSITIONS, v) for v in ("validate", "publish", "reopen")} == {
        "validate": RoundStatus.VALIDATED,
        "publish": RoundStatus.PUBLISHED,
        "reopen": RoundStatus.OPEN,
    }
    assert target_of(SITE_TRANSITIONS, "close") == SiteStatus.CLOSED
    with pytest.raises(ValueError, match="no single move named 'close'"):
        target_of(ROUND_TRANSITIONS, "close")


@pytest.mark.parametrize(("from_status", "to_status"), list(product(RoundStatus.values, repeat=2)))
def test_every_pair_of_statuses(op: Operation, from_status: str, to_status: str) -> None:
    GazetteerVersionFactory(country_iso3="PHL", label="2024")
    round_ = RoundFactory(operation=op, status=from_status)
    root = SuperuserFactory()
    before = _state(op)
    if (from_status, to_status) in ALLOWED:
        round_transition(round=round_, to_status=to_status, actor=root, reason="checked")
        round_.refresh_from_db()
        assert round_.status == to_status
        move = RoundTransition.objects.get()
        assert (move.from_status, move.to_status, move.by, move.reason) == (
            from_status,
            to_status,
            root,
            "checked",
        )
        assert (
            AuditEvent.objects.filter(
                object_type="operations.round", object_id=str(round_.pk)
            ).count()
            == 1
        )
    else:
        with pytest.raises(Conflict):
            round_transition(round=round_, to_status=to_status, actor=root, reason="checked")
        assert _state(op) == before


def test_publishing_an_open_round_is_refused_and_changes_nothing(op: Operation) -> None:
    round_ = RoundFactory(operation=op)
    before = _state(op)
    with pytest.raises(Conflict) as caught:
        round_publish(round=round_, actor=SuperuserFactory())
    assert str(caught.value) == (
        "Round 1 of phl-ty is open and cannot become published. From open it can become: validated."
    )
    round_.refresh_from_db()
    assert (round_.status, round_.published_at) == ("open", None)
    assert _state(op) == before


def test_published_is_final(op: Operation) -> None:
    round_ = RoundFactory(operation=op, status=RoundStatus.PUBLISHED)
    with pytest.raises(Conflict) as caught:
        round_reopen(round=round_, actor=SuperuserFactory(), reason="typo")
    assert str(caught.value) == (
        "Round 1 of phl-ty is published and cannot become open. published is final: "
        "nothing can change it."
    )


def test_publish_stamps_time_and_the_operation_gazetteer(op: Operation) -> None:
    pinned = GazetteerVersionFactory(country_iso3="PHL", label="2023")
    GazetteerVersionFactory(country_iso3="PHL", label="2024")  # newer, not the operation's
    op.gazetteer_version = pinned
    op.save()
    root = SuperuserFactory(username="root")
    round_ = RoundFactory(operation=op)
    round_validate(round=round_, actor=root)
    round_publish(round=round_, actor=root, reason="cleared by the IM officer")
    assert round_.status == "published"  # the caller's object follows
    round_.refresh_from_db()
    assert round_.published_at is not None
    assert round_.gazetteer_version == pinned
    assert [(t.from_status, t.to_status, t.reason) for t in round_.transitions.order_by("id")] == [
        ("open", "validated", ""),
        ("validated", "published", "cleared by the IM officer"),
    ]
    event = AuditEvent.objects.get(action="round.publish")
    assert (event.summary, event.reason, event.changes) == (
        "publish round 1 of phl-ty: validated -> published",
        "cleared by the IM officer",
        {
            "status": ["validated", "published"],
            "gazetteer_version": [None, pinned.pk],
            "needs_rules_version": ["", "sphere-2018-v2"],
        },
    )


def test_publish_stamps_the_version_the_operation_is_on_now_not_the_callers_copy(
    op: Operation,
) -> None:
    older = GazetteerVersionFactory(country_iso3="PHL", label="2023")
    newer = GazetteerVersionFactory(country_iso3="PHL", label="2025")
    op.gazetteer_version = older
    op.save()
    round_ = RoundFactory(operation=op, status=RoundStatus.VALIDATED)
    Operation.objects.filter(pk=op.pk).update(gazetteer_version=newer)  # moved meanwhile
    assert round_.operation.gazetteer_version == older
    round_publish(round=round_, actor=SuperuserFactory())
    round_.refresh_from_db()
    assert round_.gazetteer_version == newer
    assert not AuditEvent.objects.filter(action="operation.gazetteer").exists()


def test_publish_adopts_the_latest_gazetteer_when_the_operation_has_none(op: Operation) -> None:
    latest = GazetteerVersionFactory(country_iso3="PHL", label="2024")
    round_ = RoundFactory(operation=op, status=RoundStatus.VALIDATED)
    round_publish(round=round_, actor=SuperuserFactory())
    op.refresh_from_db()
    assert (op.gazetteer_version, round_.gazetteer_version) == (latest, latest)
    assert AuditEvent.objects.filter(action="operation.gazetteer").count() == 1


def test_publish_without_any_gazetteer_is_refused(op: Operation) -> None:
    round_ = RoundFactory(operation=op, status=RoundStatus.VALIDATED)
    before = _state(op)
    with pytest.raises(Conflict) as caught:
        round_publish(round=round_, actor=SuperuserFactory())
    assert str(caught.value) == (
        "Operation phl-ty has no gazetteer: no gazetteer of PHL is loaded. "
        "Load one with `opendtm gazetteer load ... --country PHL`."
    )
    assert _state(op) == before


def test_reopen_needs_a_reason(op: Operation) -> None:
    round_ = RoundFactory(operation=op, status=RoundStatus.VALIDATED)
    before = _state(op)
    with pytest.raises(InvalidInput) as caught:
        round_reopen(round=round_, actor=SuperuserFactory(), reason="  ")
    assert str(caught.value) == "To reopen round 1 of phl-ty give a reason. Add --reason TEXT."
    assert _state(op) == before


def test_reopen_is_refused_while_another_round_is_open(op: Operation) -> None:
    first = RoundFactory(operation=op, status=RoundStatus.VALIDATED)
    RoundFactory(operation=op)
    before = _state(op)
    with pytest.raises(Conflict) as caught:
        round_reopen(round=first, actor=SuperuserFactory(), reason="late forms")
    assert str(caught.value) == (
        "Round 2 of phl-ty is open: an operation has one open round at a time. "
        "Validate round 2 first, then reopen round 1."
    )
    assert _state(op) == before


def test_a_stale_object_cannot_skip_the_table(op: Operation) -> None:
    """The status is read afresh: an object loaded before a move cannot repeat it."""
    round_ = RoundFactory(operation=op, status=RoundStatus.VALIDATED)
    stale = Round.objects.get(pk=round_.pk)
    root = SuperuserFactory()
    GazetteerVersionFactory(country_iso3="PHL")
    round_publish(round=round_, actor=root)
    with pytest.raises(Conflict):
        round_reopen(round=stale, actor=root, reason="sneaky")
    round_.refresh_from_db()
    assert round_.status == "published"


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.VIEWER, False), (Role.ANALYST, False), (Role.MANAGER, True), (Role.ADMIN, True)],
)
def test_who_may_move_rounds(op: Operation, role: Role, allowed: bool) -> None:
    user = UserFactory()
    OperationGrant.objects.create(user=user, operation=op, role=role)
    round_ = RoundFactory(operation=op)
    if allowed:
        round_validate(round=round_, actor=user)
        assert round_.status == "validated"
    else:
        before = _state(op)
        with pytest.raises(PermissionDenied):
            round_validate(round=round_, actor=user)
        with pytest.raises(PermissionDenied):
            round_open(operation=op, start_date=START, actor=user)
        assert _state(op) == before


# --- read-only rounds ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("open", None),
        (
            "validated",
            "Round 1 of phl-ty is validated, so it takes no more changes. Reopen it first: "
            "`opendtm round reopen --operation phl-ty --number 1 --reason TEXT`.",
        ),
        (
            "published",
            "Round 1 of phl-ty is published and read-only. "
            "Published figures never change: record corrections in a later round.",
        ),
    ],
)
def test_round_ensure_writable(op: Operation, status: str, message: str | None) -> None:
    round_ = RoundFactory(operation=op, status=status)
    if message is None:
        round_ensure_writable(round_)
    else:
        with pytest.raises(Conflict) as caught:
            round_ensure_writable(round_)
        assert str(caught.value) == message


def test_round_ensure_writable_reads_the_status_afresh(op: Operation) -> None:
    round_ = RoundFactory(operation=op)
    Round.objects.filter(pk=round_.pk).update(status=RoundStatus.VALIDATED)
    with pytest.raises(Conflict):
        round_ensure_writable(round_)
    assert round_.status == "validated"


def test_round_update_dates_of_an_open_round_only(op: Operation) -> None:
    root = SuperuserFactory()
    round_ = RoundFactory(operation=op, start_date=START)
    round_update(round=round_, actor=root, end_date=dt.date(2026, 11, 7))
    round_.refresh_from_db()
    assert round_.end_date == dt.date(2026, 11, 7)
    assert AuditEvent.objects.get(action="round.update").changes == {
        "end_date": [None, "2026-11-07"]
    }
    with pytest.raises(InvalidInput):
        round_update(round=round_, actor=root, end_date=dt.date(2026, 10, 30))
    round_validate(round=round_, actor=root)
    with pytest.raises(Conflict):
        round_update(round=round_, actor=root, end_date=dt.date(2026, 11, 8))
    round_.refresh_from_db()
    assert round_.end_date == dt.date(2026, 11, 7)
