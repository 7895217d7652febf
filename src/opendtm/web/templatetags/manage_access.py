"""`{% may "action" operation as x %}` and `{% administers as x %}`: whether to show a link to
a management page. The pages decide access themselves (`web.access`); this only asks the same
`accounts.roles`, so a menu never offers a page that refuses its reader."""

from __future__ import annotations

from typing import Any

from django import template

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import can, is_superuser

register = template.Library()


@register.simple_tag(takes_context=True)
def may(context: dict[str, Any], action: str, operation: Any) -> bool:
    request = context.get("request")
    return request is not None and can(request.user, Action(action), operation)


@register.simple_tag(takes_context=True)
def administers(context: dict[str, Any]) -> bool:
    request = context.get("request")
    return request is not None and is_superuser(request.user)
