"""The transition tables of rounds and sites: the only moves their statuses may make.

Services look every move up here; a move missing from a table is refused with the list of moves
that are allowed. The CLI's commands and the web's buttons are derived from the same tables, so
an interface never offers a move the service refuses. Why these moves and not others:
docs/decisions/0001-roles-and-round-workflow.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from opendtm.core.errors import Conflict
from opendtm.operations.choices import RoundStatus, SiteStatus

S = TypeVar("S", bound=str)


@dataclass(frozen=True)
class Transition:
    """One allowed move: the verb that names it (audit action, messages) and whether it needs
    a written reason (moves that undo an earlier decision do)."""

    verb: str
    reason_required: bool = False


ROUND_TRANSITIONS: dict[tuple[RoundStatus, RoundStatus], Transition] = {
    (RoundStatus.OPEN, RoundStatus.VALIDATED): Transition("validate"),
    (RoundStatus.VALIDATED, RoundStatus.PUBLISHED): Transition("publish"),
    (RoundStatus.VALIDATED, RoundStatus.OPEN): Transition("reopen", reason_required=True),
}

SITE_TRANSITIONS: dict[tuple[SiteStatus, SiteStatus], Transition] = {
    (SiteStatus.PLANNED, SiteStatus.OPEN): Transition("open"),
    (SiteStatus.OPEN, SiteStatus.CLOSING): Transition("start_closing"),
    (SiteStatus.CLOSING, SiteStatus.CLOSED): Transition("close"),
    (SiteStatus.OPEN, SiteStatus.CLOSED): Transition("close", reason_required=True),
    (SiteStatus.CLOSING, SiteStatus.OPEN): Transition("cancel_closing", reason_required=True),
    (SiteStatus.CLOSED, SiteStatus.OPEN): Transition("reopen", reason_required=True),
}


def moves_from(table: dict[tuple[S, S], Transition], current: S) -> list[S]:
    """The statuses `current` may move to, in the table's order (the order buttons show)."""
    return [to for (frm, to) in table if frm == current]


def target_of(table: dict[tuple[S, S], Transition], verb: str) -> S:
    """The status the move named `verb` leads to (a verb of a table names one target)."""
    targets = {to for (_frm, to), move in table.items() if move.verb == verb}
    if len(targets) != 1:
        raise ValueError(f"no single move named {verb!r}")
    return targets.pop()


def transition_find(
    table: dict[tuple[S, S], Transition], current: S, target: S, *, what: str
) -> Transition:
    """The move current -> target from the table; Conflict naming the allowed moves if none.

    `what` names the object for the message, e.g. "Round 2 of phl-typhoon".
    """
    if current == target:
        raise Conflict(f"{what} is already {current}.")
    found = table.get((current, target))
    if found is None:
        allowed = sorted(str(to) for (frm, to) in table if frm == current)
        raise Conflict(
            f"{what} is {current} and cannot become {target}.",
            hint=(
                f"From {current} it can become: {', '.join(allowed)}."
                if allowed
                else f"{current} is final: nothing can change it."
            ),
        )
    return found
