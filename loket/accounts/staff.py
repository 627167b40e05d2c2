"""Staff management from the desk's settings: invite an agent by mail, deactivate and
reactivate. Every change is audited; role and team changes are in ``actions``.

The invitation makes the account at once (without a usable password) and mails a link
signed by Django's password-reset token generator: it works once (setting the password
changes the hash it is bound to) and expires after ``PASSWORD_RESET_TIMEOUT``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from loket.accounts.models import STAFF_ROLES, AuditEntry, DeskSettings, Role, Team, User


class StaffError(ValueError):
    """A staff change that is refused, with the reason for the person who asked."""


def _require_manager(by: User) -> None:
    if not (by.is_active and by.is_manager):
        raise PermissionDenied(_("Only managers and admins manage staff."))


def _require_rank(by: User, role: str) -> None:
    """A manager handles agents; only an admin handles managers and admins."""
    if role in (Role.MANAGER, Role.ADMIN) and not by.is_admin:
        raise PermissionDenied(_("Only an admin invites or changes managers and admins."))


@transaction.atomic
def invite_staff(
    email: str, *, name: str, role: str, teams: list[Team], by: User, language: str = ""
) -> User:
    from loket.accounts.tasks import send_staff_invitation

    _require_manager(by)
    if role not in STAFF_ROLES:
        raise StaffError(_("Choose agent, manager or admin."))
    _require_rank(by, role)
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.with_addresses([email]).exists():
        raise StaffError(_("Somebody with this address has an account already."))
    user = User.objects.create_user(
        email, None, role=role, display_name=" ".join(name.split()), language=language
    )
    user.teams.set(teams)
    AuditEntry.objects.create(
        actor=by,
        subject=user,
        action="staff_invited",
        data={"email": email, "role": role, "teams": sorted(t.name for t in teams)},
    )
    send_staff_invitation.enqueue(user.pk)  # same transaction: an outbox
    return user


def link_for(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("setup:join", args=[uid, default_token_generator.make_token(user)])
    return settings.BASE_URL.rstrip("/") + path


def invited_user(uidb64: str, token: str) -> User | None:
    """The person a join link names, if its token still holds."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, OverflowError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not user.is_agent or not default_token_generator.check_token(user, token):
        return None
    return user


@transaction.atomic
def accept_invitation(user: User, password: str) -> None:
    """Sets the password (which spends the link) and marks the address verified: whoever
    opened the link reads that mailbox."""
    from allauth.account.models import EmailAddress

    user.set_password(password)
    user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    AuditEntry.objects.create(actor=user, subject=user, action="staff_joined", data={})


def send_invitation(user: User) -> bool:
    if not user.is_active or user.has_usable_password():
        return False
    desk = DeskSettings.current().desk_name
    with translation.override(user.language or settings.LANGUAGE_CODE):
        values = {
            "site": desk,
            "link": link_for(user),
            "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        }
        subject = _("You are invited to work in the %(site)s desk") % values
        body = (
            _(
                "Hello,\n\n"
                "You have been given an account in the %(site)s help desk. Open this link to "
                "choose your password:\n\n%(link)s\n\n"
                "The link works once, for %(days)s days. If you did not expect this, you can "
                "ignore this mail."
            )
            % values
        )
    mail = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    mail.extra_headers["Auto-Submitted"] = "auto-generated"
    mail.send()
    return True


@transaction.atomic
def set_active(user: User, active: bool, *, by: User) -> None:
    """Deactivates (they can no longer sign in; their sessions stop working) or reactivates
    a staff member. Nobody deactivates themselves."""
    _require_manager(by)
    if not user.is_agent:
        raise StaffError(_("Only staff accounts are managed here."))
    if user.pk == by.pk:
        raise PermissionDenied(_("Nobody deactivates themselves."))
    _require_rank(by, user.role)
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    AuditEntry.objects.create(
        actor=by, subject=user, action="staff_reactivated" if active else "staff_deactivated"
    )
