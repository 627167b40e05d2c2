"""The agent's own notification settings page: what reaches them which way, and when not."""

from __future__ import annotations

import json
from datetime import time

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from loket.sla import actions, notify
from loket.sla.models import PUSH_DEFAULT_KINDS, Notification, NotificationKind, NotifySettings
from loket.sla.sweep import sweep
from loket.tickets import actions as ticket_actions
from loket.tickets.models import Channel, Event, EventKind
from tests.conftest import Desk
from tests.sla.conftest import Clock, Sla, ams

pytestmark = pytest.mark.urls("tests.sla.urls")

URL = "/sla/notifications/settings/"


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_agent_saves_their_own_settings(desk: Desk) -> None:
    client = _client(desk.agent)
    page = client.get(URL).content.decode()
    assert "Shift swaps" in page and "Telegram chat id" in page
    # Defaults: everything in the browser; by e-mail and Telegram all but the new urgent
    # tickets of opening hours; by push what must not wait.
    everything = len(NotificationKind.values)
    assert page.count("checked") == everything + 2 * (everything - 1) + len(PUSH_DEFAULT_KINDS)
    response = client.post(
        URL,
        {
            "browser": ["sla_breach", "alarm", "shift_swap"],
            "email": ["sla_breach"],
            "telegram": ["alarm"],
            "telegram_chat_id": "4242",
            "quiet_from": "22:00",
            "quiet_until": "07:00",
            "tz": "Europe/Amsterdam",
            "agent": desk.tech.pk,  # ignored: one changes only one's own settings
        },
    )
    assert response.status_code == 302
    prefs = NotifySettings.objects.get(agent=desk.agent)
    assert prefs.channel_kinds == {
        "browser": ["sla_breach", "alarm", "shift_swap"],
        "email": ["sla_breach"],
        "telegram": ["alarm"],
        "push": [],
    }
    assert (prefs.telegram_chat_id, prefs.quiet_from, prefs.quiet_until, prefs.email) == (
        "4242",
        time(22, 0),
        time(7, 0),
        True,
    )
    assert prefs.wants("sla_breach", "email") and not prefs.wants("sla_warning", "email")
    assert not NotifySettings.objects.filter(agent=desk.tech).exists()
    # The page shows what was saved
    page = client.get(URL).content.decode()
    assert page.count("checked") == 5 and 'value="22:00"' in page
    # Nothing by e-mail: the e-mail switch goes off too
    client.post(URL, {"browser": ["alarm"], "tz": "UTC"})
    prefs.refresh_from_db()
    assert prefs.email is False and prefs.channel_kinds["email"] == []
    assert prefs.quiet_from is None and prefs.telegram_chat_id == ""


def test_invalid_input_is_refused(desk: Desk) -> None:
    client = _client(desk.agent)
    bad = [
        {"tz": "Europe/Amsterdam", "quiet_from": "22:00"},  # no end
        {"tz": "Mars/Olympus"},
        {"tz": "UTC", "telegram_chat_id": "not a chat"},
        {"tz": "UTC", "email": ["no_such_kind"]},
    ]
    for data in bad:
        assert client.post(URL, data).status_code == 200  # the form again, with the error
    assert not NotifySettings.objects.filter(agent=desk.agent).exists()


def test_nobody_changes_anothers_settings(desk: Desk) -> None:
    with pytest.raises(PermissionDenied):
        actions.save_notify_settings(
            desk.tech, by=desk.agent, channel_kinds={}, telegram_chat_id="1",
            quiet_from=None, quiet_until=None, tz="UTC",
        )  # fmt: skip
    assert not NotifySettings.objects.filter(agent=desk.tech).exists()
    # Customers have no such page.
    assert _client(desk.acme_alice).get(URL).status_code == 404
    assert Client().get(URL).status_code == 302  # to the sign-in page


def test_the_settings_decide_the_ways_out(
    desk: Desk, sla: Sla, clock: Clock, mailoutbox: list[object]
) -> None:
    # Anna wants SLA warnings in the browser but not by e-mail
    actions.save_notify_settings(
        desk.agent, by=desk.agent,
        channel_kinds={"browser": ["sla_warning"], "email": ["sla_breach"], "telegram": []},
        telegram_chat_id="", quiet_from=None, quiet_until=None, tz="UTC",
    )  # fmt: skip
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = ticket_actions.create_ticket(
        subject="Banner gone", body="Since this morning.", customer=desk.acme_alice,
        channel=Channel.WEB, by=None,
    )  # fmt: skip
    ticket_actions.assign(ticket, desk.agent, by=desk.agent)
    clock.to(ams(2026, 3, 30, 10, 48))
    sweep()
    for event in Event.objects.filter(kind=EventKind.SLA_WARNING):
        notify.deliver(event)
    note = Notification.objects.get(recipient=desk.agent)
    assert note.channels == "" and mailoutbox == []  # stored in the desk, no e-mail
    items = json.loads(_client(desk.agent).get("/sla/notifications/").content)["items"]
    assert [(i["id"], i["popup"]) for i in items] == [(note.pk, True)]
    # without the browser, it is listed but does not pop up
    NotifySettings.objects.filter(agent=desk.agent).update(channel_kinds={"browser": []})
    items = json.loads(_client(desk.agent).get("/sla/notifications/").content)["items"]
    assert [i["popup"] for i in items] == [False]
