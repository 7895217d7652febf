"""Imports a user can trust (issue 12, item 2), through the pages without a browser: the file's
own name everywhere, each batch's report, a correction's diff and its reason, no Confirm when
nothing can be imported, no import into a published round, progress counts, a readable and
paged report."""

from __future__ import annotations

import io
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import openpyxl
from django.template.loader import render_to_string
from django.test import Client

from opendtm.ingest.models import CleaningLogEntry, ImportBatch, ImportIssue
from tests.web.conftest import WebWorld

FIXTURES = Path(__file__).resolve().parents[1] / "ingest" / "fixtures"


def _moved(name: str) -> str:
    """An ingest fixture moved onto the web world's gazetteer P-codes."""
    text = (FIXTURES / name).read_text()
    return text.replace("0102801", "0100101").replace("PH01028", "PH01001")


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def _upload(client: Client, path: Path, form_id: str = "dtm_site", round_: int = 2) -> Any:
    with path.open("rb") as handle:
        return client.post(
            f"/o/typhoon/rounds/{round_}/import/", {"form_id": form_id, "file": handle}
        )


def _page(client: Client, url: str, **params: Any) -> str:
    return client.get(url, params).content.decode()


def _manager(web_world: WebWorld, client: Client) -> None:
    client.force_login(web_world.users["manager"])  # type: ignore[arg-type]


def _imported(client: Client, path: Path, **kw: Any) -> str:
    job = _upload(client, path)["Location"]
    client.post(job + "confirm/", kw)
    assert 'data-state="imported"' in _page(client, job)
    return job


def test_the_file_keeps_its_own_name_in_history_log_messages_and_reports(
    web_world: WebWorld, client: Client, tmp_path: Path
) -> None:
    _manager(web_world, client)
    job = _imported(client, _write(tmp_path, "Sites round 2.csv", _moved("sites_messy.csv")))
    assert '<h1 id="file-name">Sites round 2.csv <small>' in _page(client, job)
    batch = ImportBatch.objects.latest("id")
    assert batch.file_name == "Sites round 2.csv"
    report = client.get(job + "report.xlsx")
    assert report["Content-Disposition"] == 'attachment; filename="Sites round 2.report.xlsx"'
    round_page = _page(client, "/o/typhoon/rounds/2/")
    assert "<td>Sites round 2.csv</td>" in round_page
    corrected = _write(tmp_path, "fix 12 Nov.csv", _moved("sites_corrected.csv"))
    _imported(client, corrected, reason="recount")
    log = _page(client, "/o/typhoon/rounds/2/cleaning-log.csv").splitlines()
    assert {line.rsplit(",", 1)[-1] for line in log[1:]} == {"fix 12 Nov.csv"}
    # A refusal of the reader names the file as the user called it, not its digest.
    refused = _upload(client, _write(tmp_path, "notes.csv", "colour,size\nred,2\n"))
    page = _page(client, refused["Location"])
    assert 'data-state="failed"' in page
    assert "notes.csv is not an export of form dtm_site" in page
    assert not re.search(r"[0-9a-f]{64}", page)


def test_each_batch_links_to_its_report_as_csv_and_xlsx(
    web_world: WebWorld, client: Client, tmp_path: Path
) -> None:
    _manager(web_world, client)
    _imported(client, _write(tmp_path, "sites.csv", _moved("sites_messy.csv")))
    batch = ImportBatch.objects.latest("id")
    stored = list(ImportIssue.objects.filter(batch=batch).order_by("id"))
    page = _page(client, "/o/typhoon/rounds/2/")
    csv_url = f"/o/typhoon/batches/{batch.pk}/report.csv"
    xlsx_url = f"/o/typhoon/batches/{batch.pk}/report.xlsx"
    assert f'href="{csv_url}"' in page and f'href="{xlsx_url}"' in page
    text = client.get(csv_url).content.decode().splitlines()
    assert text[0] == "sheet,row,submission_id,field,value,rule,severity,message"
    assert len(text) == 1 + len(stored)
    assert text[-1] == (
        "sites.csv,7,uuid-a,_submission_id,uuid-a,duplicate.submission_id,error,"
        "submission ID uuid-a is already in row 2 of the file"
    )
    book = openpyxl.load_workbook(io.BytesIO(client.get(xlsx_url).content))
    rows = list(book["report"].iter_rows(values_only=True))
    assert len(rows) == 1 + len(stored)
    assert [r[5] for r in rows[1:]] == [i.rule for i in stored]
    assert client.get(f"/o/typhoon/batches/{batch.pk + 1000}/report.csv").status_code == 404


def test_a_correction_lists_every_change_and_needs_a_reason(
    web_world: WebWorld, client: Client, tmp_path: Path
) -> None:
    _manager(web_world, client)
    _imported(client, _write(tmp_path, "sites.csv", _moved("sites_messy.csv")))
    job = _upload(client, _write(tmp_path, "fixed.csv", _moved("sites_corrected.csv")))["Location"]
    page = _page(client, job)
    table = page[page.index('<table class="data" id="change-table">') :]
    table = table[: table.index("</table>")]
    cells = re.findall(
        r'<tr><td>([^<]*)</td><td>([^<]*)</td><td class="old">([^<]*)</td>'
        r'<td aria-hidden="true">→</td><td class="new">([^<]*)</td></tr>',
        table,
    )
    assert cells == [("uuid-a", "ind", "100", "110"), ("uuid-a", "ind_f_18_59", "15", "25")]
    assert 'id="values-changed">2<' in page
    assert 'name="reason"' in page and "Confirm the corrections" in page
    before = (ImportBatch.objects.count(), CleaningLogEntry.objects.count())
    for empty in ("", "   "):
        refused = client.post(job + "confirm/", {"reason": empty}, follow=True).content.decode()
        assert "This import changes 2 stored value(s): say why" in refused
        assert 'data-state="validated"' in refused
        assert (ImportBatch.objects.count(), CleaningLogEntry.objects.count()) == before
    client.post(job + "confirm/", {"reason": "recount on 12 Nov"})
    assert 'data-state="imported"' in _page(client, job)
    log = CleaningLogEntry.objects.values_list("field", "old_value", "new_value", "reason")
    assert list(log) == [
        ("ind", "100", "110", "recount on 12 Nov"),
        ("ind_f_18_59", "15", "25", "recount on 12 Nov"),
    ]  # fmt: skip


def test_a_file_of_the_other_form_offers_no_confirm_and_says_what_it_looks_like(
    web_world: WebWorld, client: Client, tmp_path: Path
) -> None:
    _manager(web_world, client)
    path = _write(tmp_path, "sites.csv", _moved("sites_messy.csv"))
    job = _upload(client, path, form_id="dtm_baseline")["Location"]
    page = _page(client, job)
    assert 'id="rows-accepted">0<' in page and 'id="rows-rejected">6<' in page
    assert 'id="confirm"' not in page
    assert (
        '<strong id="looks-like">This looks like an export of the DTM site assessment: upload it '
        "as that form.</strong>"
    ) in page
    before = ImportBatch.objects.count()
    client.post(job + "confirm/")
    assert 'data-state="validated"' in _page(client, job)
    assert ImportBatch.objects.count() == before
    # The right form: Confirm is there.
    assert 'id="confirm"' in _page(client, _upload(client, path)["Location"])


def test_a_published_round_offers_no_import_and_refuses_the_upload_unstored(
    web_world: WebWorld, client: Client, tmp_path: Path, settings: Any
) -> None:
    _manager(web_world, client)
    page = client.get("/o/typhoon/rounds/1/")
    assert b'id="import-link"' not in page.content
    form = client.get("/o/typhoon/rounds/1/import/")
    assert form.status_code == 409
    assert b"is published and read-only" in form.content and b'type="file"' not in form.content
    response = _upload(client, _write(tmp_path, "sites.csv", _moved("sites_messy.csv")), round_=1)
    assert response.status_code == 409
    root = Path(settings.UPLOAD_ROOT)
    assert not root.exists() or list(root.rglob("*")) == []  # neither the file nor a job


def test_the_status_shows_the_progress_counts_it_is_given() -> None:
    job = SimpleNamespace(
        state="importing", running=True, rows_read=1200, rows_checked=800, rows_stored=300
    )
    html = render_to_string("web/_job_status.html", {"job": job, "status_url": "/x/"})
    assert '<p id="job-progress">Rows read: 1200 · checked: 800 · stored: 300</p>' in html
    assert 'hx-trigger="every 1s"' in html


def test_the_report_is_readable_legend_agrees_and_every_line_is_paged(
    web_world: WebWorld, client: Client, tmp_path: Path
) -> None:
    _manager(web_world, client)
    head, good = _moved("sites_messy.csv").splitlines()[:2]
    rows = [good.replace("uuid-a", f"uuid-{i}").replace("S-001", f"S-{i:03d}") for i in range(150)]
    bad = [r.replace(",20,100,", ",abc,100,", 1) for r in rows[:130]]
    text = "\n".join([head, *bad, *rows[130:]]) + "\n"
    job = _upload(client, _write(tmp_path, "many.csv", text))["Location"]
    page = _page(client, job)
    flagged = int(re.search(r'id="rows-flagged">(\d+)<', page).group(1))  # type: ignore[union-attr]
    legend = re.search(r'<dd id="legend-flagged">[^<]*: (\d+) rows? flagged', page)
    assert legend is not None and int(legend.group(1)) == flagged
    warnings = _page(client, job, kind="warning")
    warned_rows = set(re.findall(r'<tr class="sev-warning"><td>many.csv</td><td class="num">(\d+)<',
                                 warnings))  # fmt: skip
    assert len(warned_rows) == flagged
    # One note for Kobo's metadata columns; no line quotes an XLSForm expression.
    notes = _page(client, job, kind="note")
    assert notes.count("<td>column.metadata</td>") == 1 and "<td>column.ignored</td>" not in notes
    report = b"".join(client.get(job + "report.csv").streaming_content).decode()  # type: ignore[attr-defined]
    assert "${" not in report and "coalesce(" not in report
    lines = report.count("\n") - 1
    assert lines > 130
    assert f"{lines} lines match" in page and "page 1 of 2" in page
    assert page.count('<tr class="sev-') == 100
    second = _page(client, job, page=2)
    assert second.count('<tr class="sev-') == lines - 100
    assert f"lines 101\N{EN DASH}{lines}, page 2 of 2" in second
    errors = _page(client, job, kind="error", page=2)
    assert errors.count('<tr class="sev-error">') == 30  # 130 errors: 100, then 30
    assert 'href="?kind=error&amp;page=1"' in errors
