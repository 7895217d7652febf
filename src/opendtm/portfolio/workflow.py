"""The transition table of project proposals: the only moves a project's status may make, and
the portfolio action (accounts.roles.PORTFOLIO_ROLE_ACTIONS) each move needs.

Same shape as operations.workflow's round table: services look every move up here and refuse a
missing one with the allowed moves. A returned proposal keeps its history: resubmitting it opens
the next version; the comments and moves of earlier versions stay.
"""

from __future__ import annotations

from dataclasses import dataclass

from opendtm.accounts.choices import PortfolioAction
from opendtm.operations.workflow import Transition
from opendtm.portfolio.choices import ProjectStatus as S


@dataclass(frozen=True)
class ProjectMove:
    move: Transition
    action: PortfolioAction
    new_version: bool = False  # the move opens the proposal's next version


_DRAFT, _REVIEW, _IMPLEMENT = (
    PortfolioAction.DRAFT,
    PortfolioAction.REVIEW,
    PortfolioAction.IMPLEMENT,
)

PROJECT_TRANSITIONS: dict[tuple[S, S], ProjectMove] = {
    (S.DRAFT, S.SUBMITTED): ProjectMove(Transition("submit"), _DRAFT),
    (S.SUBMITTED, S.DRAFT): ProjectMove(Transition("withdraw", reason_required=True), _DRAFT),
    (S.SUBMITTED, S.UNDER_REVIEW): ProjectMove(Transition("start_review"), _REVIEW),
    (S.UNDER_REVIEW, S.RETURNED): ProjectMove(Transition("return", reason_required=True), _REVIEW),
    (S.UNDER_REVIEW, S.ENDORSED): ProjectMove(Transition("endorse"), _REVIEW),
    (S.RETURNED, S.SUBMITTED): ProjectMove(Transition("resubmit"), _DRAFT, new_version=True),
    (S.ENDORSED, S.ACTIVE): ProjectMove(Transition("activate"), _IMPLEMENT),
    (S.ACTIVE, S.CLOSED): ProjectMove(Transition("close"), _IMPLEMENT),
}

# The plain table (status pair -> Transition) that operations.workflow's helpers read.
PROJECT_MOVES: dict[tuple[S, S], Transition] = {k: v.move for k, v in PROJECT_TRANSITIONS.items()}

# Statuses in which the country office may still edit the proposal.
EDITABLE = (S.DRAFT, S.RETURNED)
