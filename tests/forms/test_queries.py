"""`form_spec_get`: a FormSpec from the shipped definition or from an operation's own XLSForm."""

from __future__ import annotations

from pathlib import Path

import pytest

from opendtm.core.errors import InvalidInput, NotFound
from opendtm.forms.queries import field_maximum, form_spec_get
from opendtm.forms.spec import Choice, Field
from opendtm.forms.xlsform import XLSFormRows, shipped_rows, write_xlsform
from tests.forms.workbooks import xlsx_write


def test_shipped_spec_is_the_same_object_on_every_call() -> None:
    assert form_spec_get(form_id="dtm_site") is form_spec_get(form_id="dtm_site")


def test_unknown_shipped_form() -> None:
    with pytest.raises(NotFound):
        form_spec_get(form_id="dtm_flows")


def test_operation_form_with_an_extra_question_and_other_groups(tmp_path: Path) -> None:
    rows = shipped_rows("dtm_site")
    survey = [row for row in rows.survey if row.get("name") != "cfm"]
    at = next(i for i, row in enumerate(survey) if row.get("name") == "water_lpd")
    survey[at + 1 : at + 1] = [
        {"type": "begin_group", "name": "water_extra", "label": "Water trucking"},
        {"type": "integer", "name": "trucking_days", "label": "Days with trucked water"},
        {"type": "end_group"},
    ]
    settings = {**rows.settings, "form_id": "dtm_site_phl", "version": "2026.1-phl"}
    path = write_xlsform(XLSFormRows(survey, rows.choices, settings), tmp_path / "op.xlsx")

    spec = form_spec_get(form_id="dtm_site", path=path)
    assert (spec.form_id, spec.version, spec.title) == (
        "dtm_site_phl",
        "2026.1-phl",
        "DTM site assessment",
    )
    assert spec.field("trucking_days") == Field(
        name="trucking_days",
        type="integer",
        label="Days with trucked water",
        group_path=("wash", "water_extra"),
    )
    assert "cfm" not in [f.name for f in spec.fields]
    assert spec.group_labels["water_extra"] == "Water trucking"


def test_translated_labels_are_read_in_the_default_language(tmp_path: Path) -> None:
    path = xlsx_write(
        tmp_path / "translated.xlsx",
        {
            "survey": [
                ["type", "name", "label::English (en)", "label::Français (fr)", "required"],
                ["select_one yes_no", "idp_present", "IDPs present?", "PDI présentes ?", "yes"],
                ["integer", "idp_ind", "IDP individuals", "Individus PDI", ""],
            ],
            "choices": [
                ["list_name", "name", "label::English (en)", "label::Français (fr)"],
                ["yes_no", "yes", "Yes", "Oui"],
                ["yes_no", "no", "No", "Non"],
            ],
            "settings": [["form_id", "default_language"], ["dtm_baseline_fr", "English (en)"]],
        },
    )
    spec = form_spec_get(form_id="dtm_baseline", path=path)
    assert spec.form_id == "dtm_baseline_fr"
    assert spec.fields == (
        Field(
            name="idp_present",
            type="select_one",
            label="IDPs present?",
            list_name="yes_no",
            required=True,
        ),
        Field(name="idp_ind", type="integer", label="IDP individuals"),
    )
    assert spec.choices == {"yes_no": (Choice("yes", "Yes"), Choice("no", "No"))}


def test_a_file_without_settings_takes_the_form_id_given(tmp_path: Path) -> None:
    path = xlsx_write(
        tmp_path / "bare.xlsx",
        {"survey": [["type", "name", "label"], ["text", "site_id", "Site ID"]]},
    )
    assert form_spec_get(form_id="dtm_site", path=path).form_id == "dtm_site"


def test_an_invalid_xlsform_is_refused(tmp_path: Path) -> None:
    path = xlsx_write(
        tmp_path / "broken.xlsx",
        {
            "survey": [["type", "name", "label"], ["select_one missing_list", "q", "Q"]],
            "choices": [["list_name", "name", "label"], ["yes_no", "yes", "Yes"]],
        },
    )
    with pytest.raises(InvalidInput) as refused:
        form_spec_get(form_id="dtm_site", path=path)
    message = str(refused.value)
    assert message.startswith("broken.xlsx is not a valid XLSForm: ")
    assert "missing_list" in message
    assert message.endswith(
        "Fix the form so that KoboToolbox or ODK would accept it, then try again."
    )


def test_an_export_given_as_xlsform_is_refused() -> None:
    path = Path(__file__).parent / "fixtures" / "central_baseline.csv"
    with pytest.raises(InvalidInput) as refused:
        form_spec_get(form_id="dtm_baseline", path=path)
    assert str(refused.value).startswith("central_baseline.csv is not an XLSForm (")


def test_a_missing_xlsform_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as refused:
        form_spec_get(form_id="dtm_site", path=tmp_path / "nope.xlsx")
    assert (
        str(refused.value)
        == f"XLSForm file {tmp_path / 'nope.xlsx'} does not exist. Check the path."
    )


@pytest.mark.parametrize(
    ("constraint", "maximum"),
    [
        (". >= 0 and . <= 1000000", 1_000_000),
        (". >= ${hh} and . <= 15 * ${hh} and . <= 1000000", 1_000_000),
        (". <= 12 and . <= 7", 7),
        (". <= 5 or . = 9", None),  # the bound may not hold for every row
        ("(. <= 5)", None),
        (". <= ${ind}", None),
        (". >= 0", None),
        (None, None),
    ],
)
def test_an_integers_maximum_is_the_at_most_part_of_its_constraint(
    constraint: str | None, maximum: int | None
) -> None:
    assert field_maximum(constraint) == maximum


def test_the_shipped_forms_bound_every_count() -> None:
    for form_id, most in (("dtm_site", 1_000_000), ("dtm_baseline", 10_000_000)):
        spec = form_spec_get(form_id=form_id)
        integers = [f for f in spec.fields if f.type == "integer"]
        assert integers and {f.maximum for f in integers} == {most}
