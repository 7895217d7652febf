"""Managing an operation in the browser: creating one (instance administrators), editing it
and its roles (its admins), and downloading its XLSForms (those who import).

Thin, as the CLI: each page builds the same call `opendtm operation create|update`,
`opendtm user grant` and `opendtm forms export` make, and shows the service's refusal beside
the form (`forms.form_refused`); the services authorize and audit.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from opendtm.accounts.choices import Action
from opendtm.accounts.queries import grants_of
from opendtm.accounts.services import grant_set
from opendtm.core.errors import Conflict, InvalidInput, NotFound
from opendtm.forms.services import form_export
from opendtm.forms.xlsform import shipped_form_ids
from opendtm.operations.services import operation_create, operation_update
from opendtm.web.access import OperationRequest, operation_view, superuser_view
from opendtm.web.forms import (
    NO_ROLE,
    GrantForm,
    OperationCreateForm,
    OperationEditForm,
    form_refused,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # the gate let only a logged-in user in


@superuser_view("create operations")
def operation_new(request: HttpRequest) -> HttpResponse:
    """A new operation; on success its settings page, where roles are given next."""
    form = OperationCreateForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            operation = operation_create(
                code=data["code"],
                name=data["name"],
                country_iso3=data["country"],
                crisis_type=data["crisis_type"],
                start_date=data["start_date"],
                mcof_phase=data["mcof_phase"],
                location_level=data["location_level"],
                is_public=data["is_public"],
                actor=_actor(request),
            )
        except (InvalidInput, Conflict) as exc:
            status = form_refused(form, exc)
        else:
            messages.success(request, _("Operation %(code)s created.") % {"code": operation.code})
            return redirect("web:operation-settings", code=operation.code)
    elif request.method == "POST":
        status = 400
    return render(request, "web/operation_new.html", {"form": form}, status=status)


@operation_view(Action.MANAGE_OPERATION)
def operation_settings(request: OperationRequest) -> HttpResponse:
    """The operation's name, MCOF phase, end date and visibility (`operation_update`)."""
    operation = request.operation
    initial = {
        "name": operation.name,
        "mcof_phase": operation.mcof_phase,
        "end_date": operation.end_date,
        "is_public": operation.is_public,
    }
    form = OperationEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            operation_update(
                operation=operation,
                actor=_actor(request),
                name=data["name"],
                mcof_phase=data["mcof_phase"],
                end_date=data["end_date"],
                is_public=data["is_public"],
            )
        except (InvalidInput, Conflict) as exc:
            status = form_refused(form, exc)
        else:
            messages.success(request, _("The operation's settings are saved."))
            return redirect("web:operation-settings", code=operation.code)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "web/operation_settings.html",
        {"operation": operation, "form": form},
        status=status,
    )


@operation_view(Action.MANAGE_OPERATION)
def operation_people(request: OperationRequest) -> HttpResponse:
    """Who holds which role on the operation; give, change or take away one (`grant_set`)."""
    operation = request.operation
    form = GrantForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username, role = form.cleaned_data["username"], form.cleaned_data["role"]
        try:
            grant = grant_set(
                username=username,
                operation=operation,
                role=None if role == NO_ROLE else role,
                actor=_actor(request),
            )
        except (InvalidInput, NotFound) as exc:
            status = form_refused(form, exc)
        else:
            if grant is None:
                said = _("%(user)s no longer has a role on %(code)s.")
            else:
                said = _("%(user)s is %(role)s on %(code)s.")
            messages.success(
                request,
                said % {"user": username, "role": role, "code": operation.code},
            )
            return redirect("web:operation-people", code=operation.code)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "web/operation_people.html",
        {
            "operation": operation,
            "form": form,
            "grants": list(grants_of(operation).select_related("granted_by")),
            "roles": GrantForm.base_fields["role"].choices,  # type: ignore[attr-defined]
        },
        status=status,
    )


@require_GET
@operation_view(Action.IMPORT)
def operation_form(request: OperationRequest, form_id: str) -> HttpResponse:
    """One shipped XLSForm with the operation's admin units as cascading selects, the file
    `opendtm forms export DIR --form FORM --operation OP` writes."""
    if form_id not in shipped_form_ids():
        raise NotFound(f"No form {form_id!r}.", hint=f"The forms: {', '.join(shipped_form_ids())}.")
    with tempfile.TemporaryDirectory(prefix="opendtm-form-") as folder:
        path = form_export(form_id=form_id, directory=Path(folder), operation=request.operation)
        body = path.read_bytes()
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{form_id}.xlsx"'
    return response
