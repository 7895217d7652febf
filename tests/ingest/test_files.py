"""Raw values as received: the batch keeps its files (compressed), each row its sheet and row,
and `raw_row` reads a stored row back exactly as the file had it."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from opendtm.core.errors import Conflict
from opendtm.ingest import files
from opendtm.ingest.files import file_pack, file_unpack, files_store
from opendtm.ingest.models import ImportFile, ImportFileChunk
from opendtm.ingest.queries import raw_row
from opendtm.ingest.services import import_commit
from opendtm.mobility.models import BaselineAssessment, BaselineOrigin, SiteAssessment
from tests.ingest.conftest import baseline_row
from tests.ingest.test_services import commit

FIXTURES = Path(__file__).parent / "fixtures"


def csv_rows(path: Path) -> dict[int, dict[str, str]]:
    """Spreadsheet row number -> {header: cell text}, read with the standard library."""
    with path.open(newline="", encoding="utf-8") as stream:
        return {i: row for i, row in enumerate(csv.DictReader(stream), start=2)}


def test_pack_store_and_unpack_round_trip_in_pieces(batch_site, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(files, "CHUNK_BYTES", 1000)
    original = tmp_path / "export.bin"
    original.write_bytes(os.urandom(5000))  # incompressible: at least five pieces
    packed = file_pack("main", original)
    assert (packed.role, packed.name, packed.size) == ("main", "export.bin", 5000)
    assert packed.sha256 == hashlib.sha256(original.read_bytes()).hexdigest()
    assert len(packed.chunks) >= 5 and all(len(c) == 1000 for c in packed.chunks[:-1])
    files_store(batch_site, [packed])
    stored = ImportFile.objects.get(batch=batch_site)
    assert list(stored.chunks.values_list("seq", flat=True)) == list(range(len(packed.chunks)))
    back = file_unpack(stored, tmp_path / "back.bin")
    assert back.read_bytes() == original.read_bytes()


def test_a_damaged_stored_file_is_refused(batch_site, tmp_path) -> None:
    original = tmp_path / "export.csv"
    original.write_text("site_id,hh\nS-1,3\n", encoding="utf-8")
    files_store(batch_site, [file_pack("main", original)])
    stored = ImportFile.objects.get(batch=batch_site)
    ImportFile.objects.filter(pk=stored.pk).update(sha256="0" * 64)
    stored.refresh_from_db()
    with pytest.raises(Conflict, match=r"export\.csv \(batch \d+\) does not match its SHA-256"):
        file_unpack(stored, tmp_path / "back.csv")


def test_raw_row_gives_back_each_stored_row_as_the_file_had_it(
    operation, round_, actor, tmp_path
) -> None:
    messy = tmp_path / "sites_messy.csv"
    shutil.copy(FIXTURES / "sites_messy.csv", messy)
    first = import_commit(
        operation=operation, round=round_, form_id="dtm_site", path=messy, actor=actor,
        report_path=None,
    )  # fmt: skip
    assert first.batch is not None
    (stored,) = ImportFile.objects.filter(batch=first.batch)
    assert (stored.role, stored.name, stored.size, stored.compression) == (
        "main", "sites_messy.csv", messy.stat().st_size, "zstd",
    )  # fmt: skip
    assert stored.sha256 == hashlib.sha256(messy.read_bytes()).hexdigest()
    expected = csv_rows(messy)
    rows = SiteAssessment.objects.order_by("submission_id")
    assert [(r.submission_id, r.source_sheet, r.source_row) for r in rows] == [
        ("uuid-a", "sites_messy.csv", 2),
        ("uuid-b", "sites_messy.csv", 3),
        ("uuid-e", "sites_messy.csv", 6),
    ]
    for row in rows:
        assert raw_row(user=actor, record=row) == expected[row.source_row]
    assert raw_row(user=actor, record=rows[1])["site/site_type"] == " Evacuation Centre "

    corrected = tmp_path / "sites_corrected.csv"
    shutil.copy(FIXTURES / "sites_corrected.csv", corrected)
    second = import_commit(
        operation=operation, round=round_, form_id="dtm_site", path=corrected, actor=actor,
        report_path=None, reason="recount",
    )  # fmt: skip
    assert second.rows_replaced == 1
    fixed = SiteAssessment.objects.get(submission_id="uuid-a")
    assert (fixed.batch, fixed.source_sheet, fixed.source_row) == (
        second.batch, "sites_corrected.csv", 2,
    )  # fmt: skip
    assert raw_row(user=actor, record=fixed) == csv_rows(corrected)[2]
    assert raw_row(user=actor, record=fixed)["population/ind"] == "110"
    kept = SiteAssessment.objects.get(submission_id="uuid-b")
    assert kept.batch == first.batch and raw_row(user=actor, record=kept) == expected[3]
    assert ImportFile.objects.count() == 2


def test_raw_row_of_a_baseline_and_of_its_origins(baseline_form, operation, round_, actor) -> None:
    rows = [baseline_row(1, idp_ind=180)]
    origins = [
        {"_parent_row": 2, "origin_pcode": "PH03008", "origin_hh": 20, "origin_ind": 90},
        {"_parent_row": 2, "origin_pcode": "ph0300801", "origin_hh": 10, "origin_ind": 50},
    ]
    result = commit(baseline_form, operation, round_, actor, rows, repeats={"origins": origins})
    assert result.rows_accepted == 1
    assert sorted(ImportFile.objects.values_list("role", "name")) == [
        ("main", "export.csv"),
        ("origins", "origins.csv"),
    ]
    stored = BaselineAssessment.objects.get()
    raw = raw_row(user=actor, record=stored)
    assert (raw["adm4_pcode"], raw["idp_ind"]) == ("PH0102801001", "180")
    second = BaselineOrigin.objects.get(origin__pcode="PH0300801")
    assert (second.source_sheet, second.source_row) == ("origins", 3)
    assert raw_row(user=actor, record=second) == {
        "origin_pcode": "ph0300801", "origin_hh": "10", "origin_ind": "50",
    }  # fmt: skip


def test_a_refused_import_stores_no_file(site_form, operation, round_, actor) -> None:
    from tests.ingest.test_services import ROWS

    commit(site_form, operation, round_, actor, ROWS, dry_run=True)
    assert (ImportFile.objects.count(), ImportFileChunk.objects.count()) == (0, 0)


@pytest.fixture
def batch_site(operation: Any, round_: Any, actor: Any) -> Any:
    from opendtm.ingest.models import ImportBatch

    return ImportBatch.objects.create(
        operation=operation, round=round_, form_id="dtm_site", file_name="export.csv",
        sha256="0" * 64, imported_by=actor,
    )  # fmt: skip
