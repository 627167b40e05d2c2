# ruff: noqa: RUF001 - Cyrillic and CJK letters here are text, on purpose
"""Where the writer's signature starts in the new text of a reply.

Signatures are found by a ``-- `` line, a mailing-list footer after a line of underscores,
a phone or app footer ("Sent from my iPhone", "Get Outlook for iOS<https://…>", "Envoyé de mon
iPad", in many languages, links removed before looking), or a sign-off with the writer's name and
title below it ("Thanks,\\nNoam", "Regards, John Doe\\nCEO"). When in doubt the text stays visible.
"""

from __future__ import annotations

import re

_DELIMITER = re.compile(r"^-- ?$")
_LINK = re.compile(r"<(?:https?|mailto):[^<>\s]{0,2000}>|\[(?:https?|mailto):[^\[\]\s]{0,2000}\]")

# App and phone footers, lowercase, links removed: how the line starts, or how it ends.
_FOOTER_STARTS = (
    "sent from my ", "sent from ", "sent via ", "sent using ", "sent with ", "get outlook for ",
    "verzonden vanaf ", "verzonden met ", "verzonden via ", "verstuurd vanaf ", "verstuurd met ",
    "verstuurd via ", "outlook voor ", "download outlook voor ", "von meinem ", "gesendet von ",
    "gesendet mit ", "outlook für ", "envoyé de mon ", "envoyé depuis ", "envoyé à partir de ",
    "télécharger outlook pour ", "obtenir outlook pour ", "отправлено с ", "отправлено из ",
    "отправлено через ", "получить outlook для ", "inviato da ", "inviato dal mio ",
    "scarica outlook per ", "enviado desde ", "enviado do ", "enviado de ", "enviado a partir ",
    "obtener outlook para ", "baixe o outlook para ", "obter o outlook para ", "wysłane z ",
    "wysłano z ", "pobierz aplikację outlook ", "pobierz outlook ", "sendt fra ", "hent outlook ",
    "få outlook ", "skickat från ", "skaffa outlook ", "hämta outlook ", "lähetetty ",
    "hanki outlook ", "odesláno z ", "odesláno ze ", "stáhněte si outlook ", "outlook'u edinin",
    "ios için outlook", "android için outlook", "发自我的", "发自", "從我的", "寄件自",
    "iphoneから送信", "android版outlook",
)  # fmt: skip
_FOOTER_ENDS = (
    " gesendet", " gönderildi", "から送信", " 傳送", "送信", " beziehen", " herunterladen",
    " edinin",
)  # fmt: skip

# Sign-offs in each language (lowercase, without the closing comma or exclamation mark).
_CLOSINGS = {
    "thanks", "thank you", "thanks again", "many thanks", "thanks a lot", "thanks so much",
    "thank you very much", "thx", "cheers", "regards", "best regards", "kind regards",
    "warm regards", "warmest regards", "best", "best wishes", "all the best", "sincerely",
    "yours sincerely", "yours truly", "with thanks", "br", "rgds", "kr", "talk soon", "take care",
    "met vriendelijke groet", "met vriendelijke groeten", "vriendelijke groet",
    "vriendelijke groeten", "groet", "groeten", "hartelijke groet", "hartelijke groeten", "mvg",
    "bedankt", "dank je", "dank u", "alvast bedankt", "dank je wel", "dank u wel",
    "hartelijk dank", "met groet", "mit freundlichen grüßen", "mit freundlichen grüssen",
    "freundliche grüße", "freundliche grüsse", "viele grüße", "viele grüsse", "beste grüße",
    "liebe grüße", "lg", "mfg", "gruß", "grüße", "danke", "vielen dank", "herzliche grüße",
    "schöne grüße", "cordialement", "bien cordialement", "bien à vous", "merci", "merci beaucoup",
    "salutations", "meilleures salutations", "bonne journée", "amicalement",
    "sincères salutations", "с уважением", "спасибо", "заранее спасибо", "всего доброго",
    "всего хорошего", "с наилучшими пожеланиями", "cordiali saluti", "distinti saluti", "saluti",
    "grazie", "grazie mille", "un saluto", "buona giornata", "saludos", "saludos cordiales",
    "un saludo", "atentamente", "gracias", "muchas gracias", "un cordial saludo",
    "atenciosamente", "cumprimentos", "obrigado", "obrigada", "abraços", "abraço", "att",
    "melhores cumprimentos", "pozdrawiam", "z poważaniem", "dziękuję", "serdecznie pozdrawiam",
    "pozdrawiam serdecznie", "med venlig hilsen", "venlig hilsen", "mvh", "hilsen", "tak",
    "vh", "de bedste hilsner", "med vennlig hilsen", "vennlig hilsen", "takk",
    "med vänliga hälsningar", "vänliga hälsningar", "hälsningar", "tack", "vänligen",
    "ystävällisin terveisin", "terveisin", "kiitos", "kiittäen", "s pozdravem", "děkuji",
    "s přátelským pozdravem", "díky", "saygılarımla", "teşekkürler", "iyi çalışmalar",
    "teşekkür ederim", "selamlar", "üdvözlettel", "udvozlettel", "üdv", "tisztelettel",
    "köszönöm", "koszonom", "よろしくお願いします", "よろしくお願いいたします",
    "宜しくお願いします", "ありがとうございます", "谢谢", "謝謝", "此致", "祝好", "此致敬礼",
}  # fmt: skip

MAX_SIGNATURE_LINES = 25


def _plain(line: str) -> str:
    text = line[:400]
    if "<" in text or "[" in text:
        text = _LINK.sub("", text)
    return " ".join(text.split()).lower()


def is_footer(line: str) -> bool:
    """A phone or app footer line ("Sent from my iPhone", "Von meinem iPad gesendet")."""
    text = _plain(line)
    if not text or len(text) > 90 or len(text.split()) > 9 or "," in text:
        return False  # "Sent from my desk, which is easier" is a sentence
    return text.startswith(_FOOTER_STARTS) or text.endswith(_FOOTER_ENDS)


def closing(line: str) -> bool:
    """A sign-off line: "Thanks," or "Regards, John Doe"."""
    text = line.strip()
    if not text or len(text) > 60:
        return False
    low = text.lower().replace("i\u0307", "i").rstrip(",.!;:。、！ ").strip()
    if low in _CLOSINGS:
        return True
    head, sep, name = text.partition(",")
    if not sep or head.lower().replace("i\u0307", "i").strip() not in _CLOSINGS:
        return False
    words = name.split()  # a name: "John Doe", "Anna de Vries"
    return 0 < len(words) <= 4 and words[0][0].isupper() and words[-1][0].isupper()


def _name_or_title(line: str) -> bool:
    """A short line that is no sentence: "Anna de Vries", "CEO, Acme B.V."."""
    text = line.strip()
    words = text.split()
    if len(text) > 50 or len(words) > 5 or text.endswith(("!", "?", ":", "。", "！", "？")):
        return False
    last = words[-1]
    # "B.V.", "Inc.", "Ltd." end a company name; "tak." or "today." end a sentence.
    return not text.endswith(".") or (last[0].isupper() and len(last) <= 4) or "." in last[:-1]


def _signature_like(line: str) -> bool:
    """A name, title, company, phone or address line under a sign-off."""
    text = line.strip()
    if len(text) > 70 or len(text.split()) > 8 or text.endswith(("?", ":")):
        return False
    first = text[0]
    return not first.islower()


def _starts_a_line(previous: str) -> bool:
    """A sign-off follows a blank line or a finished sentence, not a wrapped one."""
    text = previous.rstrip()
    return not text or text.endswith((".", "!", "?", ":", ")", "。", "！", "？"))


def _marked_start(lines: list[str], non_empty: list[int]) -> int | None:
    """A "-- " line, a mailing-list footer after underscores, or a phone/app footer."""
    for i in range(len(lines) - 1, max(-1, len(lines) - 1 - MAX_SIGNATURE_LINES * 4), -1):
        if _DELIMITER.match(lines[i].rstrip("\r")):
            return i if len(lines) - i <= MAX_SIGNATURE_LINES else None
    for i in non_empty[-12:]:
        text = lines[i].strip()
        if len(text) < 2 or i in (non_empty[0], non_empty[-1]):
            continue
        if not text.strip("_"):
            return i  # a mailing-list footer
        if not text.strip("-—─－") and len(text) >= 3:
            below = [j for j in non_empty if j > i]
            if len(below) <= 4 and all(_name_or_title(lines[j]) for j in below):
                return i  # a line of dashes above name and title
    for i in non_empty[-3:]:
        if is_footer(lines[i]) and i != non_empty[0]:
            return i
    return None


def signature_start(lines: list[str]) -> int | None:
    """The first line of the signature in ``lines`` (the new text of a reply), or None."""
    non_empty = [i for i, line in enumerate(lines) if line.strip()]
    if len(non_empty) < 2:
        return None
    found = _marked_start(lines, non_empty)
    # A sign-off with only name, title and contact lines below it, just above what was found.
    body_end = found if found is not None else len(lines)
    above = [i for i in non_empty if i < body_end]
    for i in above[-7:]:
        if i != non_empty[0] and closing(lines[i]) and _starts_a_line(lines[i - 1]):
            below = above[above.index(i) + 1 :]
            if len(below) <= 6 and all(_signature_like(lines[j]) for j in below):
                return i
    return found


def is_signature_block(lines: list[str]) -> bool:
    """Whether ``lines`` (what follows a quote at the end of a mail) are all a signature."""
    if not any(line.strip() for line in lines):
        return True
    return signature_start(["(reply)", *lines]) == 1 + next(
        i for i, line in enumerate(lines) if line.strip()
    )
