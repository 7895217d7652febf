"""Writes of the figures: building a published round's snapshot (and with it the round's
stored needs figures, `needs.snapshot`).

Publishing a round builds it (`operations.services.round_transition` calls
`figures_snapshot_build` inside the publishing transaction, so a round is never published
without its figures); a manager may rebuild it, e.g. after changing the suppression threshold.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import authorize
from opendtm.accounts.services import audit_record
from opendtm.core.errors import Conflict
from opendtm.figures.models import FigureSnapshot
from opendtm.figures.snapshot import snapshot_write
from opendtm.operations.choices import RoundStatus
from opendtm.operations.models import Round


@transaction.atomic
def figures_snapshot_build(*, round: Round, actor: User) -> FigureSnapshot:
    """Compute the figures of a published round and replace its snapshot by them, in one
    transaction (a failure leaves the previous snapshot in place). Managers of the operation.
    """
    operation = round.operation
    authorize(actor, Action.MANAGE_ROUNDS, operation)
    status = Round.objects.filter(pk=round.pk).values_list("status", flat=True).first()
    if status != RoundStatus.PUBLISHED:
        raise Conflict(
            f"Round {round.number} of {operation.code} is {status}, not published: its figures "
            "are computed live and have no snapshot.",
            hint="Publish it first: `opendtm round publish`.",
        )
    threshold = settings.OPENDTM_SUPPRESSION_THRESHOLD
    replaced = FigureSnapshot.objects.filter(round=round).values_list("pk", flat=True).first()
    snapshot = snapshot_write(round_=round, operation=operation, threshold=threshold, actor=actor)
    from opendtm.needs.queries import ruleset_get  # needs reads the figures' code
    from opendtm.needs.snapshot import needs_snapshot_build

    version = Round.objects.values_list("needs_rules_version", flat=True).get(pk=round.pk)
    needs_snapshot_build(
        round_=round,
        operation=operation,
        rules=ruleset_get(version=version or operation.needs_rules_version),
    )
    audit_record(
        actor=actor,
        action="figures.snapshot",
        obj=snapshot,
        operation=operation,
        summary=f"built the figures of round {round.number} of {operation.code} "
        f"({snapshot.baseline_rows} baseline, {snapshot.site_rows} site rows; "
        f"threshold {threshold})",
        changes={
            "snapshot": [replaced, snapshot.pk],
            "batch_ids": [None, snapshot.batch_ids],
            "threshold": [None, threshold],
        },
    )
    return snapshot
