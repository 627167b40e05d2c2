"""The agent's notification centre: unread first, grouped by ticket (read-only queries)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone

from loket.accounts.models import User
from loket.sla.models import Notification, NotificationKind
from loket.tickets.models import Ticket

MOST_UNREAD = 60
MOST_READ = 20


@dataclass
class Group:
    """The notifications about one ticket (``ticket`` None: about no ticket)."""

    ticket: Ticket | None
    items: list[Notification] = field(default_factory=list)

    @property
    def newest(self) -> Notification:
        return self.items[0]

    @property
    def url(self) -> str:
        return reverse("desk:ticket", args=[self.ticket.pk]) if self.ticket is not None else ""


@dataclass
class Centre:
    unread: list[Group]
    read: list[Group]
    unread_count: int

    @property
    def unread_more(self) -> int:
        """Unread notifications beyond the ones listed."""
        return max(0, self.unread_count - sum(len(g.items) for g in self.unread))


def _group(rows: list[Notification]) -> list[Group]:
    """Newest group first (by its newest notification); within a group newest first."""
    groups: dict[int | None, Group] = {}
    loose: list[Group] = []
    for note in rows:  # already newest first
        if note.ticket_id is None:
            loose.append(Group(None, [note]))
            continue
        group = groups.get(note.ticket_id)
        if group is None:
            group = groups[note.ticket_id] = Group(note.ticket)
        group.items.append(note)
    return sorted([*groups.values(), *loose], key=lambda g: -g.newest.pk)


def build(user: User) -> Centre:
    """The signed-in agent's own notifications (nobody else's)."""
    mine = Notification.objects.filter(recipient=user).select_related("ticket")
    fields = ("pk", "kind", "text", "created_at", "read_at", "ticket_id", "ticket__subject",
              "ticket__state", "ticket__priority", "recipient_id")  # fmt: skip
    unread = list(mine.filter(read_at__isnull=True).only(*fields).order_by("-pk")[:MOST_UNREAD])
    count = len(unread)
    if count == MOST_UNREAD:
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    read = list(mine.filter(read_at__isnull=False).only(*fields).order_by("-pk")[:MOST_READ])
    # The kinds' labels translated once per page, not once per row (``get_kind_display``
    # rebuilds the choices for every call).
    labels = {value: str(label) for value, label in NotificationKind.choices}
    for note in (*unread, *read):
        note.kind_label = labels.get(note.kind, note.kind)  # type: ignore[attr-defined]
        # Its time as the page shows it, formatted here: the ``date`` filter parses its format
        # again for each of the page's eighty notifications, twice.
        local = timezone.localtime(note.created_at)
        note.at_iso = local.isoformat()  # type: ignore[attr-defined]
        note.at_text = f"{local:%d-%m %H:%M}"  # type: ignore[attr-defined]
    return Centre(unread=_group(unread), read=_group(read), unread_count=count)
