"""Odd MIME as RFC 2046 allows it (issue 17 part 3): delimiter lines with transport padding,
a closing delimiter that is missing or followed by junk, very long boundaries; preamble and
epilogue are never shown as text. And a delivery report without a From header is a bounce."""

from __future__ import annotations

import pytest

from loket.mail.loops import bounce_report, classify
from loket.mail.parse import parse

HEAD = (
    "From: Alice <alice@acme.test>\r\nTo: support@loket.test\r\nSubject: Odd\r\n"
    "Message-ID: <odd@acme.test>\r\nMIME-Version: 1.0\r\n"
)


def _multipart(boundary_param: str, body: str) -> bytes:
    return (HEAD + f"Content-Type: multipart/mixed; {boundary_param}\r\n\r\n" + body).encode()


def _two_parts(b: str, opening: str, middle: str, closing: str, epilogue: str) -> str:
    return (
        "This is a multi-part message in MIME format. PREAMBLE\r\n"
        f"{opening}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "First part.\r\n"
        f"{middle}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Second part.\r\n"
        f"{closing}"
        f"{epilogue}"
    )


@pytest.mark.parametrize(
    ("opening", "middle", "closing"),
    [
        ("--b1", "--b1", "--b1--\r\n"),
        ("--b1  ", "--b1\t \t", "--b1--   \r\n"),  # transport padding
        ("--b1", "--b1", "--b1--junk after the delimiter\r\n"),
        ("--b1", "--b1", "--b1-- junk after the delimiter\r\n"),
        ("--b1 ", "--b1", "--b1--\t=junk=\r\n"),
    ],
    ids=["plain", "padding", "junk", "space-junk", "padding-and-junk"],
)
def test_delimiters_with_padding_or_junk(opening, middle, closing):
    body = _two_parts("b1", opening, middle, closing, "EPILOGUE line one\r\nEPILOGUE two\r\n")
    mail = parse(_multipart('boundary="b1"', body))
    assert mail.text == "First part.\n\nSecond part."
    assert "PREAMBLE" not in mail.text and "EPILOGUE" not in mail.text
    assert "junk" not in mail.text
    assert not mail.attachments


def test_missing_closing_delimiter_keeps_the_last_part():
    body = _two_parts("b1", "--b1", "--b1", "", "")
    mail = parse(_multipart('boundary="b1"', body))
    assert mail.text == "First part.\n\nSecond part."
    assert "PREAMBLE" not in mail.text


def test_junk_closing_of_a_nested_multipart_does_not_end_the_outer_one():
    body = (
        "PREAMBLE outer\r\n--outer\r\n"
        'Content-Type: multipart/alternative; boundary="inner"\r\n\r\n'
        "PREAMBLE inner\r\n--inner\r\nContent-Type: text/plain\r\n\r\nInner text.\r\n"
        "--inner-- trailing junk\r\nEPILOGUE inner\r\n"
        "--outer\r\nContent-Type: application/pdf\r\n"
        'Content-Disposition: attachment; filename="a.pdf"\r\n\r\n%PDF-1.4\r\n'
        "--outer--\r\nEPILOGUE outer\r\n"
    )
    mail = parse(_multipart('boundary="outer"', body))
    assert mail.text == "Inner text."
    assert [a.filename for a in mail.attachments] == ["a.pdf"]
    assert mail.attachments[0].data == b"%PDF-1.4"


@pytest.mark.parametrize("length", [70, 200, 900])
def test_very_long_boundaries(length):
    b = ("x9'()+_,-./:=?" * 80)[:length]
    body = _two_parts(b, f"--{b}", f"--{b}", f"--{b}--\r\n", "EPILOGUE\r\n")
    mail = parse(_multipart(f'boundary="{b}"', body))
    assert mail.text == "First part.\n\nSecond part."


def test_long_boundary_given_in_rfc_2231_continuations():
    b = "=_" + "a1b2c3d4e5" * 9
    param = f'\r\n boundary*0="{b[:40]}";\r\n boundary*1="{b[40:]}"'
    body = _two_parts(b, f"--{b}", f"--{b}  ", f"--{b}--\r\n", "EPILOGUE\r\n")
    mail = parse(_multipart(param, body))
    assert mail.text == "First part.\n\nSecond part."


def test_a_line_that_only_starts_like_a_delimiter_is_text():
    body = _two_parts("b1", "--b1", "--b1", "--b1--\r\n", "").replace(
        "First part.", "First part.\r\n--b1x is not a delimiter\r\n--b1--x-y neither"
    )
    mail = parse(_multipart('boundary="b1"', body))
    # "--b1--x-y" is a closing delimiter followed by junk: the first part ends there.
    assert mail.text == "First part.\n--b1x is not a delimiter"
    assert "Second" not in mail.text  # after the closing delimiter: epilogue


DSN_WITHOUT_FROM = (
    b"Return-Path: <>\r\nTo: support@loket.test\r\nSubject: Delivery Status Notification\r\n"
    b"Message-ID: <dsn1@mx.test>\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
    b"--r\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
    b"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.test\r\n\r\n"
    b"Final-Recipient: rfc822; gone@example.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
    b"Diagnostic-Code: smtp; 550 no such user\r\n"
    b"--r\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <orig@loket.test>\r\n"
    b"Subject: Re: your ticket\r\n--r--\r\n"
)

FREE_TEXT_WITHOUT_FROM = (
    b"To: support@loket.test\r\nSubject: Undelivered Mail Returned to Sender\r\n"
    b"Message-ID: <b2@mx.test>\r\nX-Failed-Recipients: gone@example.test\r\n\r\n"
    b"This is the mail system. Your message could not be delivered.\r\n\r\n"
    b"Message-ID: <orig2@loket.test>\r\n"
)


@pytest.mark.parametrize("raw", [DSN_WITHOUT_FROM, FREE_TEXT_WITHOUT_FROM], ids=["dsn", "text"])
def test_delivery_report_without_from_is_a_bounce(raw):
    mail = parse(raw)
    assert mail.sender is None
    verdict = classify(mail)
    assert verdict.bounce and verdict.automatic
    report = bounce_report(mail)
    assert report.recipients == ["gone@example.test"]
    assert report.original_message_ids in (["orig@loket.test"], ["orig2@loket.test"])


def test_bounce_without_from_is_stored_as_a_bounce_not_quarantined(mailbox):
    from loket.mail.ingest import ingest

    result = ingest(DSN_WITHOUT_FROM, mailbox)
    assert result.status == "stored", result
