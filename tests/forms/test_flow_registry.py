"""The shipped Flow Monitoring Registry form `dtm_fmr`: fields, HXL tags, pyxform, ODK Validate."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pyxform.xls2xform import convert

from opendtm.forms.queries import form_spec_get
from opendtm.forms.xlsform import shipped_rows, write_xlsform
from tests.forms.test_definitions import HXL_TAG, METADATA, binds, data_fields

PLACE = {
    f"{prefix}_{part}": ("text", False, None)
    for prefix in ("prev", "next", "final")
    for part in ("country", "adm1", "adm2")
}
FMR = {
    "obs_date": ("date", True, None),
    "window_start": ("time", False, None),
    "window_end": ("time", False, None),
    "fmp_code": ("text", True, None),
    "enumerator_code": ("text", False, None),
    "direction": ("select_one", True, "direction"),
    "group_size": ("integer", True, None),
    "men": ("integer", False, None),
    "women": ("integer", False, None),
    "boys": ("integer", False, None),
    "girls": ("integer", False, None),
    "nationality": ("text", False, None),
    **PLACE,
    "transport": ("select_one", False, "transport"),
    "reason": ("select_one", False, "reason"),
    "intended_duration": ("select_one", False, "duration"),
    "uac_count": ("integer", False, None),
    "pwd_count": ("integer", False, None),
    "plw_count": ("integer", False, None),
    "older_count": ("integer", False, None),
}


def test_fields_and_choice_lists() -> None:
    spec = form_spec_get(form_id="dtm_fmr")
    assert list(data_fields(spec).items()) == list(FMR.items())
    assert [f.name for f in spec.fields if f.type in METADATA] == ["start", "end", "deviceid"]
    assert [c.name for c in spec.choices["direction"]] == ["incoming", "outgoing", "transit"]
    assert spec.field("prev_adm2").relevant == "${prev_adm1} != ''"
    assert spec.field("girls").group_path == ("group",)
    assert spec.repeats == ()


def test_every_question_carries_a_distinct_hxl_tag() -> None:
    spec = form_spec_get(form_id="dtm_fmr")
    tags = {f.name: f.hxl for f in spec.fields if f.type not in METADATA}
    assert all(tag and HXL_TAG.match(tag) for tag in tags.values()), tags
    assert len(set(tags.values())) == len(tags)
    assert {n: tags[n] for n in ("obs_date", "fmp_code", "group_size", "prev_country")} == {
        "obs_date": "#date+observed",
        "fmp_code": "#loc+fmp+code",
        "group_size": "#affected+ind",
        "prev_country": "#country+previous+code",
    }
    assert tags["uac_count"] == "#affected+children+unaccompanied"


def test_compiles_with_its_rules(tmp_path: Path) -> None:
    path = write_xlsform(shipped_rows("dtm_fmr"), tmp_path / "dtm_fmr.xlsx")
    result = convert(xlsform=str(path))
    assert result.warnings == []
    b = binds(result.xform)
    assert b["/data/group/group_size"]["constraint"] == ". >= 1 and . <= 10000"
    assert b["/data/group/girls"]["constraint"] == (
        ". >= 0 and coalesce( /data/group/men , 0) + coalesce( /data/group/women , 0) + "
        "coalesce( /data/group/boys , 0) + . =  /data/group/group_size "
    )
    assert b["/data/observation/window_start"]["type"] == "time"
    assert b["/data/vulnerabilities/uac_count"]["constraint"] == (
        ". >= 0 and . <=  /data/group/group_size "
    )


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs Java")
def test_passes_odk_validate(tmp_path: Path) -> None:
    path = write_xlsform(shipped_rows("dtm_fmr"), tmp_path / "dtm_fmr.xlsx")
    assert convert(xlsform=str(path), validate=True).warnings == []
