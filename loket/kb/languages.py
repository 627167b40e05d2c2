# ruff: noqa: RUF001 - Russian stop words are Cyrillic on purpose
"""Text analysis for search: the same words in, the same terms out, on every database.

Text is split into letters-and-digits words, lower-cased, stripped of stop words, stemmed with
Snowball in the article's language and stripped of diacritics. The result is a space-separated
string of plain terms that SQLite's FTS5 (``unicode61``) and PostgreSQL's ``simple`` parser both
split the same way, so both backends match alike and neither needs its own stemming.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import snowballstemmer  # type: ignore[import-untyped]
from django.utils.translation import gettext_lazy as _

KB_LANGUAGES = [
    ("nl", _("Dutch")),
    ("en", _("English")),
    ("de", _("German")),
    ("fr", _("French")),
    ("ru", _("Russian")),
]
LANGUAGE_CODES = frozenset(code for code, _name in KB_LANGUAGES)
# Languages with two registers of address (je/u, du/Sie, tu/vous, ты/вы).
FORMAL_LANGUAGES = frozenset({"nl", "de", "fr", "ru"})
DEFAULT_LANGUAGE = "en"

_ALGORITHMS = {
    "nl": "dutch",
    "en": "english",
    "de": "german",
    "fr": "french",
    "ru": "russian",
}


# Small stop-word lists: the words a question is made of, not what it is about.
def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_STOPWORDS: dict[str, frozenset[str]] = {
    "en": _set(
        """a about after again all also am an and any are as at be because been before being
        but by can cannot could did do does doing don done for from get got had has have
        having he her here hers him his how i if in into is it its just me more most my no nor
        not now of off on once only or other our ours out over own same she should so some
        such than that the their theirs them then there these they this those through to too
        under until up very was we were what when where which while who whom why will with
        would you your yours please hi hello thanks thank"""
    ),
    "nl": _set(
        """aan al alle als alsof altijd andere ben bij daar dan dat de der deze die dit doch
        doen door dus een eens en er ge geen geweest haar had heb hebben heeft hem het hier hij
        hoe hun iemand iets ik in is ja je jij jou jouw jullie kan kon kunnen maar me meer men
        met mij mijn moet na naar niet niets nog nu of om omdat ons onze ook op over reeds te
        tegen toch toen tot u uit uw van veel voor want waren was wat we wel welk werd wie wij
        wil wilt word wordt worden zal ze zei zelf zich zij zijn zo zonder zou graag hallo
        bedankt dank alstublieft alsjeblieft hoi waarom waar wanneer kun kunt"""
    ),
    "de": _set(
        """aber alle als also am an auch auf aus bei bin bis bist da damit dann das dass dein
        deine dem den der des die dies diese dieser dir doch dort du durch ein eine einem einen
        einer eines er es euer eure für hat hatte hätte habe haben hier ich ihr ihre im in ist
        ja jede kann kein keine man mein meine mich mir mit muss nach nicht nichts noch nun nur
        ob oder ohne sehr sein seine sich sie sind so über um und uns unser unter vom von vor
        war waren was weil wenn wer wie wir wird wo zu zum zur bitte hallo danke warum wann
        können"""
    ),
    "fr": _set(
        """a ai au aux avec avez avons ce ces cet cette dans de des du elle en est et été être
        eu il ils je la le les leur lui ma mais me même mes moi mon ne nos notre nous on ont
        ou où par pas pour qu que qui sa se ses son sont sur ta te tes toi ton tu un une vos
        votre vous y merci bonjour comment pourquoi quand peux peut pouvez est-ce"""
    ),
    "ru": _set(
        """и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по
        только ее мне было вот от меня еще нет о из ему теперь когда даже ну ли если уже или
        ни быть был него до вас вам ведь там потом себя ей может они тут где есть надо ней для
        мы тебя их чем была сам чтоб без чего раз тоже себе под будет ж тогда кто этот того
        потому этого какой ним здесь этом мой тем чтобы нее сейчас были куда зачем всех можно
        при об после над тот через эти нас про них эту моя этой перед том такой им всю между
        как почему здравствуйте спасибо пожалуйста"""
    ),
}
# "or" is PostgreSQL websearch syntax: it is never a term, in any language, on either backend.
_NEVER_TERMS = frozenset({"or"})

WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_WORD = 40


def normalise_language(code: str | None) -> str:
    """``"nl-BE"`` → ``"nl"``; anything the knowledge base does not serve → English."""
    base = (code or "").split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGE_CODES else DEFAULT_LANGUAGE


_local = threading.local()


def _stemmer(language: str) -> snowballstemmer.Stemmer:
    # Snowball stemmers keep state while they work: one per thread.
    cache: dict[str, snowballstemmer.Stemmer] | None = getattr(_local, "stemmers", None)
    if cache is None:
        cache = _local.stemmers = {}
    if language not in cache:
        cache[language] = snowballstemmer.stemmer(_ALGORITHMS[language])
    return cache[language]


def unaccent(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def term(word: str, language: str) -> str:
    """The search term of one lower-cased word ("" for a stop word). Cached: words repeat,
    and the pure-Python stemmer costs tens of microseconds a word."""
    if word in _STOPWORDS[language] or word in _NEVER_TERMS:
        return ""
    stemmed = unaccent(_stemmer(language).stemWord(word)) if len(word) > 2 else unaccent(word)
    return "" if stemmed in _NEVER_TERMS else stemmed


def words(text: str) -> Iterator[re.Match[str]]:
    return WORD.finditer(text)


def terms(text: str, language: str) -> list[str]:
    """The search terms of ``text`` in order, stop words left out."""
    language = normalise_language(language)
    out = []
    for match in WORD.finditer(text):
        word = match.group(0).lower()[:MAX_WORD]
        t = term(word, language)
        if t:
            out.append(t)
    return out


def index_text(text: str, language: str) -> str:
    """What goes into the indexed column."""
    return " ".join(terms(text, language))
