"""Login accounts and API tokens in the browser.

Accounts are for instance administrators (`superuser_view`): the list with each account's
roles, creating one, deactivating or reactivating it with a reason, setting its password, as
`opendtm user create|list|deactivate|password` do. API tokens are everyone's own: a user
issues, lists and revokes their own, an administrator anyone's (`api.services` decides, as
for `opendtm user token`). A new token's secret is shown once, in the answer to the form that
issued it, never stored, never put in a message or a redirect.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from opendtm.accounts.queries import user_get, users_with_grants
from opendtm.accounts.roles import is_superuser
from opendtm.accounts.services import user_active_set, user_create, user_password_set
from opendtm.api.queries import tokens_revoked_visible_to, tokens_visible_to
from opendtm.api.services import token_create, token_revoke
from opendtm.core.errors import Conflict, InvalidInput, NotFound
from opendtm.web.access import account_view, superuser_view
from opendtm.web.forms import (
    PasswordSetForm,
    TokenCreateForm,
    TokenRevokeForm,
    UserActiveForm,
    UserCreateForm,
    form_refused,
)

MANAGE_USERS = "manage user accounts"


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # the gate let only a logged-in user in


# --- accounts (instance administrators) ------------------------------------------------------


@superuser_view(MANAGE_USERS)
def user_list(request: HttpRequest) -> HttpResponse:
    """Every account with its roles; the form creates one (`user_create`)."""
    form = UserCreateForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = user_create(
                username=data["username"],
                password=data["password"] or None,
                email=data["email"],
                is_admin=data["is_admin"],
                actor=_actor(request),
            )
        except (InvalidInput, Conflict) as exc:
            status = form_refused(form, exc)
        else:
            messages.success(request, _("Account %(u)s created.") % {"u": created.username})
            return redirect("web:user", username=created.username)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "web/users.html",
        {"users": list(users_with_grants()), "form": form},
        status=status,
    )


def _user_page(
    request: HttpRequest,
    username: str,
    *,
    active_form: UserActiveForm | None = None,
    password_form: PasswordSetForm | None = None,
    status: int = 200,
) -> HttpResponse:
    account = user_get(username=username)
    context: dict[str, Any] = {
        "account": account,
        "active_form": active_form or UserActiveForm(initial={"active": not account.is_active}),
        "password_form": password_form or PasswordSetForm(),
        "tokens": list(tokens_visible_to(_actor(request), username=account.username)),
    }
    return render(request, "web/user.html", context, status=status)


@require_GET
@superuser_view(MANAGE_USERS)
def user_page(request: HttpRequest, username: str) -> HttpResponse:
    """One account: its roles per operation, its tokens, and the forms that change it."""
    return _user_page(request, username)


@require_POST
@superuser_view(MANAGE_USERS)
def user_active(request: HttpRequest, username: str) -> HttpResponse:
    """Deactivate or reactivate the account, with a reason (`user_active_set`)."""
    form = UserActiveForm(request.POST)
    if not form.is_valid():
        return _user_page(request, username, active_form=form, status=400)
    try:
        changed = user_active_set(
            username=username,
            active=form.cleaned_data["active"],
            actor=_actor(request),
            reason=form.cleaned_data["reason"],
        )
    except (InvalidInput, Conflict) as exc:
        return _user_page(request, username, active_form=form, status=form_refused(form, exc))
    said = _("%(u)s is active.") if changed.is_active else _("%(u)s is deactivated.")
    messages.success(request, said % {"u": changed.username})
    return redirect("web:user", username=changed.username)


@require_POST
@superuser_view(MANAGE_USERS)
def user_password(request: HttpRequest, username: str) -> HttpResponse:
    """Set the account's password (`user_password_set`: Django's validators apply)."""
    form = PasswordSetForm(request.POST)
    if not form.is_valid():
        return _user_page(request, username, password_form=form, status=400)
    try:
        changed = user_password_set(
            username=username, password=form.cleaned_data["password"], actor=_actor(request)
        )
    except InvalidInput as exc:
        return _user_page(request, username, password_form=form, status=form_refused(form, exc))
    messages.success(request, _("The password of %(u)s is set.") % {"u": changed.username})
    return redirect("web:user", username=changed.username)


# --- API tokens (one's own; administrators: anyone's) ----------------------------------------


@never_cache
@account_view
def token_list(request: HttpRequest) -> HttpResponse:
    """The tokens the user may see (prefix, owner, created, last used) and those revoked;
    the form issues one, whose secret this answer shows once."""
    actor = _actor(request)
    owner = (request.GET.get("user") or "").strip() or None
    form = TokenCreateForm(request.POST or None)
    issued = None
    status = 200
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip() or actor.username
        try:
            issued = token_create(username=username, name=form.cleaned_data["name"], actor=actor)
        except (InvalidInput, NotFound) as exc:
            status = form_refused(form, exc)
        else:
            form = TokenCreateForm()
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "issued": issued,
        "owner": owner,
        "may_issue_for_others": is_superuser(actor),
        "tokens": list(tokens_visible_to(actor, username=owner)),
        "revoked": list(tokens_revoked_visible_to(actor, username=owner)[:50]),
        "revoke_form": TokenRevokeForm(),
    }
    return render(request, "web/tokens.html", context, status=status)


@require_POST
@account_view
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke a token at once (`token_revoke`): the next request with it is refused."""
    form = TokenRevokeForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    revoked = token_revoke(token_id=token_id, actor=_actor(request), reason=reason)
    messages.success(
        request,
        _("Token %(p)s… of %(u)s is revoked: it is refused from now on.")
        % {"p": revoked.prefix or revoked.name or token_id, "u": revoked.user.username},
    )
    return redirect("web:tokens")
