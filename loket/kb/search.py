"""Article search: one interface over SQLite FTS5 and PostgreSQL full-text search.

The question is analysed exactly like the articles (``loket.kb.languages``), so only plain
terms reach the database, always as parameters: quoted FTS5 strings on SQLite (ranked with
``bm25()``, the title weighing more), ``websearch_to_tsquery`` on PostgreSQL (ranked with
``ts_rank``, title weight A, body B). The database finds the candidates; ``kb.ranking`` puts
them in order, the same way on both (BM25F: how often, where and how rare). Misspelt terms are
corrected where that finds articles (``kb.spelling``).
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
from loket.kb import collection, ranking, spelling
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
RERANK_CANDIDATES = 100  # found by the backend, ordered by ``kb.ranking``


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
            score, weights, parts, values = _pg_score(query, mode, language, public_only, drafts)
            cursor.execute(
                f"""
                SELECT t.id, {score} AS score
                FROM kb_translation t JOIN kb_article a ON a.id = t.article_id,
                     (SELECT {tsquery} AS q{parts}) q
                WHERE t.search_vector @@ q.q AND {where}
                ORDER BY score DESC, t.id LIMIT %s
                """,  # noqa: S608 - only constants are formatted in; values are parameters
                [*weights, *tsparams, *values, *params, limit],
            )
        return [(int(row[0]), float(row[1])) for row in cursor.fetchall()]


def _pg_score(
    query: Query, mode: Mode, language: str, public_only: bool, drafts: bool
) -> tuple[str, list[float], str, list[str]]:
    """PostgreSQL's ``ts_rank`` does not know how rare a term is: among thousands of articles
    the common terms of a question would decide which candidates reach ``kb.ranking``. For
    ANY with several terms the candidates are therefore ordered by the sum of each term's
    ``ts_rank`` times its IDF. Returns the score expression and its weights, and the extra
    per-term queries and their terms."""
    if mode != Mode.ANY or len(query.all_terms) < 2:
        return "ts_rank(t.search_vector, q.q, 1)", [], "", []
    stats = collection.get(language, public_only=public_only, drafts=drafts)
    weights: list[float] = [ranking.idf(stats.docs(term), stats.count) for term in query.terms]
    values: list[str] = list(query.terms)
    sources = ["websearch_to_tsquery('simple', %s)"] * len(query.terms)
    if query.prefix:
        weights.append(ranking.idf(stats.prefix_docs(query.prefix), stats.count))
        values.append(f"{query.prefix}:*")
        sources.append("to_tsquery('simple', %s)")
    score = " + ".join(f"%s * ts_rank(t.search_vector, q.q{i}, 1)" for i in range(len(values)))
    parts = "".join(f", {source} AS q{i}" for i, source in enumerate(sources))
    return f"({score})", weights, parts, values


def co_occurs(
    word: str, others: Sequence[str], language: str, *, public_only: bool, drafts: bool
) -> bool:
    """Whether a readable article contains ``word`` and at least one of ``others``."""
    where, params = _filters(language, public_only=public_only, drafts=drafts, exclude=())
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            expression = _fts5_expression(Query((word,)), Mode.ALL)
            expression += " AND (" + _fts5_expression(Query(tuple(others)), Mode.ANY) + ")"
            cursor.execute(
                f"""
                SELECT 1 FROM kb_translation_fts
                JOIN kb_translation t ON t.id = kb_translation_fts.rowid
                JOIN kb_article a ON a.id = t.article_id
                WHERE kb_translation_fts MATCH %s AND {where} LIMIT 1
                """,  # noqa: S608 - only constants are formatted in; values are parameters
                [expression, *params],
            )
        else:
            cursor.execute(
                f"""
                SELECT 1 FROM kb_translation t JOIN kb_article a ON a.id = t.article_id
                WHERE t.search_vector @@ (websearch_to_tsquery('simple', %s)
                      && websearch_to_tsquery('simple', %s)) AND {where} LIMIT 1
                """,  # noqa: S608 - only constants are formatted in; values are parameters
                [word, " or ".join(others), *params],
            )
        return cursor.fetchone() is not None


@dataclass(frozen=True)
class Hit:
    translation: Translation
    score: float
    title_html: SafeString
    snippet: SafeString


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    corrected: str = ""  # the question with misspellings corrected, when that was searched


def _full_text(
    query: Query,
    language: str,
    *,
    mode: Mode,
    wanted: int,
    exclude: Sequence[int],
    public_only: bool,
    drafts: bool,
) -> tuple[list[tuple[int, float]], bool]:
    """The ranked ids, and whether some article has every term.

    The backend finds up to ``RERANK_CANDIDATES`` candidates (all terms for ALL, any for AUTO
    and ANY), ``kb.ranking`` orders them."""
    if query.empty:
        return [], False
    candidates = ranked_ids(
        query,
        language,
        mode=Mode.ALL if mode == Mode.ALL else Mode.ANY,
        limit=max(RERANK_CANDIDATES, wanted),
        exclude=exclude,
        public_only=public_only,
        drafts=drafts,
    )
    if not candidates:
        return [], False
    rows = Translation.objects.filter(pk__in=[pk for pk, _score in candidates]).values_list(
        "pk", "search_title", "search_body"
    )
    stats = collection.get(language, public_only=public_only, drafts=drafts)
    ranked = ranking.rank(query.terms, rows, stats, query.prefix)
    complete = any(has_all for _pk, _score, has_all in ranked)
    return [(pk, score) for pk, score, _has_all in ranked[:wanted]], complete


def _corrected(
    query: Query,
    typed: dict[str, str],
    found: list[tuple[int, float]],
    language: str,
    *,
    mode: Mode,
    wanted: int,
    exclude: Sequence[int],
    public_only: bool,
    drafts: bool,
) -> tuple[Query, list[tuple[int, float]], dict[str, str]]:
    """The query with unknown terms replaced by close known ones, and what it finds, when that
    is likely what was meant: when the question found nothing, or when each replacement occurs
    in an article together with another of the question's terms (so "reset password blunder"
    does not become "... blender" because some cooking article has that word). Otherwise the
    question and its results unchanged."""
    vocabulary = collection.get(language, public_only=public_only, drafts=drafts).vocabulary
    check = spelling.check(query.terms, language, vocabulary, typed)
    if not check.replaced:
        return query, found, {}
    fixed_terms: list[str] = []
    for word in query.terms:
        fixed = check.replaced.get(word, word)
        if fixed not in fixed_terms:
            fixed_terms.append(fixed)
    fixed_query = Query(tuple(fixed_terms), query.prefix)
    access = {"public_only": public_only, "drafts": drafts}
    if found:
        known = [t for t in fixed_terms if t not in check.unknown]
        for fixed in set(check.replaced.values()):
            others = [t for t in known if t != fixed]
            if others and not co_occurs(fixed, others, language, **access):
                return query, found, {}
    fixed_found, _complete = _full_text(
        fixed_query, language, mode=mode, wanted=wanted, exclude=exclude, **access
    )
    if not fixed_found:
        return query, found, {}
    return fixed_query, fixed_found, check.replaced


def search(
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
    correct: bool = True,
) -> Results:
    """Articles in ``language`` that ``user`` may read, best first, with highlighted snippets.

    Agents also find internal articles (and, with ``drafts``, unpublished ones); everybody
    else finds published public articles only. With ``source`` a search that finds nothing is
    counted for the editors' "missing articles" list. With the semantic extra enabled (or
    ``semantic=True``), the full-text ranking is fused with closeness of meaning. With
    ``correct``, when not all terms are found together, terms that no readable article
    contains are replaced by the closest ones that some do (``loket.kb.spelling``); if that
    finds articles, ``corrected`` is the question as searched.
    """
    language = normalise_language(language)
    limit = max(1, min(limit, 100))
    query = analyse(text, language, prefix=prefix)
    agent = is_agent(user)
    meaning = semantic_search.enabled() if semantic is None else semantic
    meaning = meaning and semantic_search.installed()  # without the extra: full text alone
    wanted = max(limit, SEMANTIC_CANDIDATES) if meaning else limit
    access = {"public_only": not agent, "drafts": drafts and agent}
    found, complete = _full_text(
        query, language, mode=mode, wanted=wanted, exclude=exclude, **access
    )
    replaced: dict[str, str] = {}
    if correct and query.terms and (not complete or mode == Mode.ANY):
        query, found, replaced = _corrected(
            query,
            spelling.typed_words(text[:MAX_QUERY_CHARS], language),
            found,
            language,
            mode=mode,
            wanted=wanted,
            exclude=exclude,
            **access,
        )
    if meaning and text.strip():
        close = semantic_search.ranked_ids(
            text,
            language,
            limit=SEMANTIC_CANDIDATES + len(exclude),
            public_only=not agent,
            drafts=drafts and agent,
        )
        skip = set(exclude)
        close = [pk for pk in close if pk not in skip]
        if close:  # none while no article of the language is embedded yet
            found = semantic_search.fuse([pk for pk, _score in found], close, limit=limit)
    found = found[:limit]
    if not found:
        if source is not None and text.strip():
            record_failed_search(text, language, source)
        return Results([])
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
    corrected = ""
    if replaced and hits:
        sources = [f"{h.translation.title} {h.translation.body_text}" for h in hits[:3]]
        corrected = spelling.corrected_text(text[:MAX_QUERY_CHARS], language, replaced, sources)
    return Results(hits, corrected)


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
    """The hits of ``search`` (misspellings corrected where that finds articles)."""
    return search(
        text,
        language=language,
        user=user,
        limit=limit,
        mode=mode,
        prefix=prefix,
        drafts=drafts,
        exclude=exclude,
        source=source,
        semantic=semantic,
    ).hits
