"""Which request types a person is offered, and the one access check for choosing one."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from loket.accounts.models import User
from loket.rules.kinds import kind_of
from loket.rules.models_types import CustomField, RequestType


def types_for(user: User | None) -> QuerySet[RequestType]:
    """Active types ``user`` may submit: agents all; a customer those for their kind and
    those for everybody; nobody signed in (the contact form) only those for everybody."""
    qs = RequestType.objects.filter(is_active=True)
    if user is not None and user.is_agent:
        return qs.order_by("order", "key")
    kind = kind_of(user) if user is not None else None
    offered = Q(kinds__isnull=True)
    if kind is not None:
        offered |= Q(kinds=kind)
    return qs.filter(offered).distinct().order_by("order", "key")


def get_type_for(user: User | None, key: str) -> RequestType:
    """The type ``key`` if ``user`` is offered it; 404 otherwise (never a hint it exists)."""
    found = types_for(user).filter(key=key[:50]).first()
    if found is None:
        raise Http404
    return found


def fields_of(request_type: RequestType) -> list[CustomField]:
    return list(request_type.fields.filter(is_active=True).order_by("order", "pk"))
