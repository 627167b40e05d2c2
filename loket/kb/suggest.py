"""Suggestions for the agent on a ticket: the articles and the solved tickets most similar to
the customer's question.

Articles come from the article search (any-term mode, internal articles included). Tickets
come from the tickets' own full-text index (``tickets`` migrations 0002 and 0014): the question's
most telling words, OR-ed, ranked with ``bm25()``/``ts_rank`` among the most recent matching
messages (a bound that keeps the cost flat however large the desk grows).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from loket.accounts.models import User
from loket.kb.languages import MAX_WORD, WORD, term, unaccent
from loket.kb.macros import customer_language
from loket.kb.search import Hit, Mode, search_articles
from loket.tickets import search_plan
from loket.tickets.access import messages_visible_to, tickets_visible_to
from loket.tickets.models import Message, MessageKind, State, Ticket

QUESTION_CHARS = 1500
MAX_WORDS = 8
RECENT_MATCHES = 1000


def question_text(ticket: Ticket, user: User) -> str:
    """The subject and the first and latest customer messages."""
    bodies = list(
        messages_visible_to(user, ticket)
        .filter(kind=MessageKind.CUSTOMER)
        .order_by("created_at", "id")
        .values_list("body", flat=True)
    )
    parts = [ticket.subject]
    for body in bodies[:1] + bodies[-1:]:
        if body not in parts:
            parts.append(body)
    return "\n".join(parts)[:QUESTION_CHARS]


def telling_words(text: str, language: str) -> list[str]:
    """Distinct non-stop words, longest first (long words say more about the subject)."""
    seen: dict[str, None] = {}
    for match in WORD.finditer(text):
        word = match.group(0).lower()[:MAX_WORD]
        if len(word) < 3 or word.isdigit() or not term(word, language):
            continue
        seen.setdefault(unaccent(word), None)
    return sorted(seen, key=len, reverse=True)[:MAX_WORDS]


def similar_articles(
    ticket: Ticket, user: User, limit: int = 3, text: str | None = None
) -> list[Hit]:
    language = customer_language(ticket)
    question = text if text is not None else question_text(ticket, user)
    return search_articles(
        " ".join(telling_words(question, language)),
        language=language,
        user=user,
        mode=Mode.ANY,
        limit=limit,
    )


def _ranked_ticket_ids(words: list[str], exclude: int) -> list[tuple[int, float]]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            expression = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
            cursor.execute(
                """
                SELECT m.ticket_id, MAX(r.score) AS score FROM (
                  SELECT rowid AS id, -bm25(tickets_message_fts) AS score
                  FROM tickets_message_fts WHERE tickets_message_fts MATCH %s
                  ORDER BY rowid DESC LIMIT %s
                ) r JOIN tickets_message m ON m.id = r.id
                WHERE m.kind <> 'note' AND m.ticket_id <> %s
                GROUP BY m.ticket_id ORDER BY score DESC LIMIT 50
                """,
                [expression, RECENT_MATCHES, exclude],
            )
        else:
            # The stored vector (tickets migration 0014) with the query as a constant; the
            # matches read through the GIN index first unless the words are common enough
            # that walking the newest messages finds the limit sooner (search_plan); ranked
            # only over the matched rows kept by the limit.
            query = " | ".join(words)
            walk = search_plan.should_walk(
                "tickets_message", [], any_of=words, limit=RECENT_MATCHES
            )
            source = "tickets_message m"
            params: list[str | int] = [query, query, exclude, RECENT_MATCHES]
            if walk is False:
                source = (
                    "(SELECT id, ticket_id, kind, search_vector FROM tickets_message "
                    "WHERE search_vector @@ to_tsquery('simple', %s) OFFSET 0) m"
                )
                params.insert(1, query)
            with search_plan.index_lookup(cursor, active=walk is False):
                cursor.execute(
                    f"""
                    SELECT r.ticket_id, MAX(ts_rank(r.search_vector, to_tsquery('simple', %s)))
                           AS score
                    FROM (
                      SELECT m.ticket_id, m.search_vector FROM {source}
                      WHERE m.search_vector @@ to_tsquery('simple', %s)
                        AND m.kind <> 'note' AND m.ticket_id <> %s
                      ORDER BY m.id DESC LIMIT %s
                    ) r GROUP BY r.ticket_id ORDER BY score DESC LIMIT 50
                    """,  # noqa: S608 - only constants are formatted in; values are parameters
                    params,
                )
                return [(int(pk), float(score)) for pk, score in cursor.fetchall()]
        return [(int(pk), float(score)) for pk, score in cursor.fetchall()]


@dataclass(frozen=True)
class SolvedTicket:
    ticket: Ticket
    answer: Message | None  # the last public reply: what solved it
    score: float


def similar_tickets(
    ticket: Ticket, user: User, limit: int = 3, text: str | None = None
) -> list[SolvedTicket]:
    """Resolved or closed tickets ``user`` may see, most similar first."""
    question = text if text is not None else question_text(ticket, user)
    words = telling_words(question, customer_language(ticket))
    if not words:
        return []
    ranked = _ranked_ticket_ids(words, ticket.pk)
    if not ranked:
        return []
    allowed = set(
        tickets_visible_to(user)
        .filter(
            pk__in=[pk for pk, _score in ranked],
            state__in=[State.RESOLVED, State.CLOSED],
            merged_into__isnull=True,
        )
        .values_list("pk", flat=True)
    )
    best = [(pk, score) for pk, score in ranked if pk in allowed][:limit]
    if not best:
        return []
    ids = [pk for pk, _score in best]
    tickets = Ticket.objects.in_bulk(ids)
    answers: dict[int, Message] = {}
    for reply in Message.objects.filter(ticket_id__in=ids, kind=MessageKind.REPLY).order_by(
        "ticket_id", "-created_at", "-id"
    ):
        answers.setdefault(reply.ticket_id, reply)
    return [SolvedTicket(tickets[pk], answers.get(pk), score) for pk, score in best]


@dataclass(frozen=True)
class Suggestions:
    articles: list[Hit]
    solved: list[SolvedTicket]


def suggestions(ticket: Ticket, user: User, limit: int = 3) -> Suggestions:
    """Both kinds for the ticket page, reading the question once."""
    text = question_text(ticket, user)
    return Suggestions(
        similar_articles(ticket, user, limit, text), similar_tickets(ticket, user, limit, text)
    )
