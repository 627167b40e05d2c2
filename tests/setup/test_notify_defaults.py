"""The desk's notification defaults: a manager sets them, agents without settings of their
own (new ones too) get them, agents' own choices are kept; checked and audited."""

from __future__ import annotations

from datetime import time

import pytest
from django.test import Client

from loket.accounts import staff
from loket.accounts.models import AuditEntry, Role, User
from loket.sla import actions as sla_actions
from loket.sla import notify
from loket.sla.models import NotificationKind, NotifySettings
from tests.conftest import Desk

pytestmark = pytest.mark.django_db

URL = "/desk/settings/notification-defaults/"


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(**fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "browser": ["sla_breach", "alarm", "assigned"],
        "email": ["sla_breach"],
        "telegram": [],
        "push": ["alarm"],
        "quiet_from": "20:00",
        "quiet_until": "08:00",
        "tz": "Europe/Amsterdam",
    }
    data.update(fields)
    return data


def test_only_managers_set_the_defaults(desk: Desk) -> None:
    assert _as(desk.agent).get(URL).status_code == 403
    assert _as(desk.agent).post(URL, _post()).status_code == 403
    assert _as(desk.acme_alice).get(URL).status_code in (302, 403, 404)
    assert not AuditEntry.objects.filter(data__section="notify_defaults").exists()
    assert _as(desk.manager).get(URL).status_code == 200
    assert _as(desk.admin).get(URL).status_code == 200


def test_the_form_is_checked(desk: Desk) -> None:
    manager = _as(desk.manager)
    half = manager.post(URL, _post(quiet_until="")).content.decode()
    assert "Give both the start and the end of the quiet hours." in half
    unknown = manager.post(URL, _post(email=["sla_breach", "lottery"])).content.decode()
    assert "Select a valid choice. lottery is not one of the available choices." in unknown
    zone = manager.post(URL, _post(tz="Mars/Olympus")).content.decode()
    assert "Select a valid choice." in zone
    assert not AuditEntry.objects.filter(data__section="notify_defaults").exists()


def test_new_agents_get_the_defaults_and_own_choices_are_kept(desk: Desk) -> None:
    # given an agent who chose for themselves: only breaches, by e-mail, no quiet hours
    sla_actions.save_notify_settings(
        desk.tech, by=desk.tech, channel_kinds={"email": ["sla_breach"], "browser": []},
        telegram_chat_id="", quiet_from=None, quiet_until=None, tz="Europe/London",
    )  # fmt: skip
    # when a manager sets the desk's defaults
    response = _as(desk.manager).post(URL, _post())
    assert response.status_code == 302
    # then a newly invited agent starts with them
    newcomer = staff.invite_staff(
        "new@desk.test", name="Nieuw", role=Role.AGENT, teams=[desk.first_line], by=desk.manager
    )
    prefs = notify.prefs_of(newcomer)
    assert prefs.wants(NotificationKind.ASSIGNED, "browser")
    assert not prefs.wants(NotificationKind.ASSIGNED, "email")
    assert prefs.wants(NotificationKind.SLA_BREACH, "email")
    assert not prefs.wants(NotificationKind.SLA_BREACH, "push")
    assert (prefs.quiet_from, prefs.quiet_until) == (time(20, 0), time(8, 0))
    # and so does an agent who never chose, while the one who chose keeps their choice
    assert notify.prefs_of(desk.agent).quiet_from == time(20, 0)
    own = notify.prefs_of(desk.tech)
    assert own.quiet_from is None and own.tz == "Europe/London"
    assert own.wants(NotificationKind.SLA_BREACH, "email")
    assert not own.wants(NotificationKind.SLA_BREACH, "browser")
    assert NotifySettings.objects.filter(agent=newcomer).count() == 0  # nothing copied
    # and the agent's own page starts from the defaults
    page = _as(desk.agent).get("/sla/notifications/settings/").content.decode()
    assert 'value="20:00"' in page


def test_changes_are_audited_per_channel(desk: Desk) -> None:
    manager = _as(desk.manager)
    manager.post(URL, _post())
    entry = AuditEntry.objects.get(data__section="notify_defaults", actor=desk.manager)
    changes = entry.data["changes"]
    assert changes["email"][1] == ["sla_breach"]
    assert changes["quiet_from"] == [None, "20:00:00"]
    assert "tz" not in changes  # unchanged
    manager.post(URL, _post())  # the same again: no new row
    assert AuditEntry.objects.filter(data__section="notify_defaults").count() == 1
    page = manager.get("/desk/settings/audit/?section=notify_defaults").content.decode()
    assert "Notification defaults" in page


def test_the_defaults_page_speaks_dutch_and_russian(desk: Desk) -> None:
    for language, words in (("nl", ["Standaardinstellingen voor meldingen", "Stille uren"]),
                            ("ru", ["Уведомления по умолчанию", "Тихие часы"])):  # fmt: skip
        desk.manager.language = language
        desk.manager.save(update_fields=["language"])
        page = _as(desk.manager).get(URL).content.decode()
        assert all(word in page for word in words), language
