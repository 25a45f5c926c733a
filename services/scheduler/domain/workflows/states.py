"""Procedure kinds, their states and the transitions between them."""

from __future__ import annotations

from services.scheduler.domain.cases import CaseConflict

LIAISON, REPRISE, PRE_REPRISE, MID_CAREER = "liaison", "reprise", "pre_reprise", "mid_career"
KINDS = (LIAISON, REPRISE, PRE_REPRISE, MID_CAREER)

INFORMED, ACCEPTED, CONFIRMED, HELD = "informed", "accepted", "confirmed", "held"
REFUSED, CANCELLED, IMPOSSIBLE = "refused", "cancelled", "impossible"
REFERRED, SCHEDULED, MISSED = "referred", "scheduled", "missed"
REQUESTED, DUE = "requested", "due"

STATES = (INFORMED, ACCEPTED, CONFIRMED, HELD, REFUSED, CANCELLED, IMPOSSIBLE, REFERRED,
          SCHEDULED, MISSED, REQUESTED, DUE)

TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    LIAISON: {
        INFORMED: frozenset({ACCEPTED, REFUSED, CANCELLED, IMPOSSIBLE}),
        ACCEPTED: frozenset({ACCEPTED, CONFIRMED, REFUSED, CANCELLED, IMPOSSIBLE}),
        CONFIRMED: frozenset({CONFIRMED, HELD, REFUSED, CANCELLED}),
    },
    REPRISE: {
        REFERRED: frozenset({SCHEDULED, MISSED, CANCELLED}),
        MISSED: frozenset({SCHEDULED, CANCELLED}),
        SCHEDULED: frozenset({SCHEDULED, HELD, CANCELLED}),
    },
    PRE_REPRISE: {
        INFORMED: frozenset({REQUESTED, CANCELLED}),
        REQUESTED: frozenset({REQUESTED, CANCELLED}),
    },
    MID_CAREER: {
        DUE: frozenset({SCHEDULED, CANCELLED}),
        SCHEDULED: frozenset({SCHEDULED, HELD, CANCELLED}),
    },
}

#: States in which a procedure still expects something.
OPEN_STATES: dict[str, frozenset[str]] = {kind: frozenset(table) for kind, table in
                                          TRANSITIONS.items()}

_FRENCH = {
    INFORMED: "informé", ACCEPTED: "accepté", CONFIRMED: "confirmé", HELD: "tenu",
    REFUSED: "refusé", CANCELLED: "annulé", IMPOSSIBLE: "impossible", REFERRED: "transmis",
    SCHEDULED: "planifié", MISSED: "échéance dépassée", REQUESTED: "demandé", DUE: "à prévoir",
}


def can_move(kind: str, state: str, target: str) -> bool:
    """Whether a procedure of ``kind`` in ``state`` may go to ``target``."""
    return target in TRANSITIONS.get(kind, {}).get(state, frozenset())


def is_open(kind: str, state: str) -> bool:
    """Whether the procedure still expects something (not closed)."""
    return state in OPEN_STATES.get(kind, frozenset())


def check_transition(kind: str, state: str, target: str) -> None:
    """:raises CaseConflict: ``state_conflict`` when the move is not allowed."""
    if not can_move(kind, state, target):
        raise CaseConflict(
            "state_conflict", "state",
            f"impossible de passer de l'état « {_FRENCH.get(state, state)} » "
            f"à « {_FRENCH.get(target, target)} »")
