"""The database itself refuses impossible assessments (the last line of defence)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from opendtm.ingest.models import ImportBatch
from opendtm.mobility.models import BaselineAssessment, SiteAssessment
from tests.factories import AdminUnitFactory, RoundFactory, SiteFactory


@pytest.fixture
def batch(db):
    round_ = RoundFactory()
    return ImportBatch.objects.create(
        operation=round_.operation, round=round_, form_id="dtm_site", file_name="f.csv",
        sha256="0" * 64,
    )  # fmt: skip


def site_assessment(batch, **values):
    site = values.pop("site", None) or SiteFactory(operation=batch.operation)
    return SiteAssessment.objects.create(
        round=batch.round,
        batch=batch,
        site=site,
        admin_unit=site.admin_unit,
        source_row=2,
        **values,
    )


@pytest.mark.parametrize(
    "values",
    [{"ind": -1}, {"hh": 5, "ind": 4}, {"hh": 2, "hh_no_shelter": 3}, {"water_lpd": -0.5}],
)
def test_site_assessment_checks(batch, values) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        site_assessment(batch, submission_id="x", **values)


def test_one_assessment_per_site_and_submission_per_round(batch) -> None:
    first = site_assessment(batch, submission_id="a", hh=1, ind=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        site_assessment(batch, submission_id="b", site=first.site)
    with pytest.raises(IntegrityError), transaction.atomic():
        site_assessment(batch, submission_id="a")
    assert SiteAssessment.objects.count() == 1


def test_one_baseline_per_location(batch) -> None:
    unit = AdminUnitFactory()
    BaselineAssessment.objects.create(
        round=batch.round, batch=batch, submission_id="a", location=unit, source_row=2
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        BaselineAssessment.objects.create(
            round=batch.round, batch=batch, submission_id="b", location=unit, source_row=2
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        BaselineAssessment.objects.create(
            round=batch.round, batch=batch, submission_id="c", location=AdminUnitFactory(),
            idp_hh=10, idp_ind=5, source_row=2,
        )  # fmt: skip


def test_batch_counts_must_balance(batch) -> None:
    batch.rows_read = 3
    batch.rows_accepted = 1
    with pytest.raises(IntegrityError), transaction.atomic():
        batch.save()
