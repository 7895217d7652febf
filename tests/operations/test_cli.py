"""`opendtm operation|round|sites`: exact output lines, and one `error:` line for bad input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result

from opendtm.accounts.choices import Role
from opendtm.accounts.models import OperationGrant
from opendtm.cli.main import cli
from opendtm.cli.operations import round_group
from opendtm.gazetteer.models import AdminUnit
from opendtm.operations.choices import RoundStatus
from opendtm.operations.models import Operation, Round, RoundTransition, Site
from opendtm.operations.workflow import ROUND_TRANSITIONS
from tests.factories import (
    GazetteerVersionFactory,
    OperationFactory,
    RoundFactory,
    SiteFactory,
    UserFactory,
    admin_tree,
)

pytestmark = pytest.mark.django_db

Run = Callable[..., Result]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("OPENDTM_USER", "tester")
    monkeypatch.delenv("OPENDTM_DEBUG", raising=False)

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), input=input)

    return invoke


def ok(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def error(result: Result) -> str:
    """The single error line; asserts nothing went to stdout and no traceback was shown."""
    assert result.exit_code != 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture
def tree() -> dict[str, AdminUnit]:
    GazetteerVersionFactory(country_iso3="PHL", label="test")
    return admin_tree(depth=3, fanout=2)


CREATE = [
    "operation",
    "create",
    "PHL-TY-2026",
    "--country",
    "phl",
    "--name",
    "Philippines - Typhoon X",
    "--crisis",
    "typhoon",
    "--start",
    "2026-11-08",
    "--phase",
    "during",
    "--location-level",
    "3",
]


# --- operation -----------------------------------------------------------------------------


def test_operation_create_list_show(run: Run, tree: dict[str, AdminUnit]) -> None:
    assert ok(run(*CREATE, "--public")) == [
        "created operation phl-ty-2026 (PHL, typhoon, during, public; gazetteer PHL test)"
    ]
    other = OperationFactory(code="hti-eq", country_iso3="HTI", name="Haiti earthquake")
    RoundFactory(operation=other, status=RoundStatus.PUBLISHED)
    assert ok(run("operation", "list")) == [
        "hti-eq       HTI  during  1 round   private  Haiti earthquake",
        "phl-ty-2026  PHL  during  0 rounds  public   Philippines - Typhoon X",
    ]
    op = Operation.objects.get(code="phl-ty-2026")
    SiteFactory(operation=op, admin_unit=tree["PH01"])
    SiteFactory(operation=op, admin_unit=tree["PH01"], status="closed")
    published = RoundFactory(operation=op, status=RoundStatus.PUBLISHED)
    RoundFactory(operation=op)
    OperationGrant.objects.create(user=UserFactory(username="ana"), operation=op, role=Role.ANALYST)
    assert published.published_at is not None
    stamp = published.published_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    created = op.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ok(run("operation", "show", "PHL-ty-2026")) == [
        "operation       phl-ty-2026",
        "name            Philippines - Typhoon X",
        "country         PHL (Philippines)",
        "crisis          typhoon (Typhoon / cyclone)",
        "phase           during (During (emergency response))",
        "start           2026-11-08",
        "end             -",
        "location level  3",
        "public          yes",
        "gazetteer       PHL test",
        f"created         {created}",
        "rounds          2",
        f"  1  published  2026-11-08  -  {stamp}",
        "  2  open       2026-11-15  -  -",
        "sites           2 (planned 0, open 1, closing 0, closed 1)",
        "grants          1",
        "  ana  analyst",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("--country", "XYZ"),
            "error: 'XYZ' is not an ISO 3166 country code. "
            "Use the three-letter code, e.g. PHL for the Philippines.",
        ),
        (
            ("--crisis", "meteor"),
            "error: Crisis type 'meteor' is not one of the accepted values. Use one of: typhoon, "
            "flood, storm_surge, earthquake, volcanic_eruption, landslide, drought, fire, "
            "conflict, eviction, other.",
        ),
        (
            ("--start", "08/11/2026"),
            "error: --start '08/11/2026' is not a date in the form YYYY-MM-DD. "
            "For example 2026-01-31.",
        ),
        (
            ("--start", "2026-02-30"),
            "error: --start '2026-02-30' is not a date in the form YYYY-MM-DD. "
            "For example 2026-01-31.",
        ),
        (
            ("--phase", "recovery"),
            "error: MCOF phase 'recovery' is not one of the accepted values. "
            "Use one of: before, during, after.",
        ),
        (("--location-level", "three"), "error: --location-level 'three' is not a whole number."),
        (
            ("--location-level", "7"),
            "error: Location level 7 is not an admin level from 1 to 4. "
            "Give the admin level baseline locations are assessed at, e.g. 3.",
        ),
    ],
)
def test_operation_create_bad_input(run: Run, change: tuple[str, str], message: str) -> None:
    args = list(CREATE)
    args[args.index(change[0]) + 1] = change[1]
    assert error(run(*args)) == message
    assert Operation.objects.count() == 0


def test_operation_create_twice(run: Run) -> None:
    ok(run(*CREATE))
    assert error(run(*CREATE)) == (
        "error: An operation 'phl-ty-2026' already exists. "
        "Choose another code, or see it with `opendtm operation show`."
    )


def test_operation_show_unknown(run: Run) -> None:
    OperationFactory(code="a-op")
    assert error(run("operation", "show", "nope")) == (
        "error: No operation 'nope'. Known operations: a-op."
    )


def test_operation_update(run: Run) -> None:
    OperationFactory(code="op-1", is_public=False)
    assert ok(run("operation", "update", "op-1", "--public", "--end", "2027-01-31")) == [
        "updated operation op-1"
    ]
    assert ok(run("operation", "update", "op-1", "--public")) == ["nothing changed"]
    op = Operation.objects.get(code="op-1")
    assert (op.is_public, op.end_date) == (True, dt.date(2027, 1, 31))


def test_operation_list_empty(run: Run) -> None:
    result = run("operation", "list")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "no operations: create one with `opendtm operation create`.\n"


# --- round ---------------------------------------------------------------------------------


def test_round_workflow(run: Run, tree: dict[str, AdminUnit]) -> None:
    ok(run(*CREATE))
    base = ("--operation", "phl-ty-2026")
    assert ok(run("round", "open", *base, "--start", "2026-11-08")) == [
        "opened round 1 of phl-ty-2026, starting 2026-11-08"
    ]
    assert ok(run("round", "validate", *base, "--number", "1")) == [
        "round 1 of phl-ty-2026: open -> validated"
    ]
    assert ok(run("round", "reopen", *base, "--number", "1", "--reason", "late forms")) == [
        "round 1 of phl-ty-2026: validated -> open"
    ]
    ok(run("round", "validate", *base, "--number", "1"))
    assert ok(run("round", "publish", *base, "--number", "1", "--reason", "cleared")) == [
        "round 1 of phl-ty-2026: validated -> published"
    ]
    assert ok(run("round", "open", *base, "--number", "3", "--start", "2026-11-22")) == [
        "opened round 3 of phl-ty-2026, starting 2026-11-22"
    ]
    published_at = Round.objects.get(number=1).published_at
    assert published_at is not None
    stamp = published_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ok(run("round", "list", *base)) == [
        f"1  published  2026-11-08  -  {stamp}  4 transitions",
        "3  open       2026-11-22  -  -                     0 transitions",
    ]


def test_the_round_moves_are_the_workflow_table() -> None:
    moves = {c.name: c for c in round_group.commands.values() if c.name not in {"open", "list"}}
    assert {
        name: ([p.required for p in c.params if p.name == "reason"], c.help)
        for name, c in moves.items()
    } == {
        "validate": ([False], "open -> validated: the round's data are checked and complete."),
        "publish": (
            [False],
            "validated -> published: figures become visible to viewers; the round is read-only.",
        ),
        "reopen": ([True], "validated -> open: the validated round takes changes again."),
    }
    assert set(moves) == {move.verb for move in ROUND_TRANSITIONS.values()}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("round", "publish", "--operation", "op-r", "--number", "2"),
            "error: Round 2 of op-r is open and cannot become published. "
            "From open it can become: validated.",
        ),
        (
            ("round", "reopen", "--operation", "op-r", "--number", "1", "--reason", "fix"),
            "error: Round 1 of op-r is published and cannot become open. "
            "published is final: nothing can change it.",
        ),
        (
            ("round", "validate", "--operation", "op-r", "--number", "9"),
            "error: Operation op-r has no round 9. Its rounds: 1, 2.",
        ),
        (
            ("round", "validate", "--operation", "op-r", "--number", "two"),
            "error: --number 'two' is not a whole number.",
        ),
        (
            ("round", "open", "--operation", "op-r", "--start", "2026-12-01"),
            "error: Round 2 of op-r is still open: an operation has one open round at a time. "
            "Validate it first: `opendtm round validate --operation op-r --number 2`.",
        ),
        (
            ("round", "open", "--operation", "op-r", "--start", "2026-13-01"),
            "error: --start '2026-13-01' is not a date in the form YYYY-MM-DD. "
            "For example 2026-01-31.",
        ),
        (
            ("round", "list", "--operation", "missing"),
            "error: No operation 'missing'. Known operations: op-r.",
        ),
    ],
)
def test_round_bad_input_changes_nothing(run: Run, args: tuple[str, ...], message: str) -> None:
    op = OperationFactory(code="op-r")
    RoundFactory(operation=op, status=RoundStatus.PUBLISHED)
    RoundFactory(operation=op)
    before = (
        list(Round.objects.values_list("number", "status")),
        RoundTransition.objects.count(),
    )
    assert error(run(*args)) == message
    after = (list(Round.objects.values_list("number", "status")), RoundTransition.objects.count())
    assert after == before


def test_round_commands_respect_roles(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    op = OperationFactory(code="op-r")
    RoundFactory(operation=op)
    OperationGrant.objects.create(user=UserFactory(username="ana"), operation=op, role=Role.ANALYST)
    monkeypatch.setenv("OPENDTM_USER", "ana")
    result = run("round", "validate", "--operation", "op-r", "--number", "1")
    assert result.exit_code == 3
    assert error(result) == (
        "error: ana may not open, validate and publish rounds in operation op-r. "
        "Ask an admin of the operation for a role that allows it."
    )


# --- sites ---------------------------------------------------------------------------------


def test_sites_add_list_show_status(run: Run, tree: dict[str, AdminUnit]) -> None:
    OperationFactory(code="op-s")
    base = ("--operation", "op-s")
    assert ok(
        run(
            "sites", "add", *base, "EC-2", "--name", "Town Gym", "--type", "evacuation_centre",
            "--admin", "ph0100101", "--lat", "14.25", "--lon", "121.5", "--opened", "2026-11-08",
        )
    ) == ["registered site EC-2 (Town Gym) in PH0100101 of op-s"]  # fmt: skip
    assert ok(
        run(
            "sites", "add", *base, "C-1", "--name", "Hill Camp", "--type", "planned_camp",
            "--admin", "PH0200101",
        )
    ) == ["registered site C-1 (Hill Camp) in PH0200101 of op-s"]  # fmt: skip
    assert ok(run("sites", "list", *base)) == [
        "C-1   open  planned_camp       PH0200101  Hill Camp",
        "EC-2  open  evacuation_centre  PH0100101  Town Gym",
    ]
    assert ok(run("sites", "list", *base, "--admin", "PH01", "--format", "csv")) == [
        "site_id,name,site_type,status,admin_pcode,admin_name,latitude,longitude,opened_on,closed_on",
        "EC-2,Town Gym,evacuation_centre,open,PH0100101,Adm3 PH0100101,14.25,121.5,2026-11-08,",
    ]
    assert ok(
        run("sites", "status", *base, "EC-2", "--to", "closed", "--on", "2026-12-01",
            "--reason", "families went home")
    ) == ["site EC-2 of op-s: open -> closed on 2026-12-01"]  # fmt: skip
    assert ok(run("sites", "list", *base, "--status", "closed")) == [
        "EC-2  closed  evacuation_centre  PH0100101  Town Gym"
    ]
    assert ok(run("sites", "show", *base, "EC-2")) == [
        "site       EC-2",
        "operation  op-s",
        "name       Town Gym",
        "type       evacuation_centre (Evacuation centre)",
        "status     closed (recorded in the registry)",
        "admin      PH0100101 Adm3 PH0100101 (level 3)",
        "location   14.25, 121.5",
        "opened     2026-11-08",
        "closed     2026-12-01",
        "closure    families went home",
        "history    2 changes",
        "  2026-11-08  - -> open       by tester  registered",
        "  2026-12-01  open -> closed  by tester  families went home",
    ]


def test_sites_list_empty_goes_to_stderr(run: Run) -> None:
    OperationFactory(code="op-s")
    result = run("sites", "list", "--operation", "op-s", "--type", "planned_camp")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "no site matches.\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("sites", "add", "--operation", "op-s", "N-1", "--name", "X", "--type",
             "evacuation_centre", "--admin", "PH99"),
            "error: P-code 'PH99' is not an admin unit of PHL. Check the code against the "
            "loaded gazetteer (`opendtm gazetteer`), or load the gazetteer of the country first.",
        ),
        (
            ("sites", "add", "--operation", "op-s", "N-1", "--name", "X", "--type", "tent",
             "--admin", "PH01"),
            "error: Site 'N-1': site type 'tent' is not one of the accepted values. Use one of: "
            "planned_camp, collective_centre, evacuation_centre, spontaneous_site, "
            "transit_centre, relocation_site, host_community_cluster.",
        ),
        (
            ("sites", "add", "--operation", "op-s", "N-1", "--name", "X", "--type",
             "evacuation_centre", "--admin", "PH01", "--lat", "north", "--lon", "1"),
            "error: --lat 'north' is not a decimal number.",
        ),
        (
            ("sites", "add", "--operation", "op-s", "S-1", "--name", "X", "--type",
             "evacuation_centre", "--admin", "PH01"),
            "error: Site 'S-1': operation op-s already has this site. "
            "Change a registered site with `site_update`, not by registering it.",
        ),
        (
            ("sites", "status", "--operation", "op-s", "S-1", "--to", "closed", "--on",
             "2026-12-01"),
            "error: Site S-1 of op-s: going from open to closed needs a reason. "
            "Add --reason TEXT.",
        ),
        (
            ("sites", "status", "--operation", "op-s", "S-1", "--to", "planned", "--on",
             "2026-12-01"),
            "error: Site S-1 of op-s is open and cannot become planned. "
            "From open it can become: closed, closing.",
        ),
        (
            ("sites", "status", "--operation", "op-s", "S-1", "--to", "closing", "--on", "1/12"),
            "error: --on '1/12' is not a date in the form YYYY-MM-DD. For example 2026-01-31.",
        ),
        (
            ("sites", "show", "--operation", "op-s", "S-404"),
            "error: Operation op-s has no site 'S-404'. "
            "List them with `opendtm sites list --operation op-s`.",
        ),
        (
            ("sites", "list", "--operation", "op-s", "--format", "xlsx"),
            "error: --format 'xlsx' is not a format. Use table or csv.",
        ),
    ],
)  # fmt: skip
def test_sites_bad_input_changes_nothing(
    run: Run, tree: dict[str, AdminUnit], args: tuple[str, ...], message: str
) -> None:
    op = OperationFactory(code="op-s")
    SiteFactory(operation=op, site_id="S-1", admin_unit=tree["PH01"])
    assert error(run(*args)) == message
    assert list(Site.objects.values_list("site_id", "status")) == [("S-1", "open")]


def test_sites_list_status_follows_the_assessments(run: Run, tree: dict[str, AdminUnit]) -> None:
    """A site the registry records open, reported closed by the latest round's assessment, is
    listed closed (the command's user may see every round) and its show says where from."""
    from opendtm.ingest.models import ImportBatch
    from opendtm.mobility.models import SiteAssessment

    op = OperationFactory(code="op-s")
    round_ = RoundFactory(operation=op)
    site = SiteFactory(operation=op, site_id="EC-1", admin_unit=tree["PH0100101"])
    SiteFactory(operation=op, site_id="EC-2", admin_unit=tree["PH0100101"])
    batch = ImportBatch.objects.create(
        operation=op, round=round_, form_id="dtm_site", file_name="r1.csv", sha256="0" * 64,
        imported_by=UserFactory(),
    )  # fmt: skip
    SiteAssessment.objects.create(
        round=round_, batch=batch, submission_id="a", site=site, admin_unit=tree["PH0100101"],
        site_status="closed", assessment_date=dt.date(2026, 11, 3), source_row=2,
    )  # fmt: skip
    base = ("--operation", "op-s")
    assert [line.split()[:2] for line in ok(run("sites", "list", *base, "--status", "closed"))] == [
        ["EC-1", "closed"]
    ]
    shown = ok(run("sites", "show", *base, "EC-1"))
    assert "status     closed (round 1, reported 2026-11-03)" in shown
    assert "closed     2026-11-03" in shown


def test_sites_csv_names_that_are_formulas_come_out_as_text(
    run: Run, tree: dict[str, AdminUnit]
) -> None:
    operation = OperationFactory(code="op-f")
    SiteFactory(
        operation=operation, site_id="F-1", name='=HYPERLINK("http://x","Click me")',
        admin_unit=tree["PH0100101"], latitude=-12, longitude=3.5,
    )  # fmt: skip
    SiteFactory(
        operation=operation, site_id="F-2", name="@SUM(1+1)*cmd|' /C calc'!A0",
        admin_unit=tree["PH0100101"], latitude=None, longitude=None,
    )  # fmt: skip
    lines = ok(run("sites", "list", "--operation", "op-f", "--format", "csv"))
    assert [line.split(",", 2)[:2] for line in lines[1:]] == [
        ["F-1", '"\'=HYPERLINK(""http://x""'],
        ["F-2", "'@SUM(1+1)*cmd|' /C calc'!A0"],
    ]
    assert lines[1].split(",")[-4:-2] == ["-12.0", "3.5"]  # numbers stay numbers
