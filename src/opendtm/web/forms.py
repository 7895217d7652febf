"""The forms of the pages: site filters, round workflow moves, export upload."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from opendtm.forms.definitions import BASELINE_FORM_ID, SITE_FORM_ID
from opendtm.operations.choices import SiteStatus, SiteType

IMPORT_FORMS = [(BASELINE_FORM_ID, _("Baseline assessment")), (SITE_FORM_ID, _("Site assessment"))]
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
