"""The shipped XLSForms as reviewable Python data: one module per form.

Each module holds `SETTINGS` (one dict), `SURVEY` and `CHOICES` (lists of dicts keyed by XLSForm
column). The .xlsx is written from these on demand (`forms.services.form_export`), never committed,
so a change to a form is a readable diff. The admin-unit questions are written for a form without
a gazetteer (P-codes typed, checked by shape); `forms.xlsform` turns them into cascading selects
when an operation's gazetteer is available.
"""

from __future__ import annotations

from types import ModuleType

from opendtm.forms.definitions import baseline, event, flow_registry, site

BASELINE_FORM_ID: str = baseline.SETTINGS["form_id"]
SITE_FORM_ID: str = site.SETTINGS["form_id"]
EVENT_FORM_ID: str = event.SETTINGS["form_id"]
FLOW_REGISTRY_FORM_ID: str = flow_registry.SETTINGS["form_id"]

SHIPPED: dict[str, ModuleType] = {
    baseline.SETTINGS["form_id"]: baseline,
    site.SETTINGS["form_id"]: site,
    event.SETTINGS["form_id"]: event,
    flow_registry.SETTINGS["form_id"]: flow_registry,
}
