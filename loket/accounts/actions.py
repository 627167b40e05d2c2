"""State changes for people and rights. Each one is checked and audited."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from loket.accounts.models import ApiToken, AuditEntry, Organisation, Role, Team, User
from loket.lib import memo


def organisation_for_email(email: str) -> Organisation | None:
    domain = email.rsplit("@", 1)[-1].lower()
    return memo.remember("accounts.organisation_domains", _organisation_domains).get(domain)


def _organisation_domains() -> dict[str, Organisation]:
    by_domain: dict[str, Organisation] = {}
    for org in Organisation.objects.exclude(domains=""):
        for domain in org.domains.split(","):
            if domain.strip():
                by_domain.setdefault(domain.strip().lower(), org)
    return by_domain


def register_customer(
    email: str, *, display_name: str = "", language: str = "", unknown: bool = False
) -> User:
    """Find or create a customer by address; new ones join their domain's organisation.
    ``unknown``: the caller has just looked for the address in this transaction and found
    nobody (a bulk import looks up all of a batch's senders at once)."""
    email = User.objects.normalize_email(email).lower()
    existing = None if unknown else User.objects.with_addresses([email]).first()
    if existing is not None:
        return existing
    return User.objects.create_user(
        email,
        display_name=display_name,
        role=Role.CUSTOMER,
        organisation=organisation_for_email(email),
        language=language,
    )


def _require_admin(by: User) -> None:
    if not (by.is_active and by.is_admin):
        raise PermissionDenied(_("Only an admin can change roles and teams."))


@transaction.atomic
def set_role(user: User, role: Role | str, *, by: User) -> None:
    """Only admins change roles, never their own (an admin cannot lock the desk out)."""
    _require_admin(by)
    if user.pk == by.pk:
        raise PermissionDenied(_("Nobody changes their own role."))
    try:
        role = Role(role)
    except ValueError:
        raise ValueError(_("Unknown role: %(role)s") % {"role": role}) from None
    before = user.role
    user.role = role
    user.save(update_fields=["role"])
    AuditEntry.objects.create(
        actor=by, subject=user, action="role_changed", data={"before": before, "after": role}
    )


@transaction.atomic
def set_teams(user: User, teams: list[Team], *, by: User) -> None:
    _require_admin(by)
    before = sorted(user.teams.values_list("name", flat=True))
    user.teams.set(teams)
    AuditEntry.objects.create(
        actor=by,
        subject=user,
        action="teams_changed",
        data={"before": before, "after": sorted(t.name for t in teams)},
    )


def record_security_event(
    action: str, *, subject: User | None, actor: User | None = None, **data: object
) -> AuditEntry:
    """One audit row for a sign-in or second-factor event (lockouts, authenticators)."""
    return AuditEntry.objects.create(actor=actor, subject=subject, action=action, data=data)


@transaction.atomic
def issue_token(
    user: User,
    name: str,
    *,
    by: User,
    expires_at: datetime | None = None,
    read_only: bool = False,
) -> tuple[ApiToken, str]:
    """A new personal API token for ``user`` (only agents have them), audited. The raw token
    is returned once and never stored."""
    if by.pk != user.pk or not user.is_agent or not user.is_active:
        raise PermissionDenied(_("Only agents create API tokens, and only their own."))
    token, raw = ApiToken.issue(user, name, expires_at=expires_at, read_only=read_only)
    AuditEntry.objects.create(
        actor=by,
        subject=user,
        action="api_token_created",
        data={
            "name": token.name,
            "prefix": token.prefix,
            "read_only": token.read_only,
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        },
    )
    return token, raw


@transaction.atomic
def revoke_token(token: ApiToken, *, by: User) -> None:
    """Deletes a token: its owner may, and an admin may revoke anyone's. Audited."""
    if by.pk != token.user_id and not (by.is_active and by.is_admin):
        raise PermissionDenied(_("Only the owner or an admin revokes an API token."))
    AuditEntry.objects.create(
        actor=by,
        subject_id=token.user_id,
        action="api_token_revoked",
        data={"name": token.name, "prefix": token.prefix},
    )
    token.delete()


@transaction.atomic
def enrol_totp(user: User, secret: str, *, reason: str) -> None:
    """Gives ``user`` an authenticator-app second factor with a known secret (base32), the
    way the demo desk does for its staff. People set up their own through allauth's page;
    this is for seeded data only. Audited."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return
    TOTP.activate(user, secret)
    AuditEntry.objects.create(
        subject=user, action="mfa_authenticator_added", data={"type": "totp", "reason": reason}
    )
