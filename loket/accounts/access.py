"""The one access check for people and organisations. Forbidden objects are a 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from loket.accounts.models import Organisation, Role, User


def customers_visible_to(user: User) -> QuerySet[User]:
    qs = User.objects.filter(role=Role.CUSTOMER)
    if user.is_agent:
        return qs
    if user.organisation_id is not None:
        return qs.filter(organisation_id=user.organisation_id)
    return qs.filter(pk=user.pk)


def organisations_visible_to(user: User) -> QuerySet[Organisation]:
    if user.is_agent:
        return Organisation.objects.all()
    return Organisation.objects.filter(pk=user.organisation_id)


def agents_visible_to(user: User) -> QuerySet[User]:
    """Agents' names are public (they sign their replies); their details are for staff."""
    return User.objects.filter(role__in=[Role.AGENT, Role.MANAGER, Role.ADMIN], is_active=True)


def get_customer_for(user: User, pk: int, *, write: bool = False) -> User:
    qs = customers_visible_to(user)
    if write and not user.is_agent:
        qs = qs.filter(pk=user.pk)
    found = qs.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_organisation_for(user: User, pk: int, *, write: bool = False) -> Organisation:
    if write and not user.is_manager:
        raise Http404
    found = organisations_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found
