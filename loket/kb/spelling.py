"""Typo tolerance: question terms that no article contains are replaced by the closest terms
that some article does contain ("pasword resett" → "password reset").

The vocabulary is the set of analysed terms (``search_title``/``search_body``) of the articles
the reader may find, per language (``loket.kb.collection``): the public one for the help
centre and customers, a wider one for agents, so a term that occurs only in internal
articles or drafts is never offered to the public.

Candidates come from an index of letter pairs (a term within n edits shares all but at most
3n of the word's pairs), then are checked with the Damerau-Levenshtein distance: none for
terms under 4 letters or with digits, only two swapped neighbouring letters under 6 letters
(so that short real words are not turned into other ones), one edit under 9 letters and two
from 9 letters on. The closest wins, then the one in most articles, then one with the same
first letter.

Terms are compared after stemming, as they are indexed; a typo in a word's ending can keep
the stemmer from shortening it ("negotiaton" stays, "negotiation" becomes "negoti"), so a word
without a close term is also tried as typed with the usual slips undone (``closest_by_word``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from loket.kb.languages import MAX_WORD, WORD, term

MIN_LENGTH = 4  # shorter terms are never corrected
SHORT = 6  # below this only swapped neighbouring letters are corrected ("emial")
LONG = 9  # from here on two edits


@dataclass
class Vocabulary:
    docs: Counter[str]  # term → number of articles containing it
    _grams: dict[str, list[str]] | None = field(default=None, repr=False)

    def __contains__(self, item: str) -> bool:
        return item in self.docs

    def _index(self) -> dict[str, list[str]]:
        """Letter pair (of the term framed by ``^`` and ``$``) → the terms that have it. A few
        references per term: small and quick to build even for a large vocabulary."""
        if self._grams is None:
            index: dict[str, list[str]] = {}
            for word in self.docs:
                if len(word) >= MIN_LENGTH - 1:
                    for gram in _grams(word):
                        index.setdefault(gram, []).append(word)
            self._grams = index
        return self._grams

    def closest(self, word: str) -> str:
        """The best known term within the allowed distance of ``word``, or ""."""
        limit = allowed_distance(word)
        if limit == 0:
            return ""
        index = self._index()
        grams = _grams(word)
        # One edit changes at most three letter pairs: a term within ``limit`` edits shares
        # at least this many with the word.
        needed = max(1, len(grams) - 3 * limit)
        shared: Counter[str] = Counter()
        for gram in grams:
            shared.update(index.get(gram, ()))
        best: tuple[int, int, bool, str] | None = None
        for candidate, count in shared.items():
            if count < needed or candidate == word or abs(len(candidate) - len(word)) > limit:
                continue
            distance = damerau_levenshtein(word, candidate, limit)
            if distance > limit or (len(word) < SHORT and not _swapped(word, candidate)):
                continue
            key = (distance, -self.docs[candidate], candidate[0] != word[0], candidate)
            if best is None or key < best:
                best = key
        return best[3] if best else ""


def _grams(word: str) -> set[str]:
    framed = f"^{word}$"
    return {framed[i : i + 2] for i in range(len(framed) - 1)}


def allowed_distance(word: str) -> int:
    if len(word) < MIN_LENGTH or any(ch.isdigit() for ch in word):
        return 0
    return 2 if len(word) >= LONG else 1


def _swapped(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` with two neighbouring letters swapped."""
    if len(a) != len(b):
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]


def damerau_levenshtein(a: str, b: str, limit: int) -> int:
    """The optimal-string-alignment distance, or ``limit + 1`` as soon as it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


@dataclass(frozen=True)
class Check:
    replaced: dict[str, str]  # unknown term → the closest known term
    unknown: frozenset[str]  # unknown terms without a close known one


VOWELS = "aeiouy"


def _word_edits(word: str) -> Iterator[str]:
    """The usual slips of one word: a letter left out, two swapped, one doubled, a vowel
    changed or added; under ``SHORT`` letters only swaps."""
    for i in range(len(word) - 1):
        if word[i] != word[i + 1]:
            yield word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if len(word) < SHORT:
        return
    for i in range(len(word)):
        yield word[:i] + word[i + 1 :]
        yield word[:i] + word[i] + word[i:]
        for vowel in VOWELS:
            if vowel != word[i]:
                yield word[:i] + vowel + word[i + 1 :]
            yield word[:i] + vowel + word[i:]


def closest_by_word(word: str, language: str, known: Vocabulary) -> str:
    """For a misspelling that the stemmer took apart differently ("uitbtealing" keeps its
    ending, "uitbetaling" becomes "uitbetaal"): the best known term of a word one usual slip
    away from the typed word."""
    if not allowed_distance(word) or len(word) > MAX_WORD:
        return ""
    best: tuple[int, str] | None = None
    for edited in set(_word_edits(word)):
        candidate = term(edited, language)
        if candidate and candidate in known:
            key = (-known.docs[candidate], candidate)
            if best is None or key < best:
                best = key
    return best[1] if best else ""


def check(
    query_terms: Iterable[str],
    language: str,
    known: Vocabulary,
    words: dict[str, str] | None = None,
) -> Check:
    """Which terms are not in ``known`` (the readable articles' terms, ``kb.collection``), and
    the closest known term for those (``words``: the typed word of each term, lower-cased,
    for ``closest_by_word``)."""
    replaced: dict[str, str] = {}
    unknown: set[str] = set()
    for word in query_terms:
        if word in known:
            continue
        best = known.closest(word)
        typed = (words or {}).get(word, "")
        if not best and typed:
            best = closest_by_word(typed, language, known)
        if best:
            replaced[word] = best
        else:
            unknown.add(word)
    return Check(replaced, frozenset(unknown))


def typed_words(text: str, language: str) -> dict[str, str]:
    """Each term of ``text`` with the (first) lower-cased word it came from."""
    out: dict[str, str] = {}
    for match in WORD.finditer(text):
        word = match.group(0).lower()[:MAX_WORD]
        out.setdefault(term(word, language), word)
    return out


def corrected_text(text: str, language: str, replaced: dict[str, str], sources: list[str]) -> str:
    """The question as the reader typed it, each misspelt word replaced by the word of the
    found articles (``sources``) with the corrected term that looks most like what was typed;
    the term itself if no such word is there."""
    forms: dict[str, set[str]] = {t: set() for t in replaced.values()}
    for source in sources:
        for match in WORD.finditer(source):
            word = match.group(0).lower()[:MAX_WORD]
            t = term(word, language)
            if t in forms:
                forms[t].add(word)
    out: list[str] = []
    last = 0
    for match in WORD.finditer(text):
        typed = match.group(0).lower()[:MAX_WORD]
        t = term(typed, language)
        if t in replaced:
            fixed = replaced[t]
            options = sorted(forms[fixed], key=lambda w: (damerau_levenshtein(typed, w, 9), w))
            out.append(text[last : match.start()])
            out.append(options[0] if options else fixed)
            last = match.end()
    out.append(text[last:])
    return " ".join("".join(out).split())
