"""An operation's rounds in the browser: the list, opening the next one, and the step that
confirms a publication (which cannot be undone) by saying what becomes public and to whom.

The moves themselves go through `web.rounds.round_move` and `operations.services`, as
`opendtm round open|validate|publish|reopen` do.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from opendtm.accounts.choices import Action, Role
from opendtm.accounts.queries import grants_of
from opendtm.accounts.roles import can
from opendtm.core.errors import Conflict, InvalidInput
from opendtm.figures.queries import figures_headline
from opendtm.operations.choices import RoundStatus
from opendtm.operations.queries import round_get, rounds_of
from opendtm.operations.services import round_open
from opendtm.operations.workflow import ROUND_TRANSITIONS, transition_find
from opendtm.web.access import OperationRequest, operation_view
from opendtm.web.forms import XLSFORMS, RoundOpenForm, TransitionForm, form_refused


def _rounds_page(request: OperationRequest, form: RoundOpenForm, status: int) -> HttpResponse:
    operation, user = request.operation, request.user
    may_manage = can(user, Action.MANAGE_ROUNDS, operation)
    return render(
        request,
        "web/rounds.html",
        {
            "operation": operation,
            "rounds": list(rounds_of(operation=operation, user=user)),
            "open_form": form if may_manage else None,
            "xlsforms": XLSFORMS if can(user, Action.IMPORT, operation) else [],
            "may_manage_operation": can(user, Action.MANAGE_OPERATION, operation),
        },
        status=status,
    )


@require_GET
@operation_view(Action.VIEW_PUBLISHED)
def round_list(request: OperationRequest) -> HttpResponse:
    """The rounds the user may see; managers open the next one here, and those who import
    download the operation's XLSForms."""
    return _rounds_page(request, RoundOpenForm(), 200)


@require_POST
@operation_view(Action.MANAGE_ROUNDS)
def round_new(request: OperationRequest) -> HttpResponse:
    """Open a round (`round_open`): one open round at a time, dates in order."""
    form = RoundOpenForm(request.POST)
    if not form.is_valid():
        return _rounds_page(request, form, 400)
    try:
        round_ = round_open(
            operation=request.operation,
            start_date=form.cleaned_data["start_date"],
            number=form.cleaned_data["number"],
            actor=request.user,  # type: ignore[arg-type]
        )
    except (InvalidInput, Conflict) as exc:
        return _rounds_page(request, form, form_refused(form, exc))
    messages.success(request, _("Round %(n)s is open.") % {"n": round_.number})
    return redirect("web:round", code=request.operation.code, number=round_.number)


@require_GET
@operation_view(Action.MANAGE_ROUNDS)
def round_publish(request: OperationRequest, number: int) -> HttpResponse:
    """Before publishing: what becomes public, to whom, and that it cannot be undone. Only a
    validated round has this page (the workflow table says why another may not be
    published); the form posts the move to `round_move` with the confirmation ticked."""
    operation, user = request.operation, request.user
    round_ = round_get(operation=operation, number=number, user=user)
    transition_find(
        ROUND_TRANSITIONS,
        RoundStatus(round_.status),
        RoundStatus.PUBLISHED,
        what=f"Round {round_.number} of {operation.code}",
    )
    viewers = grants_of(operation).filter(role=Role.VIEWER).count()
    return render(
        request,
        "web/round_publish.html",
        {
            "operation": operation,
            "round": round_,
            "headline": figures_headline(user=user, operation=operation, round_number=number),
            "viewers": viewers,
            "threshold": settings.OPENDTM_SUPPRESSION_THRESHOLD,
            "form": TransitionForm(initial={"to_status": RoundStatus.PUBLISHED}),
        },
    )
