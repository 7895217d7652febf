"""Which shipped form a file's columns fit (`ingest.formfit`), said when a file is refused."""

from __future__ import annotations

from pathlib import Path

from opendtm.forms.queries import form_spec_get
from opendtm.ingest.formfit import form_better_fit
from tests.forms.workbooks import xlsx_parts_write

SITE = form_spec_get(form_id="dtm_site")
BASELINE = form_spec_get(form_id="dtm_baseline")


def test_a_baseline_export_read_as_a_site_assessment_fits_the_baseline(tmp_path: Path) -> None:
    path = tmp_path / "baseline.csv"
    path.write_text("location/adm4_pcode,population/idp_hh,population/idp_ind,_uuid\nPH1,2,7,u\n")
    fit = form_better_fit(path=path, form=SITE)
    assert fit is not None and fit.form_id == BASELINE.form_id
    assert form_better_fit(path=path, form=BASELINE) is None


def test_a_workbook_listing_no_sheet_fits_nothing(tmp_path: Path) -> None:
    """Its refusal says what is wrong; the comparison has nothing to read (it raised an
    IndexError, an internal error, before)."""
    path = xlsx_parts_write(tmp_path / "none.xlsx", {})
    assert form_better_fit(path=path, form=SITE) is None
