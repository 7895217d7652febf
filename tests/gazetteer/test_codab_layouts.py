"""The layouts users download: COD-AB tables as published (names in several languages and
scripts, alternative and reference names, validOn/validTo, one sheet per level) and HDX's global
list of P-codes (long layout, HXL row, BOM)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from opendtm.core.errors import InvalidInput
from opendtm.gazetteer.matching import names_match
from opendtm.gazetteer.models import AdminUnit, AdminUnitName
from tests.gazetteer.conftest import FIXTURES, level_counts, stored_rows

pytestmark = pytest.mark.django_db

Loader = Callable[..., Any]


def units() -> list[tuple[object, ...]]:
    return list(
        AdminUnit.objects.order_by("level", "pcode").values_list(
            "pcode", "name", "level", "parent__pcode", "valid_from"
        )
    )


def other_names() -> list[tuple[str, str, str, str]]:
    return sorted(AdminUnitName.objects.values_list("unit__pcode", "name", "language", "kind"))


def test_cod_ab_csv_with_bom_hxl_row_languages_alternatives_and_valid_on(load: Loader) -> None:
    result = load("hti_cod_ab_2022.csv", country_iso3="HTI")
    assert level_counts(result) == {
        0: (1, 0, 0, 0),
        1: (3, 0, 0, 0),
        2: (10, 0, 0, 0),
        3: (13, 0, 0, 0),
        4: (0, 0, 0, 0),
    }
    assert result.version.valid_from == date(2022, 3, 1)  # from validOn, none given
    day = date(2022, 3, 1)
    assert units()[:14] == [
        ("HT", "Haiti", 0, None, day),
        ("HT01", "West", 1, "HT", day),
        ("HT08", "Grand'Anse", 1, "HT", day),
        ("HT09", "North-West", 1, "HT", day),
        ("HT0111", "Port-au-Prince", 2, "HT01", day),
        ("HT0112", "Léogâne", 2, "HT01", day),
        ("HT0113", "Arcahaie", 2, "HT01", day),
        ("HT0114", "Croix-des-Bouquets", 2, "HT01", day),
        ("HT0811", "Jérémie", 2, "HT08", day),
        ("HT0812", "Anse-d'Hainault", 2, "HT08", day),
        ("HT0813", "Les Irois", 2, "HT08", day),
        ("HT0814", "Corail", 2, "HT08", day),
        ("HT0911", "Port-de-Paix", 2, "HT09", day),
        ("HT0912", "Môle Saint-Nicolas (Môle)", 2, "HT09", day),
    ]
    # Names equal to the English one (Grand'Anse in French, the reference name Arcahaie) are
    # not repeated.
    assert other_names() == [
        ("HT01", "Lwès", "ht", "official"),
        ("HT01", "Ouest", "fr", "official"),
        ("HT0112", "Leogane", "", "alternative"),
        ("HT0112", "Leogane", "en", "alternative"),
        ("HT0113", "L'Arcahaie", "fr", "official"),
        ("HT0114", "Croix des Bouquets", "en", "alternative"),
        ("HT08", "Grandans", "ht", "official"),
        ("HT0812", "Anse d Hainault", "en", "alternative"),
        ("HT09", "Nord-Ouest", "fr", "official"),
        ("HT09", "Nòdwès", "ht", "official"),
        ("HT0912", "Môle-Saint-Nicolas", "fr", "official"),
    ]
    # Every name in every language is used by matching, for the place and for its parent.
    found = names_match(
        country_iso3="HTI",
        names=[
            ("Lwès", None),
            ("Ouest", None),
            ("Nord Ouest", None),
            ("Grandans", None),
        ],
        level=1,
    )
    assert [(m.pcode, m.status.value) for m in found] == [
        ("HT01", "exact"),
        ("HT01", "exact"),
        ("HT09", "exact"),
        ("HT08", "exact"),
    ]
    found = names_match(
        country_iso3="HTI",
        names=[("Jeremie", "Grandans"), ("L'Arcahaie", "Ouest"), ("Mole", "Nodwes")],
        level=2,
    )
    assert [(m.pcode, m.matched_name, m.status.value) for m in found] == [
        ("HT0811", "Jérémie", "exact"),
        ("HT0113", "Arcahaie", "exact"),
        ("HT0912", "Môle Saint-Nicolas (Môle)", "exact"),
    ]


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            sheet.write_row(r, 0, row)
    book.close()
    return path


def test_cod_ab_workbook_with_one_sheet_per_level_and_a_local_script(
    load: Loader, tmp_path: Path
) -> None:
    """Chad's COD-AB style: French names first (no English column), Arabic beside them."""
    path = _workbook(
        tmp_path / "tcd_adminboundaries_tabulardata.xlsx",
        {
            "ADM0": [["ADM0_FR", "ADM0_PCODE"], ["Tchad", "TD"]],
            "ADM1": [
                ["ADM1_FR", "ADM1_AR", "ADM1_PCODE", "ADM0_FR", "ADM0_PCODE", "validOn"],
                ["Batha", "البطحاء", "TD01", "Tchad", "TD", "2019-06-01"],
                ["N'Djaména", "انجمينا", "TD18", "Tchad", "TD", "2019-06-01"],
            ],
            "ADM2": [
                ["ADM2_FR", "ADM2ALT1FR", "ADM2_PCODE", "ADM1_FR", "ADM1_PCODE", "validOn"],
                ["Batha Est", "Batha-Est", "TD0101", "Batha", "TD01", "2019-06-01"],
                ["Batha Ouest", "", "TD0102", "Batha", "TD01", "2021-01-15"],
                ["N'Djaména 1er", "", "TD1801", "N'Djaména", "TD18", "2019-06-01"],
            ],
            "metadata": [["source", "date"], ["OCHA", "2021"]],
        },
    )
    result = load(path, country_iso3="TCD")
    assert result.version.valid_from == date(2021, 1, 15)  # the latest validOn
    assert units() == [
        ("TD", "Chad", 0, None, date(2021, 1, 15)),
        ("TD01", "Batha", 1, "TD", date(2019, 6, 1)),
        ("TD18", "N'Djaména", 1, "TD", date(2019, 6, 1)),
        ("TD0101", "Batha Est", 2, "TD01", date(2019, 6, 1)),
        ("TD0102", "Batha Ouest", 2, "TD01", date(2021, 1, 15)),
        ("TD1801", "N'Djaména 1er", 2, "TD18", date(2019, 6, 1)),
    ]
    assert other_names() == [
        ("TD01", "البطحاء", "ar", "official"),
        ("TD0101", "Batha-Est", "fr", "alternative"),
        ("TD18", "انجمينا", "ar", "official"),
    ]
    found = names_match(country_iso3="TCD", names=[("انجمينا", None), ("Ndjamena", None)], level=1)
    assert [(m.pcode, m.status.value, m.score) for m in found] == [
        ("TD18", "exact", 100),
        ("TD18", "exact", 100),
    ]


def test_hdx_global_pcodes_long_layout_keeps_one_country(load: Loader) -> None:
    result = load("hdx_global_pcodes.csv", country_iso3="HTI")
    assert (level_counts(result)[1], level_counts(result)[2]) == ((2, 0, 0, 0), (3, 0, 0, 0))
    assert result.version.valid_from == date(2023, 5, 10)
    assert units() == [
        ("HT", "Haiti", 0, None, date(2023, 5, 10)),
        ("HT01", "Ouest", 1, "HT", date(2022, 3, 1)),
        ("HT08", "Grand'Anse", 1, "HT", date(2022, 3, 1)),
        ("HT0111", "Port-au-Prince", 2, "HT01", date(2022, 3, 1)),
        ("HT0812", "Anse-d'Hainault", 2, "HT08", date(2023, 5, 10)),
        ("HT0813", "Les Irois", 2, "HT08", date(2022, 3, 1)),
    ]


def test_hdx_global_pcodes_without_the_country_is_refused(load: Loader) -> None:
    before = stored_rows()
    with pytest.raises(InvalidInput) as refused:
        load("hdx_global_pcodes.csv", country_iso3="KEN")
    assert str(refused.value) == (
        "hdx_global_pcodes.csv, column Location: no rows for KEN; the file lists AFG, HTI, PHL. "
        "Check --country. Nothing was loaded."
    )
    assert stored_rows() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "ADM1_EN,ADM1_FR,ADM1_PCODE,ADM2_EN,ADM2_PCODE\n"
            "West,Ouest,HT01,Port-au-Prince,HT0111\n"
            "West,L'Ouest,HT01,Léogâne,HT0112\n",
            "bad.csv, row 3, column ADM1_FR: P-code 'HT01' has two names in 'fr': 'Ouest' on "
            "row 2 and 'L'Ouest' here. A unit has one name per language; make the rows agree. "
            "Nothing was loaded.",
        ),
        (
            "ADM1_EN,ADM1_PCODE,validOn\nWest,HT01,01/03/2022\n",
            "bad.csv, row 2, column validOn: '01/03/2022' is not a date in the form YYYY-MM-DD. "
            "Correct the date. Nothing was loaded.",
        ),
        (
            "ADM1_PCODE,ADM1_REF\nHT01,West\n",
            "bad.csv: column adm1_name (or adm1_en, or names in another language such as "
            "adm1_fr) is missing. Add the names of the adm1 units. Nothing was loaded.",
        ),
    ],
)
def test_broken_cod_ab_names_and_dates_are_refused(
    load: Loader, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    before = stored_rows()
    with pytest.raises(InvalidInput) as refused:
        load(path, country_iso3="HTI")
    assert str(refused.value) == message
    assert stored_rows() == before


def test_fixture_files_carry_what_they_test() -> None:
    raw = (FIXTURES / "hti_cod_ab_2022.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfADM0_EN,")
    assert raw.split(b"\n")[1].startswith(b"#country+name,#country+code,#adm1+name")
    hdx = (FIXTURES / "hdx_global_pcodes.csv").read_bytes()
    assert hdx.startswith(b"\xef\xbb\xbfLocation,Admin Level,P-Code,Name,Parent P-Code,")
