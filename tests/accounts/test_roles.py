"""Roles and team membership change only by an active admin, never on oneself, always audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from loket.accounts.actions import set_role, set_teams
from loket.accounts.models import AuditEntry, Role, User


def _role(user: User) -> str:
    return User.objects.get(pk=user.pk).role


def test_admin_changes_a_role_and_it_is_audited(desk):
    # when the admin makes the first-line agent a manager
    set_role(desk.agent, Role.MANAGER, by=desk.admin)
    # then the role is stored and the audit log says who, whom, before and after
    assert _role(desk.agent) == Role.MANAGER
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.subject, entry.action) == (desk.admin, desk.agent, "role_changed")
    assert entry.data == {"before": "agent", "after": "manager"}


@pytest.mark.parametrize("who", ["manager", "agent", "tech", "acme_alice", "loner"])
def test_only_admins_change_roles(desk, who):
    # given someone who is not an admin
    actor = getattr(desk, who)
    # when they try to make a customer an admin, or themselves one
    for target in (desk.acme_bob, actor):
        with pytest.raises(PermissionDenied):
            set_role(target, Role.ADMIN, by=actor)
    # then nothing changed and nothing was audited
    assert _role(desk.acme_bob) == Role.CUSTOMER
    assert _role(actor) == getattr(desk, who).role
    assert not AuditEntry.objects.exists()


def test_an_admin_cannot_change_their_own_role(desk):
    with pytest.raises(PermissionDenied):
        set_role(desk.admin, Role.AGENT, by=desk.admin)
    assert _role(desk.admin) == Role.ADMIN
    assert not AuditEntry.objects.exists()


def test_a_deactivated_admin_changes_nothing(desk):
    desk.admin.is_active = False
    desk.admin.save()
    with pytest.raises(PermissionDenied):
        set_role(desk.agent, Role.ADMIN, by=desk.admin)
    assert _role(desk.agent) == Role.AGENT


def test_unknown_role_is_refused(desk):
    with pytest.raises(ValueError, match="wizard"):
        set_role(desk.agent, "wizard", by=desk.admin)
    assert _role(desk.agent) == Role.AGENT
    assert not AuditEntry.objects.exists()


def test_demoted_agent_loses_agent_rights(desk):
    set_role(desk.agent, Role.CUSTOMER, by=desk.admin)
    assert not User.objects.get(pk=desk.agent.pk).is_agent


def test_admin_changes_teams_and_it_is_audited(desk):
    set_teams(desk.agent, [desk.first_line, desk.second_line], by=desk.admin)
    assert set(desk.agent.teams.all()) == {desk.first_line, desk.second_line}
    entry = AuditEntry.objects.get()
    assert entry.action == "teams_changed" and entry.subject == desk.agent
    assert entry.data["before"] == [desk.first_line.name]
    assert entry.data["after"] == sorted([desk.first_line.name, desk.second_line.name])


@pytest.mark.parametrize("who", ["manager", "agent"])
def test_agents_cannot_put_themselves_in_other_teams(desk, who):
    actor = getattr(desk, who)
    before = set(actor.teams.all())
    with pytest.raises(PermissionDenied):
        set_teams(actor, [desk.management, desk.second_line], by=actor)
    assert set(actor.teams.all()) == before
    assert not AuditEntry.objects.exists()
