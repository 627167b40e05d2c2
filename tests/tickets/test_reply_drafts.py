"""The reply box: drafts per ticket and agent, pasted images, the preview, and what the
Markdown editor's text becomes (sanitised) — through the desk's own URLs."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from loket.accounts.models import Role, User
from loket.tickets.models import Draft, DraftImage, DraftKind, MessageKind, State
from tests.conftest import PASSWORD
from tests.tickets.conftest import PNG, stored_files


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _textarea(html: str, name_id: str) -> str:
    found = re.search(rf'<textarea[^>]*id="{name_id}"[^>]*>(.*?)</textarea>', html, re.S)
    assert found is not None
    return found.group(1).strip()


def _colleague(desk) -> User:
    """A second first-line agent: sees the same tickets as ``desk.agent``."""
    bart = User.objects.create_user(
        "bart@loket.test", PASSWORD, role=Role.AGENT, display_name="Bart Bos", language="en"
    )
    desk.first_line.members.add(bart)
    return bart


def _page(client: Client, ticket) -> str:
    return client.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()


def test_a_draft_follows_its_agent_to_another_browser_and_nobody_else(desk, acme_ticket):
    url = reverse("desk:draft", args=[acme_ticket.pk])
    laptop = _client(desk.agent)
    assert laptop.post(url, {"kind": "reply", "body": "Dear Alice, **almost** done"}).json() == {
        "saved": True,
        "kind": "reply",
    }
    assert laptop.post(url, {"kind": "note", "body": "ask @tech"}).status_code == 200
    # the same agent in another browser (a new session) finds both again
    phone = _client(desk.agent)
    page = _page(phone, acme_ticket)
    assert _textarea(page, "reply-body") == "Dear Alice, **almost** done"
    assert _textarea(page, "note-body") == "ask @tech"
    # a colleague on the same ticket sees neither
    colleague = _page(_client(_colleague(desk)), acme_ticket)
    assert _textarea(colleague, "reply-body") == ""
    assert "almost" not in colleague and "ask @tech" not in colleague
    # an emptied draft is removed
    laptop.post(url, {"kind": "note", "body": "  "})
    assert not Draft.objects.filter(kind=DraftKind.NOTE).exists()


def test_sending_deletes_the_draft(desk, acme_ticket):
    agent = _client(desk.agent)
    draft_url = reverse("desk:draft", args=[acme_ticket.pk])
    agent.post(draft_url, {"kind": "reply", "body": "Done."})
    agent.post(draft_url, {"kind": "note", "body": "Noted."})
    agent.post(
        reverse("desk:reply", args=[acme_ticket.pk]),
        {"body": "Done.", "then_state": State.WAITING_CUSTOMER},
    )
    agent.post(reverse("desk:note", args=[acme_ticket.pk]), {"body": "Noted."})
    assert not Draft.objects.exists()
    page = _page(agent, acme_ticket)
    assert _textarea(page, "reply-body") == "" and _textarea(page, "note-body") == ""


def test_customers_and_unknown_kinds_are_refused(desk, acme_ticket):
    url = reverse("desk:draft", args=[acme_ticket.pk])
    response = _client(desk.acme_alice).post(url, {"kind": "reply", "body": "x"})
    assert response.status_code in (302, 403, 404)
    assert _client(desk.agent).post(url, {"kind": "secret", "body": "x"}).status_code == 404
    assert not Draft.objects.exists()


def test_hostile_html_in_the_editor_is_sanitised_text(desk, acme_ticket):
    hostile = (
        "<script>alert(1)</script> <img src=x onerror=alert(2)> <style>*{display:none}</style>\n\n"
        '[click](javascript:alert(3)) ![t](http://evil.test/t.png) <a href="javascript:x">a</a>'
        "\n\n**fine** and [ok](https://example.test/)"
    )
    agent = _client(desk.agent)
    agent.post(
        reverse("desk:reply", args=[acme_ticket.pk]),
        {"body": hostile, "then_state": State.WAITING_CUSTOMER},
    )
    reply = acme_ticket.messages.get(kind=MessageKind.REPLY)
    stored = reply.body_html
    tags = re.findall(r"<[a-z][^>]*>", stored)  # what is markup, not escaped text
    assert tags and all(t.split()[0].strip("<>") in {"p", "strong", "a", "img"} for t in tags)
    for tag in tags:
        for bad in ("onerror", "javascript:", "http://evil", "style", "script"):
            assert bad not in tag, tag
    assert "<strong>fine</strong>" in stored
    assert 'href="https://example.test/"' in stored and "noopener" in stored
    # the text part comes from that HTML: no Markdown marks, the typed tags as text
    assert "**" not in reply.body and "fine" in reply.body and "<script>" in reply.body
    page = _page(agent, acme_ticket)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_a_pasted_image_is_checked_kept_for_its_agent_and_becomes_an_attachment(
    desk, acme_ticket, media, settings, django_capture_on_commit_callbacks
):
    agent = _client(desk.agent)
    upload = reverse("desk:draft_image", args=[acme_ticket.pk])
    answer = agent.post(upload, {"image": SimpleUploadedFile("shot.png", PNG, "image/png")})
    assert answer.status_code == 201
    body = answer.json()
    image = DraftImage.objects.get()
    assert body["markdown"] == f"![shot.png](cid:{image.cid})"
    # only its agent can fetch it
    assert agent.get(body["url"]).content == PNG
    assert _client(_colleague(desk)).get(body["url"]).status_code == 404
    # what is not an image, or too big, is refused like an attachment
    fake = SimpleUploadedFile("shot.png", b"<svg onload=alert(1)>", "image/png")
    refused = agent.post(upload, {"image": fake})
    assert refused.status_code == 400 and "PNG" in refused.json()["error"]
    settings.MAX_ATTACHMENT_BYTES = 10
    big = agent.post(upload, {"image": SimpleUploadedFile("big.png", PNG, "image/png")})
    assert big.status_code == 400 and "limit" in big.json()["error"]
    settings.MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
    # the preview shows it through the desk's URL
    preview = agent.post(
        reverse("desk:preview", args=[acme_ticket.pk]), {"body": "See " + body["markdown"]}
    ).json()
    assert f'src="{body["url"]}"' in preview["html"]
    # sent: an attachment of the reply (same bytes), shown inline, the draft image gone
    with django_capture_on_commit_callbacks(execute=True):
        agent.post(
            reverse("desk:reply", args=[acme_ticket.pk]),
            {"body": "See\n\n" + body["markdown"], "then_state": State.WAITING_CUSTOMER},
        )
    reply = acme_ticket.messages.get(kind=MessageKind.REPLY)
    attachment = reply.attachments.get()
    assert (attachment.sha256, attachment.filename) == (image.sha256, "shot.png")
    assert f'src="cid:{image.cid}"' in reply.body_html
    assert not DraftImage.objects.exists()
    page = _page(agent, acme_ticket)
    download = reverse("attachments:download", args=[attachment.pk])
    assert f'<img src="{download}"' in page
    assert len(stored_files(media)) == 1  # the draft's copy was removed after the commit


@pytest.mark.parametrize("kind", ["reply", "note"])
def test_the_page_wires_the_autosave(desk, acme_ticket, kind):
    page = _page(_client(desk.agent), acme_ticket)
    form = re.search(rf'<form[^>]*data-draft-kind="{kind}"[^>]*>', page)
    assert form is not None
    assert f'data-draft-url="{reverse("desk:draft", args=[acme_ticket.pk])}"' in form.group(0)
