"""State changes for people and rights. Each one is checked and audited.

Joining an organisation takes a proven address and the organisation's consent: either the
organisation lets its e-mail domains join (``Organisation.auto_join``, off unless a manager
switches it on) and the address is verified, or the organisation invites the address (its own
organisation admin or an agent) and the person accepts signed in with it, verified.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.access import organisation_admin_of
from loket.accounts.models import ApiToken, AuditEntry, Invitation, Organisation, Role, Team, User
from loket.accounts.verification import address_verified
from loket.lib import memo


class MembershipError(ValueError):
    """A membership change that cannot be made, with the reason to show."""


def _domain_of(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower()


def organisation_for_email(email: str) -> Organisation | None:
    """The organisation that names this address's domain (whether or not it lets it join)."""
    return memo.remember("accounts.organisation_domains", _organisation_domains).get(
        _domain_of(email)
    )


def auto_join_organisation_for(email: str) -> Organisation | None:
    """The organisation this address joins by its domain: only one that switched that on."""
    organisation = organisation_for_email(email)
    return organisation if organisation is not None and organisation.auto_join else None


def _organisation_domains() -> dict[str, Organisation]:
    by_domain: dict[str, Organisation] = {}
    for org in Organisation.objects.exclude(domains=""):
        for domain in org.domains.split(","):
            if domain.strip():
                by_domain.setdefault(domain.strip().lower(), org)
    return by_domain


def register_customer(
    email: str,
    *,
    display_name: str = "",
    language: str = "",
    unknown: bool = False,
    join_by_domain: bool = True,
) -> User:
    """Find or create a customer by address. A new one joins the organisation of its domain
    only where that organisation has switched joining by domain on (``join_by_domain=False``:
    never, for an address typed into a public form). A customer made here has no password:
    the portal needs one, set through a reset mailed to the address.

    ``unknown``: the caller has just looked for the address in this transaction and found
    nobody (a bulk import looks up all of a batch's senders at once)."""
    email = User.objects.normalize_email(email).lower()
    existing = None if unknown else User.objects.with_addresses([email]).first()
    if existing is not None:
        return existing
    organisation = auto_join_organisation_for(email) if join_by_domain else None
    customer = User.objects.create_user(
        email,
        display_name=display_name,
        role=Role.CUSTOMER,
        organisation=organisation,
        language=language,
    )
    if organisation is not None:
        _audit(None, customer, "organisation_joined", organisation, via="domain")
    return customer


def _audit(
    by: User | None, subject: User | None, action: str, organisation: Organisation, **data: object
) -> None:
    AuditEntry.objects.create(
        actor=by, subject=subject, action=action, data={"organisation": organisation.pk, **data}
    )


def _was_removed_from(user: User, organisation: Organisation) -> bool:
    """Someone removed from an organisation does not come back by its domain (an invitation
    still brings them back)."""
    return AuditEntry.objects.filter(
        subject=user, action="organisation_member_removed", data__organisation=organisation.pk
    ).exists()


@transaction.atomic
def join_by_domain(user: User, email: str | None = None) -> Organisation | None:
    """After ``email`` (default: the person's own address) is verified: the customer joins the
    organisation of its domain, if that organisation lets its domain join and the person is in
    no organisation yet. Returns the organisation joined, if any."""
    email = (email or user.email).lower()
    if user.role != Role.CUSTOMER or not user.is_active:
        return None
    organisation = auto_join_organisation_for(email)
    if organisation is None or not address_verified(user, email):
        return None
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.organisation_id is not None or _was_removed_from(user, organisation):
        return None
    user.organisation = organisation
    user.save(update_fields=["organisation"])
    _audit(None, user, "organisation_joined", organisation, via="domain", email=email)
    return organisation


def _require_manager(by: User) -> None:
    if not (by.is_active and by.is_manager):
        raise PermissionDenied(_("Only managers and admins may do this."))


def _require_member_manager(by: User, organisation: Organisation) -> None:
    """Agents manage every organisation's members; an organisation admin only their own's."""
    if by.is_active and by.is_agent:
        return
    managed = organisation_admin_of(by)
    if managed is None or managed.pk != organisation.pk:
        raise PermissionDenied(_("You may not manage the members of this organisation."))


@transaction.atomic
def set_auto_join(organisation: Organisation, on: bool, *, by: User) -> None:
    """Managers and admins switch joining by e-mail domain on or off."""
    _require_manager(by)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.auto_join == on:
        return
    organisation.auto_join = on
    organisation.save(update_fields=["auto_join"])
    _audit(by, None, "organisation_auto_join", organisation, before=not on, after=on)


@transaction.atomic
def set_organisation_admin(member: User, on: bool, *, by: User) -> None:
    """Managers and admins make a member the organisation's admin in the portal, or undo it."""
    _require_manager(by)
    member = User.objects.select_for_update().get(pk=member.pk)
    if member.organisation is None or member.role != Role.CUSTOMER:
        raise MembershipError(_("Only a member of an organisation can be its admin."))
    if member.is_organisation_admin == on:
        return
    member.is_organisation_admin = on
    member.save(update_fields=["is_organisation_admin"])
    _audit(by, member, "organisation_admin_changed", member.organisation, before=not on, after=on)


@transaction.atomic
def remove_member(member: User, *, by: User) -> None:
    """Takes a customer out of their organisation: from now on they see only their own
    tickets (their tickets stay the organisation's). Agents may remove anyone; an organisation
    admin removes colleagues who are not admins themselves."""
    member = User.objects.select_for_update().get(pk=member.pk)
    organisation = member.organisation
    if organisation is None:
        raise MembershipError(_("This person is in no organisation."))
    _require_member_manager(by, organisation)
    if not by.is_agent and (member.pk == by.pk or member.is_organisation_admin):
        raise PermissionDenied(_("Ask the support desk to remove an organisation admin."))
    member.organisation = None
    member.is_organisation_admin = False
    member.save(update_fields=["organisation", "is_organisation_admin"])
    _audit(by, member, "organisation_member_removed", organisation)


@transaction.atomic
def invite(organisation: Organisation, email: str, *, by: User, language: str = "") -> Invitation:
    """Invites an address to the organisation: a mail with a signed link that expires after
    ``INVITATION_DAYS``. An earlier open invitation of the same address is withdrawn."""
    from loket.accounts.tasks import send_invitation

    _require_member_manager(by, organisation)
    email = User.objects.normalize_email(email.strip()).lower()
    existing = User.objects.with_addresses([email]).first()
    if existing is not None and existing.is_agent:
        raise MembershipError(_("This address belongs to an agent."))
    if existing is not None and existing.organisation_id == organisation.pk:
        raise MembershipError(_("This person is a member already."))
    now = timezone.now()
    Invitation.objects.filter(
        organisation=organisation, email=email, accepted_at=None, revoked_at=None
    ).update(revoked_at=now)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        invited_by=by,
        language=language or (existing.language if existing else ""),
        created_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_DAYS),
    )
    _audit(
        by, existing, "organisation_invited", organisation, email=email, invitation=invitation.pk
    )
    send_invitation.enqueue(invitation.pk)  # same transaction: an outbox
    return invitation


@transaction.atomic
def revoke_invitation(invitation: Invitation, *, by: User) -> None:
    _require_member_manager(by, invitation.organisation)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        return
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    _audit(
        by,
        None,
        "organisation_invitation_revoked",
        invitation.organisation,
        email=invitation.email,
        invitation=invitation.pk,
    )


@transaction.atomic
def accept_invitation(invitation: Invitation, user: User) -> Organisation:
    """``user`` joins: signed in with the invited address, that address verified, and the
    invitation neither used, withdrawn nor expired. A member of another organisation moves."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise MembershipError(_("This invitation has expired or was used or withdrawn."))
    if user.email.lower() != invitation.email.lower():
        raise MembershipError(
            _("This invitation is for %(email)s; sign in with that address to accept it.")
            % {"email": invitation.email}
        )
    if user.role != Role.CUSTOMER or not user.is_active:
        raise MembershipError(_("Only customers join an organisation."))
    if not address_verified(user, invitation.email):
        raise MembershipError(_("Confirm your e-mail address first."))
    member = User.objects.select_for_update().get(pk=user.pk)
    before = member.organisation_id
    member.organisation = invitation.organisation
    if before != invitation.organisation_id:
        member.is_organisation_admin = False
    member.save(update_fields=["organisation", "is_organisation_admin"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = member
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    _audit(
        member,
        member,
        "organisation_joined",
        invitation.organisation,
        via="invitation",
        invitation=invitation.pk,
        invited_by=invitation.invited_by_id,
        before=before,
    )
    user.organisation = member.organisation
    user.is_organisation_admin = member.is_organisation_admin
    return invitation.organisation


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


def choose_language(user: User, language: str) -> None:
    """The language someone picked in the page header; it wins over the browser's from now on
    (the desk and every mail to them follow it)."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValueError(language)
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
