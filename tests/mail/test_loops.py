"""RFC 3834 and friends: which mail is automatic, which is a bounce, which is our own."""

from __future__ import annotations

import pytest

from loket.mail.loops import bounce_report, classify, is_machine_address
from loket.mail.parse import parse
from tests.mail.conftest import eml


def _mail(headers: str, body: str = "Hello") -> bytes:
    return (headers.strip() + "\r\n\r\n" + body + "\r\n").encode()


@pytest.mark.parametrize(
    ("name", "automatic", "bounce", "auto_reply"),
    [
        ("gmail_reply_en.eml", False, False, False),
        ("new_nl_iphone.eml", False, False, False),
        ("autoreply_en.eml", True, False, True),
        ("autoreply_nl_noheaders.eml", True, False, True),
        ("newsletter_bulk.eml", True, False, False),
        ("noreply.eml", True, False, False),
        ("bounce_dsn.eml", True, True, False),
        ("bounce_qmail.eml", True, True, False),
    ],
)
def test_corpus_verdicts(name, automatic, bounce, auto_reply):
    verdict = classify(parse(eml(name)))
    assert (verdict.automatic, verdict.bounce, verdict.auto_reply) == (
        automatic,
        bounce,
        auto_reply,
    )


@pytest.mark.parametrize(
    ("header", "automatic"),
    [
        ("Auto-Submitted: no", False),
        ("Auto-Submitted: auto-generated", True),
        ("Auto-Submitted: auto-replied; owner-email=x@y.test", True),
        ("Auto-Submitted: auto-notified", True),
        ("Precedence: bulk", True),
        ("Precedence: list", True),
        ("Precedence: junk", True),
        ("Precedence: first-class", False),
        ("List-Id: <dev.lists.example>", True),
        ("List-Unsubscribe: <mailto:u@example.test>", True),
        ("X-Autoreply: yes", True),
        ("Return-Path: <>", True),
    ],
)
def test_rfc_3834_headers(header, automatic):
    raw = _mail(f"From: person@example.test\r\nSubject: Question\r\n{header}")
    assert classify(parse(raw)).automatic is automatic


@pytest.mark.parametrize(
    ("address", "machine"),
    [
        ("MAILER-DAEMON@mx.example.test", True),
        ("postmaster@example.test", True),
        ("no-reply@example.test", True),
        ("noreply@example.test", True),
        ("donotreply@example.test", True),
        ("do_not_reply@example.test", True),
        ("bounces+123@example.test", True),
        ("noreen@example.test", False),
        ("anna@example.test", False),
    ],
)
def test_machine_addresses(address, machine):
    assert is_machine_address(address.lower()) is machine


def test_mail_from_the_desk_itself_is_recognised():
    raw = _mail("From: Support <support@loket.test>\r\nSubject: [#3] Hi")
    verdict = classify(parse(raw), own_addresses={"support@loket.test"})
    assert verdict.own and verdict.automatic
    tagged = _mail("From: someone@example.test\r\nX-Loket-Ticket: 3\r\nSubject: x")
    assert classify(parse(tagged)).own
    # our own Message-ID coming back (a forwarding loop strips our headers but keeps the id)
    returned = _mail(
        "From: someone@example.test\r\nMessage-ID: <loket.3.9.0123456789abcdef@loket.test>"
    )
    assert classify(parse(returned)).own


def test_bounce_subject_from_a_person_is_not_a_bounce():
    raw = _mail("From: anna@example.test\r\nSubject: Undeliverable parcel, please help")
    verdict = classify(parse(raw))
    assert not verdict.bounce and not verdict.automatic


def test_free_text_bounce_finds_the_original_message_id():
    report = bounce_report(parse(eml("bounce_qmail.eml")))
    assert report.original_message_ids == ["loket.56.130.dd88ee@loket.test"]
