# ruff: noqa: RUF001  (Cyrillic letters and typographic apostrophes are meant)
"""Mood (angry, frustrated, worried, positive) and urgency, from cue phrases in the desk's
languages. Each finding keeps the words that made it; a cue after a negation ("niet
dringend", "not urgent", "kein Stress") does not count."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from loket.lib import phrase_heads

ANGRY = "angry"
FRUSTRATED = "frustrated"
WORRIED = "worried"
POSITIVE = "positive"
NEUTRAL = "neutral"

# A cue phrase: a regular expression (matched case-insensitively on word boundaries) and its
# weight. English, Dutch, German, French, Russian.
_MOOD: dict[str, list[tuple[str, float]]] = {
    ANGRY: [
        (r"unacceptable|ridiculous|outrageous|disgrac\w*|furious|pathetic|useless|"
         r"incompetent|scandal\w*|fed up|sick of|worst|rip[- ]?off|joke of a", 1.0),
        (r"angry|livid|terrible service|awful|horrible|shameful|a disgrace|what the hell|wtf", 1.0),
        (r"onacceptabel|belachelijk|schandalig|schande|woedend|boos|kwaad|waardeloos|"
         r"bespottelijk|te schandalig|knettergek|absurd|triest|klantonvriendelijk|"
         r"ik ben het zat|ben het spuugzat|spuugzat|het is een grap|incompetent\w*|prutswerk", 1.0),
        (r"unverschämt|inakzeptabel|frechheit|unmöglich|sauer|wütend|stinksauer|lächerlich|"
         r"katastrophal|skandal\w*|zumutung|mir reicht(?:'s| es)|verarsch\w*|unfähig", 1.0),
        (r"inadmissible|inacceptable|scandaleu\w*|furieu\w*|honteu\w*|n'importe quoi|"
         r"lamentable|ridicule|en colère|inadmissibles?|c'est une blague|nul(?:le)? à chier|"
         r"incompétent\w*|j'en ai marre|ras le bol|ras-le-bol", 1.0),
        (r"безобразие|возмутительн\w*|недопустим\w*|отвратительн\w*|позор\w*|бардак|"
         r"издевательств\w*|надоело|хамств\w*|ужасн\w*|кошмар|в бешенстве|бесит|"
         r"некомпетентн\w*", 1.0),
    ],
    FRUSTRATED: [
        (r"(?:still|yet again|once again|again) (?:not|no|nothing|broken|waiting)|"
         r"third time|second time|for the \w+ time|still waiting|"
         r"no one (?:has )?(?:answered|replied)|"
         r"nobody (?:has )?(?:answered|replied|responded)|keeps? (?:happening|failing|crashing)|"
         r"frustrat\w*|annoy\w*|how many times|still (?:broken|not working|doesn't work)|"
         r"days? without (?:a )?(?:reply|answer)|no response|never heard back|disappoint\w*", 1.0),
        (r"alweer|weer niet|nog steeds|nog altijd|voor de (?:derde|tweede|vierde) keer|"
         r"derde keer|al dagen|al weken|geen reactie|geen antwoord|niemand reageert|"
         r"gefrustreerd|frustrerend|teleurgesteld|teleurstellend|irritant|hoe vaak nog|"
         r"blijft (?:maar )?(?:vastlopen|crashen|hangen|fout gaan)", 1.0),
        (r"schon wieder|immer noch|noch immer|zum (?:dritten|zweiten|x-ten) mal|"
         r"seit tagen|seit wochen|keine antwort|keine reaktion|niemand antwortet|frustriert|"
         r"frustrierend|enttäuscht|enttäuschend|ärgerlich|nervig|wie oft noch", 1.0),
        (r"toujours pas|encore une fois|de nouveau|pour la (?:troisième|deuxième|énième) fois|"
         r"depuis des jours|depuis des semaines|aucune réponse|personne ne répond|"
         r"frustr\w*|déçu\w*|décevant\w*|agaçant\w*|énervant\w*|combien de fois|"
         r"(?:j'|j’)?attends (?:toujours|encore)|toujours en attente|toujours rien", 1.0),
        (r"опять|снова|до сих пор|(?:третий|второй|который) раз|уже (?:неделю|несколько дней|"
         r"месяц)|никто не (?:отвечает|ответил)|нет ответа|без ответа|разочарован\w*|"
         r"раздражает|сколько можно", 1.0),
    ],
    WORRIED: [
        (r"worried|concerned|afraid|anxious|nervous|scared|worry|fear that|i hope nothing|"
         r"is (?:my|our) data safe|lost (?:all )?(?:my|our) data|data (?:breach|leak)|hacked", 1.0),
        (r"bezorgd|ongerust|bang|zorgen|maak me zorgen|ik vrees|nerveus|gehackt|datalek|"
         r"zijn mijn gegevens veilig|gegevens kwijt", 1.0),
        (r"besorgt|sorgen|beunruhigt|ich fürchte|angst|nervös|gehackt|datenleck|"
         r"sind meine daten sicher|daten verloren", 1.0),
        (r"inquiet\w*|préoccupé\w*|j'ai peur|peur que|crains|soucieu\w*|piraté\w*|fuite de données|"
         r"mes données sont-elles", 1.0),
        (r"беспоко\w*|волну\w*|боюсь|опасаюсь|тревож\w*|взломал\w*|утечк\w* данных|"
         r"пропали данные", 1.0),
    ],
    POSITIVE: [
        (r"thanks? (?:a lot|so much|very much)|thank you so much|great job|great work|"
         r"excellent|brilliant|awesome|fantastic|amazing|perfect|love it|much appreciated|"
         r"well done|you(?:'re| are) the best|happy with|delighted|superb|wonderful", 1.0),
        (r"heel erg bedankt|hartelijk dank|super(?:goed|fijn)?|top|geweldig|fantastisch|"
         r"uitstekend|perfect|blij mee|heel blij|fijn|prima geholpen|goed geholpen|"
         r"jullie zijn geweldig|tevreden|dank je wel|dankjewel|compliment\w*", 1.0),
        (r"vielen dank|herzlichen dank|super|toll|klasse|prima|perfekt|hervorragend|"
         r"ausgezeichnet|wunderbar|sehr zufrieden|spitze|top|genial", 1.0),
        (r"merci beaucoup|merci infiniment|super|génial|parfait|excellent\w*|formidable|"
         r"très satisfait\w*|au top|bravo|impeccable|ravi\w*", 1.0),
        (r"большое спасибо|огромное спасибо|отлично|замечательно|прекрасно|супер|"
         r"спасибо большое|благодар\w*|доволен|довольна|молодцы|класс", 1.0),
    ],
}  # fmt: skip

_URGENCY: list[tuple[str, float]] = [
    (r"urgent\w*|asap|a\.s\.a\.p\.?|as soon as possible|immediately|right away|emergency|"
     r"critical|top priority|high priority|straight away", 1.0),
    (r"(?:site|website|shop|server|app|system|service|platform|checkout|payment\w*|email|mail)"
     r" (?:is|are|went|has gone|seems) (?:completely |totally )?(?:down|offline|broken|"
     r"unreachable|not loading)|(?:is|are) down|outage|not working at all|nothing works|"
     r"can't log ?in|cannot log ?in|can not log ?in|can't (?:access|work)|production (?:is )?down|"
     r"data loss|losing (?:money|sales|customers|revenue|orders)|lost (?:money|sales|"
     r"revenue|orders)|costing us|revenue|customers can't (?:order|pay)", 1.0),
    (r"deadline|by (?:tomorrow|tonight|today|end of (?:the )?day|eod|monday|tuesday|wednesday|"
     r"thursday|friday|noon)|before (?:tomorrow|tonight|monday|tuesday|wednesday|thursday|"
     r"friday|noon|\d)|within the hour|today still|this morning still", 0.7),
    (r"dringend|spoed\w*|zo snel mogelijk|z\.s\.m\.?|zsm|onmiddellijk|meteen|direct(?:e)? "
     r"actie|per direct|met spoed|acuut|noodgeval|hoge prioriteit", 1.0),
    (r"(?:site|website|webshop|winkel|server|app|systeem|kassa|betaling\w*|mail) "
     r"(?:ligt|is) (?:er ?uit|plat|offline|down|onbereikbaar)|ligt (?:er ?uit|plat)|"
     r"werkt (?:helemaal )?niet meer|doet (?:het|niks|helemaal niks) (?:niet )?meer|storing|"
     r"kan niet (?:meer )?inloggen|kunnen niet (?:meer )?(?:bestellen|betalen|werken)|"
     r"(?:we )?verliezen (?:geld|omzet|klanten|bestellingen)|geld kwijt|omzet(?:verlies)?|"
     r"kost (?:ons|me) geld|gegevens kwijt", 1.0),
    (r"uiterlijk (?:morgen|vandaag|maandag|dinsdag|woensdag|donderdag|vrijdag|\d)|"
     r"vóór (?:morgen|maandag|dinsdag|woensdag|donderdag|vrijdag|\d)|vandaag nog|"
     r"voor morgen|binnen het uur", 0.7),
    (r"dringend\w*|eilig|sofort|umgehend|schnellstmöglich|so schnell wie möglich|"
     r"notfall|höchste priorität", 1.0),
    (r"(?:seite|website|webseite|shop|server|system|app|kasse) (?:ist )?(?:down|offline|"
     r"ausgefallen|nicht erreichbar|tot)|ausgefallen|geht (?:gar )?nicht mehr|funktioniert "
     r"(?:gar )?nicht mehr|störung|kann mich nicht (?:mehr )?anmelden|"
     r"(?:wir )?verlieren (?:geld|umsatz|kunden|bestellungen)|umsatzverlust|kostet uns geld", 1.0),
    (r"bis (?:morgen|heute|montag|dienstag|mittwoch|donnerstag|freitag|\d)|frist|"
     r"noch heute", 0.7),
    (r"urgent\w*|au plus vite|dès que possible|immédiatement|tout de suite|en urgence|"
     r"au plus tôt|de toute urgence|prioritaire", 1.0),
    (r"(?:site|boutique|serveur|application|système|service) (?:est )?(?:en panne|hors "
     r"service|inaccessible|down|planté)|en panne|hors service|ne fonctionne plus|"
     r"plus rien ne (?:marche|fonctionne)|impossible de me connecter|"
     r"(?:nous )?perdons (?:de l'argent|des clients|des ventes|des commandes)|"
     r"chiffre d'affaires|perte d'argent", 1.0),
    (r"avant (?:demain|ce soir|lundi|mardi|mercredi|jeudi|vendredi|\d)|date limite|"
     r"échéance|aujourd'hui même", 0.7),
    (r"срочн\w*|как можно скорее|немедленно|безотлагательно|экстренн\w*|аварийн\w*", 1.0),
    (r"(?:сайт|сервер|магазин|система|приложение|сервис) (?:не работает|лежит|упал|"
     r"недоступен)|ничего не работает|не могу (?:войти|зайти)|"
     r"теряем (?:деньги|клиентов|заказы|продажи)|убытк\w*|потеряли деньги", 1.0),
    (r"до (?:завтра|вечера|понедельника|пятницы|\d)|дедлайн|крайний срок|сегодня же|"
     r"не работает", 0.7),
]  # fmt: skip

_NEGATION = re.compile(
    r"(?:\bnot|\bno|n't|\bniet|\bgeen|\bnicht|\bkein\w*|\bpas|\bне|\bнет|\bnever|\bnooit|"
    r"\bnie|\bjamais)\W+(?:(?:very|so|that|really|erg|zo|echt|heel|sehr|so|wirklich|très|si|"
    r"vraiment|очень|так|особо)\W+)?$",
    re.IGNORECASE,
)
# "not urgent" etc. is itself calm: it marks the phrase after it as negated.


_Cue = tuple[re.Pattern[str], float, frozenset[str] | None]


def _compile(phrases: list[tuple[str, float]]) -> list[_Cue]:
    """Each cue's pattern, weight and the word beginnings it can match at (``phrase_heads``)."""
    compiled = []
    for phrase, weight in phrases:
        pattern = rf"(?<!\w)(?:{phrase})(?!\w)"
        compiled.append((re.compile(pattern, re.IGNORECASE), weight, phrase_heads.heads(pattern)))
    return compiled


_MOOD_RE = {mood: _compile(phrases) for mood, phrases in _MOOD.items()}
_URGENCY_RE = _compile(_URGENCY)
_SHOUT = re.compile(r"\b[^\W\d_a-zа-яё]{4,}\b")
_BANGS = re.compile(r"[!?]{3,}|!{2,}")


@dataclass(frozen=True)
class Hit:
    phrase: str
    start: int
    end: int
    weight: float

    def as_dict(self) -> dict[str, Any]:
        return {"phrase": self.phrase, "span": [self.start, self.end]}


@dataclass(frozen=True)
class Reading:
    value: str
    score: float
    cues: tuple[Hit, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "score": round(self.score, 2),
                "cues": _unique(self.cues), "spans": [h.as_dict() for h in self.cues]}  # fmt: skip


def _unique(hits: tuple[Hit, ...]) -> list[str]:
    seen: list[str] = []
    for hit in hits:
        if hit.phrase.lower() not in seen:
            seen.append(hit.phrase.lower())
    return seen


def _negated(text: str, start: int) -> bool:
    return bool(_NEGATION.search(text[max(0, start - 24) : start]))


def _hits(text: str, patterns: list[_Cue]) -> list[Hit]:
    found: list[Hit] = []
    taken: list[tuple[int, int]] = []
    words = phrase_heads.starts(text)
    for pattern, weight, beginnings in patterns:
        # Tried only where a word of the text begins as one of its phrases does.
        for match in words.finditer(pattern, beginnings, text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            if _negated(text, match.start()):
                continue
            taken.append((match.start(), match.end()))
            found.append(Hit(match.group(), match.start(), match.end(), weight))
    found.sort(key=lambda h: h.start)
    return found


def shouting(text: str) -> list[Hit]:
    """Words in capitals (four letters or more) when they are a good part of the text."""
    caps = [Hit(m.group(), m.start(), m.end(), 0.4) for m in _SHOUT.finditer(text)]
    total = max(1, len(re.findall(r"\w+", text[:20_000])))
    if len(caps) >= 3 or (caps and len(caps) / total > 0.3):
        return caps
    return []


def mood(text: str) -> Reading:
    scores: dict[str, list[Hit]] = {m: _hits(text, p) for m, p in _MOOD_RE.items()}
    loud = shouting(text) + [Hit(m.group(), m.start(), m.end(), 0.5) for m in _BANGS.finditer(text)]
    if loud and (scores[ANGRY] or scores[FRUSTRATED]):
        scores[ANGRY] = sorted(scores[ANGRY] + loud, key=lambda h: h.start)
    negative = {m: sum(h.weight for h in scores[m]) for m in (ANGRY, FRUSTRATED, WORRIED)}
    best = max(negative, key=lambda m: (negative[m], m == ANGRY, m == FRUSTRATED))
    if negative[best] >= 1.0:
        return Reading(best, negative[best], tuple(scores[best]))
    positive = sum(h.weight for h in scores[POSITIVE])
    if positive >= 1.0:
        return Reading(POSITIVE, positive, tuple(scores[POSITIVE]))
    return Reading(NEUTRAL, 0.0, ())


HIGH = "high"
MEDIUM = "medium"
NONE = "none"


def urgency(text: str) -> Reading:
    hits = _hits(text, _URGENCY_RE)
    score = sum(h.weight for h in hits)
    if score >= 1.0:
        return Reading(HIGH, score, tuple(hits))
    if score > 0:
        return Reading(MEDIUM, score, tuple(hits))
    return Reading(NONE, 0.0, ())
