"""Shift swaps: proposed by the agent, accepted by the colleague, approved by the manager;
only an approved swap changes who is on duty."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import Client
from django_tasks_db.models import DBTaskResult

from loket.accounts.models import User
from loket.rota import actions, duty
from loket.rota.models import Shift, ShiftChange, SwapStatus, TeamRota
from loket.sla.models import Notification, NotificationKind, NotifySettings
from tests.conftest import Desk
from tests.rota.conftest import ams, weekly
from tests.sla.conftest import send_mails

pytestmark = pytest.mark.urls("tests.rota.urls")

MONDAY_10 = ams(2026, 3, 30, 10)
TUESDAY_8 = ams(2026, 3, 31, 8)
TUESDAY_9 = ams(2026, 3, 31, 9)


@pytest.fixture
def now() -> Iterator[datetime]:
    with time_machine.travel(MONDAY_10, tick=False):
        yield MONDAY_10


@pytest.fixture
def bram_shift(desk: Desk, crew: list[User]) -> Shift:
    """Bram works Tuesdays 08:00-16:00 in first line; Anna's manager manages the team."""
    team = desk.first_line
    team.manager = desk.manager
    team.save()
    weekly(team, crew[0], [1], "08:00", "16:00")
    return Shift.objects.get(agent=crew[0])


def _on_duty(desk: Desk, at: datetime) -> list[str]:
    return [u.name for u in duty.on_duty(desk.first_line, at)]


def _run_notices() -> list[tuple[str, str]]:
    """Runs the queued swap notices (as the worker would); returns (recipient, text) in the
    order they were stored (queued tasks have no defined order among themselves)."""
    from loket.rota.notices import swap_notices

    queued = DBTaskResult.objects.filter(task_path__endswith="swap_notices")
    for row in queued:
        swap_notices.call(*row.args_kwargs["args"])
    queued.delete()
    send_mails()  # the staff mail, batched per agent
    rows = Notification.objects.filter(kind=NotificationKind.SHIFT_SWAP).order_by("pk")
    found = [(n.recipient.name, n.text) for n in rows]
    rows.delete()
    return found


def test_an_approved_swap_changes_who_is_on_duty(
    desk: Desk, crew: list[User], bram_shift: Shift, now: datetime
) -> None:
    bram, chris, dana = crew
    # Bram sees his coming Tuesday shift and asks Chris to take it over
    coming = actions.occurrences(bram, now)
    assert [(o.start, o.end) for o in coming[:1]] == [(TUESDAY_8, ams(2026, 3, 31, 16))]
    change = actions.propose_swap(bram_shift, TUESDAY_8, chris, by=bram, note="Dentist")
    assert (change.agent, change.replaces, change.status) == (chris, bram, SwapStatus.PROPOSED)
    assert _run_notices() == [
        ("Chris", "Bram asks you to take over their shift of Tue 31 Mar 08:00 (First line).")
    ]
    # the shift is no longer offered to hand over, but Bram is still on duty
    assert TUESDAY_8 not in [o.start for o in actions.occurrences(bram, now)]
    assert _on_duty(desk, TUESDAY_9) == ["Bram"]
    # Chris accepts: now it waits for the manager, and still nothing changed
    actions.answer_swap(change, by=chris, accept=True)
    change.refresh_from_db()
    assert change.status == SwapStatus.ACCEPTED
    waiting = (
        "Chris will take over the shift of Bram of Tue 31 Mar 08:00 (First line) "
        "once the manager approves."
    )
    assert sorted(_run_notices()) == [("Bram", waiting), (desk.manager.name, waiting)]
    assert _on_duty(desk, TUESDAY_9) == ["Bram"]
    # Neither the colleagues nor Dana can approve
    for someone in (bram, chris, dana):
        with pytest.raises(PermissionDenied):
            actions.decide_swap(change, by=someone, approve=True)
    # The manager approves: Chris is on duty on Tuesday instead of Bram, and both hear of it.
    actions.decide_swap(change, by=desk.manager, approve=True)
    change.refresh_from_db()
    assert (change.status, change.decided_by) == (SwapStatus.APPROVED, desk.manager)
    assert _on_duty(desk, TUESDAY_9) == ["Chris"]
    assert _on_duty(desk, TUESDAY_9 + timedelta(days=7)) == ["Bram"]  # only that one Tuesday
    assert {who for who, _text in _run_notices()} == {"Bram", "Chris"}


def test_declined_refused_and_unanswered_swaps_change_nothing(
    desk: Desk, crew: list[User], bram_shift: Shift, now: datetime
) -> None:
    bram, chris, dana = crew
    change = actions.propose_swap(bram_shift, TUESDAY_8, chris, by=bram)
    # Nobody can answer for Chris: not Dana, not Bram, not even the manager
    for someone in (dana, bram, desk.manager):
        with pytest.raises(PermissionDenied):
            actions.answer_swap(change, by=someone, accept=True)
    assert ShiftChange.objects.get(pk=change.pk).status == SwapStatus.PROPOSED
    # An unanswered proposal changes nothing
    assert _on_duty(desk, TUESDAY_9) == ["Bram"]
    # Chris declines: nothing changes, Bram hears of it, and the decision is final
    actions.answer_swap(change, by=chris, accept=False)
    assert ShiftChange.objects.get(pk=change.pk).status == SwapStatus.DECLINED
    assert _on_duty(desk, TUESDAY_9) == ["Bram"]
    declined = ("Bram", "Chris declined to take over your shift of Tue 31 Mar 08:00.")
    assert declined in _run_notices()  # with the proposal's notice to Chris
    with pytest.raises(actions.SwapError):
        actions.answer_swap(change, by=chris, accept=True)
    with pytest.raises(actions.SwapError):
        actions.decide_swap(change, by=desk.manager, approve=True)
    # A new proposal to Dana that she accepts but the manager refuses changes nothing either
    again = actions.propose_swap(bram_shift, TUESDAY_8, dana, by=bram)
    actions.answer_swap(again, by=dana, accept=True)
    actions.decide_swap(again, by=desk.manager, approve=False)
    assert ShiftChange.objects.get(pk=again.pk).status == SwapStatus.REFUSED
    assert _on_duty(desk, TUESDAY_9) == ["Bram"]
    # A withdrawn proposal neither
    third = actions.propose_swap(bram_shift, TUESDAY_8, dana, by=bram)
    with pytest.raises(actions.SwapError):  # the shift is already being handed over
        actions.propose_swap(bram_shift, TUESDAY_8, chris, by=bram)
    with pytest.raises(PermissionDenied):
        actions.withdraw_swap(third, by=dana)
    actions.withdraw_swap(third, by=bram)
    with pytest.raises(actions.SwapError):
        actions.answer_swap(third, by=dana, accept=True)
    assert _on_duty(desk, TUESDAY_9) == ["Bram"]


def test_proposals_only_for_own_future_shifts_to_team_colleagues(
    desk: Desk, crew: list[User], bram_shift: Shift, now: datetime
) -> None:
    bram, chris, _dana = crew
    with pytest.raises(PermissionDenied):  # Chris cannot give away Bram's shift
        actions.propose_swap(bram_shift, TUESDAY_8, chris, by=chris)
    with pytest.raises(actions.SwapError):  # Sanne is not in first line
        actions.propose_swap(bram_shift, TUESDAY_8, desk.tech, by=bram)
    with pytest.raises(actions.SwapError):  # no shift starts then
        actions.propose_swap(bram_shift, TUESDAY_9, chris, by=bram)
    with pytest.raises(actions.SwapError):  # already over
        actions.propose_swap(bram_shift, TUESDAY_8 - timedelta(days=7), chris, by=bram)


def test_without_approval_accepting_is_enough(
    desk: Desk, crew: list[User], bram_shift: Shift, now: datetime
) -> None:
    bram, chris, _dana = crew
    TeamRota.objects.filter(team=desk.first_line).update(swaps_need_approval=False)
    change = actions.propose_swap(bram_shift, TUESDAY_8, chris, by=bram)
    actions.answer_swap(change, by=chris, accept=True)
    assert ShiftChange.objects.get(pk=change.pk).status == SwapStatus.APPROVED
    assert _on_duty(desk, TUESDAY_9) == ["Chris"]


def test_swap_pages(desk: Desk, crew: list[User], bram_shift: Shift, now: datetime) -> None:
    bram, chris, dana = crew
    as_bram, as_chris, as_dana, as_manager = Client(), Client(), Client(), Client()
    as_bram.force_login(bram)
    as_chris.force_login(chris)
    as_dana.force_login(dana)
    as_manager.force_login(desk.manager)
    page = as_bram.get("/rota/swaps/").content.decode()
    assert "Tue 31 Mar 08:00" in page and "Dana" in page
    assert f'href="/rota/teams/{desk.first_line.pk}/coverage/"' in page  # their team's coverage
    assert f"/rota/teams/{desk.second_line.pk}/coverage/" not in page
    response = as_bram.post(
        "/rota/swaps/propose/",
        {"shift": bram_shift.pk, "start": TUESDAY_8.isoformat(), "colleague": chris.pk},
    )
    assert response.status_code == 302
    change = ShiftChange.objects.get(status=SwapStatus.PROPOSED)
    assert f"asked-{change.pk}" in as_chris.get("/rota/swaps/").content.decode()
    # Dana cannot see or answer it; Bram cannot accept it for Chris
    assert as_dana.post(f"/rota/swaps/{change.pk}/answer/", {"accept": "1"}).status_code == 404
    assert as_bram.post(f"/rota/swaps/{change.pk}/answer/", {"accept": "1"}).status_code == 404
    assert ShiftChange.objects.get(pk=change.pk).status == SwapStatus.PROPOSED
    assert as_chris.post(f"/rota/swaps/{change.pk}/answer/", {"accept": "1"}).status_code == 302
    # the manager sees it on the swaps page and as pending on the coverage page, and approves
    assert f"decide-{change.pk}" in as_manager.get("/rota/swaps/").content.decode()
    coverage = as_manager.get(f"/rota/teams/{desk.first_line.pk}/coverage/").content.decode()
    assert "Bram \N{RIGHTWARDS ARROW} Chris" in coverage
    assert as_chris.post(f"/rota/swaps/{change.pk}/decide/", {"approve": "1"}).status_code == 404
    assert as_manager.post(f"/rota/swaps/{change.pk}/decide/", {"approve": "1"}).status_code == 302
    assert ShiftChange.objects.get(pk=change.pk).status == SwapStatus.APPROVED
    assert _on_duty(desk, TUESDAY_9) == ["Chris"]


def test_swap_notices_follow_the_agents_settings(
    desk: Desk, crew: list[User], bram_shift: Shift, now: datetime, mailoutbox: list[object]
) -> None:
    bram, chris, _dana = crew
    NotifySettings.objects.create(agent=chris, channel_kinds={"email": ["shift_swap"]})
    actions.propose_swap(bram_shift, TUESDAY_8, chris, by=bram)
    assert _run_notices() == [
        ("Chris", "Bram asks you to take over their shift of Tue 31 Mar 08:00 (First line).")
    ]
    assert len(mailoutbox) == 1
    NotifySettings.objects.filter(agent=chris).update(channel_kinds={"email": []})
    actions.propose_swap(bram_shift, TUESDAY_8 + timedelta(days=7), chris, by=bram)
    assert [who for who, _text in _run_notices()] == ["Chris"]  # the desk shows it
    assert len(mailoutbox) == 1  # but no e-mail this time


def test_a_colleague_on_leave_cannot_accept(
    desk: Desk, crew: list[User], bram_shift: Shift, now: datetime
) -> None:
    from datetime import timedelta

    from loket.rota.models import Leave

    bram, chris, _dana = crew
    change = actions.propose_swap(bram_shift, TUESDAY_8, chris, by=bram)
    Leave.objects.create(agent=chris, start=change.start - timedelta(days=1), end=change.end)
    with pytest.raises(actions.SwapError, match="leave"):
        actions.answer_swap(change, by=chris, accept=True)
    assert ShiftChange.objects.get(pk=change.pk).status == SwapStatus.PROPOSED
    actions.answer_swap(change, by=chris, accept=False)  # declining still works
    assert ShiftChange.objects.get(pk=change.pk).status == SwapStatus.DECLINED
