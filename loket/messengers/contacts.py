"""Messenger people on the desk: each is a customer of its own (an address under the reserved
``.invalid`` domain, which no mail can reach) until an agent links them to a known customer.
One customer then has e-mail, Telegram and WhatsApp identities together."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.actions import register_customer
from loket.accounts.models import User
from loket.messengers.models import Contact, Kind
from loket.tickets import actions as ticket_actions
from loket.tickets.actions import ActionError
from loket.tickets.models import Ticket

PLACEHOLDER_DOMAINS = tuple(f"@{k}.invalid" for k in Kind.values)


def placeholder_address(kind: str, external_id: str) -> str:
    return f"{kind}-{external_id}@{kind}.invalid"


def is_placeholder(user: User) -> bool:
    """A customer made for a messenger contact nobody has linked yet (no mail reaches it)."""
    return user.email.lower().endswith(PLACEHOLDER_DOMAINS)


def contact_for(kind: str, external_id: str, *, name: str, handle: str, language: str) -> Contact:
    """The contact for this messenger identity, made (with its own customer) the first time.
    Two first messages at once make one contact: the unique key decides."""
    found = (
        Contact.objects.select_related("customer")
        .filter(kind=kind, external_id=external_id)
        .first()
    )
    if found is not None:
        changed = [
            f
            for f, v in (("display_name", name), ("handle", handle))
            if v and getattr(found, f) != v
        ]
        for f in changed:
            setattr(found, f, name if f == "display_name" else handle)
        if changed:
            found.save(update_fields=changed)
        return found
    try:
        with transaction.atomic():
            customer = register_customer(
                placeholder_address(kind, external_id),
                display_name=name or handle,
                language=language if language in ("en", "nl", "ru") else "",
                join_by_domain=False,
            )
            return Contact.objects.create(
                kind=kind,
                external_id=external_id,
                display_name=name,
                handle=handle,
                customer=customer,
            )
    except IntegrityError:
        return Contact.objects.select_related("customer").get(kind=kind, external_id=external_id)


@transaction.atomic
def link(contact: Contact, customer: User, *, by: User) -> Contact:
    """The agent confirms who ``contact`` is: ``customer`` (found by address, or another
    contact's customer). The contact's tickets become the customer's; a messenger-only customer
    left without contacts is switched off."""
    if not by.is_agent:
        raise ActionError(_("Only agents may do this."))
    if customer.is_agent:
        raise ActionError(_("Link contacts to customers, not to staff."))
    contact = Contact.objects.select_for_update().select_related("customer").get(pk=contact.pk)
    old = contact.customer
    contact.customer = customer
    contact.confirmed_by = by
    contact.confirmed_at = timezone.now()
    contact.save(update_fields=["customer", "confirmed_by", "confirmed_at"])
    if old.pk == customer.pk:
        return contact
    # A messenger-only customer's tickets are all this person's; a real customer's only those
    # of this contact's chats (the agent corrects a link made wrongly).
    tickets = Ticket.objects.filter(customer=old)
    if not is_placeholder(old):
        tickets = tickets.filter(pk__in=contact.conversations.values("ticket"))
    for ticket in tickets.order_by("pk"):
        ticket_actions.set_customer(ticket, customer, by=by)
    if is_placeholder(old) and not Contact.objects.filter(customer=old).exists():
        User.objects.filter(pk=old.pk).update(is_active=False)
    return contact


def customer_by_address(email: str, name: str = "") -> User:
    """The customer with this address, made if there is none (the agent typed it)."""
    email = email.strip()
    known = User.objects.with_addresses([email]).first()
    if known is not None:
        return known
    return register_customer(email, display_name=name, join_by_domain=True)
