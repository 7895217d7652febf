"""Whole-file refusals: one message naming the file and the problem, and nothing read."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from opendtm.core.errors import InvalidInput
from opendtm.forms.queries import form_spec_get
from opendtm.forms.reader import read_export
from opendtm.forms.spec import FormSpec

FIXTURES = Path(__file__).parent / "fixtures"
BASELINE = form_spec_get(form_id="dtm_baseline")
SITE = form_spec_get(form_id="dtm_site")


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def refused(path: Path, form: FormSpec = SITE, repeat_files: dict[str, Path] | None = None) -> str:
    with pytest.raises(InvalidInput) as error:
        read_export(form=form, path=path, repeat_files=repeat_files)
    return str(error.value)


def test_refusals_of_files_that_are_not_exports(tmp_path: Path) -> None:
    missing = tmp_path / "missing.xlsx"
    assert refused(missing) == f"{missing} does not exist. Check the file name and folder."
    (tmp_path / "empty.csv").write_bytes(b"")
    assert refused(tmp_path / "empty.csv") == (
        "empty.csv is empty. Export the form again; the download may have failed."
    )
    (tmp_path / "spaces.csv").write_bytes(b" \r\n \n")
    assert refused(tmp_path / "spaces.csv") == (
        "spaces.csv is empty. Export the form again; the download may have failed."
    )
    resave = (
        " Export it again from KoboToolbox or ODK Central, or save it from Excel as "
        "'CSV UTF-8 (comma delimited)' or as an Excel workbook, and import that."
    )
    (tmp_path / "photo.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    assert (
        refused(tmp_path / "photo.xlsx")
        == "photo.xlsx is a PNG image, not an XLSX or CSV export." + resave
    )
    (tmp_path / "scan.csv").write_bytes(b"%PDF-1.7\n%\xe2\xe3")
    assert (
        refused(tmp_path / "scan.csv")
        == "scan.csv is a PDF document, not an XLSX or CSV export." + resave
    )
    (tmp_path / "notes.xlsx").write_text("site_id,hh\nS-1,3\n")
    assert refused(tmp_path / "notes.xlsx") == (
        "notes.xlsx is named like an Excel workbook but is not one (it starts with "
        "b'site_id,')." + resave
    )
    assert refused(FIXTURES / "protected.xlsx") == (
        "protected.xlsx is a password-protected (encrypted) workbook, which cannot be read. "
        "Open it in Excel, remove the password, save it and import it again."
    )


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "export.xlsx", "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    assert refused(tmp_path / "export.xlsx") == (
        "export.xlsx is damaged or is not an Excel workbook. Export it again (or open it in "
        "Excel and save it again as an Excel workbook) and import that."
    )


def test_latin1_csv_names_the_first_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("site_id;site_name;hh\nS-1;Niño Jesus;3\n".encode("latin-1"))
    assert refused(path) == (
        "latin1.csv is not UTF-8 text: byte 0xF1 at offset 27 cannot be decoded (the file was "
        "probably saved as Latin-1 / Windows-1252). Export it again from KoboToolbox or ODK "
        "Central, or save it from Excel as 'CSV UTF-8 (comma delimited)' or as an Excel "
        "workbook, and import that."
    )
    header = tmp_path / "latin1_header.csv"
    header.write_bytes("site_id;año\nS-1;2026\n".encode("latin-1"))
    assert refused(header).startswith("latin1_header.csv is not UTF-8 text: byte 0xF1 at offset 9 ")


def test_an_export_of_another_form_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "flows.csv", ["fmp_id,direction,count", "F1,in,3"])
    assert refused(path) == (
        "flows.csv is not an export of form dtm_site: none of its required questions "
        "(assessment_date, enumerator_code, site_id, site_name, site_type, adm1_pcode, gps, "
        "hh, ind) has a column. Check that the file is an export of this form, with names or "
        "labels as headers."
    )


def test_an_unknown_repeat_file_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "b.csv", ["idp_present,_uuid", "yes,u1"])
    assert refused(path, form=BASELINE, repeat_files={"returns": path}) == (
        "Form dtm_baseline has no repeat 'returns'. Its repeats are: origins."
    )


def test_a_repeat_file_that_cannot_be_joined_is_refused(tmp_path: Path) -> None:
    main = write_csv(tmp_path / "b.csv", ["idp_present,_uuid", "yes,u1"])
    origins = write_csv(tmp_path / "o.csv", ["origin_pcode,origin_ind", "PH08037,3"])
    assert refused(main, form=BASELINE, repeat_files={"origins": origins}) == (
        "o.csv: the rows of repeat 'origins' cannot be joined to their submissions. It needs a "
        "_parent_index column matching the main sheet's _index (KoboToolbox) or a PARENT_KEY "
        "column matching the main file's KEY (ODK Central)."
    )
