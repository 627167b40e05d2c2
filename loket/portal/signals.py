"""A customer who verifies their address has also confirmed what the contact form filed
under it."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.dispatch import receiver

from loket.accounts.models import User
from loket.tickets import actions
from loket.tickets.models import Ticket


@receiver(email_confirmed, dispatch_uid="loket.portal.confirm_contact_tickets")
def confirm_contact_tickets(sender: Any, email_address: EmailAddress, **kwargs: Any) -> None:
    user = email_address.user
    if not isinstance(user, User) or user.email.lower() != email_address.email.lower():
        return
    for ticket in Ticket.objects.filter(customer=user, sender_unconfirmed=True):
        actions.confirm_sender(ticket)
