"""Shared factory-boy factories for users and grants, the gazetteer, operations, rounds, sites,
import batches and assessments.

They write rows directly, bypassing the services (no permission check, no audit event): use
them to arrange the state a test starts from, and call the services for the behaviour under test.

    unit = AdminUnitFactory()                   # a PHL adm1 unit under the PHL country unit
    tree = admin_tree(depth=3)                  # {"PH": ..., "PH01": ..., "PH01001": ..., ...}
    op = OperationFactory(is_public=True)       # private by default, country PHL
    r1 = RoundFactory(operation=op, status=RoundStatus.PUBLISHED)   # number 1
    r2 = RoundFactory(operation=op)             # number 2, open (one open round per operation)
    site = SiteFactory(operation=op, admin_unit=tree["PH0100101"])
    OperationGrantFactory(user=user, operation=op, role=Role.ANALYST)
    b = BaselineAssessmentFactory(round=r2, location=tree["PH0100101"], idp_hh=3, idp_ind=12)
    BaselineOriginFactory(assessment=b, origin=tree["PH0100102"], origin_hh=3, origin_ind=12)
    SiteAssessmentFactory(round=r2, site=site, hh=2, ind=9)   # each in a batch of its own

tests/world.py builds the operations most tests of the figures, the API and the web share.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models import Max
from django.utils import timezone
from factory.django import DjangoModelFactory

from opendtm.accounts.choices import Role
from opendtm.accounts.models import OperationGrant
from opendtm.gazetteer.countries import country_get
from opendtm.gazetteer.models import AdminUnit, GazetteerVersion
from opendtm.ingest.models import ImportBatch
from opendtm.mobility.choices import AssessmentForm
from opendtm.mobility.models import BaselineAssessment, BaselineOrigin, SiteAssessment
from opendtm.operations.choices import (
    CrisisType,
    McofPhase,
    RoundStatus,
    SiteStatus,
    SiteType,
)
from opendtm.operations.models import Operation, Round, Site

# Digits a P-code adds at each level, as in the Philippine scheme: PH01, PH01028, PH0102801,
# PH0102801001 (docs/domain.md §5).
LEVEL_DIGITS = {1: 2, 2: 3, 3: 2, 4: 3}


class UserFactory(DjangoModelFactory):
    """An active ordinary account with no role anywhere and no usable password (hashing one
    costs a third of a second; a test that logs in sets one: `user.set_password("pw")`)."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    is_active = True
    is_superuser = False
    is_staff = False
    password = factory.LazyFunction(lambda: make_password(None))


class SuperuserFactory(UserFactory):
    """An instance administrator (may do everything, like the CLI's own account)."""

    username = factory.Sequence(lambda n: f"admin{n}")
    is_superuser = True
    is_staff = True


class GazetteerVersionFactory(DjangoModelFactory):
    """A gazetteer version; the same (country, label) returns the same row."""

    class Meta:
        model = GazetteerVersion
        django_get_or_create = ("country_iso3", "label")

    country_iso3 = "PHL"
    label = "test"
    source = "tests/factories.py"
    sha256 = "0" * 64


class CountryUnitFactory(DjangoModelFactory):
    """The level-0 unit of a country (P-code: its ISO alpha-2 code); one per country."""

    class Meta:
        model = AdminUnit
        django_get_or_create = ("country_iso3", "pcode")

    country_iso3 = "PHL"
    pcode = factory.LazyAttribute(lambda o: country_get(o.country_iso3).iso2)
    name = factory.LazyAttribute(lambda o: country_get(o.country_iso3).name)
    level = 0
    parent = None
    introduced_in = factory.SubFactory(
        GazetteerVersionFactory, country_iso3=factory.SelfAttribute("..country_iso3")
    )


class AdminUnitFactory(DjangoModelFactory):
    """A current unit of level 1 directly under its country unit, with a fresh P-code.

    For deeper units pass `parent=` and `level=` (or use `admin_tree`).
    """

    class Meta:
        model = AdminUnit

    country_iso3 = "PHL"
    level = 1
    parent = factory.SubFactory(
        CountryUnitFactory, country_iso3=factory.SelfAttribute("..country_iso3")
    )
    pcode = factory.Sequence(lambda n: f"ZZ{n:06d}")
    name = factory.LazyAttribute(lambda o: f"Unit {o.pcode}")
    introduced_in = factory.SubFactory(
        GazetteerVersionFactory, country_iso3=factory.SelfAttribute("..country_iso3")
    )


def admin_tree(
    *,
    country_iso3: str = "PHL",
    depth: int = 3,
    fanout: int = 2,
    version: GazetteerVersion | None = None,
) -> dict[str, AdminUnit]:
    """A small complete gazetteer: the country unit and `fanout` children per unit down to
    level `depth`, keyed by P-code. P-codes follow the Philippine scheme: PH, PH01, PH01001,
    PH0100101, PH0100101001 (alpha-2 prefix, then 2/3/2/3 digits per level); names are
    "Adm<level> <pcode>".
    """
    version = version or GazetteerVersionFactory(country_iso3=country_iso3)
    country = CountryUnitFactory(country_iso3=country_iso3, introduced_in=version)
    units = {country.pcode: country}
    parents = [country]
    for level in range(1, depth + 1):
        children = []
        for parent in parents:
            for i in range(1, fanout + 1):
                pcode = f"{parent.pcode}{i:0{LEVEL_DIGITS[level]}d}"
                unit = AdminUnit.objects.create(
                    country_iso3=country_iso3,
                    pcode=pcode,
                    name=f"Adm{level} {pcode}",
                    level=level,
                    parent=parent,
                    introduced_in=version,
                )
                units[pcode] = unit
                children.append(unit)
        parents = children
    return units


class OperationFactory(DjangoModelFactory):
    """A private PHL typhoon operation, during the emergency, locations at admin level 3."""

    class Meta:
        model = Operation

    code = factory.Sequence(lambda n: f"op-{n}")
    name = factory.LazyAttribute(lambda o: f"Operation {o.code}")
    country_iso3 = "PHL"
    crisis_type = CrisisType.TYPHOON
    start_date = dt.date(2026, 11, 1)
    mcof_phase = McofPhase.DURING
    location_level = 3
    is_public = False
    gazetteer_version = None


class RoundFactory(DjangoModelFactory):
    """The next round of an operation (number = last + 1), open unless `status=` says otherwise.

    A published round gets `published_at`. Only one round of an operation may be open.
    """

    class Meta:
        model = Round

    operation = factory.SubFactory(OperationFactory)
    number = factory.LazyAttribute(
        lambda o: (o.operation.rounds.aggregate(n=Max("number"))["n"] or 0) + 1
    )
    start_date = factory.LazyAttribute(
        lambda o: o.operation.start_date + dt.timedelta(days=7 * (o.number - 1))
    )
    status = RoundStatus.OPEN
    published_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == RoundStatus.PUBLISHED else None
    )


class SiteFactory(DjangoModelFactory):
    """An open evacuation centre in a fresh admin unit of the operation's country."""

    class Meta:
        model = Site

    operation = factory.SubFactory(OperationFactory)
    site_id = factory.Sequence(lambda n: f"S-{n:04d}")
    name = factory.LazyAttribute(lambda o: f"Site {o.site_id}")
    site_type = SiteType.EVACUATION_CENTRE
    admin_unit = factory.SubFactory(
        AdminUnitFactory, country_iso3=factory.SelfAttribute("..operation.country_iso3")
    )
    status = SiteStatus.OPEN
    closed_on = factory.LazyAttribute(
        lambda o: dt.date(2026, 11, 20) if o.status == SiteStatus.CLOSED else None
    )


class OperationGrantFactory(DjangoModelFactory):
    """A viewer's grant on an operation (pass `role=` for another role)."""

    class Meta:
        model = OperationGrant

    user = factory.SubFactory(UserFactory)
    operation = factory.SubFactory(OperationFactory)
    role = Role.VIEWER


class ImportBatchFactory(DjangoModelFactory):
    """A batch of one form's submissions (baseline unless `form_id=` says otherwise) imported
    into a round, as if from a file nobody kept: its counts stay 0, the rows are the test's."""

    class Meta:
        model = ImportBatch

    round = factory.SubFactory(RoundFactory)
    operation = factory.SelfAttribute("round.operation")
    form_id = AssessmentForm.BASELINE
    file_name = factory.LazyAttribute(lambda o: f"round{o.round.number}_{o.form_id}.xlsx")
    sha256 = "0" * 64
    imported_by = None


class BaselineAssessmentFactory(DjangoModelFactory):
    """A location's baseline in a round: `idp_ind` IDPs in `idp_hh` households, no returnee,
    read from row `source_row` of a fixture sheet."""

    class Meta:
        model = BaselineAssessment

    round = factory.SubFactory(RoundFactory)
    batch = factory.SubFactory(
        ImportBatchFactory, round=factory.SelfAttribute("..round"), form_id=AssessmentForm.BASELINE
    )
    location = factory.SubFactory(AdminUnitFactory)
    submission_id = factory.LazyAttribute(lambda o: f"r{o.round.number}-{o.location.pcode}")
    enumerator_code = "E01"
    idp_hh = 0
    idp_ind = 0
    idp_present = factory.LazyAttribute(lambda o: o.idp_ind > 0)
    returnee_idp_hh = 0
    returnee_idp_ind = 0
    returnee_abroad_ind = 0
    source_sheet = "fixture"
    source_row = factory.Sequence(lambda n: n + 2)


class BaselineOriginFactory(DjangoModelFactory):
    """One row of a baseline's `origins` repeat: where some of its IDPs come from."""

    class Meta:
        model = BaselineOrigin

    assessment = factory.SubFactory(BaselineAssessmentFactory)
    origin = factory.SubFactory(AdminUnitFactory)
    origin_hh = 0
    origin_ind = 0
    source_sheet = "fixture"
    source_row = factory.Sequence(lambda n: n + 2)


class SiteAssessmentFactory(DjangoModelFactory):
    """A site's assessment in a round, in the site's own admin unit, open, with nobody in it
    unless `hh=` and `ind=` say otherwise; no sex and age groups."""

    class Meta:
        model = SiteAssessment

    round = factory.SubFactory(RoundFactory)
    batch = factory.SubFactory(
        ImportBatchFactory, round=factory.SelfAttribute("..round"), form_id=AssessmentForm.SITE
    )
    site = factory.SubFactory(SiteFactory, operation=factory.SelfAttribute("..round.operation"))
    admin_unit = factory.SelfAttribute("site.admin_unit")
    submission_id = factory.LazyAttribute(lambda o: f"r{o.round.number}-{o.site.site_id}")
    site_status = SiteStatus.OPEN
    enumerator_code = "E02"
    hh = 0
    ind = 0
    source_sheet = "fixture"
    source_row = factory.Sequence(lambda n: n + 2)


class PortfolioGrantFactory(DjangoModelFactory):
    """A portfolio role for one country office (`country_iso3`) or, blank, the region."""

    class Meta:
        model = "portfolio.PortfolioGrant"

    user = factory.SubFactory(UserFactory)
    role = "project_developer"
    country_iso3 = "BGD"


class ProjectFactory(DjangoModelFactory):
    """A project of the BGD country office, a draft emergency project unless told."""

    class Meta:
        model = "portfolio.Project"

    code = factory.Sequence(lambda n: f"PX.{n:04d}")
    title = factory.LazyAttribute(lambda o: f"Project {o.code}")
    office_iso3 = "BGD"
    programme_type = "emergency"
    status = "draft"
