# ruff: noqa: RUF001 - the Russian phrases are Cyrillic on purpose
"""Suggested replies: a draft answer to the customer's latest message, in their language and
register, put together from what the desk already knows, with its sources.

- the canned reply whose text is closest to the question (TF-IDF cosine over the active
  macros' texts in the customer's language), rendered in the customer's register;
- how similar solved tickets were answered: candidates from the ticket search
  (``kb.suggest.similar_tickets``), re-ranked as nearest neighbours by TF-IDF cosine; a
  past answer is reused only when it was written in the same language, and, when the
  customer's register is known, to a customer with the same register;
- the best-matching knowledge-base article, linked when it is public and published.

The draft is only ever put into the reply box for an agent to edit and send: nothing here
sends anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.urls import reverse

from loket.accounts.models import Formality, User
from loket.kb.languages import FORMAL_LANGUAGES
from loket.kb.macros import customer_language, pick_text, substitute, values_for
from loket.kb.models import Macro
from loket.kb.suggest import question_text, similar_articles, similar_tickets
from loket.tickets.models import Message, MessageKind, Ticket

MIN_MACRO_SCORE = 0.12
MIN_TICKET_SCORE = 0.15
CANDIDATES = 10
MAX_MACROS = 500

# The customer's language, not the agent's: these are part of the text the customer reads.
GREETING = {
    ("en", ""): "Hello {name},",
    ("nl", Formality.FORMAL): "Beste {name},",
    ("nl", Formality.INFORMAL): "Hoi {name},",
    ("de", Formality.FORMAL): "Guten Tag {name},",
    ("de", Formality.INFORMAL): "Hallo {name},",
    ("fr", Formality.FORMAL): "Bonjour {name},",
    ("fr", Formality.INFORMAL): "Salut {name},",
    ("ru", Formality.FORMAL): "Здравствуйте, {name}!",
    ("ru", Formality.INFORMAL): "Привет, {name}!",
}
ARTICLE = {
    ("en", ""): "This article explains it step by step: {title} {url}",
    ("nl", Formality.FORMAL): "In dit artikel leest u het stap voor stap: {title} {url}",
    ("nl", Formality.INFORMAL): "In dit artikel lees je het stap voor stap: {title} {url}",
    ("de", Formality.FORMAL): "In diesem Artikel finden Sie die Schritte: {title} {url}",
    ("de", Formality.INFORMAL): "In diesem Artikel findest du die Schritte: {title} {url}",
    ("fr", Formality.FORMAL): "Cet article vous explique les étapes : {title} {url}",
    ("fr", Formality.INFORMAL): "Cet article t'explique les étapes : {title} {url}",
    ("ru", Formality.FORMAL): "В этой статье вы найдёте все шаги: {title} {url}",
    ("ru", Formality.INFORMAL): "В этой статье ты найдёшь все шаги: {title} {url}",
}
CLOSING = {
    ("en", ""): "Kind regards,",
    ("nl", Formality.FORMAL): "Met vriendelijke groet,",
    ("nl", Formality.INFORMAL): "Groetjes,",
    ("de", Formality.FORMAL): "Mit freundlichen Grüßen",
    ("de", Formality.INFORMAL): "Viele Grüße",
    ("fr", Formality.FORMAL): "Cordialement,",
    ("fr", Formality.INFORMAL): "À bientôt,",
    ("ru", Formality.FORMAL): "С уважением,",
    ("ru", Formality.INFORMAL): "Всего доброго,",
}

_GREETING_LINE = re.compile(
    r"^\s*(hello|hi|hey|dear|beste|geachte|hoi|hallo|guten tag|sehr geehrte\w*|bonjour|salut|"
    r"здравствуйте|привет)\b[^\n]{0,60}\n+",
    re.IGNORECASE,
)
_CLOSING_TAIL = re.compile(
    r"\n+\s*(kind regards|best regards|regards|met vriendelijke groet(en)?|groet(jes|en)?|"
    r"mit freundlichen grüßen|viele grüße|cordialement|à bientôt|с уважением|всего доброго)"
    r"\b.*\Z",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class Source:
    kind: str  # "macro", "ticket" or "article"
    title: str
    url: str
    score: float


@dataclass
class Draft:
    language: str
    formality: str
    text: str
    sources: list[Source] = field(default_factory=list)

    @property
    def has_content(self) -> bool:
        return bool(self.sources)


def register_of(ticket: Ticket, language: str) -> str:
    """The register to write in: the customer's, formal when unknown (the safe choice with a
    stranger), none in a language without registers."""
    if language not in FORMAL_LANGUAGES:
        return ""
    formality = ticket.customer.formality if ticket.customer else ""
    return formality if formality in (Formality.FORMAL, Formality.INFORMAL) else Formality.FORMAL


def _phrase(table: dict[tuple[str, str], str], language: str, register: str) -> str:
    return table.get((language, register)) or table[("en", "")]


def core_of(reply: str) -> str:
    """A past answer without its greeting, closing and signature: the part worth reusing."""
    text = reply.replace("\r\n", "\n").split("\n-- \n")[0]
    text = _GREETING_LINE.sub("", text, count=1)
    return _CLOSING_TAIL.sub("", text).strip()


def _similarities(query: str, documents: Sequence[str]) -> list[float]:
    if not documents or not query.strip():
        return [0.0] * len(documents)
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    vectorizer = TfidfVectorizer(sublinear_tf=True, strip_accents="unicode", ngram_range=(1, 2))
    try:
        matrix = vectorizer.fit_transform([query, *documents])
    except ValueError:  # nothing but stop words / no words at all
        return [0.0] * len(documents)
    return [float(s) for s in cosine_similarity(matrix[0], matrix[1:])[0]]


def best_macro(ticket: Ticket, agent: User, question: str) -> tuple[Macro, str, float] | None:
    macros = list(Macro.objects.filter(is_active=True).prefetch_related("texts")[:MAX_MACROS])
    texts: list[tuple[Macro, str]] = []
    for macro in macros:
        chosen = pick_text(macro, ticket)
        if chosen is not None and chosen.language == customer_language(ticket):
            texts.append((macro, chosen.body))
    scores = _similarities(question, [f"{m.title}\n{body}" for m, body in texts])
    ranked = sorted(zip(scores, range(len(texts)), strict=True), reverse=True)
    if not ranked or ranked[0][0] < MIN_MACRO_SCORE:
        return None
    score, index = ranked[0]
    macro, body = texts[index]
    return macro, substitute(body, values_for(ticket, agent)), score


def _past_answers(ticket: Ticket, agent: User, question: str, language: str) -> list[Source]:
    """Similar solved tickets' answers, nearest first, with the reusable part of each."""
    solved = similar_tickets(ticket, agent, CANDIDATES, question)
    formality = ticket.customer.formality if ticket.customer else ""
    usable = []
    for s in solved:
        if s.answer is None or customer_language(s.ticket) != language:
            continue
        theirs = s.ticket.customer.formality if s.ticket.customer else ""
        if formality and theirs and theirs != formality and language in FORMAL_LANGUAGES:
            continue
        usable.append(s)
    asked = [
        Message.objects.filter(ticket=s.ticket, kind=MessageKind.CUSTOMER)
        .order_by("created_at", "id")
        .values_list("body", flat=True)
        .first()
        or ""
        for s in usable
    ]
    scores = _similarities(
        question, [f"{s.ticket.subject}\n{a}" for s, a in zip(usable, asked, strict=True)]
    )
    ranked = sorted(zip(scores, range(len(usable)), strict=True), reverse=True)
    found = []
    for score, index in ranked:
        s = usable[index]
        if score < MIN_TICKET_SCORE or s.answer is None:
            continue
        found.append(
            Source(
                "ticket",
                f"#{s.ticket.pk} {s.ticket.subject}",
                reverse("desk:ticket", args=[s.ticket.pk]),
                round(score, 3),
            )
        )
        found.append(Source("answer", core_of(s.answer.body), "", round(score, 3)))
    return found


def draft(ticket: Ticket, agent: User, base_url: str = "") -> Draft:
    """The draft for ``ticket``'s customer (``agent``: whose view of the desk is searched)."""
    language = customer_language(ticket)
    register = register_of(ticket, language)
    question = question_text(ticket, agent)
    result = Draft(language=language, formality=register, text="")
    body = ""
    macro = best_macro(ticket, agent, question)
    if macro is not None:
        body = macro[1].strip()
        result.sources.append(
            Source("macro", macro[0].title, f"/{macro[0].shortcut}", round(macro[2], 3))
        )
    past = _past_answers(ticket, agent, question, language)
    if past:
        result.sources.append(past[0])
        if not body:
            body = past[1].title
    link = ""
    for hit in similar_articles(ticket, agent, 1, question):
        t = hit.translation
        if t.language != language:
            continue
        url = ""
        if t.article.is_public and t.is_published:
            url = base_url + reverse("help:article", args=[t.language, t.slug])
            link = _phrase(ARTICLE, language, register).format(title=t.title, url=url).strip()
        result.sources.append(
            Source("article", t.title, reverse("kb:article", args=[t.pk]), round(hit.score, 3))
        )
    if not result.sources:
        return result
    name = ticket.customer.name.split()[0] if ticket.customer and ticket.customer.name else ""
    parts = [
        _phrase(GREETING, language, register)
        .format(name=name)
        .replace(" ,", ",")
        .replace(", !", "!")
    ]
    parts += [p for p in (body, link) if p]
    parts.append(_phrase(CLOSING, language, register))
    result.text = "\n\n".join(parts)
    return result
