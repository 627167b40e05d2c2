"""Parsing: what Loket reads out of real-world-shaped mail, and that bad mail never raises."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loket.mail.parse import (
    MAX_PARTS,
    decode_bytes,
    html_depth,
    normalise_address,
    parse,
)
from tests.mail.conftest import CORPUS, eml


def test_raw_bytes_are_kept_verbatim_and_hashed():
    # given any corpus message
    raw = eml("outlook_reply_nl.eml")
    # when it is parsed
    mail = parse(raw)
    # then the raw bytes are the very same object content and the hash is of those bytes
    assert mail.raw == raw
    assert mail.sha256 == hashlib.sha256(raw).hexdigest()


def test_threading_headers_and_normalised_sender():
    # given a Gmail reply with a mixed-case sender address
    mail = parse(eml("gmail_reply_en.eml"))
    # then ids are read without angle brackets and the address is lower-cased
    assert mail.message_id == "CAF=reply-2@mail.gmail.com"
    assert mail.in_reply_to == ["loket.12.40.k3j2h4@loket.test"]
    assert mail.references == ["CAF=original-1@mail.gmail.com", "loket.12.40.k3j2h4@loket.test"]
    assert mail.thread_ids[0] == "loket.12.40.k3j2h4@loket.test"
    assert mail.sender is not None
    assert (mail.sender.name, mail.sender.address) == ("Alice Jansen", "alice@acme.test")
    assert mail.dedupe_key == "mid:CAF=reply-2@mail.gmail.com"
    assert "dmarc=pass" in mail.authentication_results[0]


def test_windows_1252_quoted_printable_outlook_mail():
    mail = parse(eml("outlook_reply_nl.eml"))
    assert mail.sender is not None and mail.sender.name == "Björn Hoekstra"
    assert "€ 1.250,00" in mail.text
    # the sanitised HTML has no style element and no script
    assert "<style" not in mail.html and "font-family" not in mail.html
    assert mail.defects == []


def test_iso_2022_jp_and_rfc_2231_utf8_filename():
    mail = parse(eml("iso2022jp.eml"))
    assert mail.subject == "請求書について"
    assert mail.sender is not None and mail.sender.name == "山田 太郎"
    assert "請求書の件でご連絡しました" in mail.text
    assert [a.filename for a in mail.attachments] == ["請求書 2024年3月.pdf"]
    assert mail.attachments[0].data.startswith(b"%PDF-")


def test_rfc_2231_continuations_with_a_legacy_charset():
    mail = parse(eml("rfc2231_names.eml"))
    assert [a.filename for a in mail.attachments] == ["offerte € definitief (versie 2).pdf"]
    # Reply-To and Cc are read but the sender is From
    assert mail.from_address == "jan.deboer@acme.test"
    assert [a.address for a in mail.reply_to] == ["someone-else@evil.test"]
    assert [a.address for a in mail.cc] == ["stranger@evil.test", "bob@acme.test"]


def test_koi8_r_base64_body_and_encoded_subject():
    mail = parse(eml("mailru_reply_ru.eml"))
    assert mail.subject == "Re: [#40] Сайт не работает"
    assert "Ошибка 502" in mail.text
    assert mail.from_address == "ivan@example.ru"


def test_unknown_charset_and_binary_header_bytes_are_repaired_not_fatal():
    # given a mail that declares a charset nobody knows, with 8-bit junk in Cc and body
    mail = parse(eml("broken_charset.eml"))
    # then the text is still read (as UTF-8) and the repair is listed as a defect
    assert "“ongeldige sleutel”" in mail.text
    assert any("x-foo-unknown" in d for d in mail.defects)
    assert "\x00" not in mail.text
    assert [a.address for a in mail.cc] == ["joerg@acme.test"]


def test_broken_mime_without_message_id_or_closing_boundary():
    mail = parse(eml("broken_mime.eml"))
    assert mail.message_id == ""
    assert mail.dedupe_key == "sha:" + hashlib.sha256(eml("broken_mime.eml")).hexdigest()
    assert "Bestelling 4711 is niet verwerkt" in mail.text  # base64 without padding
    assert "no Message-ID" in mail.defects
    assert "CloseBoundaryNotFoundDefect" in mail.defects
    assert "header Date does not parse" in mail.defects
    assert mail.date is None
    assert [a.filename for a in mail.attachments] == ["screen.png"]


def test_message_rfc822_attachment_is_kept_whole():
    mail = parse(eml("forward_rfc822.eml"))
    assert mail.text.strip() == "Klopt dit? Zie de doorgestuurde mail van onze leverancier."
    (attached,) = mail.attachments
    assert attached.content_type == "message/rfc822"
    assert attached.filename == "Prijswijziging per 1 april.eml"
    inner = parse(attached.data)
    assert inner.message_id == "price-change-77@supplier.test"
    assert "4% omhoog" in inner.text


def test_inline_cid_image_and_sanitised_html():
    mail = parse(eml("inline_cid.eml"))
    (image,) = mail.attachments
    assert image.inline and image.content_id == "error-shot@globex.test"
    assert image.data.startswith(b"\x89PNG")
    assert 'src="cid:error-shot@globex.test"' in mail.html
    assert "<script" not in mail.html and "onerror" not in mail.html
    # the plain-text alternative is the text, not the HTML rendering
    assert mail.text.startswith("See the screenshot below")


def test_winmail_dat_is_unpacked():
    mail = parse(eml("winmail_tnef.eml"))
    assert [a.filename for a in mail.attachments] == ["storing.log"]
    assert mail.attachments[0].data.startswith(b"2024-03-12 08:00:01 ERROR")
    assert mail.text == "Zie bijgevoegd het logbestand van de storing."


def test_pgp_signature_is_an_attachment_and_the_text_is_read():
    mail = parse(eml("pgp_signed.eml"))
    assert mail.text.startswith("Please change our bank account")
    assert [a.content_type for a in mail.attachments] == ["application/pgp-signature"]


def test_deep_html_is_not_sanitised_but_read_as_text():
    # given HTML nested 5,000 deep (the sanitiser's time grows with the square of it)
    mail = parse(eml("html_deep.eml"))
    # then it is read by the linear tag stripper, and the defect says so
    assert mail.html == ""
    assert mail.text == "Help, our page is broken"
    assert any("deeply nested" in d for d in mail.defects)


def test_dsn_bounce_report():
    mail = parse(eml("bounce_dsn.eml"))
    assert mail.report is not None
    assert mail.report.original_message_ids == ["loket.55.120.bb77cc@loket.test"]
    assert mail.report.recipients == ["gone@acme.test"]
    assert (mail.report.action, mail.report.status) == ("failed", "5.1.1")
    assert "User unknown" in mail.report.diagnostic


def test_too_many_parts_are_bounded():
    # given a message with far more parts than Loket looks at
    parts = "".join(
        f'--b\r\nContent-Type: application/octet-stream; name="f{i}.bin"\r\n\r\nx\r\n'
        for i in range(MAX_PARTS + 50)
    )
    raw = (
        "From: a@acme.test\r\nSubject: many\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + parts + "--b--\r\n"
    ).encode()
    mail = parse(raw)
    # then only the first ones become attachments, and the rest stays in the raw mail
    assert len(mail.attachments) < MAX_PARTS
    assert any("more than" in d for d in mail.defects)


def test_deeply_nested_multiparts_are_bounded():
    depth = 60
    head = "".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n' for i in range(depth)
    )
    raw = (
        "From: a@acme.test\r\nSubject: nest\r\nMIME-Version: 1.0\r\n" + head + "\r\nhi\r\n"
    ).encode()
    mail = parse(raw)
    assert any("nested deeper" in d for d in mail.defects)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Anna@Example.COM", "anna@example.com"),
        ("<bob@acme.test>", "bob@acme.test"),
        ("not an address", ""),
        ("a@b", ""),
        ("x\r\nbcc@evil.test", ""),
        ("jörg@bücher.example", "jörg@xn--bcher-kva.example"),
    ],
)
def test_normalise_address(raw, expected):
    assert normalise_address(raw) == expected


def test_display_name_that_is_another_address_is_dropped():
    raw = b'From: "ceo@acme.test" <attacker@evil.test>\r\nSubject: pay\r\n\r\nPay now.\r\n'
    mail = parse(raw)
    assert mail.sender is not None
    assert (mail.sender.name, mail.sender.address) == ("", "attacker@evil.test")


def test_decode_bytes_never_raises_and_reports_the_fallback():
    defects: list[str] = []
    assert decode_bytes("caf\xe9".encode("latin-1"), "utf-8", defects) == "café"
    assert defects  # declared utf-8 did not fit
    assert decode_bytes(b"\x81\x8d\x8f\x90\x9d", "nonsense", []) == "\x81\x8d\x8f\x90\x9d"


def test_html_depth_counts_linearly_and_stops_early():
    assert html_depth("<p><b>x</b><br></p>", 10) == 2
    assert html_depth("<div>" * 10_000, 50) == 51


def test_every_corpus_file_parses(corpus):
    for path in sorted(corpus.glob("*.eml")):
        mail = parse(path.read_bytes())
        assert mail.text.strip() or mail.attachments, path.name


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data):
    mail = parse(data)
    assert mail.raw == data


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(p.name for p in CORPUS.glob("*.eml"))), st.data())
def test_mangled_corpus_never_raises(name, data):
    # given a corpus mail with a slice cut out or random bytes written over part of it
    raw = bytearray(eml(name))
    start = data.draw(st.integers(0, len(raw) - 1))
    length = data.draw(st.integers(0, 200))
    if data.draw(st.booleans()):
        del raw[start : start + length]
    else:
        raw[start : start + length] = data.draw(st.binary(min_size=length, max_size=length))
    # then parsing still returns, with text that is safe to store
    mail = parse(bytes(raw))
    for text in (mail.text, mail.subject, mail.html):
        assert "\x00" not in text
        text.encode("utf-8")
