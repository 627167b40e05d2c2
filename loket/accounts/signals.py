"""allauth's signals, turned into Loket's membership rules."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed, user_logged_in
from django.dispatch import receiver

from loket.accounts.actions import join_by_domain
from loket.accounts.models import User


@receiver(email_confirmed, dispatch_uid="loket.accounts.join_on_confirm")
def join_on_confirm(sender: Any, email_address: EmailAddress, **kwargs: Any) -> None:
    """A verified address at a domain that lets its people join: the person joins."""
    user = email_address.user
    if isinstance(user, User):
        join_by_domain(user, email_address.email)


@receiver(user_logged_in, dispatch_uid="loket.accounts.join_on_login")
def join_on_login(sender: Any, user: Any, **kwargs: Any) -> None:
    """Someone verified earlier, signing in after their organisation switched joining by
    domain on."""
    if isinstance(user, User) and user.organisation_id is None and not user.is_agent:
        join_by_domain(user)


@receiver(user_logged_in, dispatch_uid="loket.accounts.session_length")
def staff_session_length(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """The desk's security policy: a staff member's sign-in lasts this many hours."""
    from loket.accounts.models import DeskSettings

    hours = DeskSettings.current().session_hours
    session = getattr(request, "session", None)
    if hours and session is not None and isinstance(user, User) and user.is_agent:
        session.set_expiry(hours * 3600)
