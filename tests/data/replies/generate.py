# ruff: noqa: E501 - the HTML and line templates of mail programs read best whole
"""Generates the reply corpus (cases.jsonl) from templates of real mail programs' formats.

Run ``python tests/data/replies/generate.py`` to rewrite cases.jsonl; tests check that the file is
what this script makes. Every case is a whole mail (headers and MIME) with the text the customer
wrote (``expected``), built from random names, dates, languages, sentences, footers and
sign-offs, so that nothing in the corpus can be matched as a fixed string.
"""

from __future__ import annotations

import json
import random
import sys
import textwrap
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import formats as F

HERE = Path(__file__).resolve().parent
SEED = 20260317
PER_CLASS = 32


class Ctx:
    """One case: a language, a writer, a correspondent, dates."""

    def __init__(self, rng: random.Random, lang: str | None = None) -> None:
        self.rng = rng
        self.lang = lang or rng.choice(F.LANGS)
        self.first = rng.choice(F.FIRST)
        self.last = rng.choice(F.LAST)
        self.name = f"{self.first} {self.last}"
        self.email = self._email(self.first, self.last)
        other_first, other_last = rng.choice(F.FIRST), rng.choice(F.LAST)
        self.other = f"{other_first} {other_last}"
        self.other_email = self._email(other_first, other_last)
        self.when = datetime(2015, 1, 1, 7, 0) + timedelta(minutes=rng.randrange(0, 6_000_000))
        self.subject = f"{rng.choice(['Invoice', 'Export', 'Order', 'Login', 'Delivery'])} {rng.randrange(100, 99999)}"

    def _email(self, first: str, last: str) -> str:
        ascii_name = "".join(c for c in f"{first}.{last}".lower().replace(" ", "") if c.isascii())
        domain = self.rng.choice(["acme.test", "example.org", "mail.test", "corp.example"])
        return f"{ascii_name.strip('.') or 'user'}{self.rng.randrange(1, 99)}@{domain}"

    def fill(self, template: str, lang: str | None = None, name: str = "", email: str = "") -> str:
        lang = lang or self.lang
        w = self.when
        wd = F.WEEKDAYS.get(lang, F.WEEKDAYS["en"]).split()[w.weekday()]
        mon = F.MONTHS.get(lang, F.MONTHS["en"]).split()[w.month - 1]
        h12 = w.hour % 12 or 12
        return template.format(
            wd=wd, Wd=wd.capitalize(), mon=mon, Mon=mon.capitalize(), d=w.day, dd=f"{w.day:02d}",
            m=w.month, mm2=f"{w.month:02d}", y=w.year, yy=f"{w.year % 100:02d}", H=w.hour,
            HH=f"{w.hour:02d}", h12=h12, ampm="AM" if w.hour < 12 else "PM", MM=f"{w.minute:02d}",
            name=name or self.other, email=email or self.other_email,
        )  # fmt: skip

    def sentence(self, lang: str | None = None) -> str:
        text = self.rng.choice(F.SENTENCES[lang or self.lang])
        return text.format(
            n=self.rng.randrange(1000, 999999),
            t=f"{self.rng.randrange(0, 24):02d}:{self.rng.randrange(0, 60):02d}",
            p=self.rng.choice(F.PRODUCTS),
        )

    def body(self, paragraphs: int | None = None, wrap: bool = True) -> str:
        """The customer's new words: a greeting and one to three paragraphs."""
        rng = self.rng
        parts = []
        if rng.random() < 0.7:
            parts.append(F.GREETINGS[self.lang].format(first=self.other.split()[0]))
        for _ in range(paragraphs or rng.randint(1, 3)):
            para = " ".join(self.sentence() for _ in range(rng.randint(1, 3)))
            if wrap and rng.random() < 0.5 and self.lang not in ("ja", "zh"):
                para = "\n".join(textwrap.wrap(para, rng.randint(60, 76)))
            parts.append(para)
        return "\n\n".join(parts)

    def old_text(self, marker: str = "") -> str:
        """The earlier message that is quoted, with ``marker`` before each line."""
        lines = [F.GREETINGS[self.lang].format(first=self.first)]
        for _ in range(self.rng.randint(1, 3)):
            lines += ["", self.sentence()]
        lines += ["", self.other]
        return "\n".join(f"{marker}{line}".rstrip() if marker else line for line in lines)

    def signoff(self, full: bool = False) -> str:
        closing = self.rng.choice(F.CLOSINGS[self.lang])
        lines = [closing, self.first if self.rng.random() < 0.4 and not full else self.name]
        if full or self.rng.random() < 0.4:
            lines.append(self.rng.choice(F.TITLES))
            if self.rng.random() < 0.6:
                lines.append(self.rng.choice(F.COMPANIES))
            if self.rng.random() < 0.5:
                lines.append(
                    f"+{self.rng.randrange(10, 99)} {self.rng.randrange(10, 99)} "
                    f"{self.rng.randrange(100, 999)} {self.rng.randrange(1000, 9999)}"
                )
        if self.rng.random() < 0.2 and closing.endswith(","):
            return f"{closing} {lines[1]}\n" + "\n".join(lines[2:])
        return "\n".join(lines)

    def attribution(self) -> str:
        return self.fill(self.rng.choice(F.ATTRIBUTIONS[self.lang]))

    def header_block(
        self, forward: bool = False, date_label: bool = False, prefix: str | None = None
    ) -> str:
        """An Outlook-like header block; its subject starts with ``prefix`` (by default the
        language's reply or forward prefix; "" for none)."""
        rng = self.rng
        frm, sent, to, cc, subj, _ = F.LABELS[self.lang]
        if date_label:
            sent = F.DATE_LABEL[self.lang]
        if prefix is None:
            prefix = (F.FORWARD_PREFIX if forward else F.REPLY_PREFIX)[self.lang]
        style = rng.choice(["plain", "bold", "tab", "angle", "square"])
        sender = {"angle": f"{self.other} <{self.other_email}>",
                  "square": f"{self.other} [mailto:{self.other_email}]",
                  "tab": f"{self.other}/ACME@ACME"}.get(style, f'"{self.other}" <{self.other_email}>')  # fmt: skip
        date = self.fill(rng.choice(["{Wd}, {d} {Mon} {y} {HH}:{MM}", "{dd}.{mm2}.{y} {HH}:{MM}",
                                     "{Wd}, {Mon} {d}, {y} {h12}:{MM} {ampm}",
                                     "\u200e{Wd}\u200e, \u200e{Mon}\u200e \u200e{d}\u200e, \u200e{y} \u200e{h12}\u200e:\u200e{MM} \u200e{ampm}"]))  # fmt: skip
        fields = [(frm, sender), (sent, date), (to, f"{self.name} <{self.email}>")]
        if rng.random() < 0.4:
            fields.append((cc, f"{rng.choice(F.FIRST)} <{self.other_email.replace('@', '.cc@')}>"))
        fields.append((subj, f"{prefix}: {self.subject}" if prefix else self.subject))
        if rng.random() < 0.3:
            head = fields[:1] if rng.random() < 0.5 else []
            rest = fields[len(head) :]
            rng.shuffle(rest)
            fields = head + rest
        sep = {"plain": ": ", "bold": ":* ", "tab": ":\t", "angle": ": ", "square": ": "}[style]
        pre = "*" if style == "bold" else ""
        if self.lang == "fr" and style == "plain":
            sep = " : "
        return "\n".join(f"{pre}{label}{sep}{value}" for label, value in fields)


def _mail(ctx: Ctx, text: str = "", html: str = "", reply: bool = True, subject: str = "") -> str:
    msg = EmailMessage()
    msg["From"] = f"{ctx.name} <{ctx.email}>"
    msg["To"] = "support@loket.test"
    msg["Subject"] = subject or (f"Re: {ctx.subject}" if reply else ctx.subject)
    msg["Date"] = format_datetime(ctx.when + timedelta(days=1))
    msg["Message-ID"] = f"<{ctx.rng.randrange(10**12)}@{ctx.email.split('@')[1]}>"
    if html:
        msg.set_content(html, subtype="html", cte=ctx.rng.choice(["quoted-printable", "base64"]))
    else:
        msg.set_content(text, cte=ctx.rng.choice(["quoted-printable", "base64", "8bit"]))
    return msg.as_string()


def _maybe_signoff(ctx: Ctx, body: str) -> str:
    return f"{body}\n\n{ctx.signoff()}" if ctx.rng.random() < 0.5 else body


# Each class: a function making (mail text, expected visible text, client, language), and for
# forwards the expected forwarded part too (a fifth item; "" when there is none).
Case = tuple[str, str, str, str] | tuple[str, str, str, str, str]


def c_attribution(ctx: Ctx) -> Case:
    body = ctx.body()
    quote = f"{ctx.attribution()}\n\n{ctx.old_text('> ')}"
    blank = "\n" if ctx.rng.random() < 0.8 else ""
    return (
        _mail(ctx, f"{_maybe_signoff(ctx, body)}\n\n{quote}{blank}"),
        body,
        "gmail-apple-tb",
        ctx.lang,
    )


def c_attribution_nowrote(ctx: Ctx) -> Case:
    body = ctx.body()
    attribution = ctx.fill(ctx.rng.choice(F.NO_WROTE))
    text = f"{_maybe_signoff(ctx, body)}\n\n{attribution}\n{ctx.old_text('> ')}\n"
    return _mail(ctx, text), body, "yandex-mailru-gmail", ctx.lang


def c_attribution_wrapped(ctx: Ctx) -> Case:
    body = ctx.body()
    attribution = ctx.attribution()
    width = ctx.rng.randint(max(24, len(attribution) // 3 + 1), max(25, len(attribution) - 8))
    wrapped = "\n".join(textwrap.wrap(attribution, width, break_on_hyphens=False))
    text = f"{_maybe_signoff(ctx, body)}\n\n{wrapped}\n\n{ctx.old_text('> ')}\n"
    return _mail(ctx, text), body, "gmail-wrapped", ctx.lang


def c_header_block(ctx: Ctx) -> Case:
    rng = ctx.rng
    body = ctx.body()
    client = rng.choice(
        ["outlook", "outlook-original", "hotmail", "exchange", "lotus", "windows-mail"]
    )
    original = F.LABELS[ctx.lang][5]
    block = ctx.header_block(date_label=client in ("hotmail", "lotus"))
    sep = {"outlook": "_" * 32, "outlook-original": f"-----{original}-----",
           "hotmail": "_" * rng.randint(20, 40), "exchange": "_" * 40, "lotus": "",
           "windows-mail": ""}[client]  # fmt: skip
    quote = f"{sep}\n{block}" if sep else block
    text = f"{_maybe_signoff(ctx, body)}\n\n{quote}\n\n{ctx.old_text()}\n"
    return _mail(ctx, text), body, client, ctx.lang


def c_separator(ctx: Ctx) -> Case:
    rng = ctx.rng
    body = ctx.body()
    kind = rng.choice(["zoho", "lotus", "thunderbird", "dashes", "original-only"])
    if kind == "zoho":
        verb = rng.choice(["wrote", "a écrit", "schrieb", "ha scritto", "escribió", "написал"])
        head = ctx.fill(
            f"---- On {{Wd}}, {{dd}} {{Mon}} {{y}} {{HH}}:{{MM}}:00 +0100 {{name}} <{{email}}> {verb} ----",
            "en",
        )
        quote = f"{head}\n\n{ctx.old_text()}"
    elif kind == "lotus":
        quote = f'-----"{ctx.other}" <{ctx.other_email}> wrote: -----\n\n{ctx.header_block(date_label=True)}\n\n{ctx.old_text()}'
    elif kind == "thunderbird":
        quote = f"-------- {F.LABELS[ctx.lang][5]} --------\n{ctx.header_block(date_label=True)}\n\n{ctx.old_text()}"
    elif kind == "dashes":
        quote = f"{'-' * rng.randint(8, 40)}\n{ctx.attribution()}\n{ctx.old_text()}"
    else:
        quote = f"-----{F.LABELS[ctx.lang][5]}-----\n{ctx.old_text()}"
    text = f"{_maybe_signoff(ctx, body)}\n\n{quote}\n"
    return _mail(ctx, text), body, kind, ctx.lang


def _html_paras(paras: list[str], style: str) -> str:
    if style == "p":
        return "".join(f'<p class="MsoNormal">{escape(p)}<o:p></o:p></p>' for p in paras)
    return "<div><br></div>".join(f"<div>{escape(p)}</div>" for p in paras)


def c_html(ctx: Ctx) -> Case:
    rng = ctx.rng
    paras = [p.replace("\n", " ") for p in ctx.body(wrap=False).split("\n\n")]
    expected = "\n\n".join(paras)
    attribution = escape(ctx.attribution())
    old = "<br>".join(escape(line) for line in ctx.old_text().split("\n"))
    sig = ""
    if rng.random() < 0.4:
        sig = "<div><br></div>" + "<br>".join(escape(line) for line in ctx.signoff().split("\n"))
    frm, sent, to, _, subj, _ = F.LABELS[ctx.lang]
    header = (f"<b>{frm}:</b> {escape(ctx.other)} &lt;{ctx.other_email}&gt;<br><b>{sent}:</b> "
              f"{ctx.fill('{dd}.{mm2}.{y} {HH}:{MM}')}<br><b>{to}:</b> {escape(ctx.name)}<br>"
              f"<b>{subj}:</b> RE: {escape(ctx.subject)}")  # fmt: skip
    client = rng.choice(
        [
            "gmail",
            "outlook-web",
            "outlook",
            "apple",
            "yahoo",
            "zimbra",
            "thunderbird",
            "yandex",
            "mailru",
        ]
    )
    reply = _html_paras(paras, "p" if client == "outlook" else "div") + sig
    quote = {
        "gmail": f'<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">{attribution}<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">{old}</blockquote></div>',
        "outlook-web": f'<div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">{header}</font><div>&nbsp;</div></div><div>{old}</div>',
        "outlook": f'<p class="MsoNormal"><o:p>&nbsp;</o:p></p><div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal">{header}<o:p></o:p></p></div></div><p class="MsoNormal">{old}</p>',
        "apple": f'<div dir="ltr"><br><blockquote type="cite">{attribution}<br><br></blockquote></div><blockquote type="cite"><div dir="ltr">{old}</div></blockquote>',
        "yahoo": f'<div id="yahoo_quoted_{rng.randrange(10**9)}" class="yahoo_quoted"><div style="font-family:Helvetica,Arial,sans-serif;font-size:13px;color:#26282a;"><div>{attribution}</div><div><br></div><div>{old}</div></div></div>',
        "zimbra": f'<hr id="zwchr" data-marker="__DIVIDER__"><div data-marker="__HEADERS__">{header}</div><br><div data-marker="__QUOTED_TEXT__">{old}</div>',
        "thunderbird": f'<div class="moz-cite-prefix">{attribution}<br></div><blockquote type="cite" cite="mid:{rng.randrange(10**9)}@mail.test">{old}</blockquote>',
        "yandex": f'<div>&nbsp;</div><div>{escape(ctx.fill(F.NO_WROTE[0]))}</div><blockquote>{old}</blockquote>',
        "mailru": f'<br><br>{escape(ctx.fill(F.NO_WROTE[5]))}<br><blockquote style="border-left:1px solid #0857A6; margin:10px; padding:0 0 0 10px;">{old}</blockquote>',
    }[client]  # fmt: skip
    html = f'<html><head><meta charset="utf-8"></head><body><div dir="ltr">{reply}</div>{quote}</body></html>'
    return _mail(ctx, html=html), expected, client, ctx.lang


def c_inline_quote(ctx: Ctx) -> Case:
    rng = ctx.rng
    body = ctx.body(paragraphs=1)
    kind = rng.choice(["attribution-in-quote", "attribution-no-blank", "bare-quote"])
    if kind == "attribution-in-quote":
        quote = f"> {ctx.attribution()}\n>\n{ctx.old_text('> > ')}"
    elif kind == "attribution-no-blank":
        quote = f"{ctx.attribution()}\n{ctx.old_text('> ')}"
    else:
        quote = ctx.old_text("> ")
    tail = ""
    if rng.random() < 0.3:
        tail = "\n\n" + rng.choice(["-- \n" + ctx.name, ctx.signoff(), rng.choice(F.FOOTERS)])
    return _mail(ctx, f"{_maybe_signoff(ctx, body)}\n{quote}{tail}\n"), body, kind, ctx.lang


def c_signoff(ctx: Ctx) -> Case:
    body = ctx.body()
    text = f"{body}\n\n{ctx.signoff(full=ctx.rng.random() < 0.5)}"
    if ctx.rng.random() < 0.4:
        text += f"\n\n{ctx.attribution()}\n{ctx.old_text('> ')}"
    return _mail(ctx, text + "\n"), body, "signoff", ctx.lang


def c_mobile_footer(ctx: Ctx) -> Case:
    body = ctx.body()
    text = _maybe_signoff(ctx, body) + "\n\n" + ctx.rng.choice(F.FOOTERS)
    if ctx.rng.random() < 0.4:
        text += f"\n\n{ctx.attribution()}\n\n{ctx.old_text('> ')}"
    return _mail(ctx, text + "\n"), body, "mobile", ctx.lang


def c_list_footer(ctx: Ctx) -> Case:
    rng = ctx.rng
    body = ctx.body()
    name = rng.choice(["users", "dev", "announce", "support-nl", "general"])
    domain = rng.choice(["lists.example.org", "mail.python.test", "lists.acme.test"])
    footer = rng.choice([
        f"{'_' * rng.randint(2, 47)}\n{name} mailing list\n{name}@{domain}\nhttps://{domain}/mailman/listinfo/{name}",
        f"-- \nYou received this message because you are subscribed to the Google Groups \"{name}\" group.\nTo unsubscribe from this group and stop receiving emails from it, send an email to {name}+unsubscribe@googlegroups.com.",
        f"{'_' * rng.randint(2, 47)}\n{name} mailing list -- {name}@{domain}\nTo unsubscribe send an email to {name}-leave@{domain}",
    ])  # fmt: skip
    return _mail(ctx, f"{_maybe_signoff(ctx, body)}\n\n{footer}\n"), body, "list", ctx.lang


def c_forward(ctx: Ctx) -> Case:
    rng = ctx.rng
    note = ctx.body(paragraphs=1)
    kind = rng.choice(["gmail", "apple", "outlook", "thunderbird", "outlook-original"])
    frm, _, to, _, subj, original = F.LABELS[ctx.lang]
    date_label = F.DATE_LABEL[ctx.lang]
    fields = (f"{frm}: {ctx.other} <{ctx.other_email}>\n{date_label}: "
              f"{ctx.fill('{Wd}, {d} {Mon} {y} {HH}:{MM}')}\n{subj}: {ctx.subject}\n{to}: <{ctx.email}>")  # fmt: skip
    if kind == "gmail":
        block = f"---------- {F.GMAIL_FORWARD[ctx.lang]} ---------\n{fields}"
    elif kind == "apple":
        lang = ctx.lang if ctx.lang in F.APPLE_FORWARD else "en"
        block = f"{F.APPLE_FORWARD[lang]}\n\n{fields}"
    elif kind == "outlook":
        block = f"{'_' * 32}\n{ctx.header_block(forward=True)}"
    elif kind == "thunderbird":
        block = f"-------- {F.GMAIL_FORWARD[ctx.lang]} --------\n{fields}"
    else:
        block = f"-----{original}-----\n{ctx.header_block(forward=True)}"
    forwarded = f"{block}\n\n{ctx.old_text()}"
    text = f"{_maybe_signoff(ctx, note)}\n\n{forwarded}\n"
    prefix = F.FORWARD_PREFIX[ctx.lang] if kind.startswith("outlook") else "Fwd"
    subject = f"{prefix}: {ctx.subject}"
    return _mail(ctx, text, subject=subject), f"{note}\n\n{forwarded}", kind, ctx.lang, forwarded


def _forwarded_mail(ctx: Ctx, client: str) -> tuple[str, str]:
    """A forwarded mail as ``client`` writes it below the note, and the forward's subject.

    The forwarded mail is the other person's text with their name under it, sometimes with
    its own quoted history (a forwarded thread); its subject is sometimes an answer itself."""
    rng = ctx.rng
    lang = ctx.lang
    frm, _, to, _, subj, original = F.LABELS[lang]
    date_label = F.DATE_LABEL[lang]
    inner = ctx.subject if rng.random() < 0.7 else f"{F.REPLY_PREFIX[lang]}: {ctx.subject}"
    old = ctx.old_text()
    if rng.random() < 0.3:
        old += f"\n\n{ctx.attribution()}\n{ctx.old_text('> ')}"
    date = ctx.fill(rng.choice(["{Wd}, {d} {Mon} {y} {HH}:{MM}", "{dd}.{mm2}.{y} {HH}:{MM}",
                                "{Wd}, {Mon} {d}, {y} at {h12}:{MM} {ampm}"]))  # fmt: skip
    me = f"{ctx.name} <{ctx.email}>"
    sender = f"{ctx.other} <{ctx.other_email}>"
    forward = f"Fwd: {ctx.subject}"
    if client == "gmail":
        head = f"---------- {F.GMAIL_FORWARD[lang]} ---------"
        block = f"{head}\n{frm}: {sender}\n{date_label}: {date}\n{subj}: {inner}\n{to}: {me}"
        return f"{block}\n\n{old}", forward
    if client == "apple":
        fields = [f"{frm}: {sender}", f"{subj}: {inner}", f"{date_label}: {date}", f"{to}: {me}"]
        quoted = "\n".join(f"> {line}".rstrip() for line in [*fields, "", *old.split("\n")])
        return f"{F.APPLE_FORWARD[lang]}\n\n{quoted}", forward
    if client in ("outlook", "outlook-original"):
        prefix = rng.choice(F.OUTLOOK_FORWARD[lang])
        block = ctx.header_block(prefix="" if inner == ctx.subject else F.REPLY_PREFIX[lang])
        sep = "_" * 32 if client == "outlook" else f"-----{original}-----"
        return f"{sep}\n{block}\n\n{old}", f"{prefix}: {ctx.subject}"
    if client == "thunderbird":
        words, t_subj, t_date, t_from, t_to = F.THUNDERBIRD_FORWARD[lang]
        colon = " : " if lang == "fr" else ": "
        fields = [(t_subj, inner), (t_date, date), (t_from, sender), (t_to, me)]
        block = "\n".join(f"{label}{colon}{value}" for label, value in fields)
        return f"-------- {words} --------\n{block}\n\n{old}", forward
    if client == "yandex":
        start, end = F.YANDEX_FORWARD["ru" if lang == "ru" else "en"]
        line = ctx.fill('{dd}.{mm2}.{y}, {HH}:{MM}, "{name}" <{email}>:')
        return f"-------- {start} --------\n{line}\n{old}\n-------- {end} --------", forward
    if client == "mailru":
        if lang == "ru":
            labels = ("От кого", "Кому", "Дата", "Тема")
            date = ctx.fill("{Wd}, {d} {Mon} {y}, {HH}:{MM} +03:00", "ru")
        else:
            labels = ("From", "To", "Date", "Subject")
        head = F.YANDEX_FORWARD["ru" if lang == "ru" else "en"][0]
        values = (sender, me, date, inner)
        block = "\n".join(f"{label}: {value}" for label, value in zip(labels, values, strict=True))
        return f"-------- {head} --------\n{block}\n\n{old}", forward
    if client == "mutt":
        when = ctx.fill("{Wd}, {dd} {Mon} {y} {HH}:{MM}:00 +0100", "en")
        block = f"Date: {when}\nFrom: {sender}\nTo: {me}\nSubject: {inner}"
        subject = forward if rng.random() < 0.5 else f"[{ctx.other_email}: {inner}]"
        return (f"----- Forwarded message from {sender} -----\n\n{block}\n\n{old}\n\n"
                "----- End forwarded message -----"), subject  # fmt: skip
    # Yahoo
    block = f"{frm}: {sender}\n{to}: {me}\n{F.LABELS[lang][1]}: {date}\n{subj}: {inner}"
    return f"----- {F.GMAIL_FORWARD[lang]} -----\n{block}\n\n{old}", forward


_FORWARD_CLIENTS = ["gmail", "apple", "outlook", "outlook-original", "thunderbird", "yandex",
                    "mailru", "mutt", "yahoo"]  # fmt: skip


def c_forward_client(ctx: Ctx) -> Case:
    """A note above a mail forwarded in one of many programs, in nl/de/fr/es/it/ru/en, with
    the forward's own subject ("Fwd:", "FW:", "WG:", "TR:", "RV:", "I:", "Doorst:", "Пересл.:");
    the forwarded part is kept apart, and stays visible."""
    client = ctx.rng.choice(_FORWARD_CLIENTS)
    note = ctx.body(paragraphs=ctx.rng.randint(1, 2))
    forwarded, subject = _forwarded_mail(ctx, client)
    text = f"{_maybe_signoff(ctx, note)}\n\n{forwarded}\n"
    return _mail(ctx, text, subject=subject), f"{note}\n\n{forwarded}", client, ctx.lang, forwarded


def c_forward_only(ctx: Ctx) -> Case:
    """A forwarded mail with no words of the customer's above it: all of it is the forward."""
    client = ctx.rng.choice(_FORWARD_CLIENTS)
    forwarded, subject = _forwarded_mail(ctx, client)
    blank = "\n" * ctx.rng.randint(0, 2)
    return (
        _mail(ctx, f"{blank}{forwarded}\n", subject=subject),
        forwarded,
        client,
        ctx.lang,
        forwarded,
    )


def c_reply_to_forward(ctx: Ctx) -> Case:
    """An answer whose quoted history is a forwarded mail ("RE: FW: …"): history, not a
    forward, so it is hidden as quoted history."""
    rng = ctx.rng
    body = ctx.body()
    lang = ctx.lang
    kind = rng.choice(["outlook", "outlook-original", "gmail", "thunderbird", "hotmail"])
    fwd = rng.choice(F.OUTLOOK_FORWARD[lang])
    if kind in ("outlook", "outlook-original", "hotmail"):
        block = ctx.header_block(date_label=kind == "hotmail", prefix=fwd)
        sep = {"outlook": "_" * 32, "outlook-original": f"-----{F.LABELS[lang][5]}-----",
               "hotmail": "_" * rng.randint(20, 40)}[kind]  # fmt: skip
        quote = f"{sep}\n{block}\n\n{ctx.old_text()}"
        subject = f"{F.REPLY_PREFIX[lang]}: {fwd}: {ctx.subject}"
    else:
        forwarded, _ = _forwarded_mail(ctx, "gmail" if kind == "gmail" else "thunderbird")
        marked = "\n".join(f"> {line}".rstrip() for line in forwarded.split("\n"))
        quote = f"{ctx.attribution()}\n\n{marked}"
        subject = f"Re: Fwd: {ctx.subject}"
    text = f"{_maybe_signoff(ctx, body)}\n\n{quote}\n"
    return _mail(ctx, text, subject=subject), body, kind, lang


def c_plain(ctx: Ctx) -> Case:
    """New mails without any quote, with lines that look a little like quote starts."""
    rng = ctx.rng
    parts = [ctx.body()]
    tricky = [
        f"Date: {ctx.fill('{dd}.{mm2}.{y}')}\nTime: {ctx.fill('{HH}:{MM}')}",
        f"I wrote to {ctx.other} on {ctx.fill('{d} {Mon} {y}', 'en')} about this:\n- the invoice\n- the export",
        f"Order: {rng.randrange(10**5)}\nSubject of my earlier mail: {ctx.subject}",
        "-" * rng.randint(5, 30) + f"\n{ctx.sentence()}",
        f"On {ctx.fill('{Wd}', 'en')} we will be closed.",
        f"Thanks, {ctx.sentence('en').lower()}",
        f"To: the finance team\n{ctx.sentence()}",
    ]  # fmt: skip
    rng.shuffle(tricky)
    parts[1:1] = tricky[: rng.randint(1, 3)]
    if rng.random() < 0.5:
        parts.append(ctx.sentence())
    body = "\n\n".join(parts)
    return _mail(ctx, body + "\n", reply=False), body, "new", ctx.lang


CLASSES: dict[str, Callable[[Ctx], Case]] = {
    "attribution": c_attribution,
    "attribution_nowrote": c_attribution_nowrote,
    "attribution_wrapped": c_attribution_wrapped,
    "header_block": c_header_block,
    "separator": c_separator,
    "html": c_html,
    "inline_quote": c_inline_quote,
    "signoff": c_signoff,
    "mobile_footer": c_mobile_footer,
    "list_footer": c_list_footer,
    "forward": c_forward,
    "plain": c_plain,
    # Added with the forwarded-message section (issue 17): appended, so that the classes above
    # are made from the same random numbers as before.
    "forward_client": c_forward_client,
    "forward_only": c_forward_only,
    "reply_to_forward": c_reply_to_forward,
}


def generate(seed: int = SEED, per_class: int = PER_CLASS) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    cases = []
    for klass, make in CLASSES.items():
        for i in range(per_class):
            lang = F.LANGS[i % len(F.LANGS)] if klass.startswith("attribution") else None
            if klass in ("forward_client", "forward_only", "reply_to_forward"):
                lang = F.FORWARD_LANGS[i % len(F.FORWARD_LANGS)]
            raw, expected, client, language, *forwarded = make(Ctx(rng, lang))
            cases.append({"id": f"{klass}-{i:03d}", "class": klass, "client": client,
                          "lang": language, "expected_visible": expected,
                          "expected_forwarded": forwarded[0] if forwarded else "",
                          "raw": raw})  # fmt: skip
    return cases


def main() -> None:
    cases = generate()
    with (HERE / "cases.jsonl").open("w", encoding="utf-8") as out:
        for case in cases:
            out.write(json.dumps(case, ensure_ascii=False) + "\n")
    print(f"wrote {len(cases)} cases")


if __name__ == "__main__":
    main()
