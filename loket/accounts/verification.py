"""Whether a person has proven their e-mail address (allauth's ``EmailAddress`` records).

Signing up, and asking for a password reset, leave an unverified record until the person
clicks the link mailed to the address. People the desk made itself (agents, customers who
wrote in or whom an agent added, the demo) have no record at all: nobody claimed their address
through a form, and a customer without a password can only get one through a password-reset
mail to that address.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress

from loket.accounts.models import User


def address_verified(user: User, email: str | None = None) -> bool:
    """``email`` (default: the person's own address) is theirs and proven."""
    address = (email or user.email).lower()
    found: bool = EmailAddress.objects.filter(
        user_id=user.pk, email=address, verified=True
    ).exists()
    return found


def awaiting_verification(user: User) -> bool:
    """The person's own address was claimed through a form and is not proven yet."""
    states = set(
        EmailAddress.objects.filter(user_id=user.pk, email=user.email.lower()).values_list(
            "verified", flat=True
        )
    )
    return states == {False}
