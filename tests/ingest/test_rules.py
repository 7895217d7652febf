"""Each validation rule on small exports, with the exact report lines it gives."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendtm.forms.spec import FormSpec
from opendtm.ingest.queries import context_load
from opendtm.ingest.rules import Validation, validate
from opendtm.mobility.models import IDP_SEX_AGE_FIELDS, BaselineAssessment, SiteAssessment
from opendtm.operations.choices import RoundStatus
from opendtm.operations.models import Operation, Round
from tests.factories import RoundFactory, SiteFactory
from tests.ingest.builders import export_build
from tests.ingest.conftest import SEX_AGE, baseline_row, site_row

Line = tuple[int | None, str, str | None, str, str, str]


def lines(result: Validation, *, skip: tuple[str, ...] = ("site.registered",)) -> list[Line]:
    """(row, field, value, rule, severity, message) of every report line but `skip` rules."""
    return [
        (r["row"], r["field"], r["value"], r["rule"], r["severity"], r["message"])
        for r in result.issues.iter_rows(named=True)
        if r["rule"] not in skip and r["rule"] != "form.constraint_unchecked"
    ]


def run(
    form: FormSpec, operation: Operation, round_: Round, rows: list[dict[str, Any]], **kw: Any
) -> Validation:
    ctx = context_load(operation=operation, round_=round_, form=form)
    return validate(export_build(form, rows, **kw), ctx)


@pytest.fixture
def sites(operation: Operation, gazetteer: dict[str, Any]) -> None:
    for n in range(1, 4):
        SiteFactory(operation=operation, site_id=f"S-{n:03d}", admin_unit=gazetteer["PH0102801001"])


def verdicts(result: Validation) -> list[tuple[int, bool, bool]]:
    return [
        (r["_row"], r["_accepted"], r["_flagged"])
        for r in result.main.select("_row", "_accepted", "_flagged").iter_rows(named=True)
    ]


def test_valid_rows_give_no_line(site_form, operation, round_, sites) -> None:
    result = run(site_form, operation, round_, [site_row(1), site_row(2, site_id="S-002")])
    assert lines(result) == []
    assert verdicts(result) == [(2, True, False), (3, True, False)]


def test_required_field(site_form, operation, round_, sites) -> None:
    result = run(site_form, operation, round_, [site_row(1, enumerator_code=None)])
    assert lines(result) == [
        (
            2,
            "enumerator_code",
            None,
            "form.required",
            "error",
            "enumerator_code is required but is empty",
        ),
    ]
    assert verdicts(result) == [(2, False, False)]


def test_required_only_when_relevant(baseline_form, operation, round_) -> None:
    rows = [
        baseline_row(1, idp_ind=None, idp_hh=None, idp_hh_sites=None, idp_hh_host=None,
                     idp_hh_rented=None, idp_hh_makeshift=None),
        baseline_row(2, adm4_pcode="PH0102802001", adm3_pcode="PH0102802", idp_present="no",
                     idp_ind=None, idp_hh=None, idp_hh_sites=None, idp_hh_host=None,
                     idp_hh_rented=None, idp_hh_makeshift=None),
    ]  # fmt: skip
    result = run(baseline_form, operation, round_, rows)
    when = "when idp_present is 'yes' but is empty"
    assert lines(result) == [
        (2, "idp_hh", None, "form.required", "error", f"idp_hh is required {when}"),
        (2, "idp_ind", None, "form.required", "error", f"idp_ind is required {when}"),
    ]
    assert verdicts(result) == [(2, False, False), (3, True, False)]


def test_form_constraint_and_choice(site_form, operation, round_, sites) -> None:
    rows = [site_row(1, taps=-1), site_row(2, site_id="S-002", site_type="tent")]
    result = run(site_form, operation, round_, rows)
    assert lines(result)[0] == (
        2, "taps", "-1", "form.constraint", "error",
        "taps: A count cannot be negative. It cannot be more than 1,000,000. (got -1)",
    )  # fmt: skip
    assert lines(result)[1][:5] == (3, "site_type", "tent", "choice.unknown", "error")
    assert verdicts(result) == [(2, False, False), (3, False, False)]


def test_untranslatable_part_is_listed_once(baseline_form, operation, round_) -> None:
    result = run(baseline_form, operation, round_, [baseline_row(1)])
    unchecked = result.issues.filter(result.issues["rule"] == "form.constraint_unchecked")
    assert unchecked.select("row", "field", "severity").rows() == [(None, "origin_ind", "warning")]
    assert verdicts(result) == [(2, True, False)]


def test_gazetteer_codes(site_form, operation, round_, sites) -> None:
    rows = [
        site_row(1, adm4_pcode="0102801001"),  # alternative code: normalised, no line
        site_row(2, site_id="S-002", adm4_pcode=" ph0102801001 "),  # any case, stray spaces
        site_row(3, site_id="S-003", adm4_pcode="PH0102801999"),
        site_row(4, site_id="S-004", adm3_pcode="PH0102801001"),
        site_row(5, site_id="S-005", adm3_pcode="PH0102802"),
        site_row(6, site_id="S-006", adm4_pcode=None),
        site_row(7, site_id="S-007", adm3_pcode="PH0102899", adm4_pcode=None),
    ]
    result = run(site_form, operation, round_, rows)
    assert lines(result, skip=("site.registered", "site.admin_mismatch", "gps.far_from_unit")) == [
        (4, "adm4_pcode", "PH0102801999", "gazetteer.unknown_pcode", "error",
         "PH0102801999 is not a P-code or known alternative code of PHL"),
        (5, "adm3_pcode", "PH0102801001", "gazetteer.wrong_level", "error",
         "PH0102801001 is an admin level 4 unit, not admin level 3"),
        (6, "adm3_pcode", "PH0102802", "gazetteer.parent_mismatch", "error",
         "PH0102802 is not the admin level 3 unit that PH0102801001 belongs to "
         "(that is PH0102801)"),
        (7, "adm4_pcode", None, "gazetteer.required", "error",
         "adm4_pcode is required: this operation's locations are at admin level 4"),
        (8, "adm3_pcode", "PH0102899", "gazetteer.retired", "error",
         "PH0102899 is retired from the gazetteer (retired in newer with no successor); "
         "use the code of the unit that holds its place now"),
        (8, "adm4_pcode", None, "gazetteer.required", "error",
         "adm4_pcode is required: this operation's locations are at admin level 4"),
    ]  # fmt: skip
    assert [v[1] for v in verdicts(result)] == [True, True, False, False, False, False, False]
    assert result.main.get_column("_unit_pcode").to_list()[:2] == ["PH0102801001"] * 2


def test_site_consistency(site_form, operation, round_, sites) -> None:
    rows = [
        site_row(1, ind_f_lt1=3),
        site_row(2, site_id="S-002", hh=1, **{**dict.fromkeys(SEX_AGE, 0), "ind_f_18_59": 20},
                 ind=20,
                 pwd_ind=0, plw_ind=0, older_alone_ind=0, hh_no_shelter=1),
        site_row(3, site_id="S-003", pwd_ind=101, hh_no_shelter=21),
    ]  # fmt: skip
    result = run(site_form, operation, round_, rows)
    assert [
        line for line in lines(result) if line[3].startswith("consistency")
    ] == [
        (2, "ind", "100", "consistency.sex_age_sum", "error",
         "the 10 sex and age groups add up to 101, not to ind 100"),
        (3, "ind", "20", "consistency.household_size", "error",
         "ind 20 for 1 hh households is not 1 to 15 people per household"),
        (4, "pwd_ind", "101", "consistency.vulnerable_le_ind", "error",
         "pwd_ind 101 is more than the 100 individuals of the site"),
        (4, "hh_no_shelter", "21", "consistency.no_shelter_le_hh", "error",
         "hh_no_shelter 21 is more than the 20 households of the site"),
    ]  # fmt: skip
    assert [v[1] for v in verdicts(result)] == [False, False, False]


def test_baseline_consistency_and_origins(baseline_form, operation, round_) -> None:
    rows = [
        baseline_row(1, idp_hh_sites=30),  # shelter 60 > idp_hh 40
        baseline_row(2, adm3_pcode="PH0102802", adm4_pcode="PH0102802001"),
        baseline_row(3, adm1_pcode="PH03", adm2_pcode="PH03008", adm3_pcode="PH0300801",
                     adm4_pcode="PH0300801001"),
    ]  # fmt: skip
    origins = [
        {"_parent_row": 3, "origin_pcode": "PH03008", "origin_hh": 20, "origin_ind": 150},
        {"_parent_row": 3, "origin_pcode": "PH01028", "origin_hh": 10, "origin_ind": 50},
        {"_parent_row": 4, "origin_pcode": "PH99999", "origin_hh": 5, "origin_ind": 20},
        {"_parent_row": 4, "origin_pcode": "PH01", "origin_hh": 5, "origin_ind": 20},
    ]
    result = run(baseline_form, operation, round_, rows, repeats={"origins": origins})
    got = [line for line in lines(result) if not line[3].startswith("form.")]
    assert got == [
        (2, "idp_hh", "40", "consistency.shelter_sum", "error",
         "the shelter arrangements (idp_hh_sites, idp_hh_host, idp_hh_rented, idp_hh_makeshift) "
         "add up to 60 households, more than idp_hh 40"),
        (3, "idp_ind", "180", "consistency.origins_sum", "error",
         "the places of origin hold 200 individuals, more than idp_ind 180"),
        (4, "origins", None, "repeat.rejected", "error",
         "origins row(s) 4, 5 of sheet origins break a rule, so the whole submission is rejected"),
        (4, "origin_pcode", "PH99999", "gazetteer.unknown_pcode", "error",
         "PH99999 is not a P-code or known alternative code of PHL"),
        (5, "origin_pcode", "PH01", "gazetteer.origin_level", "error",
         "PH01 is an admin level 1 unit; a place of origin is admin level 2 or finer"),
    ]  # fmt: skip
    assert verdicts(result) == [(2, False, False), (3, False, False), (4, False, False)]
    assert result.repeats["origins"].get_column("_accepted").to_list() == [False] * 4


def test_duplicates_in_file_and_round(site_form, operation, round_, sites, actor) -> None:
    from tests.ingest.test_services import commit

    commit(site_form, operation, round_, actor, [site_row(1)])
    rows = [
        site_row(2, site_id="S-002"),
        site_row(2, site_id="S-003"),  # same submission ID again
        site_row(4, site_id="S-002"),  # same site, another submission
        site_row(5, site_id="S-001"),  # site stored under site-1 already
        site_row(6, site_id="S-009", _submission_id=None),
    ]
    result = run(site_form, operation, round_, rows)
    assert lines(result) == [
        (3, "_submission_id", "site-2", "duplicate.submission_id", "error",
         "submission ID site-2 is already in row 2 of the file"),
        (4, "site_id", "S-002", "duplicate.site_in_round", "error",
         "this site is already assessed in row 2 of the file (submission site-2)"),
        (5, "site_id", "S-001", "duplicate.site_in_round", "error",
         "this site is already stored in the round under submission site-1; correct that "
         "submission instead of sending a new one"),
        (6, "_submission_id", None, "form.submission_id_missing", "error",
         "the row has no submission ID (_uuid, instanceID, KEY or _id), so it could not be "
         "replaced by a corrected file later"),
    ]  # fmt: skip
    assert [v[1] for v in verdicts(result)] == [True, False, False, False, False]


def test_sites_registry(site_form, operation, round_, gazetteer) -> None:
    SiteFactory(operation=operation, site_id="S-001", admin_unit=gazetteer["PH0102802001"])
    rows = [site_row(1), site_row(2, site_id="S-NEW"), site_row(3, site_id="S-X", site_type=None)]
    result = run(site_form, operation, round_, rows)
    assert lines(result, skip=("form.required",)) == [
        (2, "site_id", "S-001", "site.admin_mismatch", "error",
         "site S-001 is registered in PH0102802001, but this row places it in PH0102801001"),
        (3, "site_id", "S-NEW", "site.registered", "warning",
         "site S-NEW is not in the registry: it will be registered from this row in PH0102801001"),
        (4, "site_type", None, "site.type_missing", "error",
         "a site that is not in the registry yet needs its site_type to be registered"),
    ]  # fmt: skip
    assert verdicts(result) == [(2, False, False), (3, True, False), (4, False, False)]


def test_gps(site_form, operation, round_, sites, settings) -> None:
    settings.OPENDTM_GPS_MAX_KM = 20
    rows = [
        site_row(1, gps=(18.46, 120.91)),
        site_row(2, site_id="S-002", gps=(14.60, 120.98)),  # Manila, ~430 km away
        site_row(3, site_id="S-003", gps=(95.0, 120.0)),
    ]
    result = run(site_form, operation, round_, rows)
    assert lines(result) == [
        (3, "gps", "14.6 120.98", "gps.far_from_unit", "warning",
         "the point is 429.3 km from the centre of PH0102801001 (more than 20.0 km)"),
        (4, "gps", "95.0 120.0", "gps.out_of_range", "error",
         "latitude must be within -90..90 and longitude within -180..180"),
    ]  # fmt: skip
    assert verdicts(result) == [(2, True, False), (3, True, True), (4, False, False)]


def test_previous_round_change(site_form, operation, sites, actor) -> None:
    from tests.ingest.test_services import commit

    first = RoundFactory(operation=operation)
    commit(site_form, operation, first, actor, [site_row(1), site_row(2, site_id="S-002")])
    Round.objects.filter(pk=first.pk).update(
        status=RoundStatus.PUBLISHED, published_at="2026-11-12T00:00Z"
    )
    second = RoundFactory(operation=operation)
    grown = {**dict.fromkeys(SEX_AGE, 20), "ind": 200, "hh": 40}
    rows = [
        site_row(11, site_id="S-001", **grown),
        site_row(12, site_id="S-002", ind_f_lt1=3, ind_m_lt1=3, ind=102),
    ]
    result = run(site_form, operation, second, rows)
    assert lines(result) == [
        (2, "ind", "200", "previous_round.change", "warning",
         "ind went from 100 in round 1 to 200 (more than 50% and at least 100 people)"),
    ]  # fmt: skip
    assert verdicts(result) == [(2, True, True), (3, True, False)]
    assert SiteAssessment.objects.filter(round=first).count() == 2


SEX_AGE_VALUES = st.lists(st.integers(0, 500), min_size=10, max_size=10)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(groups=SEX_AGE_VALUES, delta=st.sampled_from([0, 0, 1, -1, 7]))
def test_sex_age_rejected_iff_sum_differs(
    site_form, operation, round_, sites, groups, delta
) -> None:
    ind = sum(groups) + delta
    hh = -(-max(ind, 0) // 15)
    row = site_row(1, **dict(zip(SEX_AGE, groups, strict=True)), ind=max(ind, 0), hh=hh,
                   pwd_ind=0, plw_ind=0, older_alone_ind=0, hh_no_shelter=0)  # fmt: skip
    result = run(site_form, operation, round_, [row])
    rules = {line[3] for line in lines(result)}
    assert ("consistency.sex_age_sum" in rules) == (max(ind, 0) != sum(groups))
    assert result.rows_rejected == (1 if max(ind, 0) != sum(groups) else 0)


IDP_GROUPS = dict(zip(IDP_SEX_AGE_FIELDS, (4, 10, 30, 40, 6, 4, 10, 30, 40, 6), strict=True))


def test_baseline_idp_sex_age_all_or_none_and_adding_up(
    baseline_form, operation, round_, actor
) -> None:
    rows = [
        baseline_row(1, **IDP_GROUPS),  # 180 = idp_ind
        baseline_row(2, idp_ind_f_lt1=4, idp_ind_m_lt1=4),
        baseline_row(3, **{**IDP_GROUPS, "idp_ind_m_60p": 7}),
        baseline_row(4, adm3_pcode="PH0102802", adm4_pcode="PH0102802001"),  # none given
    ]
    results = [run(baseline_form, operation, round_, [row]) for row in rows]
    assert [line for r in results for line in lines(r) if "sex_age" in line[3]] == [
        (2, "idp_ind", "180", "consistency.sex_age_partial", "error",
         "2 of the 10 sex and age groups of idp_ind are given: give all of them or none"),
        (2, "idp_ind", "180", "consistency.sex_age_sum", "error",
         "the 10 sex and age groups add up to 181, not to idp_ind 180"),
    ]  # fmt: skip
    # The form's own sum on idp_ind_m_60p says the same as consistency.sex_age_sum: not twice.
    assert [line[1:4] for r in results for line in lines(r) if line[3] == "form.constraint"] == []
    assert [r.rows_rejected for r in results] == [0, 1, 1, 0]

    from tests.ingest.test_services import commit

    commit(baseline_form, operation, round_, actor, [rows[0], rows[3]])  # two locations
    stored = BaselineAssessment.objects.filter(round=round_).order_by("submission_id")
    assert [[getattr(b, n) for n in IDP_SEX_AGE_FIELDS] for b in stored] == [
        [4, 10, 30, 40, 6, 4, 10, 30, 40, 6],
        [None] * 10,
    ]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(groups=st.lists(st.one_of(st.none(), st.integers(0, 60)), min_size=10, max_size=10))
def test_baseline_sex_age_rejected_iff_partial_or_not_adding_up(
    baseline_form, operation, round_, groups
) -> None:
    given_ = [g for g in groups if g is not None]
    row = baseline_row(1, **dict(zip(IDP_SEX_AGE_FIELDS, groups, strict=True)))
    row |= {"idp_ind": max(sum(given_), 180), "idp_hh": 40}
    result = run(baseline_form, operation, round_, [row])
    rules = {line[3] for line in lines(result)}
    partial = 0 < len(given_) < 10
    off = len(given_) == 10 and sum(given_) != row["idp_ind"]
    assert ("consistency.sex_age_partial" in rules) == partial
    assert ("consistency.sex_age_sum" in rules) == off
    assert result.rows_rejected == (1 if partial or off else 0)
