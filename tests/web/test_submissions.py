"""The submissions table and a submission's page, on the web world's round 2 with the messy
site export imported (tests/web/conftest.py `messy_sites_import`): 3 rows stored by the
world's factories (batch `round2_dtm_site.xlsx`, rows 5-7 of its sheet "fixture", no report
line, no file kept), 3 stored flagged and 3 rejected from `sites.csv`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from opendtm.ingest.models import ImportBatch
from opendtm.mobility.queries import submissions_of
from tests.web.conftest import WebWorld, messy_sites_import

URL = "/o/typhoon/rounds/2/submissions/"
WORLD = "round2_dtm_site.xlsx"
UNIT_B1 = "Adm4 PH0100101001 (PH0100101001)"
# (file, row, submission ID, status, admin unit, site, report lines) in file order
ROWS = [
    (WORLD, 5, "r2-S1", "Accepted", UNIT_B1, "S1", 0),
    (WORLD, 6, "r2-S2", "Accepted", "Adm4 PH0100201001 (PH0100201001)", "S2", 0),
    (WORLD, 7, "r2-S3", "Accepted", "Adm4 PH0100202001 (PH0100202001)", "S3", 0),
    ("sites.csv", 2, "uuid-a", "Flagged", UNIT_B1, "S-001", 2),
    ("sites.csv", 3, "uuid-b", "Flagged", UNIT_B1, "S-002", 2),
    ("sites.csv", 4, "uuid-c", "Rejected", "", "", 1),
    ("sites.csv", 5, "uuid-d", "Rejected", "", "", 1),
    ("sites.csv", 6, "uuid-e", "Flagged", UNIT_B1, "S-005", 2),
    ("sites.csv", 7, "uuid-a", "Rejected", "", "", 1),
]
ROW = re.compile(
    r'<tr class="st-\w+">\s*<td>(?P<file>[^<]+) <small>#\d+</small></td>\s*'
    r'<td class="num">(?P<row>\d+)</td>\s*<td><a href="[^"]+">(?P<sid>[^<]+)</a></td>\s*'
    r"<td>(?P<status>[^<]+)</td>\s*<td>(?P<unit>[^<]*)</td>\s*"
    r'<td>(?:<a href="[^"]+">(?P<site>[^<]+)</a>)?</td>\s*<td class="num">(?P<issues>\d+)</td>'
)


@pytest.fixture
def imported(web_world: WebWorld, tmp_path: Path) -> ImportBatch:
    return messy_sites_import(web_world.world, tmp_path)


def _client(web_world: WebWorld, role: str = "analyst") -> Client:
    client = Client()
    client.force_login(web_world.users[role])  # type: ignore[arg-type]
    return client


def _rows(html: str) -> list[tuple[Any, ...]]:
    return [
        (m["file"], int(m["row"]), m["sid"], m["status"], m["unit"], m["site"] or "",
         int(m["issues"]))
        for m in ROW.finditer(html)
    ]  # fmt: skip


def _table(client: Client, query: str) -> list[tuple[Any, ...]]:
    response = client.get(f"{URL}?form=dtm_site&{query}")
    assert response.status_code == 200
    return _rows(response.content.decode())


def test_the_table_lists_stored_and_rejected_rows_in_file_order(
    web_world: WebWorld, imported: ImportBatch
) -> None:
    response = _client(web_world).get(URL, {"form": "dtm_site"})
    html = response.content.decode()
    assert _rows(html) == ROWS
    assert '<p class="note" id="submission-count">9 submissions</p>' in html
    # the rejected rows the table shows are the ones the batch counted
    assert imported.rows_rejected == sum(r[3] == "Rejected" for r in ROWS) == 3
    assert imported.rows_flagged == sum(r[3] == "Flagged" for r in ROWS if r[0] != WORLD) == 3
    link = f'href="/o/typhoon/rounds/2/submissions/{imported.pk}/5/">uuid-d</a>'
    assert link in html


def test_the_baseline_form_is_the_default_and_has_no_site_column(web_world: WebWorld) -> None:
    html = _client(web_world).get(URL).content.decode()
    assert '<option value="dtm_baseline" selected>' in html
    assert ">Site</a></th>" not in html and 'name="site"' not in html
    assert '<p class="note" id="submission-count">6 submissions</p>' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=rejected", [5, 6, 8]),
        ("status=flagged", [3, 4, 7]),
        ("status=accepted", [0, 1, 2]),
        ("rule=type.integer", [6]),
        ("rule=consistency.sites_exceed_idps", [3, 4, 7]),
        ("rule=duplicate.submission_id&status=rejected", [8]),
        ("rule=duplicate.submission_id&status=flagged", []),
        ("admin=PH0100201", [1]),  # M3: the unit holding S2's barangay
        ("admin=PH01001", [0, 3, 4, 7]),  # P1, two levels up
        ("site=S-001", [3]),
        ("sort=-issues", [3, 4, 7, 5, 6, 8, 0, 1, 2]),
        ("sort=submission", [0, 1, 2, 3, 8, 4, 5, 6, 7]),
        ("sort=-status", [5, 6, 8, 3, 4, 7, 0, 1, 2]),
        ("sort=-unit", [2, 1, 0, 3, 4, 7, 5, 6, 8]),
    ],
)
def test_filters_and_sorting(
    web_world: WebWorld, imported: ImportBatch, query: str, expected: list[int]
) -> None:
    assert _table(_client(web_world), query) == [ROWS[i] for i in expected]


def test_an_admin_or_site_filter_says_it_leaves_rejected_rows_out(
    web_world: WebWorld, imported: ImportBatch
) -> None:
    html = _client(web_world).get(URL, {"form": "dtm_site", "admin": "PH01"}).content.decode()
    assert "rejected rows have no stored admin unit or site" in html
    assert [r[2] for r in _rows(html)] == ["r2-S1", "r2-S2", "r2-S3", "uuid-a", "uuid-b", "uuid-e"]


def test_pages_are_cut_in_the_database_and_never_overlap(
    web_world: WebWorld, imported: ImportBatch
) -> None:
    world = web_world.world
    pages = [
        submissions_of(
            user=world.analyst, round_=world.rounds[2], form_id="dtm_site", sort="-issues",
            page=n, per_page=4,
        )
        for n in (1, 2, 3)
    ]  # fmt: skip
    assert [(p.number, p.pages, p.total, len(p.rows)) for p in pages] == [
        (1, 3, 9, 4), (2, 3, 9, 4), (3, 3, 9, 1),
    ]  # fmt: skip
    listed = [(r["batch_id"], r["row"]) for p in pages for r in p.rows]
    assert len(set(listed)) == 9
    whole = submissions_of(
        user=world.analyst, round_=world.rounds[2], form_id="dtm_site", sort="-issues"
    )
    assert listed == [(r["batch_id"], r["row"]) for r in whole.rows]


def test_the_page_links_to_the_next_page_with_its_filters(
    web_world: WebWorld, imported: ImportBatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("opendtm.web.submissions.PER_PAGE", 4)
    client = _client(web_world)
    html = client.get(URL, {"form": "dtm_site", "sort": "-issues", "page": "2"}).content.decode()
    assert "<span>Page 2 of 3</span>" in html
    assert 'href="?form=dtm_site&amp;sort=-issues&amp;page=3" rel="next"' in html
    assert 'href="?form=dtm_site&amp;sort=-issues&amp;page=1" rel="prev"' in html
    assert [r[2] for r in _rows(html)] == ["uuid-d", "uuid-a", "r2-S1", "r2-S2"]


def test_the_query_count_does_not_grow_with_rows(
    web_world: WebWorld, tmp_path: Path, django_assert_num_queries: Any
) -> None:
    """3 stored rows and no report line, then 9 rows of two batches: the same queries."""
    client = _client(web_world)
    with django_assert_num_queries(10):
        before = client.get(URL, {"form": "dtm_site"})
    messy_sites_import(web_world.world, tmp_path)
    with django_assert_num_queries(10):
        after = client.get(URL, {"form": "dtm_site"})
    assert (len(_rows(before.content.decode())), len(_rows(after.content.decode()))) == (3, 9)


def test_a_rejected_row_shows_its_values_as_received_and_why(
    web_world: WebWorld, imported: ImportBatch
) -> None:
    html = _client(web_world).get(f"{URL}{imported.pk}/5/").content.decode()
    assert "<h1>Submission uuid-d <small>typhoon · round 2</small></h1>" in html
    assert '<dd id="submission-status">Rejected</dd>' in html
    assert '<dd id="submission-file">sites.csv, sheet sites.csv, row 5</dd>' in html
    assert "6 rows read, 3 accepted, 3 rejected, 3 flagged" in html
    assert (
        '<tr class="sev-error"><td>type.integer</td><td>error</td><td>hh</td><td>abc</td>'
        "<td>hh must be a whole number; got &#x27;abc&#x27;</td></tr>"
    ) in html
    values = dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]*)</td></tr>', html))
    assert len(values) == 32
    assert (values["site/site_id"], values["population/hh"], values["_uuid"]) == (
        "S-004", "abc", "uuid-d",
    )  # fmt: skip


def test_a_flagged_row_shows_its_stored_place_and_its_warnings(
    web_world: WebWorld, imported: ImportBatch
) -> None:
    html = _client(web_world).get(f"{URL}{imported.pk}/2/").content.decode()
    assert '<dd id="submission-status">Flagged</dd>' in html
    assert '<a href="/o/typhoon/sites/S-001/">S-001</a>' in html
    assert "<dd>Adm4 PH0100101001 (PH0100101001)</dd>" in html
    rules = re.findall(r'<tr class="sev-(\w+)"><td>([\w.]+)</td>', html)
    assert rules == [("warning", "consistency.sites_exceed_idps"), ("warning", "site.registered")]
    # the duplicate uuid-a of row 7 is another row: its error is not this row's
    assert "duplicate.submission_id" not in html
    assert '<tr><th scope="row">site/site_id</th><td>S-001</td></tr>' in html


def test_a_row_whose_batch_kept_no_file_says_so(web_world: WebWorld) -> None:
    batch = web_world.world.rounds[2].import_batches.get(form_id="dtm_site")
    html = _client(web_world).get(f"{URL}{batch.pk}/5/").content.decode()
    assert '<dd id="submission-status">Accepted</dd>' in html
    assert (
        f'<p class="note">Batch {batch.pk} (round2_dtm_site.xlsx) has no stored file for row 5 '
        "of fixture.</p>"
    ) in html
    assert "The import reported nothing on this row." in html


def test_a_row_that_is_no_submission_of_the_round_is_not_found(
    web_world: WebWorld, imported: ImportBatch
) -> None:
    client = _client(web_world)
    missing = client.get(f"{URL}{imported.pk}/99/", headers={"accept": "text/html"})
    assert missing.status_code == 404
    assert (
        "Row 99 of sites.csv is not a submission of round 2. A later import may have replaced "
        "it: the table lists every submission."
    ) in missing.content.decode()
    other_round = web_world.world.rounds[1].import_batches.get(form_id="dtm_site")
    response = client.get(f"{URL}{other_round.pk}/2/")
    assert response.status_code == 404
    assert f"Round 2 has no import batch {other_round.pk}." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("form=nope", "Form &#x27;nope&#x27; is not one of the accepted values. "
                      "Use one of: dtm_baseline, dtm_site."),
        ("form=dtm_site&status=lost", "Status &#x27;lost&#x27; is not one of the accepted "
                                      "values. Use one of: accepted, flagged, rejected."),
        ("form=dtm_site&sort=colour", "Sort &#x27;colour&#x27; is not a column of the table. "
                                      "Use one of: file, row, submission, status, unit, site, "
                                      "issues (with - first to reverse)."),
        ("form=dtm_site&page=abc", "page &#x27;abc&#x27; is not a whole number."),
        ("form=dtm_site&page=0", "Page 0 is not a page number (1 or more)."),
        ("form=dtm_site&page=2", "Page 2 is past the last page (1)."),
        ("form=dtm_site&rule=no.such", "No report line of round 2 (dtm_site) has rule "
                                       "&#x27;no.such&#x27;. It has no report line."),
        ("form=dtm_site&admin=PH99", "P-code &#x27;PH99&#x27; is not an admin unit of PHL."),
        ("site=S1", "The dtm_baseline form has no site: filter its submissions by admin unit."),
    ],
)  # fmt: skip
def test_a_bad_parameter_is_refused_with_its_reason(
    web_world: WebWorld, query: str, message: str
) -> None:
    response = _client(web_world).get(f"{URL}?{query}", headers={"accept": "text/html"})
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'<p class="error" id="error-message">([^<]*)</p>', html)[1].startswith(  # type: ignore[index]
        message
    )


def test_the_round_page_links_to_the_table_for_analysts_only(web_world: WebWorld) -> None:
    link = 'href="/o/typhoon/rounds/1/submissions/" id="submissions-link"'
    assert link in _client(web_world).get("/o/typhoon/rounds/1/").content.decode()
    assert link not in _client(web_world, "viewer").get("/o/typhoon/rounds/1/").content.decode()
