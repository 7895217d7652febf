"""One valid row with one value spoiled: counts past any real population (2^62, 2^63 - 1,
19 and 20 digits), negative, fractional and foreign-digit counts; decimals that are not finite;
GPS and dates out of range; NUL and control characters; formulas a spreadsheet would run.

A file whose value can only be wrong is `rejects_all` (its one row rejected, or the file
refused); one whose value may be read or cleaned (a NUL removed, a formula kept as text) is
held to the general rules only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from tests.forms.workbooks import xlsx_write
from tests.ingest.conftest import SEX_AGE
from tests.ingest.corpus import Case, Cases
from tests.ingest.corpus.shapes import (
    BASELINE_SHEET,
    ORIGINS,
    SITE_SHEET,
    Exports,
    csv_text,
    typed,
    with_cells,
)

CATEGORY = "value"
P62, P63 = 2**62, 2**63
DDE = "=cmd|' /C calc'!A0"
FORMULAS = {
    "hyperlink": '=HYPERLINK("http://example.invalid/","Click me")',
    "dde": DDE,
    "at_sum": "@SUM(1+1)*cmd|' /C calc'!A0",
    "plus": "+1+cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
}


def _counts(value: int) -> dict[str, str]:
    """hh = ind = ind_f_18_59 = value, the other sex-and-age groups 0: every sum holds."""
    return {
        "hh": str(value),
        "ind": str(value),
        **dict.fromkeys(SEX_AGE, "0"),
        "ind_f_18_59": str(value),
    }


def cases(ex: Exports, folder: Path) -> list[Case]:
    out = Cases(folder, CATEGORY)
    header = ex.site_rows[0]
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()

    def site(name: str, values: dict[str, str], what: str, **kw: object) -> None:
        row = with_cells(ex.site_rows[:2], 1, values)
        out.add(name, csv_text(row).encode(), ".csv", what, **kw)

    for name, value in (
        ("2p31", 2**31),  # fits 64 bits, not PostgreSQL's integer column
        ("2p62", P62),
        ("2p63m1", P63 - 1),
        ("2p63", P63),
        ("2p64", 2**64),
        ("19_digits", 1234567890123456789),
        ("20_digits", 12345678901234567890),
        ("minus_2p63", -P63),
        ("minus_1", -1),
    ):
        site(
            f"counts_{name}", _counts(value), f"hh = ind = ind_f_18_59 = {value}", rejects_all=True
        )
    site(
        "counts_2p62_dry_run",
        _counts(P62),
        "hh = ind = 2^62, dry run",
        rejects_all=True,
        dry_run=True,
    )
    for field, value, reject in (
        ("ind_f_18_59", str(P62), True),
        ("taps", str(P62), True),
        ("latrines", str(P63 - 1), True),
        ("hh", "12.5", True),
        ("hh", "0x14", True),
        ("hh", "1e309", True),
        ("hh", "nan", True),
        ("hh", "1e3", False),
        ("hh", "2_0", False),
        ("hh", "٢٠", False),
        ("hh", "\uff12\uff10", False),
        ("hh", "+20", False),
        ("hh", " 20 ", False),
        ("hh", "20.0", False),
        ("hh", "", True),
        ("covered_area_m2", "1e309", True),
        ("covered_area_m2", "-1e309", True),
        ("covered_area_m2", "nan", True),
        ("covered_area_m2", "inf", True),
        ("covered_area_m2", "Infinity", True),
        ("covered_area_m2", "-1", True),
        ("covered_area_m2", "1e308", False),
        ("covered_area_m2", "1e-400", False),
        ("water_lpd", "1e309", True),
        ("water_lpd", "NaN", True),
        ("gps", "nan nan 0 0", True),
        ("gps", "1e309 1e309", True),
        ("gps", "91 181", True),
        ("gps", "north", True),
        ("gps", "18.46 120.91 nan inf", True),
        ("assessment_date", "0001-01-01", False),
        ("assessment_date", "9999-12-31", True),
        ("assessment_date", "10000-01-01", True),
        ("assessment_date", "2026-02-30", True),
        ("assessment_date", "2026-13-01", True),
        ("assessment_date", "2958466", True),
        ("assessment_date", "-1", False),
        ("assessment_date", tomorrow, True),
        ("assessment_date", "1e309", True),
        ("assessment_date", "2026-11-10T23:30:00-12:00", False),
    ):
        shown = "tomorrow" if value == tomorrow else value.strip() or "empty"
        label = f"{field}_{shown}".replace(" ", "_")
        site(label, {field: value}, f"{field} = {value!r}", rejects_all=reject)
    for label, value in (
        ("nul", "Site\x001"),
        ("nul_only", "\x00"),
        ("control", "Site\x01\x02"),
        ("ansi_escape", "Site \x1b[31mred"),
        ("del", "Site\x7f1"),
        ("bidi_override", "Site \u202egnp.exe"),
        ("zero_width", "Site\u200b1"),
        ("emoji", "Site 🏕️ 1"),
        ("nbsp", "\u00a0"),
        ("only_spaces", "   "),
        ("chars_100000", "a" * 100_000),
        ("mib_10", "a" * (10 << 20)),
    ):
        site(
            f"site_name_{label}",
            {"site_name": value},
            f"site name {label}",
            rejects_all=label == "only_spaces",
        )
    site("enumerator_nul", {"enumerator_code": "E\x0001"}, "a NUL in the enumerator code")
    # removed with the warning text.control_removed (docs/import.md): "S-001", flagged
    site("site_id_nul", {"site_id": "S-\x00001"}, "a NUL in the site ID")
    site("uuid_nul", {"_uuid": "site-\x001"}, "a NUL in the submission ID")
    for label, formula in FORMULAS.items():
        site(f"formula_site_name_{label}", {"site_name": formula}, f"site name {formula!r}")
    site("formula_site_name_dry_run", {"site_name": DDE}, "a DDE site name, dry run", dry_run=True)
    for field, reject in (
        ("site_type", True),
        ("site_id", True),
        ("adm4_pcode", True),
        ("diseases", True),
        ("enumerator_code", False),
        ("_uuid", False),
    ):
        site(
            f"formula_{field}",
            {field: FORMULAS["hyperlink"]},
            f"{field} is a HYPERLINK formula",
            rejects_all=reject,
        )
    out.add(
        "formula_header",
        csv_text([[*header, FORMULAS["dde"]], [*ex.site_rows[1], "1"]]).encode(),
        ".csv",
        "a column headed by a DDE formula",
    )
    scratch = folder / "value-scratch.xlsx"
    for label, values, reject in (
        ("site_name_dde", {"site_name": DDE}, False),
        ("site_type_dde", {"site_type": DDE}, True),
        ("counts_2p62", _counts(P62), True),
        ("counts_2p63m1", _counts(P63 - 1), True),
    ):
        rows = typed(with_cells(ex.site_rows[:2], 1, values))
        out.add(
            f"xlsx_{label}",
            xlsx_write(scratch, {SITE_SHEET: rows}),
            ".xlsx",
            f"XLSX with {values}",
            rejects_all=reject,
        )
    # The baseline: one submission and its origins, one count spoiled.
    origins_of_first = [ex.origins_rows[0], *ex.origins_rows[1:3]]
    for label, main, origin in (
        ("idp_2p62", {"idp_hh": str(P62), "idp_ind": str(P62)}, {}),
        ("sites_count_2p63m1", {"sites_count": str(P63 - 1)}, {}),
        ("ki_count_2p62", {"ki_count": str(P62)}, {}),
        ("origin_2p62", {}, {"origin_hh": str(P62), "origin_ind": str(P62)}),
        ("origin_1e309", {}, {"origin_ind": "1e309"}),
        ("origin_minus_1", {}, {"origin_ind": "-1"}),
    ):
        main_rows = with_cells(ex.baseline_rows[:2], 1, main)
        repeat_rows = with_cells(origins_of_first, 1, origin)
        for suffix in (".csv", ".xlsx"):
            if suffix == ".csv":
                side = out.side(f"baseline_{label}_origins.csv", csv_text(repeat_rows).encode())
                out.add(
                    f"baseline_{label}_csv",
                    csv_text(main_rows).encode(),
                    ".csv",
                    f"baseline CSV with {main or origin}",
                    kind="baseline",
                    repeats=((ORIGINS, side),),
                    rejects_all=True,
                    keeps_origins=True,
                    before=("baseline",),
                )
            else:
                book = xlsx_write(
                    scratch, {BASELINE_SHEET: typed(main_rows), ORIGINS: typed(repeat_rows)}
                )
                out.add(
                    f"baseline_{label}_xlsx",
                    book,
                    ".xlsx",
                    f"baseline XLSX with {main or origin}",
                    kind="baseline",
                    rejects_all=True,
                    keeps_origins=True,
                    before=("baseline",),
                )
    return [replace(case, reads=1) for case in out.items]  # every file is one row
