# ruff: noqa: RUF001, RUF003 - Cyrillic, CJK and full-width letters here are text, on purpose
"""The lines that introduce quoted history: attribution lines and forwarded/quoted header blocks.

Attribution lines ("On …, Anna <a@b> wrote:") in many languages, with or without a "wrote"
word, wrapped over up to four lines; header blocks ("From: … Sent: … To: … Subject: …") as
Outlook, Hotmail, Exchange, Lotus, mail.ru, Yandex and Windows Mail write them, in any order
and localised; separator lines ("-----Original Message-----", "---- On … wrote ----", a line of
dashes or underscores).

No regular expression here can backtrack badly: lines are limited in length before they are
looked at, and the patterns are literal alternations or single character classes.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

MAX_LINE = 300  # longer lines are body text, never an attribution or a header field

# The word for "wrote" in each language (lowercase). Matched as a whole word where the script
# has word boundaries, as a substring for Japanese and Chinese.
_VERBS = [
    "wrote", "writes", "schreef", "het volgende geschreven", "schrieb", "schreibt", "a écrit",
    "écrit", "написал", "написала", "написал(а)", "пишет", "ha scritto", "scrisse", "escribió",
    "escribio", "escreveu", "napisał", "napisała", "napisał(a)", "napisal", "pisze", "skrev",
    "kirjoitti", "napsal", "napsala", "napsal(a)", "yazdı", "şunu yazdı", "írta", "έγραψε",
    "a scris",
]  # fmt: skip
_CJK_VERBS = ["写道", "寫道", "書きました", "のメッセージ", "님이 작성"]

_VERB_RE = re.compile(
    r"(?<!\w)(?:" + "|".join(re.escape(v) for v in sorted(_VERBS, key=len, reverse=True)) + r")"
    r"(?!\w)"
)


def _find_verb(text: str) -> re.Match[str] | None:
    """The last "wrote" word in the last 200 characters of ``text`` (where an attribution has
    it; plain substring tests first, they are fast)."""
    tail_start = max(0, len(text) - 200)
    if not any(v in text[tail_start:] for v in _VERBS):
        return None
    last = None
    for match in _VERB_RE.finditer(text, tail_start):
        last = match
    return last


_VERB_ENDINGS = tuple(_VERBS + _CJK_VERBS)

# How attribution lines begin in each language ("On …", "Op …", "Il giorno …", "W dniu …").
_PREFIXES = (
    "on ", "op ", "am ", "le ", "el ", "il ", "il giorno ", "em ", "no dia ", "w dniu ", "dnia ",
    "den ", "dne ", "pe ", "la ", "在", "于", "----",
)  # fmt: skip

_LINE_PREFIXES = tuple(p for p in _PREFIXES if p != "于")  # "于" also continues a line

# Separator lines before a quoted or forwarded message (lowercase, without the dashes).
_ORIGINAL = {
    "original message", "oorspronkelijk bericht", "origineel bericht", "ursprüngliche nachricht",
    "originalnachricht", "message d'origine", "message original", "исходное сообщение",
    "messaggio originale", "mensaje original", "mensagem original", "oryginalna wiadomość",
    "wiadomość oryginalna", "oprindelig meddelelse", "opprinnelig melding",
    "ursprungligt meddelande", "alkuperäinen viesti", "původní zpráva", "özgün ileti",
    "orijinal mesaj", "元のメッセージ", "原始邮件", "原始郵件", "reply message",
}  # fmt: skip
_FORWARDED = {
    "forwarded message", "begin forwarded message", "doorgestuurd bericht",
    "begin doorgestuurd bericht", "weitergeleitete nachricht",
    "anfang der weitergeleiteten nachricht",
    "message transféré", "début du message réexpédié", "début du message transféré",
    "пересылаемое сообщение", "пересланное сообщение", "начало переадресованного сообщения",
    "messaggio inoltrato", "inizio messaggio inoltrato", "mensaje reenviado",
    "comienzo del mensaje reenviado", "inicio del mensaje reenviado", "mensagem encaminhada",
    "início da mensagem reencaminhada", "перенаправленное сообщение",
    "przekazana wiadomość", "wiadomość przekazana", "videresendt meddelelse",
    "videresendt melding", "vidarebefordrat meddelande", "välitetty viesti", "přeposlaná zpráva",
    "iletilen ileti", "iletilmiş ileti", "転送されたメッセージ", "転送メッセージ", "已转发邮件",
    "转发的邮件", "轉寄的郵件", "forwarded by", "original message follows",
}  # fmt: skip

# Header field labels (lowercase) by kind, as mail programs write them in their block above a
# quoted or forwarded message.
_LABELS: dict[str, str] = {}
for _kind, _words in {
    "from": "from von van afzender de da od от от кого fra från lähettäjä kimden odesílatel "
    "nadawca mittente remitente remetente 差出人 发件人 寄件者 發件人 feladó",
    "date": "sent date datum verzonden gesendet envoyé envoyé le отправлено дата inviato data "
    "enviado enviada fecha wysłane wysłano sendt skickat lähetetty päivämäärä odesláno "
    "gönderildi tarih 送信日時 日付 发送时间 日期 傳送時間 發送時間 elküldve dátum",
    "to": "to aan an à pour a кому per para do til till vastaanottaja komu kime 宛先 收件人 收件者 "
    "címzett",
    "cc": "cc dw kopie копия kopio kopia kopi bilgi 抄送 副本 másolat",
    "subject": "subject onderwerp betreff objet sujet тема oggetto asunto assunto temat emne ämne "
    "aihe předmět konu 件名 主题 主旨 tárgy",
}.items():
    for _word in _words.split():
        _LABELS.setdefault(_word, _kind)
_LABELS.update({"от кого": "from", "envoyé le": "date", "reply-to": "cc", "bcc": "cc"})

_FORWARD_SUBJECT = (
    "fw:", "fwd:", "fw :", "fwd :", "wg:", "tr:", "tr :", "doorst:", "rv:", "enc:", "i:", "vs:",
    "vb:", "vl:", "pd:", "fs:", "転送:", "转发:", "轉寄:", "пересл:", "пересл.:", "fwd[",
)  # fmt: skip

# How a mail's own subject starts when it answers one ("Re:"), in the same languages. "VS:" is
# left out of both: a forward in Danish and Norwegian, an answer in Finnish.
_REPLY_SUBJECT = (
    "re:", "re :", "re[", "aw:", "antw:", "antwort:", "sv:", "r:", "ris:", "rif:", "res:",
    "odp:", "ynt:", "ответ:", "回复:", "答复:", "回覆:", "返信:", "vá:", "atb:", "odg:",
)  # fmt: skip
_OUTER_FORWARD = tuple(p for p in _FORWARD_SUBJECT if p != "vs:")

Kind = Literal["quote", "forward"]


def normalise(line: str) -> str:
    """The line without quote marks, emphasis, direction marks and outer spaces, lowercase."""
    text = line[: MAX_LINE + 50].replace("\u200e", "").replace("\u200f", "").replace("\xa0", " ")
    return text.strip().lstrip(">").strip().strip("*").strip().lower().replace("i\u0307", "i")


_DIGIT = re.compile(r"\d")


def _has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None


@lru_cache(maxsize=4096)
def _may_end(line: str) -> bool:
    """Cheap test: an attribution ends with a colon, "----", or a "wrote" word."""
    tail = line[-60:].rstrip()
    if tail.endswith((":", "：", "-")):
        return True
    return tail.lower().endswith(_VERB_ENDINGS)


def _ends_with_colon(text: str) -> bool:
    return text.endswith((":", "："))


def _email_before_colon(text: str) -> bool:
    """An address in <…>, (…) or [mailto:…] just before the closing colon."""
    body = text.rstrip(":： ").rstrip()
    if not body.endswith((">", ")", "]")):
        return False
    tail = body[-120:]
    return "@" in tail and "." in tail.rsplit("@", 1)[-1]


def attribution_strength(text: str) -> int:
    """2: surely an attribution; 1: one only when a quote follows; 0: not one.

    ``text`` is one line (or wrapped lines joined by a space), normalised."""
    if not text or len(text) > MAX_LINE * 2:
        return 0
    if text.startswith("----") and text.endswith("----"):  # Zoho, Lotus: "---- On … wrote ----"
        inner = text.strip("- ").rstrip(":").strip()
        return 2 if _find_verb(inner) or any(v in inner for v in _CJK_VERBS) else 0
    colon = _ends_with_colon(text)
    bare = text.rstrip(":： ").rstrip()
    verb = _find_verb(bare)
    cjk = any(v in bare for v in _CJK_VERBS)
    prefix = text.startswith(_PREFIXES)
    email = "@" in text
    digits = _has_digit(text)
    if verb or cjk:
        at_end = cjk or (verb is not None and verb.end() == len(bare))
        if at_end and (colon or prefix or email):
            if prefix or email or digits:
                return 2
            return 1
        if colon and (prefix or email):
            return 2 if digits or email else 1
        if colon and digits:
            return 1
        return 0
    if colon and _email_before_colon(text) and _date_digits(text):
        return 2  # "30.09.2017, 18:30, "Name" <addr>:" (Yandex, mail.ru, Gmail in ru/ja)
    if colon and digits and (email or text.count(",") >= 2) and len(text) < 160:
        return 1  # "30.09.2017, 18.30, Anna Smith:" only when a quote follows
    return 0


def attribution_span(lines: list[str], index: int, need_quote: bool = True) -> int:
    """How many lines the attribution at ``index`` spans (0: none); up to four wrapped lines.

    A weak attribution counts only when ``>`` quoted lines follow it (``need_quote``)."""
    first = lines[index]
    if not first.strip() or len(first) > MAX_LINE:
        return 0
    if not any(_may_end(line) for line in lines[index : index + 4]):
        return 0
    joined = normalise(first)
    begins = 0
    for span in (1, 2, 3, 4):
        if span > 1:
            nxt_index = index + span - 1
            if nxt_index >= len(lines):
                return 0
            nxt = lines[nxt_index]
            if (
                not nxt.strip()
                or len(nxt) > MAX_LINE
                or nxt.lstrip().startswith(">") != (first.lstrip().startswith(">"))
            ):
                return 0
            if span == 2:
                begins = _begins_attribution(joined, first)
            checked = span == 2 or not name_only(first)  # "Name\n<addr> 於\n2024年…寫道："
            if not begins or (
                begins == 1
                and checked
                and (_own_start(normalise(nxt)) or _dated_attribution(normalise(nxt)))
            ):
                return 0  # body text: an attribution below it starts on its own line
            if _sentence_end(joined) or normalise(nxt).startswith(_LINE_PREFIXES):
                return 0  # a sentence ended, or the next line starts an attribution itself
            joined = f"{joined} {normalise(nxt)}"
        strength = attribution_strength(joined)
        if strength == 2 or (
            strength == 1 and (not need_quote or _quote_follows(lines, index + span))
        ):
            return span
    return 0


def _date_digits(text: str) -> bool:
    """Digits outside addresses (a date or time, not "anna12@mail.test")."""
    return any(_has_digit(word) for word in text.split() if "@" not in word)


def name_only(line: str) -> bool:
    """A line with only a name ("Jiří Bakker"), as Chinese and Turkish attributions begin."""
    words = [w for w in line.split() if not w.startswith(("<", "("))]
    return 0 < len(words) <= 4 and all(w[0].isupper() for w in words)


def _sentence_end(text: str) -> bool:
    """Whether ``text`` ends a sentence (an abbreviation such as "Di." or "mar." does not)."""
    if text.endswith(("!", "?", "。", "！", "？")):
        return True
    if not text.strip():
        return False
    last = text.rsplit(None, 1)[-1]
    return text.endswith(".") and len(last) > 5 and "@" not in last and last[0] != "<"


def _dated_attribution(text: str) -> bool:
    return attribution_strength(text) == 2 and _date_digits(text)


def _own_start(text: str) -> bool:
    """A line that starts an attribution by itself: "On …", or a date."""
    first = text.split(None, 1)[0] if text.strip() else ""
    return text.startswith(_PREFIXES) or (_has_digit(first) and "@" not in first)


def _begins_attribution(text: str, line: str) -> int:
    """Whether a line can be the first of a wrapped attribution: 2 when it starts with an
    "On"-like word, a date or a name, or holds an address or a "wrote" word; 1 when it starts
    with a short word such as a weekday ("ma", "пт,", "tor."); else 0."""
    if text.startswith(_PREFIXES) or "@" in text or text.endswith("<"):
        return 2
    if name_only(line):
        return 1  # "Jiří Bakker" above "<addr> 於 …", or a signed name above an attribution
    if not text.strip():
        return 0
    first = text.split(None, 1)[0]
    if _has_digit(first) or _find_verb(text):
        return 2
    short = len(first) <= 3 or (len(first) <= 7 and first.endswith((",", ".")))
    return 1 if short and _has_digit(text) else 0  # "ma 21.5.2018 klo 0.45", "sob., 1 gru"


def _quote_follows(lines: list[str], index: int) -> bool:
    for line in lines[index : index + 3]:
        if line.strip():
            return line.lstrip().startswith(">")
    return False


def separator(line: str) -> Kind | Literal["line"] | None:
    """What a separator line announces: "quote", "forward", "line" (only dashes or underscores,
    meaningful when a header block follows) or None."""
    text = normalise(line)
    if len(text) < 3 or len(text) > 120:
        return None
    if not text.strip("-_=~ "):
        return "line" if len(text) >= 5 else None
    inner = text.strip("-_=~ ").rstrip(":").strip()
    if text.startswith(("--", "__", "==")) or text.endswith(("--", "__", "==", ":")):
        if inner in _FORWARDED or inner.startswith("forwarded message from "):  # mutt
            return "forward"
        if inner in _ORIGINAL:
            return "quote"
    return None


def header_label(line: str) -> str | None:
    """The kind of header field a line is ("from", "date", "to", "cc", "subject"), or None."""
    text = normalise(line)
    if not text or len(text) > MAX_LINE:
        return None
    cut = -1
    for mark in (":", "："):
        found = text.find(mark, 0, 24)
        if found != -1 and (cut == -1 or found < cut):
            cut = found
    label = text[:cut] if cut != -1 else text  # Lotus writes the label alone on its line
    label = label.strip().strip("*").strip()
    if cut == -1 and label not in ("to", "cc", "subject", "from", "date"):
        return None
    return _LABELS.get(label)


def header_block(
    lines: list[str],
    index: int,
    after_separator: bool = False,
    memo: dict[int, str | None] | None = None,
) -> Kind | None:
    """Whether a header block starts at ``index``: "quote", "forward" or None.

    At least three kinds of field (From, Date, To, Cc, Subject) within a few lines, in any order,
    one of them From or Date; two are enough after a separator line."""
    memo = {} if memo is None else memo

    def label(at: int) -> str | None:
        if at not in memo:
            memo[at] = header_label(lines[at])
        return memo[at]

    if label(index) is None:
        return None
    kinds: set[str] = set()
    forward = False
    other = 0
    for at in range(index, min(index + 14, len(lines))):
        line = lines[at]
        if not line.strip():
            continue
        kind = label(at)
        if kind is None:
            other += 1
            if other > 3:
                break
            continue
        if kind in kinds and kind != "cc":
            break  # a field again: the block has ended
        kinds.add(kind)
        if kind == "subject":
            name, _, value = normalise(line).replace("：", ":").partition(":")
            value = value.strip("* \t")
            # "VS:" forwards in Danish and Norwegian, but answers in Finnish ("Aihe").
            finnish = name.strip("* ") == "aihe" and value.startswith("vs:")
            forward = forward or (value.startswith(_FORWARD_SUBJECT) and not finnish)
    if not kinds & {"from", "date"}:
        return None
    if len(kinds) >= 3 or (after_separator and len(kinds) >= 2):
        return "forward" if forward else "quote"
    return None


def subject_kind(subject: str) -> Kind | None:
    """What a mail's own subject says it is: "forward" ("Fwd:", "WG:", "TR:", "Doorst:",
    "Пересл:"), "quote" (an answer: "Re:", "AW:", "Antw:") or None (neither, or unknown). A
    leading tag in brackets ("[EXTERNAL]") is passed over."""
    text = subject[:200].strip().lower()
    while text.startswith("[") and 0 < text.find("]") < 40:
        text = text[text.find("]") + 1 :].lstrip()
    if text.startswith(_OUTER_FORWARD):
        return "forward"
    if text.startswith(_REPLY_SUBJECT):
        return "quote"
    return None


def forward_subject_below(lines: list[str], index: int) -> bool:
    """Whether the header block right under a separator has a forwarded subject."""
    for i in range(index, min(index + 4, len(lines))):
        if lines[i].strip():
            return header_block(lines, i, after_separator=True) == "forward"
    return False
