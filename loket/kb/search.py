"""Article search: one interface over SQLite FTS5 and PostgreSQL full-text search.

The question is analysed exactly like the articles (``loket.kb.languages``), so only plain
terms reach the database, always as parameters: quoted FTS5 strings on SQLite (ranked with
``bm25()``, the title weighing more), ``websearch_to_tsquery`` on PostgreSQL (ranked with
``ts_rank``, title weight A, body B). A question finds the articles that contain all its terms
first, then those that contain some of them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils.safestring import SafeString

from loket.accounts.models import User
from loket.kb import semantic as semantic_search
from loket.kb.access import is_agent
from loket.kb.actions import record_failed_search
from loket.kb.highlight import highlight_all, snippet
from loket.kb.languages import normalise_language, terms
from loket.kb.models import SearchSource, Status, Translation, Visibility

MAX_TERMS = 16
MAX_QUERY_CHARS = 2000
TITLE_WEIGHT = 4.0
SEMANTIC_CANDIDATES = 50  # from each ranking, fused into one


class Mode(StrEnum):
    ALL = "all"  # every term must occur
    ANY = "any"  # any term may occur; more matches rank higher
    AUTO = "auto"  # all first, then any, until the limit is reached


@dataclass(frozen=True)
class Query:
    """An analysed question: plain terms, and optionally a last term matched as a prefix."""

    terms: tuple[str, ...]
    prefix: str = ""

    @property
    def empty(self) -> bool:
        return not self.terms and not self.prefix

    @property
    def all_terms(self) -> tuple[str, ...]:
        return (*self.terms, self.prefix) if self.prefix else self.terms


def analyse(text: str, language: str, *, prefix: bool = False) -> Query:
    """``prefix``: the last word may be unfinished (search as you type)."""
    found: list[str] = []
    for t in terms(text[:MAX_QUERY_CHARS], language):
        if t not in found:
            found.append(t)
    found = found[:MAX_TERMS]
    last_is_word = bool(text) and not text[-1].isspace() and text[-1:].isalnum()
    if prefix and found and last_is_word and len(found[-1]) >= 2:
        # The word is unfinished, and the stem of the whole word may be shorter than what is
        # typed so far ("showi" of "showing" → "show"): match on a slightly shorter start.
        typed = found[-1]
        start = typed[: max(3, len(typed) - 2)] if len(typed) > 3 else typed
        return Query(tuple(found[:-1]), start)
    return Query(tuple(found))


def _fts5_expression(query: Query, mode: Mode) -> str:
    parts = ['"' + t.replace('"', '""') + '"' for t in query.terms]
    if query.prefix:
        parts.append('"' + query.prefix.replace('"', '""') + '"*')
    return (" OR " if mode == Mode.ANY else " ").join(parts)


def _pg_expression(query: Query, mode: Mode) -> tuple[str, list[str]]:
    """A tsquery built by PostgreSQL from parameters: ``websearch_to_tsquery`` for the terms
    (joined by ``or`` for ANY), ``to_tsquery`` for a ``term:*`` prefix. Terms are letters
    and digits only, and never the word "or", so nothing in them is query syntax."""
    sql: list[str] = []
    params: list[str] = []
    if query.terms:
        joiner = " or " if mode == Mode.ANY else " "
        sql.append("websearch_to_tsquery('simple', %s)")
        params.append(joiner.join(query.terms))
    if query.prefix:
        sql.append("to_tsquery('simple', %s)")
        params.append(f"{query.prefix}:*")
    return "(" + (" || " if mode == Mode.ANY else " && ").join(sql) + ")", params


def _filters(
    language: str, *, public_only: bool, drafts: bool, exclude: Collection[int]
) -> tuple[str, list[Any]]:
    sql = ["t.language = %s"]
    params: list[Any] = [language]
    if not drafts:
        sql.append("t.status = %s")
        params.append(Status.PUBLISHED.value)
    if public_only:
        sql.append("a.visibility = %s")
        params.append(Visibility.PUBLIC.value)
    if exclude:
        sql.append("t.id NOT IN (" + ", ".join(["%s"] * len(exclude)) + ")")
        params.extend(int(pk) for pk in exclude)
    return " AND ".join(sql), params


def ranked_ids(
    query: Query,
    language: str,
    *,
    mode: Mode,
    limit: int,
    public_only: bool = True,
    drafts: bool = False,
    exclude: Collection[int] = (),
) -> list[tuple[int, float]]:
    """``(translation id, score)``, best first; higher scores are better on both backends."""
    if query.empty or mode == Mode.AUTO:
        raise ValueError("ranked_ids needs a non-empty query and ALL or ANY")
    where, params = _filters(language, public_only=public_only, drafts=drafts, exclude=exclude)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            rank = f"bm25(kb_translation_fts, {TITLE_WEIGHT}, 1.0)"
            cursor.execute(
                f"""
                SELECT t.id, -{rank} FROM kb_translation_fts
                JOIN kb_translation t ON t.id = kb_translation_fts.rowid
                JOIN kb_article a ON a.id = t.article_id
                WHERE kb_translation_fts MATCH %s AND {where}
                ORDER BY {rank}, t.id LIMIT %s
                """,  # noqa: S608 - only constants are formatted in; values are parameters
                [_fts5_expression(query, mode), *params, limit],
            )
        else:
            tsquery, tsparams = _pg_expression(query, mode)
            cursor.execute(
                f"""
                SELECT t.id, ts_rank(t.search_vector, q.q, 1) AS score
                FROM kb_translation t JOIN kb_article a ON a.id = t.article_id,
                     (SELECT {tsquery} AS q) q
                WHERE t.search_vector @@ q.q AND {where}
                ORDER BY score DESC, t.id LIMIT %s
                """,  # noqa: S608 - only constants are formatted in; values are parameters
                [*tsparams, *params, limit],
            )
        return [(int(row[0]), float(row[1])) for row in cursor.fetchall()]


@dataclass(frozen=True)
class Hit:
    translation: Translation
    score: float
    title_html: SafeString
    snippet: SafeString


def search_articles(
    text: str,
    *,
    language: str,
    user: User | AnonymousUser | None = None,
    limit: int = 10,
    mode: Mode = Mode.AUTO,
    prefix: bool = False,
    drafts: bool = False,
    exclude: Sequence[int] = (),
    source: SearchSource | None = None,
    semantic: bool | None = None,
) -> list[Hit]:
    """Articles in ``language`` that ``user`` may read, best first, with highlighted snippets.

    Agents also find internal articles (and, with ``drafts``, unpublished ones); everybody
    else finds published public articles only. With ``source`` a search that finds nothing is
    counted for the editors' "missing articles" list. With the semantic extra enabled (or
    ``semantic=True``), the full-text ranking is fused with closeness of meaning.
    """
    language = normalise_language(language)
    limit = max(1, min(limit, 100))
    query = analyse(text, language, prefix=prefix)
    agent = is_agent(user)
    meaning = semantic_search.enabled() if semantic is None else semantic
    wanted = max(limit, SEMANTIC_CANDIDATES) if meaning else limit
    found: list[tuple[int, float]] = []
    if not query.empty:
        kwargs = {"public_only": not agent, "drafts": drafts and agent}
        modes = [Mode.ALL, Mode.ANY] if mode == Mode.AUTO else [mode]
        if mode == Mode.AUTO and len(query.all_terms) == 1:
            modes = [Mode.ALL]
        for step in modes:
            seen = [*exclude, *(pk for pk, _score in found)]
            found += ranked_ids(
                query, language, mode=step, limit=wanted - len(found), exclude=seen, **kwargs
            )
            if len(found) >= wanted:
                break
    if meaning and text.strip():
        close = semantic_search.ranked_ids(
            text,
            language,
            limit=SEMANTIC_CANDIDATES + len(exclude),
            public_only=not agent,
            drafts=drafts and agent,
        )
        skip = set(exclude)
        found = semantic_search.fuse(
            [pk for pk, _score in found], [pk for pk in close if pk not in skip], limit=limit
        )
    if not found:
        if source is not None and text.strip():
            record_failed_search(text, language, source)
        return []
    rows = Translation.objects.select_related("article").in_bulk([pk for pk, _s in found])
    query_terms = set(query.terms)
    hits = []
    for pk, score in found:
        t = rows.get(pk)
        if t is None:
            continue
        hits.append(
            Hit(
                translation=t,
                score=score,
                title_html=highlight_all(t.title, query_terms, language, query.prefix),
                snippet=snippet(t.body_text, query_terms, language, query.prefix),
            )
        )
    return hits
