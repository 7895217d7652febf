"""Writes of the MCOF reference data: renaming a sector whose name is not confirmed."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from opendtm.accounts.roles import authorize_superuser
from opendtm.accounts.services import audit_record
from opendtm.core.errors import Conflict, InvalidInput
from opendtm.mcof.models import Sector


@transaction.atomic
def sector_rename(*, sector: Sector, name: str, actor: User, reason: str = "") -> Sector:
    """Give an unconfirmed sector its verified name (instance administrators only).

    A confirmed name is the framework's and is refused; confirming marks it so."""
    authorize_superuser(actor, "edit MCOF reference data")
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput("A sector name must have 1 to 200 characters.")
    current = Sector.objects.select_for_update().get(pk=sector.pk)
    if current.confirmed:
        raise Conflict(
            f"MCOF sector {current.number} ({current.name}) is confirmed: its name does not change."
        )
    old = current.name
    current.name = name
    current.save(update_fields=["name"])
    audit_record(
        actor=actor,
        action="mcof.sector_rename",
        obj=current,
        summary=f"renamed MCOF sector {current.number}",
        reason=reason,
        changes={"name": [old, name]},
    )
    return current
