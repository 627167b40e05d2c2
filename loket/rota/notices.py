"""Who hears about a shift swap, and what they read (each in their own language).

* proposed: the colleague who is asked;
* accepted, waiting for approval: the team's manager(s), and the agent who proposed;
* approved: the agent and the colleague;
* declined: the agent who proposed;
* refused: the agent and the colleague;
* withdrawn: the colleague.

Runs as a task on the ``notify`` queue, enqueued by ``loket.rota.actions`` in the transaction of
the step, through :func:`loket.sla.notify.notice` (desk, e-mail, Telegram).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_tasks import task

from loket.accounts.models import User
from loket.rota import duty
from loket.rota.models import ShiftChange, SwapStatus
from loket.sla import notify
from loket.sla.models import NotificationKind


def recipients(change: ShiftChange, step: SwapStatus) -> list[User]:
    agent, colleague = change.replaces, change.agent
    people: list[User | None]
    if step == SwapStatus.PROPOSED:
        people = [colleague]
    elif step == SwapStatus.ACCEPTED:
        team = change.team
        people = [team.manager] if team.manager is not None else list(notify.managers(team))
        people.append(agent)
    elif step in (SwapStatus.APPROVED, SwapStatus.REFUSED):
        people = [agent, colleague]
    elif step == SwapStatus.DECLINED:
        people = [agent]
    else:
        people = [colleague]
    seen: dict[int, User] = {}
    for person in people:
        if person is not None and person.is_active and person.is_agent:
            seen.setdefault(person.pk, person)
    return list(seen.values())


def text(change: ShiftChange, step: SwapStatus) -> str:
    """The notice in the active language."""
    tz = duty.zone(duty.settings_for(change.team).tz)
    values = {
        "agent": change.replaces.name if change.replaces is not None else "?",
        "colleague": change.agent.name,
        "team": change.team.label,
        "when": date_format(change.start.astimezone(tz), "D j M H:i"),
    }
    if step == SwapStatus.PROPOSED:
        message = _("%(agent)s asks you to take over their shift of %(when)s (%(team)s).")
    elif step == SwapStatus.ACCEPTED:
        message = _(
            "%(colleague)s will take over the shift of %(agent)s of %(when)s (%(team)s) "
            "once the manager approves."
        )
    elif step == SwapStatus.APPROVED:
        message = _(
            "Swap approved: %(colleague)s works the shift of %(when)s instead of %(agent)s."
        )
    elif step == SwapStatus.DECLINED:
        message = _("%(colleague)s declined to take over your shift of %(when)s.")
    elif step == SwapStatus.REFUSED:
        message = _("Swap refused: %(agent)s keeps the shift of %(when)s.")
    else:
        message = _("%(agent)s withdrew the swap of the shift of %(when)s.")
    return message % values


@task(queue_name="notify")
def swap_notices(change_id: int, step: str) -> int:
    """Tells the people involved about one step of a swap; returns how many it reached."""
    change = (
        ShiftChange.objects.select_related("team__manager", "agent", "replaces")
        .filter(pk=change_id)
        .first()
    )
    if change is None:
        return 0
    status = SwapStatus(step)
    path = reverse("rota:swaps")
    reached = 0
    for person in recipients(change, status):
        with translation.override(person.language or settings.LANGUAGE_CODE):
            notify.notice(person, NotificationKind.SHIFT_SWAP, text(change, status), path)
        reached += 1
    return reached
