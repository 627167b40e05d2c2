# ruff: noqa: RUF001  (Cyrillic letters and typographic apostrophes are meant)
"""Checks an agent's draft reply before it goes out. Pure functions, no database: the caller
gives what is known about the customer (``Context``).

Each finding has the span it is about (``None`` when it is about something missing), a reason
and a suggested fix; the agent may send anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.assist import formality, mood, questions
from loket.assist.analyze import find_secrets, language_of
from loket.assist.text import MAX_CHARS, clean

LANGUAGE_NAMES = {"en": gettext_lazy("English"), "nl": gettext_lazy("Dutch"),
                  "de": gettext_lazy("German"), "fr": gettext_lazy("French"),
                  "ru": gettext_lazy("Russian")}  # fmt: skip

# Rude, blaming or dismissive phrases, each with a calmer wording.
_RUDE: list[tuple[str, str]] = [
    (r"as i (?:already )?(?:said|told you|mentioned|explained)", "To recap:"),
    (r"as (?:previously|already) (?:stated|mentioned|explained)", "To recap:"),
    (r"(?:that|this|it)(?:'s| is) not (?:our|my) (?:problem|fault|responsibility)",
     "I understand this is a problem for you; here is what we can do:"),
    (r"you should have|you should've|you must have (?:done|made|forgotten)|"
     r"you (?:obviously )?(?:didn't|did not) read|read the manual|rtfm",
     "It may help to …"),
    (r"calm down|there is nothing (?:we|i) can do|nothing we can do|deal with it|"
     r"not (?:my|our) job|obviously|clearly you|user error|your fault",
     "Let me see what is possible."),
    (r"zoals (?:ik )?(?:al )?(?:eerder )?(?:zei|gezegd|aangegeven|vermeld|uitgelegd)",
     "Even samengevat:"),
    (r"dat is (?:niet )?(?:ons|mijn) (?:probleem|schuld|pakkie-an)|niet ons probleem|"
     r"niet mijn probleem", "Ik begrijp dat dit vervelend is; dit kunnen we doen:"),
    (r"(?:u|je|jij) had (?:beter )?(?:moeten|eerst)|(?:u|je) heeft (?:zelf )?(?:niet )?goed "
     r"gelezen|lees (?:de|even de) handleiding|eigen schuld|(?:uw|jouw|je) eigen fout",
     "Het kan helpen om …"),
    (r"rustig (?:aan|blijven)|daar kunnen we niets aan doen|daar (?:kan|kunnen) (?:ik|we) "
     r"niks mee", "Ik kijk wat er mogelijk is."),
    (r"wie (?:ich )?(?:bereits|schon) (?:gesagt|erwähnt|erklärt|geschrieben)",
     "Kurz zusammengefasst:"),
    (r"(?:das|dies) ist nicht unser (?:problem|fehler)|nicht unser problem|selbst schuld|"
     r"sie hätten (?:eben|halt)?|du hättest|lesen sie (?:doch )?die anleitung|"
     r"beruhigen sie sich|da können wir nichts machen", "Ich verstehe, dass das ärgerlich ist."),
    (r"comme (?:je )?(?:vous l'ai|te l'ai|l'ai) (?:déjà )?(?:dit|expliqué|indiqué)",
     "Pour résumer :"),
    (r"ce n'est pas (?:notre|mon) (?:problème|faute)|pas notre problème|"
     r"vous auriez dû|tu aurais dû|c'est votre faute|calmez-vous|lisez le manuel",
     "Je comprends que ce soit gênant ; voici ce que nous pouvons faire :"),
    (r"как я уже (?:говорил\w*|писал\w*|объяснял\w*|сказал\w*)", "Кратко напомню:"),
    (r"это не наша проблема|не наша проблема|сами виноваты|вы должны были|успокойтесь|"
     r"читайте инструкцию", "Понимаю, что это неприятно; вот что мы можем сделать:"),
]  # fmt: skip

_GREETING = re.compile(
    r"^\W*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|greetings|beste|hoi|hallo|"
    r"geachte|goedemorgen|goedemiddag|goedenavond|dag|liebe[rs]?|sehr geehrte\w*|guten "
    r"(?:tag|morgen|abend)|moin|servus|bonjour|bonsoir|salut|cher|chère|madame|monsieur|"
    r"здравствуйте|здравствуй|добрый (?:день|вечер)|доброе утро|привет|уважаем\w*)\b",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    r"(?:regards|best|cheers|thanks|thank you|sincerely|kind regards|groet(?:en|jes)?|"
    r"met vriendelijke groet|hartelijke groet|vriendelijke groet|bedankt|dank je|dank u|"
    r"grüße|grüßen|gruß|danke|cordialement|bien à (?:vous|toi)|salutations|merci|bonne journée|"
    r"с уважением|спасибо|всего доброго|хорошего дня)\W*\s*(?:\n.{0,60}){0,3}\s*$",
    re.IGNORECASE,
)
_PROMISE = re.compile(
    r"\b(?:we(?:'ll| will)|i(?:'ll| will)) (?:get back|come back|look into|fix|check|call|"
    r"contact|update|let you know|send|follow up|investigate|sort)|"
    r"\b(?:ik|we|wij) (?:kom(?:en)?|ga(?:an)?|zal|zullen|neem(?:en)?) "
    r"(?:er ?op terug|(?:er )?(?:op terug|"
    r"naar kijken|contact op|het oplossen|dit oplossen|u bellen|je bellen|uitzoeken|"
    r"laten weten|terugkoppelen))|\b(?:kom(?:en)?|ga(?:an)?) (?:ik|we) (?:er )?(?:op terug|"
    r"naar kijken)|\bwir (?:melden uns|kümmern uns|werden (?:das|es|uns))|\bich (?:melde mich|"
    r"kümmere mich|werde (?:das|es|mich))|\bnous (?:reviendrons|allons (?:corriger|vérifier|"
    r"regarder|vous recontacter))|\bje (?:reviens|vais (?:vérifier|regarder|corriger))|"
    r"\b(?:мы|я) (?:свяжемся|свяжусь|исправим|исправлю|проверим|проверю|сообщим|сообщу|"
    r"разберёмся|разберемся)",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"\d|today|tomorrow|tonight|this (?:afternoon|morning|week|evening)|monday|tuesday|"
    r"wednesday|thursday|friday|within|hour|minute|end of (?:the )?day|vandaag|morgen|"
    r"vanavond|vanmiddag|deze week|maandag|dinsdag|woensdag|donderdag|vrijdag|binnen|uur|"
    r"minuten|heute|morgen|diese woche|montag|dienstag|mittwoch|donnerstag|freitag|"
    r"innerhalb|stunde|aujourd'hui|demain|cette semaine|lundi|mardi|mercredi|jeudi|vendredi|"
    r"dans l'heure|heure|сегодня|завтра|на этой неделе|в течение|час|минут|понедельник|"
    r"вторник|сред|четверг|пятниц",
    re.IGNORECASE,
)
_INTERNAL = re.compile(
    r"\b(?:internal only|intern(?:e)? notitie|internal note|do not share|niet delen|"
    r"nicht weitergeben|ne pas partager|не для клиента|jira|backlog|confluence|"
    r"tier ?[123]|second line|tweede lijn|l2|l3|dev team says|our devs|slack)\b",
    re.IGNORECASE,
)

# Replacements for the words of the other register, per language: (word, fix).
_TO_INFORMAL = {
    "nl": {"u": "je", "uw": "je", "alstublieft": "alsjeblieft", "geachte": "beste",
           "dankuwel": "dankjewel"},
    "de": {"sie": "du", "ihnen": "dir", "ihr": "dein", "ihre": "deine", "ihren": "deinen",
           "ihrem": "deinem", "ihrer": "deiner", "ihres": "deines"},
    "fr": {"vous": "tu", "votre": "ton/ta", "vos": "tes", "veuillez": "merci de"},
    "ru": {"вы": "ты", "вас": "тебя", "вам": "тебе", "вами": "тобой", "ваш": "твой",
           "ваша": "твоя", "ваше": "твоё", "ваши": "твои", "здравствуйте": "привет"},
}  # fmt: skip
_TO_FORMAL = {
    "nl": {"je": "u", "jij": "u", "jou": "u", "jouw": "uw", "alsjeblieft": "alstublieft",
           "hoi": "beste", "dankjewel": "dank u wel"},
    "de": {"du": "Sie", "dich": "Sie", "dir": "Ihnen", "dein": "Ihr", "deine": "Ihre",
           "deinen": "Ihren", "deinem": "Ihrem", "deiner": "Ihrer", "deines": "Ihres"},
    "fr": {"tu": "vous", "te": "vous", "t'": "vous", "toi": "vous", "ton": "votre",
           "ta": "votre", "tes": "vos", "salut": "bonjour"},
    "ru": {"ты": "вы", "тебя": "вас", "тебе": "вам", "тобой": "вами", "твой": "ваш",
           "твоя": "ваша", "твоё": "ваше", "твое": "ваше", "твои": "ваши",
           "привет": "здравствуйте"},
}  # fmt: skip

#: A customer question counts as addressed when this share of its keywords is in the draft.
ANSWER_SHARE = 0.34


@dataclass(frozen=True)
class Context:
    """What is known about the customer the draft answers."""

    register: str = formality.UNKNOWN  # the register to use (manual setting wins)
    language: str = ""  # the customer's language (of their latest message)
    languages: tuple[str, ...] = ()  # every language the customer is known to read
    questions: tuple[str, ...] = ()  # the open customer questions
    internal_words: tuple[str, ...] = ()
    signature: str = ""  # the agent's signature, added when sending
    public: bool = True


@dataclass(frozen=True)
class Finding:
    code: str
    reason: str
    fix: str
    span: tuple[int, int] | None = None
    severity: str = "warning"
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "span": list(self.span) if self.span else None,
                "reason": self.reason, "fix": self.fix, "severity": self.severity,
                **self.extra}  # fmt: skip


def _compiled(pairs: list[tuple[str, str]]) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(rf"(?<!\w)(?:{p})(?!\w)", re.IGNORECASE), fix) for p, fix in pairs]


_RUDE_RE = _compiled(_RUDE)


def _register(draft: str, context: Context, language: str) -> list[Finding]:
    wanted = context.register
    if wanted not in (formality.FORMAL, formality.INFORMAL) or language not in _TO_FORMAL:
        return []
    wrong = formality.INFORMAL if wanted == formality.FORMAL else formality.FORMAL
    table = (_TO_FORMAL if wanted == formality.FORMAL else _TO_INFORMAL)[language]
    found = []
    for cue in formality.cues(draft, language):
        if cue.register != wrong or cue.weight < 0.3:
            continue
        fix = table.get(cue.word.lower(), "")
        if fix and cue.word[:1].isupper():
            fix = fix[:1].upper() + fix[1:]
        if wanted == formality.FORMAL:
            reason = _("The customer is addressed formally; “%(word)s” is informal.")
        else:
            reason = _("The customer writes informally; “%(word)s” is formal.")
        found.append(
            Finding(
                "register",
                reason % {"word": cue.word},
                _("Write “%(fix)s”.") % {"fix": fix}
                if fix
                else _("Use the customer's form of address."),
                (cue.start, cue.end),
                extra={"replacement": fix},
            )
        )
    return found


def _unanswered(draft: str, context: Context, language: str) -> list[Finding]:
    have = questions.keywords(draft, language or context.language or "en")
    found = []
    for question in context.questions:
        wanted = questions.keywords(question, language or context.language or "en")
        if not wanted:
            continue
        share = len(wanted & have) / len(wanted)
        if share < ANSWER_SHARE:
            found.append(
                Finding(
                    "unanswered",
                    _("Not answered yet: “%(q)s”") % {"q": question[:200]},
                    _("Answer this question, or say when you will."),
                    extra={"question": question},
                )
            )
    return found


def _rude(draft: str) -> list[Finding]:
    found = []
    for pattern, fix in _RUDE_RE:
        for match in pattern.finditer(draft):
            found.append(
                Finding(
                    "tone",
                    _("“%(phrase)s” can come across as rude or dismissive.")
                    % {"phrase": match.group()},
                    _("Try: “%(fix)s”") % {"fix": fix},
                    (match.start(), match.end()),
                    extra={"replacement": fix},
                )
            )
    return found


def _shouting(draft: str) -> list[Finding]:
    loud = mood.shouting(draft)
    found = [
        Finding(
            "shouting",
            _("“%(word)s” in capitals reads as shouting.") % {"word": h.phrase},
            _("Write it in lower case."),
            (h.start, h.end),
            extra={"replacement": h.phrase.lower()},
        )
        for h in loud
    ]
    for match in re.finditer(r"!{2,}", draft):
        found.append(
            Finding(
                "shouting",
                _("Several exclamation marks read as shouting."),
                _("Use one, or none."),
                (match.start(), match.end()),
                extra={"replacement": "."},
            )
        )
    return found


def _greeting_closing(draft: str, context: Context) -> list[Finding]:
    found = []
    stripped = draft.strip()
    if not _GREETING.match(stripped):
        found.append(
            Finding(
                "greeting",
                _("The reply has no greeting."),
                _("Start with a greeting and the customer's name."),
                severity="info",
            )
        )
    tail = stripped[-300:]
    if not _CLOSING.search(tail) and not _CLOSING.search(context.signature.strip()[:300]):
        found.append(
            Finding(
                "closing",
                _("The reply has no closing."),
                _("End with a closing such as “Kind regards”."),
                severity="info",
            )
        )
    return found


def _promises(draft: str) -> list[Finding]:
    found = []
    for match in _PROMISE.finditer(draft):
        sentence_end = re.search(r"[.!?\n]", draft[match.end() :])
        end = match.end() + (sentence_end.start() if sentence_end else len(draft) - match.end())
        sentence_start = max(
            draft.rfind(".", 0, match.start()), draft.rfind("\n", 0, match.start())
        )
        if _TIME.search(draft[sentence_start + 1 : end]):
            continue
        found.append(
            Finding(
                "promise",
                _("“%(phrase)s” promises something without saying when.")
                % {"phrase": match.group()},
                _("Say when: “today before 17:00”, “within two working days”."),
                (match.start(), match.end()),
            )
        )
    return found


def _internal(draft: str, context: Context) -> list[Finding]:
    if not context.public:
        return []
    found = []
    patterns = [_INTERNAL] + [
        re.compile(rf"(?<!\w){re.escape(w)}(?!\w)", re.IGNORECASE) for w in context.internal_words
    ]
    for pattern in patterns:
        for match in pattern.finditer(draft):
            found.append(
                Finding(
                    "internal",
                    _("“%(word)s” is internal; the customer will read this.")
                    % {"word": match.group()},
                    _("Leave it out or say it in plain words."),
                    (match.start(), match.end()),
                    severity="error",
                )
            )
    for secret in find_secrets(draft):
        start, end = secret["span"]
        found.append(
            Finding(
                "secret",
                _("This looks like a secret (%(kind)s).") % {"kind": secret["kind"]},
                _("Never send secrets in a reply; remove it."),
                (start, end),
                severity="error",
            )
        )
    return found


def check(draft: str, context: Context) -> list[Finding]:
    """Every finding for ``draft``, in the order of the text (missing things last)."""
    draft = clean(draft[:MAX_CHARS])
    if not draft.strip():
        return []
    language, _confidence = language_of(draft)
    found: list[Finding] = []
    known = {code for code in (context.language, *context.languages) if code}
    if language and known and language not in known:
        found.append(
            Finding(
                "language",
                _("The draft is in %(draft)s; the customer writes %(customer)s.")
                % {
                    "draft": LANGUAGE_NAMES.get(language, language),
                    "customer": LANGUAGE_NAMES.get(context.language, context.language),
                },
                _("Write in the customer's language."),
            )
        )
    found += _register(draft, context, language or context.language)
    found += _rude(draft)
    found += _shouting(draft)
    found += _promises(draft)
    found += _internal(draft, context)
    found += _unanswered(draft, context, language)
    found += _greeting_closing(draft, context)
    found.sort(key=lambda f: (f.span is None, f.span[0] if f.span else 0))
    return found
