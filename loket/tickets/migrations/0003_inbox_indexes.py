"""Indexes that keep every inbox page cheap at any depth (bench/tickets.py measures them).

Each inbox view is ``merged_into IS NULL`` plus its own condition, newest change first. Each
page index here starts with ``merged_into_id`` and ends with ``(updated_at, id)``, so a page
is a seek to the cursor and a short walk in order: no sort, no scan of other views' tickets.
SQLite (without ANALYZE statistics) takes an equality on the first column of an index as very
selective; these indexes turn that guess into the right plan. bench/tickets.py reports every
inbox, API or count query whose plan sorts, unions indexes or starts from all live tickets
(``plan_warnings``).

The partial indexes apply only when a query repeats their condition word for word:
``loket.tickets.queries.state_in`` writes the state lists into the SQL for that reason, in
the same order as here (``OPEN_STATES``, ``WAITING_STATES``). Change one, change both.

Plain SQL (valid on SQLite and PostgreSQL) instead of ``Meta.indexes``: the models stay as
they are, and so does the migration state.
"""

from django.db import migrations

OPEN = "('new', 'open', 'waiting_customer', 'waiting_third_party')"
WAITING = "('waiting_customer', 'waiting_third_party')"

INDEXES = {
    # "All": every ticket not merged into another.
    "ticket_live_updated": "(merged_into_id, updated_at, id)",
    # "All open".
    "ticket_open_updated": f"(merged_into_id, updated_at, id) WHERE state IN {OPEN}",
    # "Waiting".
    "ticket_waiting_updated": f"(merged_into_id, updated_at, id) WHERE state IN {WAITING}",
    # "Unassigned" (assignee_id IS NULL) and "Mine" (assignee_id = me), and their counts
    # (team_id last: an agent's count is answered from the index alone).
    "ticket_open_assignee_updated": (
        f"(merged_into_id, assignee_id, updated_at, id, team_id) WHERE state IN {OPEN}"
    ),
    # "Unanswered", and its count for an agent from the index alone. (Two narrow indexes:
    # one wide one loses the count to the plain merged_into_id index, which reads every
    # ticket.)
    "ticket_unanswered_updated": (
        "(merged_into_id, updated_at, id) WHERE awaiting_reply_since IS NOT NULL"
    ),
    "ticket_unanswered_count": (
        "(merged_into_id, team_id, assignee_id) WHERE awaiting_reply_since IS NOT NULL"
    ),
}

# The "unanswered" badge on every agent page counts the waiting customer messages of the
# tickets one may see: this index holds all it reads (no message row is touched), in ticket
# order, so the visibility check per message reads neighbouring ticket rows.
MESSAGE_INDEXES = {
    "message_waiting_by_ticket": "(ticket_id, created_at, needs_reply) WHERE needs_reply",
}


def _create(table: str, name: str, definition: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        f"CREATE INDEX IF NOT EXISTS {name} ON {table} {definition}",
        f"DROP INDEX IF EXISTS {name}",
    )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0010_sla_event_kinds")]
    operations = [
        *(_create("tickets_ticket", name, sql) for name, sql in INDEXES.items()),
        *(_create("tickets_message", name, sql) for name, sql in MESSAGE_INDEXES.items()),
    ]
