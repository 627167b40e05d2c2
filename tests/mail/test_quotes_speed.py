"""Reply extraction stays fast on huge and hostile input: no regular expression may backtrack.

A quadratic pattern takes seconds to minutes on these inputs; linear code takes milliseconds.
The bounds are loose because the machine is shared; the benchmark (bench/mail.py) has the
figures.
"""

from __future__ import annotations

import time

import pytest

from loket.mail.content import content_of
from loket.mail.parse import parse
from loket.mail.quotes import split_html_reply, split_reply

MB = 1_000_000

PATHOLOGICAL_TEXT = {
    "spaces": " " * MB + "x",
    "dashes": "-" * MB,
    "quote marks": ">" * MB,
    "underscores": "_" * MB,
    "lines of dashes": ("-" * 200 + "\n") * 5000,
    "lines of quote marks": (">" * 300 + "\n") * 3300,
    "lines of colons": (":" * 250 + "\n") * 4000,
    "spaces then colon": (" " * 299 + ":\n") * 3300,
    "on without wrote": ("On " + "a " * 140 + "\n") * 3500,
    "wrote without on": ("wrote " * 45 + "\n") * 3500,
    "addresses": ("<a@b.test> " * 50 + "\n") * 1800,
    "open angles": ("<" * 250 + "@\n") * 4000,
    "header fields": "From: x\n" * 120_000,
    "alternating fields": "From: x\nTo: y\n" * 60_000,
    "digits and commas": ("1, 2, 3, " * 30 + ":\n") * 3700,
    "one long line": "On Mon, " + "x" * MB + " wrote:",
    "signature tails": ("Thanks,\n" * 10 + "-- \n") * 10_000,
}
PATHOLOGICAL_HTML = {
    "open divs": "<div " * 200_000,
    "open blockquotes": "<blockquote>a" * 80_000,
    "long attributes": '<div class="' + "x" * MB + '">',
    "nested quotes": "<blockquote type=cite>" * 50_000,
}


def _seconds(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


@pytest.mark.parametrize("name", PATHOLOGICAL_TEXT)
def test_pathological_text_is_linear(name):
    text = PATHOLOGICAL_TEXT[name]
    split = None

    def run():
        nonlocal split
        split = split_reply(text)

    assert _seconds(run) < 2.0
    assert split is not None and split.visible  # nothing is lost to a timeout or an error


@pytest.mark.parametrize("name", PATHOLOGICAL_HTML)
def test_pathological_html_is_linear(name):
    html = PATHOLOGICAL_HTML[name]
    assert _seconds(lambda: split_html_reply(html)) < 2.0


def _quote_heavy_mail() -> bytes:
    history = "".join(
        f"On Mon, 4 Mar 2024 at 10:{i % 60:02d}, Anna <a{i}@b.test> wrote:\n"
        + "".join(
            f"{'> ' * (i % 8 + 1)}Older text of the conversation, line {j}.\n" for j in range(6)
        )
        for i in range(2600)
    )
    body = ("Thanks, that works now.\n\nRegards,\nNoam\n\n" + history)[:MB]
    head = (
        b"From: c@example.org\r\nSubject: Re: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    )
    return head + body.encode()


def test_a_1mb_quote_heavy_mail_is_split_in_under_50_ms():
    mail = parse(_quote_heavy_mail())
    assert len(mail.text) > 900_000
    best = min(_seconds(lambda: content_of(mail)) for _ in range(3))
    content = content_of(mail)
    assert content.visible == "Thanks, that works now."
    assert content.signature == "Regards,\nNoam"
    assert content.quoted.startswith("On Mon, 4 Mar 2024 at 10:00")
    assert best < 0.050


def test_a_1mb_html_reply_is_cut_in_under_50_ms():
    old = "".join(f"<blockquote><p>Older text, line {i}.</p></blockquote>" for i in range(25_000))
    html = f"<p>New words.</p><div class=gmail_quote>On Mon, Anna wrote:{old}</div>"
    raw = (
        b"From: c@example.org\r\nSubject: Re: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        + html[:MB].encode()
    )
    mail = parse(raw)
    best = min(_seconds(lambda: content_of(mail)) for _ in range(3))
    assert content_of(mail).visible == "New words."
    assert best < 0.050
