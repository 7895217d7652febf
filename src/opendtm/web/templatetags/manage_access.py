"""`{% administers as x %}`: whether to show the links to the instance administrators' pages
(the logged-in user's own flags: no query). The pages decide access themselves (`web.access`);
this asks the same `accounts.roles`, so a menu never offers a page that refuses its reader."""

from __future__ import annotations

from typing import Any

from django import template

from opendtm.accounts.roles import is_superuser

register = template.Library()


@register.simple_tag(takes_context=True)
def administers(context: dict[str, Any]) -> bool:
    request = context.get("request")
    return request is not None and is_superuser(request.user)
