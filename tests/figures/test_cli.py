"""`opendtm figures`: exact output lines, files written whole, one `error:` line for bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from opendtm.cli.main import cli
from opendtm.figures.models import FigureSnapshot
from opendtm.ingest.models import ImportBatch
from tests.empty_answers import FORMATS as EMPTY_FORMATS
from tests.empty_answers import answer_rows, empty_world_build
from tests.figures.conftest import World

pytestmark = pytest.mark.django_db

Run = Callable[..., Result]
NOTE = (
    "* suppressed: counts of people below 5, and cells hidden with them so that no hidden "
    "count can be worked out from a total."
)


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    monkeypatch.delenv("OPENDTM_DEBUG", raising=False)

    def invoke(user: str, *args: str) -> Result:
        monkeypatch.setenv("OPENDTM_USER", user)
        return CliRunner().invoke(cli, ["figures", "--operation", "typhoon", *args])

    return invoke


def _batches(world: World, number: int) -> str:
    ids = ImportBatch.objects.filter(round=world.rounds[number]).order_by("id")
    return ", ".join(str(i) for i in ids.values_list("id", flat=True))


def ok(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_published_table_for_a_viewer(world: World, run: Run) -> None:
    assert ok(run("vic", "--level", "3")) == [
        "IDPs: 66 households, 278 individuals",
        "Returned IDPs: 0 households, 0 individuals; returned from abroad: 0 individuals",
        "Sites assessed: 3 (3 open, 0 closing, 0 closed), 84 individuals in sites",
        "Assessed locations: 5 (1 flagged)",
        "",
        "P-code     Name            Locations  IDP HH  IDP ind  Change  %  Returned IDP ind"
        "  From abroad  Sites  Ind in sites",
        "PH0100101  Adm3 PH0100101          2       *        *       -  -                 0"
        "            0      1            30",
        "PH0100102  Adm3 PH0100102          1       *        *       -  -                 0"
        "            0      0             0",
        "PH0100201  Adm3 PH0100201          1      30      120       -  -                 0"
        "            0      1             *",
        "PH0100202  Adm3 PH0100202          1       5       25       -  -                 0"
        "            0      1             *",
        "Total                              5      66      278                            0"
        "            0      3            84",
        "typhoon round 1 (published, reported 2026-11-01): published snapshot; gazetteer PHL "
        f"test; import batches {_batches(world, 1)}",
        NOTE,
    ]


def test_unpublished_table_for_an_analyst_with_change(world: World, run: Run) -> None:
    lines = ok(run("ana", "--level", "2"))
    assert lines[0] == "IDPs: 40 households, 164 individuals (-114, -41.0% since round 1)"
    assert lines[5:9] == [
        "P-code   Name          Locations  IDP HH  IDP ind  Change       %  Returned IDP ind"
        "  From abroad  Sites  Ind in sites",
        "PH01001  Adm2 PH01001          3      22       87     -46  -34.6%                46"
        "            2      1             0",
        "PH01002  Adm2 PH01002          3      18       77     -68  -46.9%               100"
        "            7      2            51",
        "Total                          6      40      164                               146"
        "            9      3            51",
    ]
    assert lines[9] == (
        "typhoon round 2 (open, reported 2026-11-08): computed live; gazetteer PHL test; "
        f"import batches {_batches(world, 2)}"
    )


def test_sites_origins_and_rounds_tables(world: World, run: Run) -> None:
    assert ok(run("vic", "--by", "site"))[:4] == [
        "Site ID  Name     Status  P-code        HH  Ind  Change  %",
        "S1       Site S1  open    PH0100101001   8   30       -  -",
        "S2       Site S2  open    PH0100201001   *    *       -  -",
        "S3       Site S3  open    PH0100202001   *    *       -  -",
    ]
    origins = ok(run("vic", "--by", "origin", "--level", "2", "--origin-level", "3"))
    assert origins[0] == (
        "Origin     Origin name     Current  Current name  Locations  IDP HH  IDP ind"
    )
    assert origins[6].split() == ["Total", "65", "275"]
    assert len(origins[6]) == len(origins[0])  # aligned under the last column
    assert ok(run("ana", "--by", "round", "--pcode", "PH0100202"))[:3] == [
        "Round  Status     Reported    Locations  IDP HH  IDP ind  Change       %  Returned IDP ind"
        "  From abroad  Sites  Ind in sites",
        "1      published  2026-11-01          1       5       25       -       -                 0"
        "            0      1             *",
        "2      open       2026-11-08          2       8       32      +7  +28.0%                25"
        "            0      1            11",
    ]


def test_exports_to_files(world: World, run: Run, tmp_path: Path) -> None:
    target = tmp_path / "provinces.hxl.csv"
    assert ok(run("vic", "--level", "2", "--format", "hxl", "--output", str(target))) == [
        f"Wrote 2 rows to {target} (hxl)."
    ]
    lines = target.read_text().splitlines()
    assert lines[0].startswith("Country,Operation,Round,Reporting date,Admin 1 P-code")
    assert lines[1].startswith("#country+code,#activity+code,#round+code,#date+reported,#adm1")
    assert lines[2].startswith("PHL,typhoon,1,2026-11-01,PH01,Adm1 PH01,PH01001,Adm2 PH01001,")
    workbook = tmp_path / "sites.xlsx"
    assert ok(run("vic", "--by", "site", "--format", "xlsx", "--output", str(workbook))) == [
        f"Wrote 3 rows to {workbook} (xlsx)."
    ]
    assert workbook.stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    out = run("ana", "--level", "1", "--format", "json")
    data = json.loads(out.stdout)
    assert data["rows"][0]["idp_ind"] == 164


def test_rebuild_then_print(world: World, run: Run) -> None:
    old = FigureSnapshot.objects.get(round=world.rounds[1]).pk
    lines = ok(run("boss", "--round", "1", "--level", "0", "--rebuild"))
    assert lines[0] == "Rebuilt the figures of round 1 of typhoon (suppression threshold 5)."
    assert FigureSnapshot.objects.get(round=world.rounds[1]).pk != old


REFUSALS = [
    ("vic", ["--round", "2"], "Operation typhoon has no round 2 you may see. Its rounds: 1."),
    ("vic", ["--level", "7"], "Level 7 is not an admin level (0-4)."),
    (
        "vic",
        ["--by", "round"],
        # the rule of FiguresRequest, the same words in the CLI, the web and the API
        "A time series needs the P-code of an admin unit. Give its pcode, for example PH05.",
    ),
    ("vic", ["--format", "xlsx"], "An XLSX workbook needs a file: give --output PATH.xlsx."),
    (
        "vic",
        ["--exact"],
        "Exact values of published figures of typhoon are for analysts: published outputs "
        "hide small counts. Leave out --exact, or ask an admin of the operation for the "
        "analyst role.",
    ),
    (
        "vic",
        ["--rebuild", "--round", "1"],
        "vic may not open, validate and publish rounds in operation typhoon. Ask an admin of "
        "the operation for a role that allows it.",
    ),
    (
        "nobody",
        [],
        "No operation 'typhoon'. There is none yet: create one with `opendtm operation create`.",
    ),
]


@pytest.mark.parametrize(("user", "args", "message"), REFUSALS)
def test_refusals_are_one_line(
    world: World, run: Run, user: str, args: list[str], message: str
) -> None:
    from tests.factories import UserFactory

    UserFactory(username="nobody")
    result = run(user, *args)
    assert result.exit_code != 0
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"error: {message}"]


def test_failed_export_leaves_no_file(world: World, run: Run, tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    result = run("vic", "--level", "9", "--format", "csv", "--output", str(target))
    assert result.exit_code == 1
    assert list(tmp_path.iterdir()) == []


def test_exported_site_names_that_are_formulas_come_out_as_text(
    world: World, run: Run, tmp_path: Path
) -> None:
    import openpyxl

    from opendtm.operations.models import Site

    link, cmd = '=HYPERLINK("http://x","Click me")', "@SUM(1+1)*cmd|' /C calc'!A0"
    Site.objects.filter(pk=world.sites["S1"].pk).update(name=link)
    Site.objects.filter(pk=world.sites["S2"].pk).update(name=cmd)
    lines = ok(run("ana", "--by", "site", "--round", "2", "--format", "csv"))
    assert [line.split(",")[4] for line in lines[1:]] == ["S1", "S2", "S3"]
    assert lines[1].startswith(
        'PHL,typhoon,2,2026-11-08,S1,"\'=HYPERLINK(""http://x"",""Click me"")",',
    )
    assert lines[2].startswith("PHL,typhoon,2,2026-11-08,S2,'@SUM(1+1)*cmd|' /C calc'!A0,")
    hxl = ok(run("ana", "--by", "site", "--round", "2", "--format", "hxl"))
    assert hxl[1].startswith("#country+code,")  # the tag row is left as it is
    assert hxl[2:] == lines[1:]
    workbook = tmp_path / "sites.xlsx"
    ok(run("ana", "--by", "site", "--round", "2", "--format", "xlsx", "--output", str(workbook)))
    sheet = openpyxl.load_workbook(workbook)["Figures"]
    assert [(c.value, c.data_type) for c in sheet["F"][:3]] == [
        ("Site name", "s"),
        ("'" + link, "s"),
        ("'" + cmd, "s"),
    ]
    assert [(c.value, c.data_type) for c in sheet["C"][1:3]] == [(2, "n"), (2, "n")]


EMPTY_BY = [
    pytest.param(["--by", "admin", "--level", "3"], 0, id="admin"),
    pytest.param(["--by", "site"], 0, id="site"),
    pytest.param(["--by", "origin", "--level", "2", "--origin-level", "3"], 0, id="origin"),
    # one row per round, of zeros: a time series has a row for every round it keeps
    pytest.param(["--by", "round", "--pcode", "PH01"], None, id="round"),
]


@pytest.mark.parametrize(("args", "rows"), EMPTY_BY)
def test_every_format_of_an_empty_round_is_well_formed(
    run: Run, tmp_path: Path, args: list[str], rows: int | None
) -> None:
    """`opendtm figures --by origin --format json` on a round with no origins printed
    `"rows": [{"rows": [`; every `--by` in every `--format` reads back as its format."""
    empty_world_build(tmp_path / "data")
    for user, number in (("vic", 1), ("ana", 2)):
        expected = number if rows is None else rows
        for fmt in EMPTY_FORMATS:
            where = ["--round", str(number), "--format", fmt]
            if fmt == "xlsx":
                target = tmp_path / f"{user}.xlsx"
                assert ok(run(user, *args, *where, "--output", str(target))) == [
                    f"Wrote {expected} rows to {target} (xlsx)."
                ]
                data = target.read_bytes()
            else:
                result = run(user, *args, *where)
                assert result.exit_code == 0, result.output
                data = result.stdout_bytes
                if fmt == "table" and "admin" in args:  # the headline, then a blank line
                    data = data.split(b"\n\n", 1)[1]
            _header, found = answer_rows(fmt, data)
            assert len(found) == expected, (user, fmt)


def test_sites_of_one_status_as_the_web_and_the_api_keep_them(world: World, run: Run) -> None:
    out = json.loads(
        "\n".join(ok(run("ana", "--round", "2", "--by", "site", "--site-status", "closing",
                         "--format", "json")))
    )  # fmt: skip
    assert [r["site_code"] for r in out["rows"]] == ["S3"]
    refused = run("ana", "--round", "2", "--site-type", "planned_camp")  # --by admin
    assert refused.exit_code != 0
    assert "site_type filters the figures by site only" in refused.output
