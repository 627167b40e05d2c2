"""Which shift swaps a person may see and act on. Others are a 404."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from loket.accounts.models import User
from loket.rota.models import ShiftChange


def swaps_visible_to(user: User) -> QuerySet[ShiftChange]:
    """Swaps proposed in the desk that ``user`` is part of, or may approve."""
    swaps = ShiftChange.objects.filter(proposed_at__isnull=False)
    if not user.is_active or not user.is_agent:
        return swaps.none()
    if user.is_admin:
        return swaps
    mine = Q(agent=user) | Q(replaces=user)
    if user.is_manager:
        mine |= Q(team__manager=user) | Q(team__manager__isnull=True)
    return swaps.filter(mine)


def swap_for(user: User, pk: int) -> ShiftChange:
    found = swaps_visible_to(user).select_related("team", "agent", "replaces").filter(pk=pk)
    change = found.first()
    if change is None:
        raise Http404
    return change
