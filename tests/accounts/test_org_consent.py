"""Membership takes a verified address and the organisation's consent (joining by domain
switched on, or an invitation); an unverified account sees only its own tickets. The sign-up
scenarios themselves are in test_signup_domain.py."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from allauth.account.models import EmailAddress
from django.apps import apps
from django.test import Client

from loket.accounts import actions
from loket.accounts.access import customers_visible_to, shared_organisation_id
from loket.accounts.models import AuditEntry, Organisation, User
from loket.tickets import actions as ticket_actions
from loket.tickets.access import tickets_visible_to
from loket.tickets.models import Channel, Ticket
from tests.accounts.conftest import mails_to, sign_in, sign_up, text_of, verify
from tests.accounts.test_signup_domain import INTRUDER
from tests.conftest import Desk


def test_a_verified_account_joins_at_sign_in_once_the_domain_is_switched_on(
    desk: Desk, mta: Any
) -> None:
    # given someone who verified an Acme address while joining by domain was off
    client = Client()
    sign_up(client, INTRUDER)
    verify(client, mta, INTRUDER)
    assert User.objects.get(email=INTRUDER).organisation_id is None
    # when a manager switches it on and they sign in again
    actions.set_auto_join(desk.acme, True, by=desk.manager)
    sign_in(Client(), INTRUDER)
    # then they joined
    assert User.objects.get(email=INTRUDER).organisation_id == desk.acme.pk


def test_someone_removed_does_not_come_back_by_domain(desk: Desk) -> None:
    # given Acme joins by domain and a verified person joined that way
    actions.set_auto_join(desk.acme, True, by=desk.manager)
    dave = User.objects.create_user("dave@acme.test", "x", role="customer")
    EmailAddress.objects.create(user=dave, email=dave.email, verified=True, primary=True)
    assert actions.join_by_domain(dave) == desk.acme
    # when an agent removes him (audited)
    actions.remove_member(dave, by=desk.agent)
    assert AuditEntry.objects.filter(action="organisation_member_removed", subject=dave).exists()
    # then signing in or verifying again does not bring him back
    assert actions.join_by_domain(User.objects.get(pk=dave.pk)) is None
    assert User.objects.get(pk=dave.pk).organisation_id is None
    # but an invitation would (see test_invitations)


def test_unverified_sign_up_never_joins_by_domain_even_when_switched_on(desk: Desk) -> None:
    actions.set_auto_join(desk.acme, True, by=desk.manager)
    eve = User.objects.create_user("eve@acme.test", "x", role="customer")
    EmailAddress.objects.create(user=eve, email=eve.email, verified=False, primary=True)
    assert actions.join_by_domain(eve) is None
    assert User.objects.get(pk=eve.pk).organisation_id is None


def test_a_member_whose_address_waits_for_verification_sees_only_their_own_tickets(
    desk: Desk, acme_ticket: Ticket
) -> None:
    # given Bob of Acme asked for a password reset (an unverified address record) and
    # opened a ticket of his own
    record = EmailAddress.objects.create(user=desk.acme_bob, email=desk.acme_bob.email)
    own = ticket_actions.create_ticket(
        subject="Bob's own", body="x", customer=desk.acme_bob, channel=Channel.WEB, by=None
    )
    # then he sees his own ticket only, no colleagues and no organisation
    assert set(tickets_visible_to(desk.acme_bob)) == {own}
    assert list(customers_visible_to(desk.acme_bob)) == [desk.acme_bob]
    assert shared_organisation_id(desk.acme_bob) is None
    client = Client()
    client.force_login(desk.acme_bob)
    home = client.get("/portal/").content.decode()
    assert "Confirm your address" in home and acme_ticket.subject not in home
    # when the address is verified, then Acme's tickets are his to see again
    record.verified = True
    record.save()
    assert set(tickets_visible_to(desk.acme_bob)) == {own, acme_ticket}


def test_the_migration_detaches_members_who_never_verified(desk: Desk) -> None:
    # given, from before consent: an Acme member who signed up and never verified, one who
    # verified, and one the desk made (no address record)
    unverified = User.objects.create_user("legacy@acme.test", "x", organisation=desk.acme)
    EmailAddress.objects.create(user=unverified, email=unverified.email, verified=False)
    verified = User.objects.create_user("proven@acme.test", "x", organisation=desk.acme)
    EmailAddress.objects.create(user=verified, email=verified.email, verified=True)
    # when the data migration runs
    import_module("loket.accounts.migrations.0006_detach_unverified_members").detach(apps, None)
    # then only the unverified one left Acme, with an audit entry
    members = set(Organisation.objects.get(pk=desk.acme.pk).members.all())
    assert unverified not in members
    assert {verified, desk.acme_alice, desk.acme_bob} <= members
    entry = AuditEntry.objects.get(subject=unverified)
    assert entry.action == "organisation_member_detached"
    assert entry.data["organisation"] == desk.acme.pk


def test_the_verification_mail_goes_to_the_new_address_only(desk: Desk, mta: Any) -> None:
    sign_up(Client(), INTRUDER)
    (mail,) = mails_to(mta, INTRUDER)
    assert "/accounts/confirm-email/" in text_of(mail)
