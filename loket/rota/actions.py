"""Shift swaps: an agent hands one of their shifts to a colleague.

The agent proposes (a ``ShiftChange`` in which the colleague replaces them, ``PROPOSED``); the
colleague, and only they, accepts or declines; then the team's manager approves or refuses,
unless the team's rota says swaps need no approval (accepting approves it then). The agent
may withdraw the proposal until it is decided. Only an ``APPROVED`` change counts for who is
on duty (``loket.rota.duty``), so a declined, refused or pending swap changes nothing.

Each step locks the row, checks who acts and that the swap is in the right state, and queues
the notifications for the people involved in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.models import Team, User
from loket.rota import duty
from loket.rota.models import Leave, Shift, ShiftChange, SwapStatus
from loket.sla.calendars import from_us

PENDING = (SwapStatus.PROPOSED, SwapStatus.ACCEPTED)
TAKEN = (*PENDING, SwapStatus.APPROVED)
HORIZON = timedelta(days=28)


class SwapError(ValueError):
    """A swap step that cannot be carried out, with a reason to show the person."""


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of a weekly shift."""

    shift: Shift
    start: datetime
    end: datetime


def may_decide(user: User, team: Team) -> bool:
    """Admins, the team's manager, or any manager when the team has none."""
    if not user.is_active or not user.is_manager:
        return False
    return user.is_admin or team.manager_id == user.pk or team.manager_id is None


def _handed_over(agent: User, team: Team, role: str, start: datetime, end: datetime) -> bool:
    return ShiftChange.objects.filter(
        team=team, replaces=agent, role=role, status__in=TAKEN, start__lt=end, end__gt=start
    ).exists()


def occurrences(agent: User, now: datetime, horizon: timedelta = HORIZON) -> list[Occurrence]:
    """The agent's coming weekly shifts (starting after ``now``) that are not handed over yet
    (by an approved swap or one still pending)."""
    found: list[Occurrence] = []
    for shift in Shift.objects.filter(agent=agent).select_related("team"):
        tz = duty.zone(duty.settings_for(shift.team).tz)
        first = now.astimezone(tz).date()
        last = (now + horizon).astimezone(tz).date()
        for lo, hi in duty.shift_intervals(shift, tz, first, last):
            start, end = from_us(lo), from_us(hi)
            if start > now and not _handed_over(agent, shift.team, shift.role, start, end):
                found.append(Occurrence(shift, start, end))
    return sorted(found, key=lambda o: (o.start, o.shift.pk))


def _occurrence(shift: Shift, start: datetime) -> Occurrence | None:
    tz = duty.zone(duty.settings_for(shift.team).tz)
    day = start.astimezone(tz).date()
    for lo, hi in duty.shift_intervals(shift, tz, day - timedelta(days=1), day):
        if from_us(lo) == start:
            return Occurrence(shift, from_us(lo), from_us(hi))
    return None


def colleagues(agent: User, team: Team) -> list[User]:
    """Who may take over ``agent``'s shift in ``team``: its other active agents."""
    members = team.members.filter(is_active=True).exclude(pk=agent.pk).order_by("display_name")
    return [u for u in members if u.is_agent]


def _queue(change: ShiftChange, step: SwapStatus) -> None:
    from loket.rota.notices import swap_notices

    swap_notices.enqueue(change.pk, str(step))  # same transaction: an outbox


@transaction.atomic
def propose_swap(
    shift: Shift, start: datetime, colleague: User, *, by: User, note: str = ""
) -> ShiftChange:
    """``by`` asks ``colleague`` to take over the occurrence of ``shift`` starting at ``start``."""
    if not by.is_active or not by.is_agent or shift.agent_id != by.pk:
        raise PermissionDenied(_("You can only hand over your own shifts."))
    if colleague.pk == by.pk or colleague not in colleagues(by, shift.team):
        raise SwapError(_("Choose a colleague of the same team."))
    found = _occurrence(shift, start)
    if found is None:
        raise SwapError(_("That shift does not take place at that time."))
    now = timezone.now()
    if found.start <= now:
        raise SwapError(_("That shift has already started."))
    # Serialises proposals for the same agent, so one shift is not handed over twice.
    User.objects.select_for_update().filter(pk=by.pk).first()
    if _handed_over(by, shift.team, shift.role, found.start, found.end):
        raise SwapError(_("That shift is already being handed over."))
    change = ShiftChange.objects.create(
        team=shift.team,
        agent=colleague,
        replaces=by,
        role=shift.role,
        start=found.start,
        end=found.end,
        note=" ".join(note.split())[:200],
        status=SwapStatus.PROPOSED,
        proposed_at=now,
    )
    _queue(change, SwapStatus.PROPOSED)
    return change


def _lock(change: ShiftChange) -> ShiftChange:
    return ShiftChange.objects.select_for_update().select_related("team").get(pk=change.pk)


@transaction.atomic
def answer_swap(change: ShiftChange, *, by: User, accept: bool) -> ShiftChange:
    """The colleague accepts or declines; nobody else can answer for them."""
    change = _lock(change)
    if change.agent_id != by.pk or not by.is_active:
        raise PermissionDenied(_("Only the colleague who is asked can answer."))
    if change.status != SwapStatus.PROPOSED:
        raise SwapError(_("This swap is no longer waiting for an answer."))
    now = timezone.now()
    if accept and change.start <= now:
        raise SwapError(_("That shift has already started."))
    if (
        accept
        and Leave.objects.filter(agent=by, start__lt=change.end, end__gt=change.start).exists()
    ):
        raise SwapError(_("You are on leave during that shift."))
    change.answered_at = now
    if not accept:
        change.status = SwapStatus.DECLINED
    elif duty.settings_for(change.team).swaps_need_approval:
        change.status = SwapStatus.ACCEPTED
    else:
        change.status = SwapStatus.APPROVED
        change.decided_at = now
    change.save(update_fields=["status", "answered_at", "decided_at"])
    _queue(change, SwapStatus(change.status))
    return change


@transaction.atomic
def decide_swap(change: ShiftChange, *, by: User, approve: bool) -> ShiftChange:
    """The team's manager approves or refuses an accepted swap."""
    change = _lock(change)
    if not may_decide(by, change.team):
        raise PermissionDenied(_("Only the team's manager can approve a swap."))
    if change.status != SwapStatus.ACCEPTED:
        raise SwapError(_("This swap is not waiting for approval."))
    change.status = SwapStatus.APPROVED if approve else SwapStatus.REFUSED
    change.decided_by = by
    change.decided_at = timezone.now()
    change.save(update_fields=["status", "decided_by", "decided_at"])
    _queue(change, SwapStatus(change.status))
    return change


@transaction.atomic
def withdraw_swap(change: ShiftChange, *, by: User) -> ShiftChange:
    """The agent who proposed a swap takes it back while it is not decided."""
    change = _lock(change)
    if change.replaces_id != by.pk:
        raise PermissionDenied(_("Only who proposed a swap can withdraw it."))
    if change.status not in PENDING:
        raise SwapError(_("This swap is already decided."))
    change.status = SwapStatus.CANCELLED
    change.save(update_fields=["status"])
    _queue(change, SwapStatus.CANCELLED)
    return change
