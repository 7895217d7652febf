"""An operation moves to a newer gazetteer version; rounds published after carry it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result

from opendtm.accounts.choices import Role
from opendtm.accounts.models import AuditEvent, OperationGrant
from opendtm.cli.main import cli
from opendtm.core.errors import Conflict, InvalidInput, PermissionDenied
from opendtm.gazetteer.models import GazetteerVersion
from opendtm.gazetteer.services import gazetteer_load
from opendtm.operations.choices import RoundStatus
from opendtm.operations.models import Operation
from opendtm.operations.queries import operations_behind_gazetteer
from opendtm.operations.services import (
    operation_gazetteer_adopt,
    round_publish,
    round_validate,
)
from tests.factories import (
    GazetteerVersionFactory,
    OperationFactory,
    RoundFactory,
    SuperuserFactory,
    UserFactory,
)
from tests.ingest.test_gazetteer_versions import FIXTURES

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions() -> tuple[GazetteerVersion, GazetteerVersion]:
    return (
        GazetteerVersionFactory(country_iso3="PHL", label="2023"),
        GazetteerVersionFactory(country_iso3="PHL", label="2025"),
    )


@pytest.fixture
def op(versions: tuple[GazetteerVersion, GazetteerVersion]) -> Operation:
    return OperationFactory(code="phl-ty", gazetteer_version=versions[0])


def _state(op: Operation) -> tuple[int | None, int]:
    """What a refused call must leave untouched: the operation's version, the audit trail."""
    return (
        Operation.objects.filter(pk=op.pk).values_list("gazetteer_version_id", flat=True).get(),
        AuditEvent.objects.count(),
    )


def test_adopt_moves_the_operation_and_audits_who_and_why(
    op: Operation, versions: tuple[GazetteerVersion, GazetteerVersion]
) -> None:
    old, new = versions
    admin = UserFactory(username="im-lead")
    OperationGrant.objects.create(user=admin, operation=op, role=Role.ADMIN)
    RoundFactory(operation=op, status=RoundStatus.PUBLISHED)
    RoundFactory(operation=op)  # an open round is fine: it is validated after the move
    returned = operation_gazetteer_adopt(
        operation=op, version=new, actor=admin, reason="COD-AB 2025 loaded"
    )
    assert returned is op and op.gazetteer_version == new
    op.refresh_from_db()
    assert op.gazetteer_version == new
    event = AuditEvent.objects.get(action="operation.gazetteer_adopt")
    assert (event.actor, event.operation, event.summary, event.reason, event.changes) == (
        admin,
        op,
        "operation phl-ty moved from gazetteer PHL 2023 to PHL 2025",
        "COD-AB 2025 loaded",
        {"gazetteer_version": [old.pk, new.pk]},
    )


def test_adopting_the_current_version_writes_nothing(
    op: Operation, versions: tuple[GazetteerVersion, GazetteerVersion]
) -> None:
    before = _state(op)
    operation_gazetteer_adopt(
        operation=op, version=versions[0], actor=SuperuserFactory(), reason="again"
    )
    assert _state(op) == before


def test_an_operation_without_a_version_adopts_any_of_its_country(
    versions: tuple[GazetteerVersion, GazetteerVersion],
) -> None:
    op = OperationFactory(code="phl-fl")
    operation_gazetteer_adopt(
        operation=op, version=versions[0], actor=SuperuserFactory(), reason="first"
    )
    op.refresh_from_db()
    assert op.gazetteer_version == versions[0]
    assert AuditEvent.objects.get(action="operation.gazetteer_adopt").changes == {
        "gazetteer_version": [None, versions[0].pk]
    }


@pytest.mark.parametrize(
    ("case", "error", "message"),
    [
        (
            "other country",
            Conflict,
            "Gazetteer HTI 2025 is not of PHL: operation phl-ty codes places in PHL. "
            "See the versions of PHL with `opendtm gazetteer list`.",
        ),
        (
            "older",
            Conflict,
            "Gazetteer PHL 2023 was loaded before PHL 2025, the version operation phl-ty is on: "
            "an operation only moves to a newer version. To go back to older units, load that "
            "file again under a new label and adopt it.",
        ),
        (
            "validated",
            Conflict,
            "Round 2 of phl-ty is validated but not published: checked on gazetteer PHL 2023, "
            "published on PHL 2025 it would leave unclear which version its rows are coded on. "
            "Publish it first (`opendtm round publish --operation phl-ty --number 2`), or "
            "reopen it, import it again and validate it after the move.",
        ),
        (
            "two validated",
            Conflict,
            "Rounds 1, 2 of phl-ty are validated but not published: checked on gazetteer PHL "
            "2023, published on PHL 2025 it would leave unclear which version its rows are "
            "coded on. Publish it first (`opendtm round publish --operation phl-ty --number "
            "1`), or reopen it, import it again and validate it after the move.",
        ),
        (
            "no reason",
            InvalidInput,
            "To move operation phl-ty to another gazetteer version give a reason. "
            "Add --reason TEXT.",
        ),
    ],
)
def test_adopt_refusals_write_nothing(
    op: Operation,
    versions: tuple[GazetteerVersion, GazetteerVersion],
    case: str,
    error: type[Exception],
    message: str,
) -> None:
    old, new = versions
    target, reason = new, "COD-AB 2025"
    if case == "other country":
        target = GazetteerVersionFactory(country_iso3="HTI", label="2025")
    elif case == "older":
        Operation.objects.filter(pk=op.pk).update(gazetteer_version=new)
        target = old
    elif case == "validated":
        RoundFactory(operation=op, status=RoundStatus.PUBLISHED)
        RoundFactory(operation=op, status=RoundStatus.VALIDATED)
    elif case == "two validated":
        RoundFactory(operation=op, status=RoundStatus.VALIDATED)
        RoundFactory(operation=op, status=RoundStatus.VALIDATED)
    else:
        reason = "  "
    before = _state(op)
    with pytest.raises(error) as caught:
        operation_gazetteer_adopt(
            operation=op, version=target, actor=SuperuserFactory(), reason=reason
        )
    assert str(caught.value) == message
    assert _state(op) == before


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANALYST, Role.MANAGER])
def test_adopt_needs_operation_admin(
    op: Operation, versions: tuple[GazetteerVersion, GazetteerVersion], role: Role
) -> None:
    user = UserFactory()
    OperationGrant.objects.create(user=user, operation=op, role=role)
    before = _state(op)
    with pytest.raises(PermissionDenied):
        operation_gazetteer_adopt(operation=op, version=versions[1], actor=user, reason="x")
    assert _state(op) == before


def test_a_round_published_after_the_move_carries_the_new_version(
    op: Operation, versions: tuple[GazetteerVersion, GazetteerVersion]
) -> None:
    old, new = versions
    root = SuperuserFactory()
    first = RoundFactory(operation=op, status=RoundStatus.VALIDATED)
    round_publish(round=first, actor=root)
    second = RoundFactory(operation=op)
    stale = second.operation  # loaded before the move: publishing reads the version afresh
    operation_gazetteer_adopt(
        operation=Operation.objects.get(pk=op.pk), version=new, actor=root, reason="2025"
    )
    assert stale.gazetteer_version == old
    round_validate(round=second, actor=root)
    round_publish(round=second, actor=root)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.gazetteer_version, second.gazetteer_version) == (old, new)
    assert AuditEvent.objects.filter(action="round.publish").order_by("id").last().changes == {
        "status": ["validated", "published"],
        "gazetteer_version": [None, new.pk],
        "needs_rules_version": ["", "sphere-2018-v2"],
    }


# --- the command line ----------------------------------------------------------------------

Run = Callable[..., Result]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("OPENDTM_USER", "tester")
    monkeypatch.delenv("OPENDTM_DEBUG", raising=False)
    return lambda *args: CliRunner().invoke(cli, list(args))


ADOPT = ["operation", "adopt-gazetteer", "--operation", "PHL-TY", "--reason", "COD-AB 2025"]


def test_cli_adopt_prints_one_line(op: Operation, run: Run) -> None:
    result = run(*ADOPT, "--version", "2025")
    assert (result.exit_code, result.stdout) == (
        0,
        "operation phl-ty now on gazetteer PHL 2025: rounds published from now on carry it\n",
    )
    again = run(*ADOPT, "--version", "2025")
    assert (again.exit_code, again.stdout) == (
        0,
        "operation phl-ty is already on gazetteer PHL 2025: nothing changed\n",
    )
    assert AuditEvent.objects.filter(action="operation.gazetteer_adopt").count() == 1


def test_cli_adopt_refusals_are_one_error_line(op: Operation, run: Run) -> None:
    before = _state(op)
    unknown = run(*ADOPT, "--version", "2026")
    assert unknown.exit_code == 1 and unknown.stdout == ""
    assert unknown.stderr == (
        "error: No version '2026' of the PHL gazetteer; versions: 2023, 2025. "
        "See `opendtm gazetteer list`.\n"
    )
    RoundFactory(operation=op, status=RoundStatus.VALIDATED)
    refused = run(*ADOPT, "--version", "2025")
    assert refused.exit_code == 1 and refused.stdout == ""
    assert refused.stderr.startswith("error: Round 1 of phl-ty is validated but not published")
    assert len(refused.stderr.splitlines()) == 1
    assert _state(op) == before


def test_loading_a_new_version_names_the_operations_left_behind(run: Run) -> None:
    admin = SuperuserFactory()
    v1 = gazetteer_load(
        path=FIXTURES / "versions_v1.csv", country_iso3="PHL", version_label="v1", actor=admin
    ).version
    OperationFactory(code="phl-b", gazetteer_version=v1)
    OperationFactory(code="phl-a", gazetteer_version=v1)
    OperationFactory(code="phl-none")  # no version yet: it takes the latest at first publish
    OperationFactory(code="hti-a", country_iso3="HTI")
    result = run(
        "gazetteer", "load", str(FIXTURES / "versions_v2.csv"), "--country", "PHL",
        "--version", "v2",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "operations on an older version: phl-a, phl-b (they publish on it until "
        "`opendtm operation adopt-gazetteer --operation CODE --version v2 --reason TEXT`)"
    )
    v2 = GazetteerVersion.objects.get(label="v2")
    assert operations_behind_gazetteer(version=v2) == ["phl-a", "phl-b"]
    assert operations_behind_gazetteer(version=v1) == []
