"""The regional portfolio's pages: the overview with the project list, a project's page with
its history, comments and the workflow moves the reader may make (docs/portfolio.md)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from opendtm.accounts.choices import PortfolioAction
from opendtm.accounts.roles import portfolio_scopes
from opendtm.core.errors import Conflict, InvalidInput, PermissionDenied
from opendtm.operations.choices import McofPhase
from opendtm.portfolio.choices import ProjectStatus
from opendtm.portfolio.queries import (
    portfolio_overview,
    project_detail,
    project_get,
    projects_visible,
    subregion_list,
)
from opendtm.portfolio.services import project_comment, project_transition
from opendtm.web.access import account_view


class OverviewFilter(forms.Form):
    year = forms.IntegerField(required=False, min_value=1990, max_value=2100)
    subregion = forms.CharField(required=False, max_length=64)
    phase = forms.ChoiceField(required=False, choices=[("", "-"), *McofPhase.choices])


class MoveForm(forms.Form):
    to_status = forms.ChoiceField(choices=ProjectStatus.choices)
    reason = forms.CharField(required=False, max_length=10_000, label=gettext_lazy("Reason"))


class CommentForm(forms.Form):
    text = forms.CharField(max_length=10_000, widget=forms.Textarea, label=gettext_lazy("Comment"))


def _reader(request: HttpRequest) -> None:
    """Refuse a logged-in user with no portfolio role at all (403)."""
    if portfolio_scopes(request.user, PortfolioAction.VIEW) == set():
        raise PermissionDenied(_("You have no role on the project portfolio."))


@require_GET
@account_view
def overview(request: HttpRequest) -> HttpResponse:
    """Total value, projects by type, expenditure per country, donors; the project list."""
    _reader(request)
    form = OverviewFilter(request.GET)
    if not form.is_valid():
        raise InvalidInput(_("Choose a year between 1990 and 2100 and a listed phase."))
    data = form.cleaned_data
    figures = portfolio_overview(
        request.user,
        year=data["year"],
        subregion=data["subregion"] or None,
        phase=data["phase"] or "",
    )
    context = {
        "form": form,
        "figures": figures.as_json(),
        "subregions": subregion_list(),
        "phases": McofPhase.choices,
        "projects": list(projects_visible(request.user).order_by("office_iso3", "code")[:500]),
    }
    return render(request, "web/portfolio.html", context)


@require_GET
@account_view
def project(request: HttpRequest, project_code: str) -> HttpResponse:
    """One project: its money, its history by version and the moves the reader may make."""
    _reader(request)
    context = project_detail(request.user, project_code)
    context |= {"move_form": MoveForm(), "comment_form": CommentForm()}
    return render(request, "web/project.html", context)


@require_POST
@account_view
def project_move(request: HttpRequest, project_code: str) -> HttpResponse:
    """One move of the workflow, through the service (which checks the role again)."""
    found = project_get(request.user, project_code)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid workflow move."))
    else:
        try:
            moved = project_transition(
                project=found,
                to_status=form.cleaned_data["to_status"],
                actor=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request,
                _("Project %(code)s is now %(status)s.")
                % {"code": moved.code, "status": moved.get_status_display()},
            )
        except (Conflict, InvalidInput) as exc:
            messages.error(request, str(exc))
    return redirect("web:portfolio-project", project_code=found.code)


@require_POST
@account_view
def project_comment_add(request: HttpRequest, project_code: str) -> HttpResponse:
    """A comment on the proposal's current version."""
    found = project_get(request.user, project_code)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a comment of at most 10,000 characters."))
    else:
        project_comment(project=found, text=form.cleaned_data["text"], actor=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Comment added."))
    return redirect("web:portfolio-project", project_code=found.code)
