"""`table_read`: the typed frame of one table, whatever path each column took."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from opendtm.forms.limits import INTEGER_MAX
from opendtm.forms.queries import form_spec_get
from opendtm.forms.reader import ParsedExport, read_export

SITE = form_spec_get(form_id="dtm_site")


def test_every_typed_column_is_one_chunk_even_when_retyped(tmp_path: Path) -> None:
    """A column typed again by the full parsers came back in the engine's pieces beside
    one-piece columns; Polars 2.1 panicked on such frames in the rules (issue 11)."""
    lines = ["_uuid,site_id,hh,ind,ind_f_lt1"]
    lines += [f"u{i},S-{i},20,{f' {i} ' if i % 7 == 0 else i},{i}" for i in range(300)]
    path = tmp_path / "spaced.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    main = read_export(form=SITE, path=path).main
    assert main["ind"].to_list() == list(range(300))
    assert {c: main[c].n_chunks() for c in main.columns if main[c].n_chunks() != 1} == {}


def issues_of(parsed: ParsedExport) -> list[tuple[object, ...]]:
    return parsed.issues.select("row", "field", "value", "rule", "message").rows()


def test_counts_beyond_the_forms_maximum_are_row_errors(tmp_path: Path) -> None:
    """`hh = ind = ind_f_18_59 = 2^62` passed every rule and broke the published figures."""
    huge = str(2**62)
    path = tmp_path / "huge.csv"
    path.write_text(
        "_uuid,site_id,hh,ind,ind_f_18_59\n"
        f"u1,S-1,{huge},{huge},{huge}\n"
        f"u2,S-2,{2**63 - 1},1000000,1000001\n"
        "u3,S-3,123456789012345678901234,-3000000000,12\n",
        encoding="utf-8",
    )
    parsed = read_export(form=SITE, path=path)
    assert parsed.main.select("hh", "ind", "ind_f_18_59").rows() == [
        (None, None, None),
        (None, 1_000_000, None),
        (None, None, 12),
    ]
    most = "the largest number the form allows"
    assert issues_of(parsed) == [
        (2, "hh", huge, "value.out_of_range", f"hh {huge} is more than 1,000,000, {most}"),
        (2, "ind", huge, "value.out_of_range", f"ind {huge} is more than 1,000,000, {most}"),
        (2, "ind_f_18_59", huge, "value.out_of_range",
         f"ind_f_18_59 {huge} is more than 1,000,000, {most}"),
        (3, "hh", "9223372036854775807", "value.out_of_range",
         f"hh 9223372036854775807 is more than 1,000,000, {most}"),
        (3, "ind_f_18_59", "1000001", "value.out_of_range",
         f"ind_f_18_59 1000001 is more than 1,000,000, {most}"),
        (4, "hh", "123456789012345678901234", "value.out_of_range",
         f"hh 123456789012345678901234 is more than 1,000,000, {most}"),
        (4, "ind", "-3000000000", "value.out_of_range",
         "ind -3000000000 is less than -2,147,483,647, the smallest whole number a form holds"),
    ]  # fmt: skip


def test_a_form_without_a_maximum_still_bounds_integers(tmp_path: Path) -> None:
    """An operation's own form may drop the `. <= N`: no integer exceeds INTEGER_MAX."""
    unbounded = replace(SITE, fields=tuple(replace(f, maximum=None) for f in SITE.fields))
    path = tmp_path / "own.csv"
    path.write_text(f"_uuid,site_id,hh,ind\nu1,S-1,{INTEGER_MAX},{INTEGER_MAX + 1}\n")
    parsed = read_export(form=unbounded, path=path)
    assert parsed.main.select("hh", "ind").rows() == [(INTEGER_MAX, None)]
    assert issues_of(parsed) == [
        (2, "ind", "2147483648", "value.out_of_range",
         "ind 2147483648 is more than 2,147,483,647, the largest whole number a form holds"),
    ]  # fmt: skip


def test_decimals_must_be_finite(tmp_path: Path) -> None:
    """`1e309` was stored as inf with no report line."""
    path = tmp_path / "inf.csv"
    path.write_text(
        "_uuid,site_id,covered_area_m2,water_lpd\nu1,S-1,1e309,-1e400\nu2,S-2,12.5,inf\n"
    )
    parsed = read_export(form=SITE, path=path)
    assert parsed.main.select("covered_area_m2", "water_lpd").rows() == [(None, None), (12.5, None)]
    assert issues_of(parsed) == [
        (2, "covered_area_m2", "1e309", "type.decimal",
         "covered_area_m2 must be a number; got '1e309'"),
        (2, "water_lpd", "-1e400", "type.decimal", "water_lpd must be a number; got '-1e400'"),
        (3, "water_lpd", "inf", "type.decimal", "water_lpd must be a number; got 'inf'"),
    ]  # fmt: skip
