"""Broken gazetteer files: one clear error naming file, row, column and rule; nothing written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from opendtm.core.errors import InvalidInput, NotFound
from opendtm.gazetteer.models import AdminUnit
from tests.gazetteer.conftest import stored_rows

pytestmark = pytest.mark.django_db

Loader = Callable[..., Any]

BROKEN = [
    (
        "missing_parent.csv",
        "missing_parent.csv, row 5, column parent_pcode: parent P-code 'PH03008' of 'PH0300801' "
        "is neither in the file nor in the loaded PHL gazetteer. Add a row for the parent or "
        "correct the code. Nothing was loaded.",
    ),
    (
        "missing_parent_wide.csv",
        "missing_parent_wide.csv, row 3, column adm1_pcode: empty, but a deeper level's P-code "
        "is given on this row; adm1 is its parent. Fill in the parent's P-code. Nothing was "
        "loaded.",
    ),
    (
        "parent_name_differs.csv",
        "parent_name_differs.csv, row 3, column adm1_name: P-code 'PH01' has two names: "
        "'Ilocos Region' on row 2 and 'Ilocos' here. A unit has one name; make the rows agree "
        "(duplicate P-codes are refused). Nothing was loaded.",
    ),
    (
        "duplicate_pcode.csv",
        "duplicate_pcode.csv, row 3, column adm3_pcode: duplicate P-code 'PH0102801': the same "
        "unit is already described on row 2. Keep one row per unit. Nothing was loaded.",
    ),
    (
        "duplicate_levels.csv",
        "duplicate_levels.csv, row 2, column adm3_pcode: duplicate P-code 'PH0102801': it is "
        "given at level 3 here and at level 2 on row 3. A P-code names one unit at one level; "
        "correct one of the rows. Nothing was loaded.",
    ),
    (
        "cycle.csv",
        "cycle.csv, row 3, column parent_pcode: parent P-codes form a cycle: PH01028 -> "
        "PH0102801 -> PH0102899 -> PH01028 (rows 3, 4, 5). Each unit's parent must lead up to "
        "the country; correct one parent code. Nothing was loaded.",
    ),
    (
        "wrong_level.csv",
        "wrong_level.csv, row 4, column level: P-code 'PH0102801' is at level 3 but its parent "
        "'PH01' is at level 1: a code at the wrong level. A unit is exactly one level below its "
        "parent; correct the level or the parent. Nothing was loaded.",
    ),
    (
        "bad_population.csv",
        "bad_population.csv, row 3, column population: '709,991' is not a whole number >= 0. "
        "Correct the value. Nothing was loaded.",
    ),
    (
        "header_only.csv",
        "header_only.csv: no admin units found (the file has a header but no data rows). Add "
        "one row per unit. Nothing was loaded.",
    ),
    ("empty.csv", "empty.csv: the file is empty. Export it again. Nothing was loaded."),
    (
        "truncated.geojson",
        "truncated.geojson, line 51, character 10: not a readable geojson file (Unterminated "
        "string). Is the file truncated? Export the file again. Nothing was loaded.",
    ),
]


@pytest.mark.parametrize(("name", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_is_refused_with_one_clear_message(
    load: Loader, name: str, message: str
) -> None:
    before = stored_rows()
    with pytest.raises(InvalidInput) as refused:
        load(name)
    assert str(refused.value) == message
    assert "\n" not in str(refused.value)
    assert stored_rows() == before


def test_refused_file_leaves_an_earlier_load_untouched(load: Loader) -> None:
    load("wide.csv")
    before = stored_rows()
    with pytest.raises(InvalidInput):
        load("cycle.csv", version_label="broken")
    assert stored_rows() == before
    assert AdminUnit.objects.get(pcode="PH0102801").retired_in is None


def test_missing_file_is_not_found(load: Loader, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match=r"nowhere\.csv: no such file\. Check the path"):
        load(tmp_path / "nowhere.csv")


def test_unknown_format(load: Loader, tmp_path: Path) -> None:
    path = tmp_path / "units.docx"
    path.write_text("adm1_pcode")
    with pytest.raises(InvalidInput) as refused:
        load(path)
    assert str(refused.value) == (
        "units.docx: unknown format '.docx'. Use one of .csv, .geojson, .gpkg, .json, .ods, "
        ".shp, .xls, .xlsm, .xlsx, .zip. Nothing was loaded."
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"adm1_pcode,adm1_name\nPH01,Ilocos\nPH02,Caf\xe9\n",
            "bad.csv, row 3: the file is not UTF-8 text (byte 41). Save it as 'CSV UTF-8'. "
            "Nothing was loaded.",
        ),
        (
            b"adm1_pcode,adm1_name\nPH01,Ilocos\nPH02,Cagayan,Valley\n",
            "bad.csv, row 3: 3 fields but the header has 2 (separator ','). Quote values that "
            "contain the separator. Nothing was loaded.",
        ),
        (
            b"adm1_pcode,adm1_name,ADM1_PCODE\nPH01,Ilocos,PH01\n",
            "bad.csv: columns 'adm1_pcode' and 'ADM1_PCODE' are the same column in a different "
            "letter case. Keep one of them. Nothing was loaded.",
        ),
        (
            b"code,label\n01,Ilocos\n",
            "bad.csv: no P-code columns. Expected adm1_pcode, adm1_name, adm2_pcode, ... "
            "(COD-AB) or pcode, name, level, parent_pcode; found: code, label. Rename the "
            "columns. Nothing was loaded.",
        ),
        (
            b"adm1_pcode,adm1_name,adm3_pcode,adm3_name\nPH01,Ilocos,PH0102801,Adams\n",
            "bad.csv: column adm2_pcode is missing, but adm3_pcode is there; every level above "
            "the deepest needs its codes. Add the adm2_pcode and adm2_name columns. Nothing was "
            "loaded.",
        ),
        (
            b"adm0_pcode,adm1_pcode,adm1_name\nPH,PH01,Ilocos\nKE,KE01,Nairobi\n",
            "bad.csv, row 3, column adm0_pcode: 'KE' is not the code of PHL (PH). Load each "
            "country's file with its own --country, or correct adm0_pcode to PH. Nothing was "
            "loaded.",
        ),
        (
            b"adm1_pcode,adm1_name,adm2_pcode,adm2_name,adm3_pcode,adm3_name\n"
            b"PH01,Ilocos,PH01028,Ilocos Norte,PH0102801,Adams\n"
            b"PH02,Cagayan,PH01028,Ilocos Norte,PH0102802,Bacarra\n",
            "bad.csv, row 3, column adm1_pcode: P-code 'PH01028' has two parents: 'PH01' on row 2 "
            "and 'PH02' here. A unit has one parent; make the rows agree (duplicate P-codes are "
            "refused). Nothing was loaded.",
        ),
        (
            b"adm1_pcode,adm1_name,latitude\nPH01,Ilocos,95.5\n",
            "bad.csv, row 2, column latitude: '95.5' is not a number of degrees between -90 and "
            "90. Use decimal degrees (WGS 84) with a dot. Nothing was loaded.",
        ),
        (
            b"adm1_pcode,adm1_name\nPH01,\n",
            "bad.csv, row 2, column adm1_name: empty name for a P-code given on this row. Every "
            "unit needs a name. Nothing was loaded.",
        ),
        (
            b"pcode,name,level,parent_pcode\nPH01,Ilocos,region,PH\n",
            "bad.csv, row 2, column level: 'region' is not a level from 0 to 4 (or adm0 to "
            "adm4). Correct the level. Nothing was loaded.",
        ),
        (
            b"pcode,name,level,parent_pcode\nPH01,Ilocos,1,PH\nPH01001,North,2,\n",
            "bad.csv, row 3, column parent_pcode: no parent P-code for a unit below level 1. "
            "Fill in the parent's P-code. Nothing was loaded.",
        ),
        (
            b"adm1_pcode,adm1_name\nPHL,Ilocos\n",
            "bad.csv, row 2, column adm1_pcode: P-code 'PHL' is the code of the country itself "
            "(PHL), not of a level-1-4 unit. The country is level 0 and is created by every "
            "load; give its units their own codes. Nothing was loaded.",
        ),
    ],
)
def test_broken_csv_variants(load: Loader, tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    before = stored_rows()
    with pytest.raises(InvalidInput) as refused:
        load(path)
    assert str(refused.value) == message
    assert stored_rows() == before


def test_parent_already_loaded_satisfies_a_later_file(load: Loader, tmp_path: Path) -> None:
    load("wide.csv")
    path = tmp_path / "more.csv"
    path.write_text("pcode,name,level,parent_pcode\nPH0102803,Badoc,3,PH01028\n")
    result = load(path)
    badoc = AdminUnit.objects.get(pcode="PH0102803")
    assert badoc.parent.pcode == "PH01028"
    # The version is the whole gazetteer: units it does not list are retired, except the
    # parents it hangs its units under.
    assert [result.levels[level].retired for level in range(5)] == [0, 1, 2, 5, 0]
    retired = AdminUnit.objects.filter(retired_in=result.version)
    assert set(retired.values_list("pcode", flat=True)) == {
        "PH02",
        "PH01029",
        "PH02009",
        "PH0102801",
        "PH0102802",
        "PH0102901",
        "PH0200901",
        "PH0200905",
    }
    assert AdminUnit.objects.get(pcode="PH01028").retired_in is None
    assert AdminUnit.objects.get(pcode="PH01").retired_in is None


def test_a_loaded_code_is_never_moved_to_another_level(load: Loader, tmp_path: Path) -> None:
    load("wide.csv")
    path = tmp_path / "moved.csv"
    path.write_text("pcode,name,level,parent_pcode\nPH0102801,Adams,2,PH01\n")
    before = stored_rows()
    with pytest.raises(InvalidInput) as refused:
        load(path)
    assert str(refused.value) == (
        "moved.csv, row 2, column pcode: P-code 'PH0102801' is at level 2 here but at level 3 "
        "in the loaded gazetteer: a code at the wrong level. P-codes are never re-used at "
        "another level; give the unit a new code. Nothing was loaded."
    )
    assert stored_rows() == before


def test_a_hostile_workbook_is_refused_not_a_crash(load: Loader, tmp_path: Path) -> None:
    """Gazetteer workbooks are read as export files are (forms.workbooks): measured, then
    parsed in a child process, so a damaged .xls that panics the reader is one line."""
    fixture = Path(__file__).parents[1] / "forms" / "fixtures" / "site_legacy.xls"
    data = bytearray(fixture.read_bytes())
    data[1424] = 128  # calamine panics on it (pyo3's PanicException, not an Exception)
    damaged = tmp_path / "cod_ab.xls"
    damaged.write_bytes(bytes(data))
    before = stored_rows()
    with pytest.raises(InvalidInput) as refused:
        load(damaged)
    assert str(refused.value) == (
        "cod_ab.xls is damaged or is not an Excel workbook. Export it again (or open it in Excel "
        "and save it again as an Excel workbook) and import that. Nothing was loaded."
    )
    assert stored_rows() == before
