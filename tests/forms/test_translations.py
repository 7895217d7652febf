"""The shipped forms in French, Spanish, Bahasa Indonesia and Dari: complete catalogues, XLSForm's
multi-language columns that pyxform compiles into one itext per language, and KoboToolbox label
exports in any of those languages reading to the same values as the XML-name export."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal
from pyxform.xls2xform import convert

from opendtm.demo.kobo_export import kobo_xlsx_write
from opendtm.demo.scenario import RoundTruth, scenario_build
from opendtm.forms.queries import form_spec_get
from opendtm.forms.reader import read_export
from opendtm.forms.services import form_export
from opendtm.forms.translations import (
    LANGUAGES,
    TEMPLATE,
    catalogue,
    catalogue_gaps,
    messages_template,
    shipped_messages,
)
from tests.forms.workbooks import sheet_rows

CODES = [code for code in LANGUAGES if code != "en"]
XF = "{http://www.w3.org/2002/xforms}"
THOUSANDS = re.compile(r"(?<=\d)[\s,.\u00a0\u202f](?=\d{3}\b)")


def test_the_template_holds_the_shipped_forms_texts(tmp_path: Path) -> None:
    written = messages_template(shipped_messages(), tmp_path / "xlsform.pot")
    assert written.read_text() == TEMPLATE.read_text()


@pytest.mark.parametrize("code", CODES)
def test_every_text_of_the_shipped_forms_is_translated(code: str) -> None:
    missing, unused = catalogue_gaps(code, shipped_messages())
    assert (missing, unused) == ([], [])


@pytest.mark.parametrize("code", CODES)
def test_a_translation_keeps_the_numbers_and_references_of_its_text(code: str) -> None:
    """A bound, an age bracket or a `${field}` changed in translation would mislead the
    enumerator (thousands may be written 10 000 000 or 10.000.000)."""
    for english, translated in catalogue(code).items():
        assert sorted(re.findall(r"\d+", THOUSANDS.sub("", translated))) == sorted(
            re.findall(r"\d+", THOUSANDS.sub("", english))
        ), (english, translated)
        assert re.findall(r"\$\{\w+\}", translated) == re.findall(r"\$\{\w+\}", english)


def _itext(xform: str) -> dict[str, dict[str, str]]:
    """language -> text id -> the text, of the compiled XForm."""
    root = ET.fromstring(xform)
    out: dict[str, dict[str, str]] = {}
    for translation in root.iter(f"{XF}translation"):
        texts = out.setdefault(translation.attrib["lang"], {})
        for text in translation.iter(f"{XF}text"):
            value = text.find(f"{XF}value")
            texts[text.attrib["id"]] = "".join(value.itertext()) if value is not None else ""
    return out


@pytest.mark.parametrize("form_id", ["dtm_baseline", "dtm_site"])
def test_the_exported_form_offers_every_language(tmp_path: Path, form_id: str) -> None:
    path = form_export(form_id=form_id, directory=tmp_path)
    header = [str(h) for h in sheet_rows(path, "survey")[0]]
    for column in ("label", "hint", "constraint_message"):
        assert [h for h in header if h.startswith(f"{column}::")] == [
            f"{column}::{name}" for name in LANGUAGES.values()
        ]
    assert "label" not in header
    result = convert(xlsform=str(path))
    assert result.warnings == []
    itext = _itext(result.xform)
    assert list(itext) == list(LANGUAGES.values())
    label_id = "/data/general/assessment_date:label"
    assert itext["Français (fr)"][label_id] == catalogue("fr")["Assessment date"]
    assert itext["Dari (prs)"][label_id] == catalogue("prs")["Assessment date"]
    assert itext["English (en)"][label_id] == "Assessment date"


@lru_cache(maxsize=1)
def _first_round() -> RoundTruth:
    return scenario_build(seed=7).rounds[0]


@pytest.mark.parametrize("code", CODES)
def test_a_label_export_in_any_language_reads_as_the_xml_name_export(
    tmp_path: Path, code: str
) -> None:
    """Part of the demo's first round (sites, and locations with their origins repeat) written
    as KoboToolbox writes it, once with XML names and once with labels in `code`."""
    scenario = _first_round()
    language = LANGUAGES[code]
    baseline = scenario.baseline[:80]
    kept = {record["_uuid"] for record in baseline}
    origins = [row for row in scenario.origins if row["_parent_uuid"] in kept]
    for form_id, records, repeats in (
        ("dtm_site", scenario.sites[:80], None),
        ("dtm_baseline", baseline, {"origins": origins}),
    ):
        form = form_spec_get(form_id=form_id)
        names = kobo_xlsx_write(
            form=form, records=records, repeats=repeats, path=tmp_path / f"{form_id}.xlsx"
        )
        labels = kobo_xlsx_write(
            form=form,
            records=records,
            repeats=repeats,
            path=tmp_path / f"{form_id}-{code}.xlsx",
            language=language,
        )
        by_name, by_label = read_export(form=form, path=names), read_export(form=form, path=labels)
        assert (by_name.form.language, by_label.form.language) == ("English (en)", language)
        assert by_label.main.height == len(records)
        assert_frame_equal(by_label.main, by_name.main)
        for repeat in form.repeats:
            assert_frame_equal(by_label.repeats[repeat], by_name.repeats[repeat])
        assert by_label.issues.height == by_name.issues.height == 0
        assert by_label.ignored_columns == by_name.ignored_columns
