"""Highlighted snippets, made in Python from the plain text so both backends show the same.

The words of the text are analysed like the index (stemmed in the article's language); the
window of text with the most matching words is shown, escaped, with matches in ``<mark>``.
"""

from __future__ import annotations

from collections.abc import Collection

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from loket.kb.languages import MAX_WORD, WORD, term, unaccent

SNIPPET_WORDS = 28
MAX_SCAN = 20_000  # characters of an article looked at for a snippet


def _matches(word: str, language: str, terms: Collection[str], prefix: str) -> bool:
    lower = word.lower()[:MAX_WORD]
    plain = unaccent(lower)
    # Only words that could stem to a query term are stemmed (stemming costs time).
    if not any(plain[:3] == t[:3] for t in terms) and not (prefix and plain[:3] == prefix[:3]):
        return False
    found = term(lower, language)
    if not found:
        return False
    return found in terms or bool(prefix and found.startswith(prefix))


def _marked(text: str, spans: list[tuple[int, int]]) -> str:
    out: list[str] = []
    pos = 0
    for start, end in spans:
        out.append(escape(text[pos:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def highlight_all(text: str, terms: Collection[str], language: str, prefix: str = "") -> SafeString:
    """The whole (short) text with every match marked: for titles."""
    spans = [m.span() for m in WORD.finditer(text) if _matches(m.group(0), language, terms, prefix)]
    return mark_safe(_marked(text, spans))  # every piece is escaped


def snippet(
    text: str, terms: Collection[str], language: str, prefix: str = "", words: int = SNIPPET_WORDS
) -> SafeString:
    """About ``words`` words around the densest cluster of matches, matches marked."""
    text = " ".join(text[:MAX_SCAN].split())
    tokens = list(WORD.finditer(text))
    if not tokens:
        return mark_safe("")
    hits = [i for i, m in enumerate(tokens) if _matches(m.group(0), language, terms, prefix)]
    best_start, best_count = 0, 0
    j = 0
    for i in range(len(hits)):
        while hits[i] - hits[j] >= words:
            j += 1
        if i - j + 1 > best_count:
            best_count, best_start = i - j + 1, hits[j]
    first = max(0, best_start - 3) if best_count else 0
    last = min(len(tokens), first + words) - 1
    start = tokens[first].start()
    end = tokens[last].end()
    hit_set = set(hits)
    spans = [
        (tokens[k].start() - start, tokens[k].end() - start)
        for k in range(first, last + 1)
        if k in hit_set
    ]
    body = _marked(text[start:end], spans)
    lead = "… " if first > 0 else ""
    tail = " …" if last < len(tokens) - 1 else ""
    return mark_safe(f"{lead}{body}{tail}")  # every piece is escaped
