"""`opendtm demo` end to end: real gazetteer, Kobo exports, the import service, published rounds."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from opendtm.cli.main import cli
from opendtm.demo.faults import BASELINE_FAULTS, SITE_FAULTS
from opendtm.ingest.models import ImportBatch
from opendtm.operations.models import Operation


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_demo_imports_every_round_and_rejects_exactly_the_spoiled_rows(tmp_path: Path) -> None:
    from opendtm.accounts.services import user_for_cli
    from opendtm.demo.services import demo_run

    result = demo_run(seed=7, directory=tmp_path, actor=user_for_cli())

    operation = Operation.objects.get(code="phl-typhoon-demo")
    assert operation.is_public
    assert [r.status for r in operation.rounds.order_by("number")] == ["published"] * 3
    assert ImportBatch.objects.filter(round__operation=operation).count() == 6
    # Four events after round 3, imported like a user would (dated, no round), all accepted,
    # never in a round's figures.
    from opendtm.events.models import Event

    events = result.events
    assert events is not None
    assert (events.rows_read, events.rows_accepted, events.rows_rejected) == (4, 4, 0)
    assert Event.objects.filter(operation=operation).count() == 4
    assert ImportBatch.objects.filter(operation=operation, round__isnull=True).count() == 1
    for done in result.rounds:
        assert [p.name for p in done.files] == [
            f"round{done.number}_site_assessment.xlsx",
            f"round{done.number}_baseline_assessment.xlsx",
        ]
        for form_id, res in done.imports:
            table = SITE_FAULTS if form_id == "dtm_site" else BASELINE_FAULTS
            expected = sum(n for kind, n in done.faults[form_id].items() if table[kind][1])
            assert res.rows_read == res.rows_accepted + res.rows_rejected
            assert res.rows_rejected == expected, (done.number, form_id, done.faults[form_id])
            assert res.report_path.exists()
    # The submissions table finds exactly the rows each batch counted rejected and flagged,
    # on the demo's workbooks (a baseline's origins on a sheet of their own).
    from opendtm.mobility.queries import submissions_of

    for batch in ImportBatch.objects.filter(round__operation=operation):
        found = {
            status: sum(
                row["batch_id"] == batch.pk
                for row in submissions_of(
                    user=user_for_cli(), round_=batch.round, form_id=batch.form_id,
                    status=status, per_page=10_000,
                ).rows
            )
            for status in ("rejected", "flagged")
        }  # fmt: skip
        assert found == {"rejected": batch.rows_rejected, "flagged": batch.rows_flagged}


@pytest.mark.django_db
def test_demo_refuses_to_run_twice_on_one_database(tmp_path: Path) -> None:
    from tests.factories import OperationFactory

    OperationFactory(code="phl-typhoon-demo")
    result = CliRunner().invoke(cli, ["demo", "--output", str(tmp_path)])
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert list(tmp_path.iterdir()) == []


def test_the_demo_ends_by_saying_how_to_open_the_dashboard_and_log_in() -> None:
    from opendtm.demo.services import demo_next_steps

    lines = demo_next_steps(
        program=".venv/bin/opendtm", home="var/demo", port=8000, username="amina"
    )
    assert lines == [
        "Open the dashboard in a browser:",
        "  OPENDTM_HOME=var/demo .venv/bin/opendtm serve    (serves this demo; or build and "
        "serve in one go: .venv/bin/opendtm demo --serve, on a fresh OPENDTM_HOME)",
        "  then go to http://127.0.0.1:8000/o/phl-typhoon-demo/",
        "Log in: none is needed for the published figures (the demo operation is public).",
        "  The round pages, imports and submissions table need an account: the demo ran as "
        "'amina',",
        "  an instance administrator without a web password. Give it one (asked for, not shown),",
        "  then log in at http://127.0.0.1:8000/login/ as amina:",
        "  OPENDTM_HOME=var/demo .venv/bin/opendtm user password amina",
    ]
    elsewhere = demo_next_steps(program="opendtm", home=None, port=8123, username="amina")
    assert elsewhere[1].startswith("  opendtm serve --port 8123    (serves this demo;")
    assert elsewhere[-1] == "  opendtm user password amina"


@pytest.mark.django_db
def test_demo_serve_refuses_a_bad_port_before_building_anything(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--serve", "--port", "0", "--output", str(tmp_path)])
    assert (result.exit_code, result.output) == (1, "error: Port 0 is not between 1 and 65535.\n")
    assert not Operation.objects.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_demo_serve_builds_the_demo_then_serves_its_dashboard(tmp_path: Path) -> None:
    """`opendtm demo --serve` for real, in its own home: the lines it ends with, then
    gunicorn answering the dashboard address they name; then the server is stopped."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    from opendtm.demo.services import demo_next_steps

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = os.environ | {"OPENDTM_HOME": str(tmp_path), "OPENDTM_DEBUG": "", "OPENDTM_USER": "amina"}
    env.pop("DATABASE_URL", None)
    env.pop("OPENDTM_TEST_DB", None)
    opendtm = str(Path(sys.executable).with_name("opendtm"))
    server = subprocess.Popen(
        [opendtm, "demo", "--serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        text=True,
    )
    try:
        assert server.stdout is not None
        printed: list[str] = []
        for line in server.stdout:  # the demo runs first: read until the server starts
            printed.append(line.rstrip("\n"))
            if line.startswith("Serving OpenDTM on"):
                break
        assert printed[-1].startswith(f"Serving OpenDTM on http://127.0.0.1:{port}/"), printed
        steps = demo_next_steps(program=opendtm, home=str(tmp_path), port=port, username="amina")
        start = printed.index(steps[0])
        assert printed[start : start + len(steps)] == steps
        # then the server's own lines, as `opendtm serve` prints them (static files collected
        # on a fresh home)
        assert printed[start + len(steps) :] == ["", "Collected the static files.", printed[-1]]
        url = f"http://127.0.0.1:{port}/o/phl-typhoon-demo/"
        assert f"  then go to {url}" in steps
        deadline = time.monotonic() + 240  # readiness, not a measure: a fresh home migrates first
        while True:
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    status, body = response.status, response.read().decode()
                break
            except OSError:
                assert server.poll() is None, "the server stopped"
                assert time.monotonic() < deadline, "the server did not answer in 240 s"
                time.sleep(0.3)
        assert status == 200
        assert "Philippines - Typhoon demo 2025" in body
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
