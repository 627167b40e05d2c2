"""Which kind an organisation (and so a customer) is, and what that kind brings."""

from __future__ import annotations

from loket.accounts.models import Organisation, User
from loket.lib import memo
from loket.rules.models_types import KindMembership, OrganisationKind


def kind_of_organisation(organisation_id: int | None) -> OrganisationKind | None:
    """The organisation's kind, else the default kind (or None)."""
    return memo.remember(("rules.kind_of", organisation_id), lambda: _kind_of(organisation_id))


def _kind_of(organisation_id: int | None) -> OrganisationKind | None:
    if organisation_id is not None:
        found = (
            KindMembership.objects.filter(organisation_id=organisation_id)
            .select_related("kind")
            .first()
        )
        if found is not None:
            return found.kind
    return OrganisationKind.objects.filter(is_default=True).order_by("order", "pk").first()


def kind_of(user: User | None) -> OrganisationKind | None:
    if user is None or user.is_agent:
        return None
    return kind_of_organisation(user.organisation_id)


def set_kind(organisation: Organisation, kind: OrganisationKind | None) -> None:
    """Puts ``organisation`` in ``kind`` (None: no kind of its own)."""
    if kind is None:
        KindMembership.objects.filter(organisation=organisation).delete()
        return
    KindMembership.objects.update_or_create(organisation=organisation, defaults={"kind": kind})
