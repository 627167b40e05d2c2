"""Images and files of articles: upload in the desk editor, placement in the text, and who
may download them (through the real URLs)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from loket.accounts.models import User
from loket.kb import actions
from loket.kb.models import ArticleFile, BodyFormat, Status, Translation, Visibility
from loket.lib.files import AttachmentRejected
from tests.conftest import Desk

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _client(person: User | None = None) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


def _article(desk: Desk, *, visibility: str = Visibility.PUBLIC, status: str = Status.PUBLISHED,
             title: str = "Read your invoice") -> Translation:  # fmt: skip
    return actions.create_article(
        by=desk.agent,
        language="en",
        title=title,
        body="The total is at the bottom.",
        status=status,
        visibility=visibility,
    )


def _upload(client: Client, t: Translation, name: str, data: bytes) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        f"/desk/kb/articles/{t.pk}/files/", {"files": [SimpleUploadedFile(name, data)]}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/desk/kb/articles/{t.pk}/edit/"


def test_agent_uploads_an_image_places_it_and_readers_see_it(desk: Desk) -> None:
    t = _article(desk)
    agent = _client(desk.agent)
    # when an agent uploads a screenshot in the editor
    _upload(agent, t, "../../invoice.png", PNG)
    item = ArticleFile.objects.get(article=t.article)
    assert item.filename == "invoice.png"  # a harmless display name
    assert item.content_type == "image/png" and item.size == len(PNG)
    assert "invoice" not in item.file.name  # stored under a generated name
    editor = agent.get(f"/desk/kb/articles/{t.pk}/edit/").content.decode()
    url = f"/help/files/{item.pk}/"
    assert f"![invoice.png]({url})" in editor
    # and places it in the Markdown text
    actions.update_translation(t, {"body": f"See the total:\n\n![The total]({url})"}, by=desk.agent)
    t.refresh_from_db()
    assert f"cid:kb-file-{item.pk}" in t.body_html  # stored as a reference
    # then the help centre shows the image, and does not list it again as an attachment
    page = Client().get("/help/en/read-your-invoice/").content.decode()
    assert f'<img src="{url}" alt="The total">' in page
    assert "Attachments" not in page
    # and anyone may load it, inline, with the safe headers
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PNG  # type: ignore[attr-defined]
    # and the desk's live preview shows it too
    preview = agent.post(
        "/desk/kb/preview/", {"body": f"![x]({url})", "body_format": "markdown"}
    ).content.decode()
    assert f'src="{url}"' in preview


def test_image_in_an_html_body_and_absolute_address(desk: Desk, settings: Any) -> None:
    settings.BASE_URL = "http://127.0.0.1:8000"
    t = _article(desk)
    item = actions.add_file(t.article, name="a.png", data=PNG, by=desk.agent)
    body = (
        f'<p><img src="http://127.0.0.1:8000/help/files/{item.pk}/" alt="one">'
        f"<img src='/help/files/{item.pk}/' alt=two>"
        '<img src="/help/files/1/x" alt="three"><img src="javascript:alert(1)"></p>'
    )
    actions.update_translation(t, {"body": body, "body_format": BodyFormat.HTML}, by=desk.agent)
    t.refresh_from_db()
    assert t.body_html.count(f"cid:kb-file-{item.pk}") == 2
    html = str(t.safe_html)
    assert html.count(f'src="/help/files/{item.pk}/"') == 2
    assert "javascript" not in html and "/help/files/1/x" not in html


def test_other_files_are_listed_under_the_article(desk: Desk) -> None:
    t = _article(desk)
    agent = _client(desk.agent)
    _upload(agent, t, "price list.pdf", b"%PDF-1.4 prices")
    item = ArticleFile.objects.get(article=t.article)
    assert item.content_type == "application/pdf"
    url = f"/help/files/{item.pk}/"
    page = Client().get("/help/en/read-your-invoice/").content.decode()
    assert "Attachments" in page and f'href="{url}"' in page and "price list.pdf" in page
    desk_page = agent.get(f"/desk/kb/articles/{t.pk}/").content.decode()
    assert f'href="{url}"' in desk_page
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="price list.pdf"' in response["Content-Disposition"]


def test_svg_and_html_are_only_downloads(desk: Desk) -> None:
    t = _article(desk)
    agent = _client(desk.agent)
    _upload(agent, t, "logo.svg", SVG)
    _upload(agent, t, "page.html", b"<html><script>alert(1)</script></html>")
    for item in ArticleFile.objects.filter(article=t.article):
        assert item.content_type == "application/octet-stream"
        assert not item.is_image
        response = Client().get(f"/help/files/{item.pk}/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
    # and placed in the text, an SVG is no image: the editor's snippet is a link
    editor = agent.get(f"/desk/kb/articles/{t.pk}/edit/").content.decode()
    assert "![logo.svg]" not in editor and "[logo.svg](" in editor


@pytest.mark.parametrize(
    ("visibility", "status"),
    [(Visibility.INTERNAL, Status.PUBLISHED), (Visibility.PUBLIC, Status.DRAFT)],
)
def test_files_of_internal_or_unpublished_articles_are_for_agents(
    desk: Desk, visibility: str, status: str
) -> None:
    t = _article(desk, visibility=visibility, status=status, title="Internal pricing")
    item = actions.add_file(t.article, name="margins.png", data=PNG, by=desk.agent)
    url = f"/help/files/{item.pk}/"
    assert Client().get(url).status_code == 404
    assert _client(desk.acme_alice).get(url).status_code == 404
    response = _client(desk.agent).get(url)
    assert response.status_code == 200
    if visibility == Visibility.INTERNAL:
        assert response["Cache-Control"] == "private, no-store"


def test_unpublishing_or_making_internal_withdraws_the_files(desk: Desk) -> None:
    t = _article(desk)
    item = actions.add_file(t.article, name="a.png", data=PNG, by=desk.agent)
    url = f"/help/files/{item.pk}/"
    assert Client().get(url).status_code == 200
    actions.update_article(t.article, {"visibility": Visibility.INTERNAL}, by=desk.agent)
    assert Client().get(url).status_code == 404
    actions.update_article(t.article, {"visibility": Visibility.PUBLIC}, by=desk.agent)
    actions.update_translation(t, {"status": Status.DRAFT}, by=desk.agent)
    assert Client().get(url).status_code == 404


def test_customers_cannot_upload_or_remove(desk: Desk) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    t = _article(desk)
    item = actions.add_file(t.article, name="a.png", data=PNG, by=desk.agent)
    customer = _client(desk.acme_alice)
    customer.post(f"/desk/kb/articles/{t.pk}/files/", {"files": [SimpleUploadedFile("b.png", PNG)]})
    customer.post(f"/desk/kb/files/{item.pk}/remove/")
    assert list(ArticleFile.objects.values_list("filename", flat=True)) == ["a.png"]
    with pytest.raises(Exception, match="agents"):
        actions.add_file(t.article, name="c.png", data=PNG, by=desk.acme_alice)


def test_too_large_upload_is_refused(desk: Desk, settings: Any) -> None:
    t = _article(desk)
    settings.MAX_ATTACHMENT_BYTES = 10
    agent = _client(desk.agent)
    _upload(agent, t, "big.png", PNG)
    assert not ArticleFile.objects.exists()
    with pytest.raises(AttachmentRejected):
        actions.add_file(t.article, name="big.png", data=PNG, by=desk.agent)


def test_removing_a_file_deletes_it(desk: Desk, django_capture_on_commit_callbacks: object) -> None:
    t = _article(desk)
    item = actions.add_file(t.article, name="a.png", data=PNG, by=desk.agent)
    storage, name = item.file.storage, item.file.name
    assert storage.exists(name)
    agent = _client(desk.agent)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = agent.post(f"/desk/kb/files/{item.pk}/remove/", {"translation": t.pk})
    assert response.status_code == 302
    assert not ArticleFile.objects.exists()
    assert not storage.exists(name)
    assert Client().get(f"/help/files/{item.pk}/").status_code == 404


def test_more_than_ten_files_at_once_are_refused(desk: Desk) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    t = _article(desk)
    files = [SimpleUploadedFile(f"{i}.png", PNG) for i in range(11)]
    response = _client(desk.agent).post(f"/desk/kb/articles/{t.pk}/files/", {"files": files})
    assert response.status_code == 302
    assert not ArticleFile.objects.exists()
