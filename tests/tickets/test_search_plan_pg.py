"""PostgreSQL: ticket search reads a rare word through the GIN index of the stored vectors
(tickets migration 0014) and never scans the messages; a common word walks the newest
messages and stops at the limit. (SQLite searches its FTS5 tables: tests/tickets/test_search.py.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loket.kb.suggest import similar_tickets
from loket.tickets import actions, search_plan
from loket.tickets.models import Message
from loket.tickets.search import MAX_CANDIDATES, search_tickets

pytestmark = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the stored tsvector columns exist on PostgreSQL"
)
MESSAGES = 30_000


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def _plan_of_search(call: Any) -> list[dict[str, Any]]:
    """The plan nodes of the full-text statement(s) that ``call`` runs."""
    with CaptureQueriesContext(connection) as captured:
        call()
    nodes: list[dict[str, Any]] = []
    seqscan_off = False  # as the search set it for its statement (search_plan.index_lookup)
    with connection.cursor() as cursor:
        for sql in (q["sql"] for q in captured):
            if "set_config('enable_seqscan', 'off'" in sql:
                seqscan_off = True
            elif "set_config('enable_seqscan'" in sql:
                seqscan_off = False
            if "search_vector @@" not in sql:
                continue
            with search_plan.index_lookup(cursor, active=seqscan_off):
                cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
                (plan,) = cursor.fetchone()
            plan = json.loads(plan) if isinstance(plan, str) else plan
            nodes += list(_nodes(plan[0]["Plan"]))
    assert nodes, "no full-text statement ran"
    return nodes


def _scans(nodes: list[dict[str, Any]], table: str) -> list[tuple[str, str]]:
    """(node type, index) of each read of ``table`` (a bitmap index scan names only its
    index, which for the messages starts with "message" or "tickets_message")."""
    prefixes = (table, table.removeprefix("tickets_"))
    return [
        (n["Node Type"], n.get("Index Name", ""))
        for n in nodes
        if n.get("Relation Name") == table or n.get("Index Name", "").startswith(prefixes)
    ]


@pytest.fixture
def big_desk(desk, acme_ticket):
    """Many messages with "de" in nearly all, one with a rare word; analysed, as autovacuum
    would."""
    actions.reply(acme_ticket, body="De zebravink is weg.", by=desk.agent)
    columns = [f.column for f in Message._meta.concrete_fields if f.column not in ("id", "body")]
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    source = ", ".join(f"m.{connection.ops.quote_name(c)}" for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO tickets_message ({names}, body) "
            f"SELECT {source}, 'de factuur ' || g || ' is betaald' "
            f"FROM tickets_message m, generate_series(1, %s) g "
            f"WHERE m.id = (SELECT min(id) FROM tickets_message WHERE ticket_id = %s)",
            [MESSAGES, acme_ticket.pk],
        )
        cursor.execute("ANALYZE tickets_message")
        cursor.execute("ANALYZE tickets_ticket")
    search_plan.forget()
    yield desk
    search_plan.forget()


@pytest.mark.parametrize("who", ["agent", "admin"])
def test_a_rare_word_is_read_through_the_text_index(big_desk, acme_ticket, who):
    user = getattr(big_desk, who)
    # given a word in one message of 30,000, then the plan looks it up in the GIN index
    nodes = _plan_of_search(lambda: search_tickets(user, "zebravink"))
    scans = _scans(nodes, "tickets_message")
    assert ("Bitmap Index Scan", "message_search_vector") in scans, scans
    assert not [s for s in scans if s[0] == "Seq Scan"], scans
    assert not [s for s in scans if s[1] == "tickets_message_pkey"], scans
    # and it finds the ticket
    assert [t.pk for t in search_tickets(user, "zebravink")] == [acme_ticket.pk]


def test_a_word_that_is_nowhere_is_read_through_the_text_index(big_desk):
    nodes = _plan_of_search(lambda: search_tickets(big_desk.admin, "xylofoonquasar"))
    scans = _scans(nodes, "tickets_message")
    assert ("Bitmap Index Scan", "message_search_vector") in scans, scans
    assert search_tickets(big_desk.admin, "xylofoonquasar") == []


def test_a_common_word_walks_the_newest_messages_without_a_sequential_scan(big_desk):
    # given "de" in nearly every message, then the newest matches are found by walking back
    nodes = _plan_of_search(lambda: search_tickets(big_desk.admin, "de"))
    scans = _scans(nodes, "tickets_message")
    assert not [s for s in scans if s[0] == "Seq Scan"], scans
    # Where the tickets' half reads a rare word through its index (its statistics say so,
    # which depends on whether autovacuum has analysed that table in this run), the statement
    # runs without sequential scans and PostgreSQL may read the messages through their GIN
    # index too; the walk is asserted where both halves walk.
    if search_plan.should_walk("tickets_ticket", [], "de", limit=MAX_CANDIDATES) is not False:
        assert [s for s in scans if s[1] == "tickets_message_pkey"], scans
    assert search_tickets(big_desk.admin, "de factuur")


def test_suggestions_read_rare_words_through_the_text_index(big_desk, acme_ticket, globex_ticket):
    actions.reply(globex_ticket, body="Uw zebravink staat weer online.", by=big_desk.agent)
    nodes = _plan_of_search(lambda: similar_tickets(acme_ticket, big_desk.admin, text="zebravink"))
    scans = _scans(nodes, "tickets_message")
    assert ("Bitmap Index Scan", "message_search_vector") in scans, scans
    assert not [s for s in scans if s[0] == "Seq Scan"], scans
