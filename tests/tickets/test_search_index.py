"""The search index check finds drift and the rebuild repairs it."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from loket.tickets.models import Ticket
from loket.tickets.search import search_tickets
from loket.tickets.search_index import check
from tests.conftest import Desk


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="FTS5 tables exist on SQLite only")
def test_drift_is_found_and_repaired(desk: Desk, acme_ticket: Ticket) -> None:
    assert all(r.ok for r in check())
    # given an index that lost a row behind the database's back (as after a bad restore)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tickets_ticket_fts(tickets_ticket_fts, rowid, subject) "
            "VALUES ('delete', %s, %s)",
            [acme_ticket.pk, acme_ticket.subject],
        )
    # then the check says so and the command fails loudly
    assert not all(r.ok for r in check())
    with pytest.raises(CommandError):
        call_command("searchindex", "check")
    # and a rebuild makes it whole again
    call_command("searchindex", "rebuild")
    assert all(r.ok for r in check())
    assert search_tickets(desk.agent, "banner")[0].pk == acme_ticket.pk


def test_check_passes_on_a_healthy_desk(desk: Desk, acme_ticket: Ticket) -> None:
    call_command("searchindex", "check")
