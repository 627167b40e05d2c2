"""Joining an organisation by invitation: an agent (on the desk) or the organisation's own
admin (in the portal) invites an address; a mail carries a signed link that expires; the
person joins after signing in with that address and verifying it. Every change is audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone

from loket.accounts import actions
from loket.accounts.invitations import token_for
from loket.accounts.models import AuditEntry, Invitation, User
from loket.tickets.models import Ticket
from tests.accounts.conftest import mails_to, path_in, run_queued, sign_in, sign_up, verify
from tests.conftest import Desk

SEND = "loket.accounts.tasks.send_invitation"
NEWBIE = "newbie@partner.test"


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_invitation_from_the_desk_end_to_end(desk: Desk, acme_ticket: Ticket, mta: Any) -> None:
    # given an agent invites an outside address to Acme on the desk's organisation page
    agent = _as(desk.agent)
    response = agent.post(f"/desk/organisations/{desk.acme.pk}/invite/", {"email": NEWBIE})
    assert response.status_code == 302
    assert NEWBIE in agent.get(f"/desk/organisations/{desk.acme.pk}/").content.decode()
    assert AuditEntry.objects.filter(action="organisation_invited", actor=desk.agent).exists()
    # when the worker sends the mail
    assert run_queued(SEND) == 1
    (mail,) = mails_to(mta, NEWBIE)
    link = path_in(mail, "/invitations/")
    assert "Acme" in str(mail["Subject"])
    # then a visitor opening it is asked to sign in or create an account with that address
    visitor = Client()
    page = visitor.get(link).content.decode()
    assert "Create an account" in page and NEWBIE in page
    # when they sign up and sign in without verifying, the link asks them to verify first,
    # and accepting does nothing yet
    sign_up(visitor, NEWBIE)
    sign_in(visitor, NEWBIE)
    assert "Confirm" in visitor.get(link).content.decode()
    visitor.post(link)
    assert User.objects.get(email=NEWBIE).organisation_id is None
    assert acme_ticket.subject not in visitor.get("/portal/").content.decode()
    # when they verify and accept
    verify(visitor, mta, NEWBIE)
    assert "Join Acme" in visitor.get(link).content.decode()
    assert visitor.post(link)["Location"] == "/portal/"
    # then they are a member, audited, and see Acme's tickets
    member = User.objects.get(email=NEWBIE)
    assert member.organisation_id == desk.acme.pk
    joined = AuditEntry.objects.get(action="organisation_joined", subject=member)
    assert joined.data["via"] == "invitation"
    assert acme_ticket.subject in visitor.get("/portal/").content.decode()
    # and the link is used up
    assert visitor.get(link).status_code == 404


@pytest.fixture
def invitation(desk: Desk) -> Invitation:
    return actions.invite(desk.acme, NEWBIE, by=desk.agent)


def _verified(email: str) -> User:
    user = User.objects.create_user(email, "pw-for-tests-1", role="customer")
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def test_the_link_works_only_for_the_invited_address(desk: Desk, invitation: Invitation) -> None:
    link = f"/invitations/{token_for(invitation)}/"
    # someone signed in with another (verified) address cannot use it
    other = _verified("other@partner.test")
    client = _as(other)
    assert "another account" in client.get(link).content.decode()
    client.post(link)
    assert User.objects.get(pk=other.pk).organisation_id is None
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is None
    # nor can an agent
    _as(desk.agent).post(link)
    assert User.objects.get(pk=desk.agent.pk).organisation_id is None


def test_expired_withdrawn_and_forged_links_are_refused(desk: Desk, invitation: Invitation) -> None:
    newbie = _verified(NEWBIE)
    link = f"/invitations/{token_for(invitation)}/"
    # a forged token is not found
    assert _as(newbie).get(link.replace("/invitations/", "/invitations/x")).status_code == 404
    # past its days the link no longer works
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert _as(newbie).post(link).status_code == 404
    assert User.objects.get(pk=newbie.pk).organisation_id is None
    # a withdrawn invitation is refused too (and the withdrawal audited)
    actions.revoke_invitation(invitation, by=desk.agent)
    assert _as(newbie).post(link).status_code == 404
    assert AuditEntry.objects.filter(action="organisation_invitation_revoked").exists()
    assert User.objects.get(pk=newbie.pk).organisation_id is None


def test_an_invitation_brings_back_someone_removed(desk: Desk) -> None:
    actions.remove_member(desk.acme_bob, by=desk.agent)
    EmailAddress.objects.create(user=desk.acme_bob, email=desk.acme_bob.email, verified=True)
    invitation = actions.invite(desk.acme, desk.acme_bob.email, by=desk.agent)
    actions.accept_invitation(invitation, User.objects.get(pk=desk.acme_bob.pk))
    assert User.objects.get(pk=desk.acme_bob.pk).organisation_id == desk.acme.pk


def test_an_organisation_admin_invites_and_removes_colleagues_in_the_portal(
    desk: Desk, mta: Any
) -> None:
    # given a manager made Alice Acme's admin (audited)
    actions.set_organisation_admin(desk.acme_alice, True, by=desk.manager)
    assert AuditEntry.objects.filter(action="organisation_admin_changed").exists()
    alice = _as(User.objects.get(pk=desk.acme_alice.pk))
    page = alice.get("/portal/organisation/").content.decode()
    assert desk.acme_bob.email in page
    assert 'href="/portal/organisation/"' in alice.get("/portal/").content.decode()
    # when she invites a colleague, then the invitation is mailed
    assert alice.post("/portal/organisation/invite/", {"email": "colleague@acme.test"}).status_code
    assert Invitation.objects.get(email="colleague@acme.test").invited_by == desk.acme_alice
    run_queued(SEND)
    assert mails_to(mta, "colleague@acme.test")
    # when she removes Bob, then he sees only his own tickets from now on (audited)
    alice.post(f"/portal/organisation/members/{desk.acme_bob.pk}/remove/")
    assert User.objects.get(pk=desk.acme_bob.pk).organisation_id is None
    removed = AuditEntry.objects.get(action="organisation_member_removed")
    assert (removed.actor, removed.subject) == (desk.acme_alice, desk.acme_bob)
    # she cannot remove herself
    alice.post(f"/portal/organisation/members/{desk.acme_alice.pk}/remove/")
    assert User.objects.get(pk=desk.acme_alice.pk).organisation_id == desk.acme.pk


def test_only_an_organisation_admin_manages_members_and_only_their_own(desk: Desk) -> None:
    actions.set_organisation_admin(desk.globex_carol, True, by=desk.manager)
    carol = _as(User.objects.get(pk=desk.globex_carol.pk))
    bob = _as(desk.acme_bob)  # an Acme member, not its admin
    # Bob has no organisation page and cannot invite or remove
    assert bob.get("/portal/organisation/").status_code == 404
    assert bob.post("/portal/organisation/invite/", {"email": "x@acme.test"}).status_code == 404
    assert bob.post(f"/portal/organisation/members/{desk.acme_alice.pk}/remove/").status_code == 404
    # Carol manages Globex, not Acme: Acme's people are not found for her
    assert (
        carol.post(f"/portal/organisation/members/{desk.acme_alice.pk}/remove/").status_code == 404
    )
    assert User.objects.get(pk=desk.acme_alice.pk).organisation_id == desk.acme.pk
    assert not Invitation.objects.exists()
    # and an organisation admin whose address waits for verification manages nothing
    EmailAddress.objects.create(user=desk.globex_carol, email=desk.globex_carol.email)
    assert carol.get("/portal/organisation/").status_code == 404


def test_the_desk_organisation_pages(desk: Desk) -> None:
    agent, manager = _as(desk.agent), _as(desk.manager)
    # the list and the page, linked from the desk's navigation
    listing = agent.get("/desk/organisations/").content.decode()
    assert 'href="/desk/organisations/"' in listing and "Acme" in listing and "Globex" in listing
    assert "Acme" in agent.get("/desk/organisations/", {"q": "acme.test"}).content.decode()
    page = agent.get(f"/desk/organisations/{desk.acme.pk}/").content.decode()
    assert desk.acme_alice.email in page and "acme.test" in page
    # an agent cannot switch joining by domain; a manager can, and it is audited
    agent.post(f"/desk/organisations/{desk.acme.pk}/auto-join/", {"auto_join": "on"})
    desk.acme.refresh_from_db()
    assert desk.acme.auto_join is False
    manager.post(f"/desk/organisations/{desk.acme.pk}/auto-join/", {"auto_join": "on"})
    desk.acme.refresh_from_db()
    assert desk.acme.auto_join is True
    entry = AuditEntry.objects.get(action="organisation_auto_join")
    assert (entry.actor, entry.data["after"]) == (desk.manager, True)
    # an agent removes a member (audited) and the page's history says so
    agent.post(f"/desk/organisations/{desk.acme.pk}/members/{desk.acme_bob.pk}/remove/")
    assert User.objects.get(pk=desk.acme_bob.pk).organisation_id is None
    history = agent.get(f"/desk/organisations/{desk.acme.pk}/").content.decode()
    assert f"removed {desk.acme_bob.email}" in history
    # someone of another organisation is not a member to remove here
    response = agent.post(
        f"/desk/organisations/{desk.acme.pk}/members/{desk.globex_carol.pk}/remove/"
    )
    assert response.status_code == 404
    # customers never reach the desk pages
    assert _as(desk.acme_alice).get("/desk/organisations/")["Location"] == "/portal/"
