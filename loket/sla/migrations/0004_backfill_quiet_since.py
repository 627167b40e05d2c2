"""Tickets that existed before "still working on it" (0002) have no ``quiet_since``: work it out
from their history with the rules of ``loket.sla.still_working.track``, so old open tickets
are reminded about too. A reminder already sent in the current quiet period keeps it empty."""

from django.db import migrations

ENDED = ("resolved", "closed")
BATCH = 500


def quiet_since(events):
    """The last public update of a ticket from its events (oldest first), or ``None``."""
    since = None
    for kind, before, after, at in events:
        if kind == "created":
            since = at
        elif kind == "message" and isinstance(after, dict) and after.get("kind") == "reply":
            since = at
        elif kind in ("merged_into", "still_working"):
            since = None
        elif kind == "state":
            if after in ENDED:
                since = None
            elif before in ENDED:
                since = at
    return since


def backfill(apps, schema_editor):
    TicketSla = apps.get_model("sla", "TicketSla")
    Event = apps.get_model("tickets", "Event")
    kinds = ("created", "message", "merged_into", "still_working", "state")
    pending = (
        TicketSla.objects.filter(quiet_since__isnull=True, ticket__merged_into__isnull=True)
        .exclude(ticket__state__in=ENDED)
        .values_list("pk", "ticket__created_at")
        .order_by("pk")
    )
    last = 0
    while True:
        chunk = list(pending.filter(pk__gt=last)[:BATCH])
        if not chunk:
            break
        last = chunk[-1][0]
        created = dict(chunk)
        ids = list(created)
        history = {pk: [] for pk in ids}
        rows = (
            Event.objects.filter(ticket_id__in=ids, kind__in=kinds)
            .order_by("ticket_id", "created_at", "pk")
            .values_list("ticket_id", "kind", "before", "after", "created_at")
        )
        for ticket_id, kind, before, after, at in rows:
            history[ticket_id].append((kind, before, after, at))
        changed = []
        for pk, events in history.items():
            # No history at all (imported rows): quiet since the ticket was opened.
            since = quiet_since(events) if events else created[pk]
            if since is not None:
                changed.append(TicketSla(pk=pk, quiet_since=since))
        TicketSla.objects.bulk_update(changed, ["quiet_since"])


class Migration(migrations.Migration):

    dependencies = [
        ("sla", "0003_notify_channels"),
        ("tickets", "0011_still_working_event_kind"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
