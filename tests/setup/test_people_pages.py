"""Teams and staff in the settings area: validated, permission-checked, audited; an invited
agent chooses a password through a link that works once."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from loket.accounts.models import AuditEntry, Role, Team, Tier, User
from tests.accounts.conftest import mails_to, path_in, run_queued
from tests.conftest import Desk

pytestmark = pytest.mark.django_db
SEND = "loket.accounts.tasks.send_staff_invitation"


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "path", ["/desk/settings/teams/", "/desk/settings/agents/", "/desk/settings/audit/",
             "/desk/settings/sla/", "/desk/settings/calendars/"],
)  # fmt: skip
def test_an_agent_is_refused_manager_pages(desk: Desk, path: str) -> None:
    assert _as(desk.agent).get(path).status_code == 403
    assert _as(desk.manager).get(path).status_code == 200


def test_a_second_default_team_for_a_tier_is_refused_with_a_reason(desk: Desk) -> None:
    response = _as(desk.manager).post(
        "/desk/settings/teams/new/",
        {"name": "Night", "tier": Tier.FIRST_LINE, "is_default_for_tier": "on"},
    )
    assert response.status_code == 200
    assert "already the default team of this tier" in response.content.decode()
    assert not Team.objects.filter(name="Night").exists()


def test_a_new_team_is_saved_and_audited(desk: Desk) -> None:
    response = _as(desk.manager).post(
        "/desk/settings/teams/new/",
        {"name": " Night  shift ", "tier": Tier.FIRST_LINE, "members": [desk.agent.pk]},
    )
    assert response.status_code == 302
    team = Team.objects.get(name="Night shift")
    assert list(team.members.all()) == [desk.agent]
    entry = AuditEntry.objects.get(action="setting_created", actor=desk.manager)
    assert entry.data["section"] == "teams" and entry.data["pk"] == team.pk
    assert entry.data["changes"]["members"] == [[], ["Anna de Vries"]] or entry.data["changes"][
        "members"
    ][1] == [str(desk.agent)]


def test_an_invited_agent_sets_a_password_once(desk: Desk, mta: Any) -> None:
    manager = _as(desk.manager)
    # a manager may not invite an admin
    refused = manager.post(
        "/desk/settings/agents/invite/",
        {"email": "boss@loket.test", "name": "Big Boss", "role": "admin", "language": "en"},
    )
    assert refused.status_code == 200 and not User.objects.filter(email="boss@loket.test")
    # an address that has an account already is refused with a reason
    taken = manager.post(
        "/desk/settings/agents/invite/",
        {"email": desk.acme_alice.email, "name": "Alice", "role": "agent", "language": "en"},
    )
    assert "has an account already" in taken.content.decode()
    response = manager.post(
        "/desk/settings/agents/invite/",
        {"email": "new@loket.test", "name": "Nina Nieuw", "role": "agent", "language": "en",
         "teams": [desk.first_line.pk]},
    )  # fmt: skip
    assert response.status_code == 302
    newbie = User.objects.get(email="new@loket.test")
    assert newbie.role == Role.AGENT and not newbie.has_usable_password()
    assert AuditEntry.objects.filter(action="staff_invited", subject=newbie).exists()
    assert run_queued(SEND) == 1
    (mail,) = mails_to(mta, "new@loket.test")
    link = path_in(mail, "/desk/settings/join/")
    visitor = Client()
    mismatch = visitor.post(link, {"password1": "Lang-genoeg-42", "password2": "other"})
    assert "differ" in mismatch.content.decode()
    done = visitor.post(link, {"password1": "Lang-genoeg-42", "password2": "Lang-genoeg-42"})
    assert done.status_code == 302
    newbie.refresh_from_db()
    assert newbie.check_password("Lang-genoeg-42")
    assert EmailAddress.objects.get(user=newbie).verified
    assert visitor.get(link).status_code == 404  # spent


def test_roles_change_only_by_an_admin_and_are_audited(desk: Desk) -> None:
    _as(desk.manager).post(f"/desk/settings/agents/{desk.agent.pk}/role/", {"role": "manager"})
    desk.agent.refresh_from_db()
    assert desk.agent.role == Role.AGENT
    _as(desk.admin).post(f"/desk/settings/agents/{desk.agent.pk}/role/", {"role": "manager"})
    desk.agent.refresh_from_db()
    assert desk.agent.role == Role.MANAGER
    entry = AuditEntry.objects.get(action="role_changed", subject=desk.agent)
    assert entry.actor == desk.admin and entry.data == {"before": "agent", "after": "manager"}
    assert "role changed" in _as(desk.admin).get("/desk/settings/audit/").content.decode()


def test_a_deactivated_agent_is_signed_out_and_can_come_back(desk: Desk) -> None:
    agent = _as(desk.agent)
    assert agent.get("/desk/").status_code == 200
    manager = _as(desk.manager)
    manager.post(f"/desk/settings/agents/{desk.agent.pk}/active/", {"active": "0"})
    desk.agent.refresh_from_db()
    assert not desk.agent.is_active
    assert agent.get("/desk/").status_code == 302  # the session no longer counts
    assert AuditEntry.objects.filter(action="staff_deactivated", subject=desk.agent).exists()
    # nobody deactivates themselves, and a manager does not deactivate an admin
    manager.post(f"/desk/settings/agents/{desk.manager.pk}/active/", {"active": "0"})
    manager.post(f"/desk/settings/agents/{desk.admin.pk}/active/", {"active": "0"})
    assert User.objects.filter(pk__in=[desk.manager.pk, desk.admin.pk], is_active=True).count() == 2
    manager.post(f"/desk/settings/agents/{desk.agent.pk}/active/", {"active": "1"})
    desk.agent.refresh_from_db()
    assert desk.agent.is_active
