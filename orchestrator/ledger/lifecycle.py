"""The request lifecycle as a table: which state may follow which."""

from __future__ import annotations

from enum import StrEnum

from orchestrator.errors import IllegalTransition


class State(StrEnum):
    PROPOSED = "PROPOSED"
    ACCEPTED = "ACCEPTED"
    IN_PROGRESS = "IN_PROGRESS"
    DELIVERED = "DELIVERED"
    VERIFIED = "VERIFIED"
    CLOSED = "CLOSED"
    BLOCKED = "BLOCKED"


TERMINAL: frozenset[State] = frozenset({State.CLOSED, State.BLOCKED})

# The forward path; BLOCKED is reachable from every open state and added below.
_FORWARD: dict[State, frozenset[State]] = {
    State.PROPOSED: frozenset({State.ACCEPTED}),
    State.ACCEPTED: frozenset({State.IN_PROGRESS}),
    State.IN_PROGRESS: frozenset({State.DELIVERED}),
    # a failed verification sends the work back for another round
    State.DELIVERED: frozenset({State.VERIFIED, State.IN_PROGRESS}),
    State.VERIFIED: frozenset({State.CLOSED}),
    State.CLOSED: frozenset(),
    # `orchestrate retry` (UNBLOCKED) sends a blocked item back to work
    State.BLOCKED: frozenset({State.IN_PROGRESS}),
}

TRANSITIONS: dict[State, frozenset[State]] = {
    state: nxt | ({State.BLOCKED} if state not in TERMINAL else frozenset())
    for state, nxt in _FORWARD.items()
}


def is_open(state: State) -> bool:
    return state not in TERMINAL


def check_transition(current: State, target: State) -> None:
    """Raise IllegalTransition (writing nothing) unless `current → target` is in the table."""
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(f"illegal transition {current} → {target}")


# the forward path in order (the enum's order); BLOCKED sits outside it
FORWARD: tuple[State, ...] = tuple(s for s in State if s is not State.BLOCKED)
_RANK: dict[State, int] = {state: rank for rank, state in enumerate(FORWARD)}


def is_behind(current: State, target: State) -> bool:
    """Whether the forward path has yet to reach `target` from `current`. From BLOCKED it has
    (the move is then refused by `check_transition`, as it must be)."""
    return _RANK.get(current, -1) < _RANK[target]
