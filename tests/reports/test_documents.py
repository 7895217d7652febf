"""The PDFs hold the figures of the test world (tests/figures/fixtures, by hand) and only what
the reader may see; the site profile's new sections and tables hold S2's facts (conftest)."""

from __future__ import annotations

import io
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest
from django.utils import translation
from openpyxl import load_workbook

from opendtm.core.errors import NotFound
from opendtm.ingest.models import ImportBatch
from opendtm.mobility.models import SiteAssessment
from opendtm.mobility.queries import site_facts
from opendtm.reports.choices import ProfileTable, TableFormat
from opendtm.reports.documents import round_report_pdf, site_profile_pdf
from opendtm.reports.queries import site_profile
from opendtm.reports.tables import profile_table, profile_table_file
from tests.figures.conftest import World
from tests.reports.conftest import pdf_text

pdf = pytest.mark.pdf


def _kpis(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


@pdf
def test_round_report_holds_the_headline_of_the_round(world: World, tmp_path: Path) -> None:
    """Round 1 (published): 278 IDPs in 66 households at 5 locations, 3 sites holding 84.
    Round 2 (open, the analyst's): 164 IDPs (-114, -41.0%), 40 households (-26, -39.4%),
    146 returned, 51 in sites (-33, -39.3%), 6 locations; marked as a draft."""
    one = pdf_text(
        round_report_pdf(user=world.viewer, operation=world.operation, round_number=1).content,
        tmp_path,
    )
    lines = _kpis(one)
    assert {
        "IDP individuals 278",
        "IDP households 66",
        "Returned IDPs (individuals) 0",
        "Sites assessed 3",
        "Individuals in sites 84",
        "Assessed locations 5",
    } <= set(lines)
    assert "Draft" not in one
    assert "counts of people or households from 1 to 5 minus one are hidden" in " ".join(lines)
    batches = ImportBatch.objects.filter(round=world.rounds[1]).order_by("id")
    assert f"Import batches {', '.join(str(b.id) for b in batches)}" in lines
    assert "Gazetteer version PHL test" in lines
    two = pdf_text(
        round_report_pdf(user=world.analyst, operation=world.operation, round_number=2).content,
        tmp_path,
    )
    lines = _kpis(two)
    assert {
        "IDP individuals 164 -114 -41.0%",
        "IDP households 40 -26 -39.4%",
        "Returned IDPs (individuals) 146 +146",
        "Sites assessed 3 +0",
        "Individuals in sites 51 -33 -39.3%",
        "Assessed locations 6 +1",
    } <= set(lines)
    assert "Draft: this round is open, not published. Not for distribution." in lines
    assert "Exact values: nothing is hidden (not for publication)." in " ".join(lines)
    assert "Site S3 S3 Adm4 PH0100202001 closing 3 11 +7" in lines


def test_a_viewer_gets_no_report_of_an_unpublished_round(world: World) -> None:
    with pytest.raises(NotFound):
        round_report_pdf(user=world.viewer, operation=world.operation, round_number=2)
    with pytest.raises(NotFound):
        site_profile_pdf(user=world.viewer, operation=world.operation, site_id="S2", round_number=2)


@pdf
def test_site_profile_pdf_holds_the_new_sections(world: World, tmp_path: Path) -> None:
    """The analyst's S2 as of round 2 (exact); the viewer's as of round 1 (published)."""
    text = pdf_text(
        site_profile_pdf(user=world.analyst, operation=world.operation, site_id="S2").content,
        tmp_path,
    )
    lines = _kpis(text)
    assert {"Individuals 40 -10 -20.0%", "Households 9 -3 -25.0%", "Status open"} <= set(lines)
    assert lines.index("1. Shelter") + 1 == lines.index("2. Health care")
    assert "Persons with disabilities 10.0%" in lines
    assert "Pregnant or lactating women 5.0%" in lines
    assert "Unaccompanied or separated children 2.5%" in lines
    assert "Older persons living alone -" in lines
    assert "Individuals who arrived since the last round 0" in lines
    assert "Individuals who left since the last round 10" in lines
    assert "Site management agency present: no" in lines
    assert "• None" in lines
    assert "Draft: this round is not published. Not for distribution." in lines
    viewer = _kpis(
        pdf_text(
            site_profile_pdf(user=world.viewer, operation=world.operation, site_id="S2").content,
            tmp_path,
        )
    )
    assert "Individuals *" in viewer  # hidden with its location (figures.suppression)
    assert "Persons with disabilities *" in viewer  # 4 of 50
    assert "Pregnant or lactating women 10.0%" in viewer
    assert "Older persons living alone 20.0%" in viewer
    assert "Individuals who arrived since the last round 20" in viewer
    assert "Individuals who left since the last round *" in viewer  # 3
    assert [line for line in viewer if line[:2] in ("1.", "2.", "3.")] == [
        "1. Food",
        "2. Drinking water",
        "3. Shelter",
    ]
    assert "• Diarrhoea" in viewer and "• Measles" in viewer
    assert "Site management agency present: yes" in viewer
    assert not any("Health care" in line for line in viewer)  # round 2's needs


def test_site_facts_hide_small_groups_of_published_rounds_only(world: World) -> None:
    analyst = site_facts(user=world.analyst, operation=world.operation, site=world.sites["S2"])
    assert analyst.select(
        "round",
        "pwd_ind_pct",
        "plw_ind_pct",
        "uasc_ind_pct",
        "older_alone_ind_pct",
        "arrivals_ind",
        "departures_ind",
        "hidden",
    ).rows() == [
        (1, None, 10.0, 0.0, 20.0, 20, None, ["pwd_ind_pct", "departures_ind"]),
        (2, 10.0, 5.0, 2.5, None, 0, 10, []),
    ]
    viewer = site_facts(user=world.viewer, operation=world.operation, site=world.sites["S2"])
    assert viewer.get_column("round").to_list() == [1]


def test_profile_tables_download_through_the_safe_writer(world: World) -> None:
    """One row per round, as the profile shows it; hidden cells empty and named."""
    profile = site_profile(user=world.analyst, operation=world.operation, site_id="S2")
    needs = profile_table(profile, ProfileTable.NEEDS)
    assert needs.select(
        "Round",
        "Priority need 1",
        "Priority need 2",
        "Priority need 3",
        "Persons with disabilities (% of individuals)",
        "Individuals who left since the last round",
        "Diseases reported",
        "Site management agency present",
        "Hidden cells",
    ).rows() == [
        (
            1,
            "Food",
            "Drinking water",
            "Shelter",
            None,
            None,
            "Diarrhoea; Measles",
            "yes",
            "pwd_ind_pct, departures_ind",
        ),
        (2, "Shelter", "Health care", None, 10.0, 10, "None", "no", ""),
    ]
    population = profile_table(profile, ProfileTable.POPULATION)
    assert population.select(
        "Round", "Households", "Individuals", "Change in individuals"
    ).rows() == [(1, None, None, None), (2, 9, 40, -10)]
    assert population.get_column("Hidden cells").to_list()[1] == ""
    csv = profile_table_file(profile, ProfileTable.NEEDS, TableFormat.CSV).decode()
    assert csv.splitlines()[2].startswith("2,Shelter,Health care,,10.0,5.0,2.5,,0,10,None,no,")


def test_a_formula_in_an_answer_is_neutralised(world: World) -> None:
    """An answer outside the shipped list (an operation's own form) is written as it came,
    as text: never a formula, in CSV or XLSX."""
    SiteAssessment.objects.filter(site=world.sites["S2"], round=world.rounds[2]).update(
        priority_need_1='=HYPERLINK("http://x")'
    )
    profile = site_profile(user=world.analyst, operation=world.operation, site_id="S2")
    csv = profile_table_file(profile, ProfileTable.NEEDS, TableFormat.CSV).decode()
    assert csv.splitlines()[2].startswith('2,"\'=HYPERLINK(""http://x"")",Health care,')
    workbook = profile_table_file(profile, ProfileTable.NEEDS, TableFormat.XLSX)
    cell = load_workbook(io.BytesIO(workbook)).active["B3"]
    assert (cell.value, cell.data_type) == ('\'=HYPERLINK("http://x")', "s")


@pdf
def test_a_dari_report_is_right_to_left_in_the_shipped_font(world: World, tmp_path: Path) -> None:
    """Dari (fa-af): the report's words from the Dari catalogue, shaped in the Vazirmatn font
    shipped with the package (embedded: the reader's machine needs no Persian font), the
    numbers as in English."""
    with translation.override("fa-af"):
        content = round_report_pdf(
            user=world.viewer, operation=world.operation, round_number=1
        ).content
        words = [translation.gettext("Headline figures"), translation.gettext("IDP households")]
    path = tmp_path / "dari.pdf"
    path.write_bytes(content)
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    assert "Vazirmatn" in fonts.stdout

    def letters(text: str) -> str:
        """Without joiners, direction marks and combining marks (pdftotext puts a mark such
        as the hamza of ـهٔ before the letter it sits on)."""
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if unicodedata.category(c) != "Mn")
        return re.sub("[\u200c\u200e\u200f\u202a-\u202e]", "", text)

    text = letters(pdf_text(content, tmp_path))
    for word in words:
        assert word != "Headline figures" and letters(word) in text
    assert "278" in text and "66" in text
