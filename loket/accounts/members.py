"""What an organisation's pages show: its members, open invitations and history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.models import AuditEntry, Invitation, Organisation, Role, User


@dataclass(frozen=True)
class Member:
    person: User
    awaiting_verification: bool


def members_of(organisation: Organisation) -> QuerySet[User]:
    return User.objects.filter(organisation=organisation, role=Role.CUSTOMER).order_by(
        "-is_organisation_admin", "email"
    )


def with_verification(people: Sequence[User]) -> list[Member]:
    """Each person with whether their address still waits for verification (one query)."""
    states: dict[int, set[bool]] = {}
    rows = EmailAddress.objects.filter(user_id__in=[p.pk for p in people]).values_list(
        "user_id", "email", "verified"
    )
    emails = {p.pk: p.email.lower() for p in people}
    for user_id, email, verified in rows:
        if emails.get(user_id) == email.lower():
            states.setdefault(user_id, set()).add(verified)
    return [Member(p, states.get(p.pk) == {False}) for p in people]


def open_invitations(organisation: Organisation) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(
            organisation=organisation,
            accepted_at=None,
            revoked_at=None,
            expires_at__gt=timezone.now(),
        )
        .select_related("invited_by")
        .order_by("-created_at")
    )


def history(organisation: Organisation, limit: int = 20) -> list[AuditEntry]:
    """The latest audited changes to the organisation's membership and settings."""
    return list(
        AuditEntry.objects.filter(
            action__startswith="organisation_", data__organisation=organisation.pk
        ).select_related("actor", "subject")[:limit]
    )


def describe(entry: AuditEntry) -> str:
    """One line of an organisation's history, in words."""
    data = entry.data if isinstance(entry.data, dict) else {}
    values = {
        "actor": entry.actor.name if entry.actor else settings.SITE_NAME,
        "subject": entry.subject.email if entry.subject else data.get("email", "?"),
        "email": data.get("email", ""),
    }
    if entry.action == "organisation_joined":
        if data.get("via") == "invitation":
            return _("%(subject)s joined by invitation") % values
        return _("%(subject)s joined by e-mail domain") % values
    if entry.action == "organisation_member_detached":
        return _("%(subject)s left: the address was never confirmed") % values
    if entry.action == "organisation_member_removed":
        return _("%(actor)s removed %(subject)s") % values
    if entry.action == "organisation_invited":
        return _("%(actor)s invited %(email)s") % values
    if entry.action == "organisation_invitation_revoked":
        return _("%(actor)s withdrew the invitation of %(email)s") % values
    if entry.action == "organisation_auto_join":
        if data.get("after"):
            return _("%(actor)s switched joining by e-mail domain on") % values
        return _("%(actor)s switched joining by e-mail domain off") % values
    if entry.action == "organisation_admin_changed":
        if data.get("after"):
            return _("%(actor)s made %(subject)s an organisation admin") % values
        return _("%(actor)s took the organisation admin rights of %(subject)s") % values
    if entry.action == "organisation_created":
        return _("%(actor)s created the organisation") % values
    return _("%(actor)s changed the organisation") % values
