"""The ticket state machine: which transitions are allowed, and why the others are not."""

from __future__ import annotations

from django.utils.translation import gettext as _

from loket.tickets.models import State

ALLOWED: dict[State, frozenset[State]] = {
    State.NEW: frozenset(
        {State.OPEN, State.WAITING_CUSTOMER, State.WAITING_THIRD_PARTY, State.RESOLVED}
    ),
    State.OPEN: frozenset({State.WAITING_CUSTOMER, State.WAITING_THIRD_PARTY, State.RESOLVED}),
    State.WAITING_CUSTOMER: frozenset({State.OPEN, State.WAITING_THIRD_PARTY, State.RESOLVED}),
    State.WAITING_THIRD_PARTY: frozenset({State.OPEN, State.WAITING_CUSTOMER, State.RESOLVED}),
    State.RESOLVED: frozenset({State.OPEN, State.CLOSED}),
    State.CLOSED: frozenset(),
}


class TransitionError(ValueError):
    """A state change that the state machine refuses, with a reason a person can read."""


def check_transition(current: str, target: str) -> None:
    try:
        source, goal = State(current), State(target)
    except ValueError:
        bad = target if current in State.values else current
        raise TransitionError(_("Unknown state: %(state)s") % {"state": bad}) from None
    if source == goal:
        return
    if goal in ALLOWED[source]:
        return
    if source == State.CLOSED:
        raise TransitionError(
            _("A closed ticket cannot change state; open a follow-up ticket instead.")
        )
    if goal == State.NEW:
        raise TransitionError(_("A ticket cannot go back to New."))
    raise TransitionError(
        _("A ticket cannot go from %(source)s to %(goal)s.")
        % {"source": source.label, "goal": goal.label}
    )


def allowed_targets(current: str) -> list[State]:
    return sorted(ALLOWED[State(current)], key=list(State).index)
