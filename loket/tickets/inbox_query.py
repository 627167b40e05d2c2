"""What an inbox address asks for: a view (or a saved one), filters, a search; read once
and turned into the view's tickets (the page, the live rows and saved views share it)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from loket.accounts.models import User
from loket.tickets import inbox_filters
from loket.tickets.models import Channel, Priority, SavedFilter, State, Ticket
from loket.tickets.queries import InboxView, view_queryset

FILTER_FIELDS = {
    "state": State.values,
    "priority": [str(p) for p in Priority.values],
    "channel": Channel.values,
}


def filters_from(params: dict[str, str]) -> dict[str, str]:
    """Only known fields with known values; anything else is ignored, never passed on."""
    chosen = {}
    for field, allowed in FILTER_FIELDS.items():
        value = params.get(field, "")
        if value in allowed:
            chosen[field] = value
    for field in ("team", "customer"):
        value = params.get(field, "")
        if value.isdigit() and len(value) < 12:
            chosen[field] = value
    chosen.update(inbox_filters.chosen(params))
    return chosen


@dataclass
class InboxQuery:
    """What an inbox address asks for: a view (or a saved one), filters or a search."""

    view: InboxView
    filters: dict[str, str]
    query: str
    saved: SavedFilter | None
    params: dict[str, str]

    def queryset(self, user: User, visible: QuerySet[Ticket] | None = None) -> QuerySet[Ticket]:
        """The view's tickets with the filters applied (not for a search)."""
        qs = view_queryset(user, self.view, visible)
        if "state" in self.filters:
            qs = qs.filter(state=self.filters["state"])
        if "priority" in self.filters:
            qs = qs.filter(priority=int(self.filters["priority"]))
        if "team" in self.filters:
            qs = qs.filter(team_id=int(self.filters["team"]))
        if "customer" in self.filters:
            qs = qs.filter(customer_id=int(self.filters["customer"]))
        if "channel" in self.filters:
            qs = qs.filter(channel=self.filters["channel"])
        return inbox_filters.narrow(qs, self.filters)


def inbox_query(user: User, params: dict[str, str]) -> InboxQuery:
    """Reads the inbox's parameters (404 for somebody else's saved view)."""
    saved = None
    if params.get("saved", "").isdigit():
        saved = SavedFilter.objects.filter(owner=user, pk=int(params["saved"])).first()
        if saved is None:
            raise Http404
        params = {**saved.query, **{k: v for k, v in params.items() if k == "after"}}
    try:
        view = InboxView(params.get("view", InboxView.UNASSIGNED))
    except ValueError:
        view = InboxView.UNASSIGNED
    query = params.get("q", "").strip()[:200]
    return InboxQuery(view, filters_from(params), query, saved, params)
