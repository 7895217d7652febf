"""The forms of the pages: site filters, round workflow moves, export upload, and the
management pages (operations, rounds, roles, accounts, API tokens).

The management forms only read the fields' types; every rule (codes, dates in order, one open
round, password strength) is the service's, whose refusal the page shows beside the form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from opendtm.accounts.choices import Role
from opendtm.core.errors import OpenDTMError
from opendtm.events import choices as ev
from opendtm.forms.definitions import BASELINE_FORM_ID, EVENT_FORM_ID, SITE_FORM_ID
from opendtm.forms.definitions.common import LOCATION_COUNT_MAX as COUNT_MAX
from opendtm.forms.definitions.common import PRIORITY_NEEDS
from opendtm.operations.choices import CrisisType, McofPhase, SiteStatus, SiteType

IMPORT_FORMS = [(BASELINE_FORM_ID, _("Baseline assessment")), (SITE_FORM_ID, _("Site assessment"))]
# The forms to download for KoboToolbox / ODK: the round's, and event tracking (dated, imported
# with `opendtm import ett`, not uploaded into a round).
XLSFORMS = [*IMPORT_FORMS, (EVENT_FORM_ID, _("Event tracking"))]
MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class SiteFilterForm(forms.Form):
    """Filters of the site registry (all optional)."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *SiteStatus.choices]
    )
    site_type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any")), *SiteType.choices]
    )
    admin = forms.CharField(label=_("Admin P-code"), required=False, max_length=40)


class TransitionForm(forms.Form):
    """A workflow move of a round; reopening needs a reason (the service checks it)."""

    to_status = forms.ChoiceField(
        choices=[
            ("validated", _("Validate")),
            ("published", _("Publish")),
            ("open", _("Reopen")),
        ]
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)
    confirm = forms.BooleanField(
        label=_("I understand that publishing cannot be undone."), required=False
    )


class UploadForm(forms.Form):
    """A field export (XLSX or CSV from KoboToolbox/ODK) for one form of the round."""

    form_id = forms.ChoiceField(label=_("Form"), choices=IMPORT_FORMS)
    file = forms.FileField(label=_("Export file (.xlsx or .csv)"))
    reason = forms.CharField(label=_("Reason (recorded with corrected values)"), required=False)
    clear_repeats = forms.BooleanField(
        label=_(
            "Clear the stored origins of the submissions this file brings none for (needs a reason)"
        ),
        required=False,
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("clear_repeats") and not str(data.get("reason") or "").strip():
            self.add_error(
                "reason", _("Say why the stored origins are to be cleared: a reason is needed.")
            )
        return data

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload an .xlsx or .csv export."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 200 MB."))
        return upload


class IssueFilterForm(forms.Form):
    """Filters and page of an import's validation report."""

    kind = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("Every line")),
            ("error", _("Errors (row rejected)")),
            ("warning", _("Warnings (row kept, flagged)")),
            ("note", _("Notes (nothing wrong with the row)")),
        ],
    )
    rule = forms.CharField(label=_("Rule"), required=False, max_length=64)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000_000)


class ConfirmForm(forms.Form):
    """The confirmation of a checked upload; a correction needs its reason (the import service
    decides, `ingest.services.correction_reason_check`)."""

    reason = forms.CharField(
        label=_("Reason for the corrections (goes into the cleaning log)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _countries() -> list[tuple[str, object]]:
    import pycountry

    named = ((c.alpha_3, getattr(c, "common_name", None) or c.name) for c in pycountry.countries)
    return [("", _("Choose a country")), *sorted(named, key=lambda c: c[1])]


DATE = forms.DateInput(attrs={"type": "date"})


class OperationCreateForm(forms.Form):
    """A new operation (instance administrators): what `opendtm operation create` asks."""

    code = forms.CharField(
        label=_("Code (letters and digits joined by - or _, e.g. phl-typhoon-2026)"),
        max_length=64,
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    country = forms.ChoiceField(label=_("Country"), choices=_countries)
    crisis_type = forms.ChoiceField(label=_("Crisis"), choices=CrisisType.choices)
    start_date = forms.DateField(label=_("Start date"), widget=DATE)
    mcof_phase = forms.ChoiceField(label=_("MCOF phase"), choices=McofPhase.choices)
    location_level = forms.TypedChoiceField(
        label=_("Admin level of baseline locations"),
        choices=[(n, str(n)) for n in range(1, 5)],
        coerce=int,
        initial=3,
    )
    is_public = forms.BooleanField(
        label=_("Public: published figures are visible without logging in"), required=False
    )


class OperationEditForm(forms.Form):
    """What an operation's admins may change (`operation_update`)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    mcof_phase = forms.ChoiceField(label=_("MCOF phase"), choices=McofPhase.choices)
    end_date = forms.DateField(
        label=_("End date (empty: still running)"), required=False, widget=DATE
    )
    is_public = forms.BooleanField(
        label=_("Public: published figures are visible without logging in"), required=False
    )


class RoundOpenForm(forms.Form):
    """The next round: its start date, and a number only to open another than the next."""

    start_date = forms.DateField(label=_("Start date"), widget=DATE)
    number = forms.IntegerField(
        label=_("Number (empty: the next one)"), required=False, min_value=1, max_value=100_000
    )


NO_ROLE = "none"


class GrantForm(forms.Form):
    """A user's role on the operation; "no role" takes it away."""

    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(
        label=_("Role"), choices=[*Role.choices, (NO_ROLE, _("No role (take it away)"))]
    )


class UserCreateForm(forms.Form):
    """A new login account (instance administrators)."""

    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("Email (optional)"), required=False)
    password = forms.CharField(
        label=_("Password (empty: the account cannot log in until one is set)"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    is_admin = forms.BooleanField(
        label=_("Instance administrator (may do everything on every operation)"), required=False
    )


class UserActiveForm(forms.Form):
    """Deactivate or reactivate an account, with the reason the audit trail keeps."""

    active = forms.TypedChoiceField(
        choices=[("0", _("Deactivate")), ("1", _("Reactivate"))], coerce=lambda v: v == "1"
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class PasswordSetForm(forms.Form):
    """A new password for an account (instance administrators)."""

    password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class TokenCreateForm(forms.Form):
    """A new API token; its owner is the user asking, unless an administrator names another."""

    name = forms.CharField(label=_("What it is for"), required=False, max_length=100)
    username = forms.CharField(
        label=_("Owner (username; empty: yourself)"), required=False, max_length=150
    )


class TokenRevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


def _choices(pairs: list[tuple[str, str]], *, blank: bool = True) -> list[tuple[str, str]]:
    return [("", "---"), *pairs] if blank else list(pairs)


class EventReportForm(forms.Form):
    """One event reported by a focal point: the questions of the `dtm_ett` form. Only the
    types are read here; every rule is the import's (`events.services.event_report`)."""

    _needs = [(str(r["name"]), str(r["label"])) for r in PRIORITY_NEEDS]

    report_date = forms.DateField(label=_("Date of this report (YYYY-MM-DD)"))
    enumerator_code = forms.CharField(label=_("Your focal point code"), max_length=100)
    event_type = forms.ChoiceField(label=_("Type of event"), choices=ev.EventType.choices)
    event_date = forms.DateField(label=_("Date of the event (YYYY-MM-DD)"))
    adm1_pcode = forms.CharField(label=_("Area: admin 1 P-code"), max_length=32)
    adm2_pcode = forms.CharField(label=_("Area: admin 2 P-code"), max_length=32, required=False)
    adm3_pcode = forms.CharField(label=_("Area: admin 3 P-code"), max_length=32, required=False)
    adm4_pcode = forms.CharField(label=_("Area: admin 4 P-code"), max_length=32, required=False)
    count_method = forms.ChoiceField(
        label=_("Counted or estimated"), choices=ev.CountMethod.choices
    )
    displaced_hh = forms.IntegerField(
        label=_("Households displaced"), min_value=0, max_value=COUNT_MAX, required=False
    )
    displaced_ind = forms.IntegerField(
        label=_("Individuals displaced"), min_value=0, max_value=COUNT_MAX
    )
    from_pcode = forms.CharField(label=_("Displaced from: P-code"), max_length=32, required=False)
    from_site_id = forms.CharField(
        label=_("or displaced from: site code"), max_length=64, required=False
    )
    to_pcode = forms.CharField(label=_("Displaced to: P-code"), max_length=32, required=False)
    to_site_id = forms.CharField(
        label=_("or displaced to: site code"), max_length=64, required=False
    )
    shelter = forms.ChoiceField(
        label=_("Shelter arrangement"), choices=_choices(ev.Shelter.choices), required=False
    )
    nationality = forms.ChoiceField(
        label=_("Nationality"), choices=_choices(ev.Nationality.choices), required=False
    )
    dead = forms.IntegerField(label=_("Dead"), min_value=0, max_value=COUNT_MAX, required=False)
    injured = forms.IntegerField(
        label=_("Injured"), min_value=0, max_value=COUNT_MAX, required=False
    )
    missing = forms.IntegerField(
        label=_("Missing"), min_value=0, max_value=COUNT_MAX, required=False
    )
    vulnerabilities = forms.MultipleChoiceField(
        label=_("Vulnerable groups"),
        choices=[
            ("uasc", _("Unaccompanied or separated children")),
            ("pwd", _("Persons with disabilities")),
            ("plw", _("Pregnant or lactating women")),
            ("older", _("Older persons")),
            ("chronic_illness", _("Persons with chronic illness")),
            ("female_headed", _("Female-headed households")),
            ("none", _("None reported")),
        ],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    priority_need_1 = forms.ChoiceField(
        label=_("First need"), choices=_choices(_needs), required=False
    )
    priority_need_2 = forms.ChoiceField(
        label=_("Second need"), choices=_choices(_needs), required=False
    )
    priority_need_3 = forms.ChoiceField(
        label=_("Third need"), choices=_choices(_needs), required=False
    )
    source_type = forms.ChoiceField(label=_("Source"), choices=ev.SourceType.choices)
    source_reliability = forms.ChoiceField(
        label=_("Reliability of the source"), choices=ev.Reliability.choices
    )


def form_refused(form: forms.Form, exc: OpenDTMError) -> int:
    """Show a service's refusal above the form; the page answers with the error's status."""
    form.add_error(None, str(exc))
    return exc.http_status
