"""HTML from outside (mail bodies, rich replies) is sanitised with nh3; text is derived safely."""

from __future__ import annotations

import pytest

from loket.lib.html import html_to_text, sanitise_html
from loket.tickets import actions
from loket.tickets.models import Channel


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>Hi<script>alert(1)</script></p>", "<p>Hi</p>"),
        ("<SCRIPT SRC=//evil.test/x.js></SCRIPT>ok", "ok"),
        (
            '<img src="https://cdn.test/a.png" onerror="alert(1)">',
            '<img src="https://cdn.test/a.png">',
        ),
        ('<b onclick="steal()" onmouseover=x>bold</b>', "<b>bold</b>"),
        ('<p style="position:fixed;top:0">x</p>', "<p>x</p>"),
        ("<style>body{display:none}</style><p>x</p>", "<p>x</p>"),
        ("<iframe src=https://evil.test></iframe><p>x</p>", "<p>x</p>"),
        ("<form action=https://evil.test><input name=pw></form>", ""),
        ("<object data=x.swf></object><embed src=x.swf>", ""),
        ("<svg><script>alert(1)</script></svg>", ""),
        ("<math><mi xlink:href=javascript:alert(1)>x</mi></math>", ""),
        ("<meta http-equiv=refresh content='0;url=https://evil.test'>", ""),
        ("<base href=https://evil.test/>", ""),
        ("<!-- <script>alert(1)</script> -->ok", "ok"),
    ],
)
def test_dangerous_markup_is_removed(dirty, clean):
    assert sanitise_html(dirty) == clean


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java&#09;script:alert(1)",
        "&#106;avascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "/logout",  # relative: would act on the desk's own origin
        "//evil.test/phish",  # another site in disguise
    ],
)
def test_unsafe_link_targets_are_dropped(href):
    cleaned = sanitise_html(f'<a href="{href}">click</a>')
    assert "href" not in cleaned and "click" in cleaned


@pytest.mark.parametrize(
    "src",
    [
        "http://tracker.test/p.gif",
        "//tracker.test/p.gif",
        "data:image/png;base64,AAAA",
        "javascript:alert(1)",
        "/media/secret.png",
    ],
)
def test_images_only_from_the_mail_itself_or_https(src):
    assert "src" not in sanitise_html(f'<img src="{src}" alt="x">')


def test_safe_markup_and_links_are_kept_with_rel():
    cleaned = sanitise_html(
        '<p>See <a href="https://docs.test/faq" target="_blank">the FAQ</a> or '
        '<a href="mailto:help@acme.test">mail</a>.</p><img src="cid:logo@acme" alt="logo">'
    )
    assert '<a href="https://docs.test/faq" rel="noopener noreferrer nofollow">' in cleaned
    assert 'href="mailto:help@acme.test"' in cleaned
    assert '<img src="cid:logo@acme" alt="logo">' in cleaned
    assert "target" not in cleaned


def test_html_to_text_keeps_words_apart_and_drops_code():
    text = html_to_text(
        "<div>Hello</div><div>there</div><ul><li>one</li><li>two</li></ul>"
        "<table><tr><td>a</td><td>b</td></tr></table>line<br>break"
        "<script>evil()</script><style>p{color:red}</style><p>5 &lt; 6 &amp; &quot;ok&quot;</p>"
    )
    assert text.split() == [
        "Hello",
        "there",
        "one",
        "two",
        "a",
        "b",
        "line",
        "break",
        "5",
        "<",
        "6",
        "&",
        '"ok"',
    ]
    assert "evil" not in text and "color" not in text
    assert "\n\n\n" not in text


def test_html_to_text_of_nothing_is_empty():
    assert html_to_text("") == "" and html_to_text("<script>x</script>") == ""


def test_message_html_is_stored_sanitised_and_its_text_derived(desk):
    ticket = actions.create_ticket(
        subject="HTML mail",
        body="",
        body_html=(
            '<p onclick="x()">Our <b>banner</b></p><div>is gone</div><script>steal()</script>'
        ),
        customer=desk.acme_alice,
        channel=Channel.EMAIL,
        by=None,
    )
    message = ticket.messages.get()
    assert message.body_html == "<p>Our <b>banner</b></p><div>is gone</div>"
    assert message.body.split() == ["Our", "banner", "is", "gone"]


def test_html_that_is_only_script_is_an_empty_message(desk):
    with pytest.raises(actions.ActionError, match="empty"):
        actions.create_ticket(
            subject="x",
            body="",
            body_html="<script>alert(1)</script>",
            customer=desk.loner,
            channel=Channel.EMAIL,
            by=None,
        )
