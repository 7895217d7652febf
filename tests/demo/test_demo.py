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


@pytest.mark.django_db
def test_demo_refuses_to_run_twice_on_one_database(tmp_path: Path) -> None:
    from tests.factories import OperationFactory

    OperationFactory(code="phl-typhoon-demo")
    result = CliRunner().invoke(cli, ["demo", "--output", str(tmp_path)])
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert list(tmp_path.iterdir()) == []
