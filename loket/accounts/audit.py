"""Sign-in and second-factor events in the audit log, from allauth's and axes's signals.

Connected in ``AccountsConfig.ready``. Every row is written through
``actions.record_security_event``; the actor is whoever was signed in (None for events during
sign-in, before anyone is).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from axes.signals import user_locked_out
from django.http import HttpRequest
from django.utils import timezone

from loket.accounts.actions import record_security_event
from loket.accounts.lockout import cool_off_seconds
from loket.accounts.models import AuditEntry, User
from loket.lib.clientip import client_ip


def _actor(request: HttpRequest | None) -> User | None:
    user = getattr(request, "user", None)
    return user if isinstance(user, User) else None


def _address(request: HttpRequest | None) -> str:
    return client_ip(request) if request is not None else ""


def _kind(authenticator: Authenticator) -> str:
    return str(authenticator.type)


def authenticator_added(
    sender: Any, request: HttpRequest, user: User, authenticator: Authenticator, **kw: Any
) -> None:
    record_security_event(
        "mfa_recovery_codes_generated"
        if authenticator.type == Authenticator.Type.RECOVERY_CODES
        else "mfa_authenticator_added",
        subject=user,
        actor=_actor(request),
        type=_kind(authenticator),
    )


def authenticator_removed(
    sender: Any, request: HttpRequest, user: User, authenticator: Authenticator, **kw: Any
) -> None:
    record_security_event(
        "mfa_authenticator_removed",
        subject=authenticator.user,
        actor=_actor(request),
        type=_kind(authenticator),
    )


def authenticator_reset(
    sender: Any, request: HttpRequest, user: User, authenticator: Authenticator, **kw: Any
) -> None:
    # allauth "resets" an authenticator only by generating new recovery codes.
    record_security_event(
        "mfa_recovery_codes_generated",
        subject=user,
        actor=_actor(request),
        type=_kind(authenticator),
    )


def authentication_failed(
    sender: Any,
    request: HttpRequest,
    user: User,
    authenticator: Authenticator,
    reauthentication: bool = False,
    **kw: Any,
) -> None:
    record_security_event(
        "mfa_reauthentication_failed" if reauthentication else "mfa_login_failed",
        subject=user,
        actor=_actor(request),
        type=_kind(authenticator),
        address=_address(request),
    )


def locked_out(
    sender: Any, request: HttpRequest | None, username: str, ip_address: str, **kw: Any
) -> None:
    """One row when an account is locked for an address, not one per refused attempt (axes
    sends the signal for each); only for accounts that exist, so made-up names fill nothing."""
    subject = User.objects.with_addresses([username]).first() if username else None
    if subject is None:
        return
    since = timezone.now() - timedelta(seconds=cool_off_seconds(request))
    if AuditEntry.objects.filter(
        action="login_locked_out",
        subject=subject,
        created_at__gte=since,
        data__address=ip_address,
    ).exists():
        return
    record_security_event("login_locked_out", subject=subject, address=ip_address)


def connect() -> None:
    mfa_signals.authenticator_added.connect(authenticator_added, dispatch_uid="loket.audit.added")
    mfa_signals.authenticator_removed.connect(
        authenticator_removed, dispatch_uid="loket.audit.removed"
    )
    mfa_signals.authenticator_reset.connect(authenticator_reset, dispatch_uid="loket.audit.reset")
    mfa_signals.authentication_failed.connect(
        authentication_failed, dispatch_uid="loket.audit.mfa_failed"
    )
    user_locked_out.connect(locked_out, dispatch_uid="loket.audit.locked_out")
