"""`form_export`: the shipped forms written out, with an operation's admin units as cascades."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pyxform.xls2xform import convert

from opendtm.core.errors import InvalidInput, NotFound
from opendtm.forms.queries import form_spec_get
from opendtm.forms.services import form_export
from opendtm.forms.translations import LANGUAGES
from opendtm.gazetteer.models import AdminUnit
from tests.factories import GazetteerVersionFactory, OperationFactory, admin_tree
from tests.forms.workbooks import sheet_rows

XF = "{http://www.w3.org/2002/xforms}"


def survey_by_name(path: Path) -> dict[str, dict[str, object]]:
    rows = sheet_rows(path, "survey")
    header = [str(h) for h in rows[0]]
    return {
        str(row[1]): dict(zip(header, row, strict=True)) for row in rows[1:] if row[1] is not None
    }


def admin_choices(path: Path) -> list[tuple[object, ...]]:
    """(list, P-code, name, parent P-code) of every admin-unit choice, in sheet order. A unit's
    name stands in every language's label column: gazetteer names are not translated."""
    rows = sheet_rows(path, "choices")
    header = [str(h) for h in rows[0]]
    labels = [f"label::{name}" for name in LANGUAGES.values()]
    assert header[:7] == ["list_name", "name", *labels]
    found: list[tuple[object, ...]] = []
    for row in rows[1:]:
        cells = dict(zip(header, row, strict=True))
        if str(cells["list_name"]).startswith("adm"):
            level = int(str(cells["list_name"])[3:])
            parent = cells.get(f"adm{level - 1}")
            assert len({cells[label] for label in labels}) == 1
            found.append((cells["list_name"], cells["name"], cells[labels[0]], parent))
    return found


@pytest.fixture
def gazetteer() -> dict[str, AdminUnit]:
    """PH01, PH02 with two provinces each and two municipalities per province; plus a retired
    municipality and a unit of another country, which must not appear."""
    tree = admin_tree(depth=3, fanout=2)
    newer = GazetteerVersionFactory(label="2026")
    old = tree["PH0100101"]
    AdminUnit.objects.create(
        country_iso3="PHL",
        pcode="PH0100109",
        name="Old town",
        level=3,
        parent=tree["PH01001"],
        introduced_in=old.introduced_in,
        retired_in=newer,
    )
    admin_tree(country_iso3="VNM", depth=1, fanout=1)
    return tree


def test_export_without_operation_asks_for_typed_p_codes(tmp_path: Path) -> None:
    path = form_export(form_id="dtm_site", directory=tmp_path / "forms")
    assert path == tmp_path / "forms" / "dtm_site.xlsx"
    survey = survey_by_name(path)
    assert [survey[f"adm{n}_pcode"]["type"] for n in range(1, 5)] == ["text"] * 4
    assert survey["adm1_pcode"]["required"] == "yes"
    assert survey["adm2_pcode"]["required"] is None
    assert admin_choices(path) == []
    assert sheet_rows(path, "choices")[0] == [
        "list_name",
        "name",
        *(f"label::{name}" for name in LANGUAGES.values()),
    ]
    assert sorted(p.name for p in (tmp_path / "forms").iterdir()) == ["dtm_site.xlsx"]


@pytest.mark.django_db
def test_export_with_operation_fills_cascading_admin_lists(
    tmp_path: Path, gazetteer: dict[str, AdminUnit]
) -> None:
    operation = OperationFactory(location_level=3)
    path = form_export(form_id="dtm_baseline", directory=tmp_path, operation=operation)
    assert admin_choices(path) == [
        ("adm1", "PH01", "Adm1 PH01", None),
        ("adm1", "PH02", "Adm1 PH02", None),
        ("adm2", "PH01001", "Adm2 PH01001", "PH01"),
        ("adm2", "PH01002", "Adm2 PH01002", "PH01"),
        ("adm2", "PH02001", "Adm2 PH02001", "PH02"),
        ("adm2", "PH02002", "Adm2 PH02002", "PH02"),
        ("adm3", "PH0100101", "Adm3 PH0100101", "PH01001"),
        ("adm3", "PH0100102", "Adm3 PH0100102", "PH01001"),
        ("adm3", "PH0100201", "Adm3 PH0100201", "PH01002"),
        ("adm3", "PH0100202", "Adm3 PH0100202", "PH01002"),
        ("adm3", "PH0200101", "Adm3 PH0200101", "PH02001"),
        ("adm3", "PH0200102", "Adm3 PH0200102", "PH02001"),
        ("adm3", "PH0200201", "Adm3 PH0200201", "PH02002"),
        ("adm3", "PH0200202", "Adm3 PH0200202", "PH02002"),
    ]
    survey = survey_by_name(path)
    assert "adm4_pcode" not in survey
    assert {n: survey[f"adm{n}_pcode"]["type"] for n in (1, 2, 3)} == {
        1: "select_one adm1",
        2: "select_one adm2",
        3: "select_one adm3",
    }
    assert [survey[f"adm{n}_pcode"]["choice_filter"] for n in (1, 2, 3)] == [
        None,
        "adm1=${adm1_pcode}",
        "adm2=${adm2_pcode}",
    ]
    assert [survey[f"adm{n}_pcode"]["required"] for n in (1, 2, 3)] == ["yes"] * 3
    assert survey["adm2_pcode"]["constraint"] is None
    assert survey["origin_pcode"]["type"] == "select_one adm2"
    assert survey["adm1_pcode"]["hxl"] == "#adm1+code"

    result = convert(xlsform=str(path))
    itemsets = {
        node.attrib["nodeset"]
        for node in ET.fromstring(result.xform).iter(f"{XF}itemset")
        if "adm" in node.attrib["nodeset"]
    }
    assert itemsets == {
        "instance('adm1')/root/item",
        "instance('adm2')/root/item[adm1= /data/location/adm1_pcode ]",
        "instance('adm3')/root/item[adm2= /data/location/adm2_pcode ]",
        "instance('adm2')/root/item",
    }


@pytest.mark.django_db
def test_exported_operation_form_drives_the_reader(
    tmp_path: Path, gazetteer: dict[str, AdminUnit]
) -> None:
    operation = OperationFactory(location_level=2)
    path = form_export(form_id="dtm_site", directory=tmp_path, operation=operation)
    spec = form_spec_get(form_id="dtm_site", path=path)
    assert [f.name for f in spec.fields if f.name.startswith("adm")] == [
        "adm1_pcode",
        "adm2_pcode",
    ]
    assert spec.field("adm2_pcode").type == "select_one"
    assert [c.name for c in spec.choices["adm1"]] == ["PH01", "PH02"]
    assert spec.choices["adm2"][0].label == "Adm2 PH01001"


@pytest.mark.django_db
def test_location_level_one_keeps_admin_2_for_the_places_of_origin(
    tmp_path: Path, gazetteer: dict[str, AdminUnit]
) -> None:
    operation = OperationFactory(location_level=1)
    path = form_export(form_id="dtm_baseline", directory=tmp_path, operation=operation)
    survey = survey_by_name(path)
    assert [n for n in survey if n.startswith("adm")] == ["adm1_pcode"]
    assert survey["origin_pcode"]["type"] == "select_one adm2"
    assert [row[:2] for row in admin_choices(path)] == [
        ("adm1", "PH01"),
        ("adm1", "PH02"),
        ("adm2", "PH01001"),
        ("adm2", "PH01002"),
        ("adm2", "PH02001"),
        ("adm2", "PH02002"),
    ]
    assert convert(xlsform=str(path)).warnings == []


@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs Java")
@pytest.mark.parametrize("form_id", ["dtm_site", "dtm_ett"])
def test_cascading_form_passes_odk_validate(
    tmp_path: Path, gazetteer: dict[str, AdminUnit], form_id: str
) -> None:
    operation = OperationFactory(location_level=3)
    path = form_export(form_id=form_id, directory=tmp_path, operation=operation)
    assert convert(xlsform=str(path), validate=True).warnings == []


@pytest.mark.django_db
def test_operation_without_gazetteer_is_refused_and_nothing_written(tmp_path: Path) -> None:
    admin_tree(depth=1, fanout=2)
    operation = OperationFactory(code="haiyan", location_level=3)
    with pytest.raises(InvalidInput) as refused:
        form_export(form_id="dtm_baseline", directory=tmp_path / "out", operation=operation)
    assert str(refused.value) == (
        "Operation haiyan needs admin units of PHL down to level 3, but the loaded gazetteer "
        "has none at level 2, 3, so the admin questions cannot be filled in. Load the gazetteer "
        "first (`opendtm gazetteer load --builtin PHL` or `opendtm gazetteer load FILE "
        "--country PHL`), or export without --operation."
    )
    assert not (tmp_path / "out").exists()


def test_unknown_form_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound) as missing:
        form_export(form_id="dtm_flow", directory=tmp_path)
    assert str(missing.value) == (
        "There is no shipped form 'dtm_flow'. "
        "The shipped forms are: dtm_baseline, dtm_site, dtm_ett, dtm_fmr."
    )
    assert list(tmp_path.iterdir()) == []


def test_a_file_in_place_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "forms").write_text("not a folder")
    with pytest.raises(InvalidInput) as refused:
        form_export(form_id="dtm_site", directory=tmp_path / "forms")
    assert (
        str(refused.value)
        == f"{tmp_path / 'forms'} is a file, not a folder. Give a folder to write to."
    )
