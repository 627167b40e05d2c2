"""The one access check for people and organisations. Forbidden objects are a 404.

A customer shares their organisation (its tickets, its people) only while their own address
is not waiting for verification: an account made by signing up sees nothing but its own
tickets until its owner clicks the link mailed to the address (``shared_organisation_id``).
"""

from __future__ import annotations

from typing import TypeGuard

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from loket.accounts.models import Organisation, Role, User
from loket.accounts.verification import awaiting_verification


def _signed_in(user: User | AnonymousUser) -> TypeGuard[User]:
    """Anonymous visitors and deactivated people see nobody."""
    return bool(user.is_authenticated and user.is_active)


def shared_organisation_id(user: User | AnonymousUser) -> int | None:
    """The organisation whose tickets and people a customer sees: their own, unless their
    address is still waiting for verification. ``None`` for everyone else."""
    if not _signed_in(user) or user.is_agent or user.organisation_id is None:
        return None
    if awaiting_verification(user):
        return None
    return user.organisation_id


def customers_visible_to(user: User | AnonymousUser) -> QuerySet[User]:
    qs = User.objects.filter(role=Role.CUSTOMER)
    if not _signed_in(user):
        return qs.none()
    if user.is_agent:
        return qs
    organisation_id = shared_organisation_id(user)
    if organisation_id is not None:
        return qs.filter(organisation_id=organisation_id)
    return qs.filter(pk=user.pk)


def organisations_visible_to(user: User | AnonymousUser) -> QuerySet[Organisation]:
    if not _signed_in(user):
        return Organisation.objects.none()
    if user.is_agent:
        return Organisation.objects.all()
    organisation_id = shared_organisation_id(user)
    if organisation_id is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(pk=organisation_id)


def organisation_admin_of(user: User | AnonymousUser) -> Organisation | None:
    """The organisation a customer manages in the portal (invites, removes members)."""
    if not _signed_in(user) or user.is_agent or not user.is_organisation_admin:
        return None
    organisation_id = shared_organisation_id(user)
    if organisation_id is None:
        return None
    return Organisation.objects.filter(pk=organisation_id).first()


def agents_visible_to(user: User) -> QuerySet[User]:
    """Agents' names are public (they sign their replies); their details are for staff."""
    return User.objects.filter(role__in=[Role.AGENT, Role.MANAGER, Role.ADMIN], is_active=True)


def _key(pk: int | str) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise Http404 from None


def get_customer_for(user: User | AnonymousUser, pk: int | str, *, write: bool = False) -> User:
    if not _signed_in(user):
        raise Http404
    qs = customers_visible_to(user)
    if write and not user.is_agent:
        qs = qs.filter(pk=user.pk)
    found = qs.filter(pk=_key(pk)).first()
    if found is None:
        raise Http404
    return found


def get_organisation_for(
    user: User | AnonymousUser, pk: int | str, *, write: bool = False
) -> Organisation:
    if write and not (_signed_in(user) and user.is_manager):
        raise Http404
    found = organisations_visible_to(user).filter(pk=_key(pk)).first()
    if found is None:
        raise Http404
    return found
