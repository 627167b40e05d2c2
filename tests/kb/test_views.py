# ruff: noqa: RUF001 - Russian examples are Cyrillic on purpose
"""The editor in the desk and the public help centre, through the real URLs."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from loket.accounts.models import User
from loket.kb import actions
from loket.kb.models import (
    Branding,
    Category,
    CategoryName,
    FailedSearch,
    Status,
    Translation,
    Visibility,
    Vote,
)
from tests.conftest import Desk

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _client(person: User | None = None) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


@pytest.fixture
def article(desk: Desk) -> Translation:
    category = Category.objects.create(slug="account")
    CategoryName.objects.create(category=category, language="en", name="Your account")
    CategoryName.objects.create(category=category, language="nl", name="Je account")
    en = actions.create_article(
        by=desk.agent,
        language="en",
        title="Reset your password",
        body="Choose **Forgot password** on the sign-in page.",
        status=Status.PUBLISHED,
        category=category,
    )
    actions.create_article(
        by=desk.agent,
        language="nl",
        title="Wachtwoord opnieuw instellen",
        body="Kies **Wachtwoord vergeten** op de inlogpagina.",
        status=Status.PUBLISHED,
        translation_of=en.article,
    )
    return en


# --- the editor -----------------------------------------------------------------------------


def test_agent_writes_edits_and_restores_an_article(desk: Desk) -> None:
    client = _client(desk.agent)
    # when an agent creates an article in the editor
    response = client.post(
        "/desk/kb/new/",
        {
            "language": "en",
            "title": "Close your account",
            "body": "Go to **Profile**.",
            "body_format": "markdown",
            "status": "published",
            "visibility": "public",
            "note": "first",
        },
    )
    t = Translation.objects.get(title="Close your account")
    assert response.status_code == 302 and response["Location"] == f"/desk/kb/articles/{t.pk}/"
    assert t.article.owner == desk.agent  # the writer owns it unless someone else is chosen
    # and edits it
    data = {
        "title": "Close your account",
        "body": "Go to **Settings**.",
        "body_format": "markdown",
        "status": "published",
        "visibility": "internal",
        "owner": desk.tech.pk,
        "review_due": "2031-05-01",
    }
    assert client.post(f"/desk/kb/articles/{t.pk}/edit/", data).status_code == 302
    t.refresh_from_db()
    assert t.version == 2 and "Settings" in t.body_html
    assert t.article.visibility == Visibility.INTERNAL and t.article.owner == desk.tech
    # then the article page shows the history, and version 1 can be restored
    page = client.get(f"/desk/kb/articles/{t.pk}/").content.decode()
    assert "v2" in page and "v1" in page
    first = t.revisions.get(number=1)
    assert client.post(f"/desk/kb/revisions/{first.pk}/restore/").status_code == 302
    t.refresh_from_db()
    assert t.version == 3 and "Profile" in t.body_html


def test_a_second_language_is_added_to_the_same_article(desk: Desk, article: Translation) -> None:
    client = _client(desk.agent)
    page = client.get(f"/desk/kb/articles/{article.pk}/").content.decode()
    assert f"/desk/kb/new/?translation_of={article.article_id}&amp;lang=de" in page
    response = client.post(
        f"/desk/kb/new/?translation_of={article.article_id}",
        {
            "language": "de",
            "title": "Passwort zurücksetzen",
            "body": "Wählen Sie **Passwort vergessen**.",
            "body_format": "markdown",
            "status": "draft",
            "visibility": "public",
        },
    )
    assert response.status_code == 302
    assert article.article.translations.filter(language="de").exists()


def test_editor_preview_is_sanitised(desk: Desk) -> None:
    response = _client(desk.agent).post(
        "/desk/kb/preview/",
        {
            "body": "<p>hi</p><script>alert(1)</script><b onmouseover=x()>b</b>",
            "body_format": "html",
        },
    )
    body = response.content.decode()
    assert "<p>hi</p>" in body and "<script" not in body and "onmouseover" not in body


def test_customers_and_strangers_cannot_use_the_editor(desk: Desk, article: Translation) -> None:
    for client in (_client(desk.acme_alice), _client()):
        for url in ("/desk/kb/", "/desk/kb/new/", f"/desk/kb/articles/{article.pk}/edit/"):
            response = client.get(url)
            assert response.status_code == 302
            assert not response["Location"].startswith("/desk/kb")
        client.post(f"/desk/kb/articles/{article.pk}/edit/", {"title": "Hacked"})
    article.refresh_from_db()
    assert article.title == "Reset your password"


def test_edits_in_the_admin_are_versioned_and_indexed(desk: Desk, article: Translation) -> None:
    client = _client(desk.admin)
    url = f"/admin/kb/translation/{article.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "title": "Reset your password",
            "slug": article.slug,
            "keywords": "locked out",
            "body_format": "markdown",
            "body": "Use the *giraffe* link.",
            "status": "published",
        },
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.version == 2 and "<em>giraffe</em>" in article.body_html
    assert "giraff" in article.search_body


def test_missing_articles_page_lists_failed_searches(desk: Desk, article: Translation) -> None:
    _client().get("/help/en/search/", {"q": "refund policy"})
    _client().get("/help/en/search/", {"q": "Refund policy"})
    page = _client(desk.agent).get("/desk/kb/missing/").content.decode()
    assert "refund policy" in page and ">2<" in page
    row = FailedSearch.objects.get()
    assert _client(desk.agent).post(f"/desk/kb/missing/{row.pk}/dismiss/").status_code == 302
    assert "refund policy" not in _client(desk.agent).get("/desk/kb/missing/").content.decode()


# --- the help centre ------------------------------------------------------------------------


def test_help_centre_root_follows_the_visitors_language(article: Translation) -> None:
    assert _client().get("/help/", HTTP_ACCEPT_LANGUAGE="nl").headers["Location"] == "/help/nl/"
    assert _client().get("/help/", HTTP_ACCEPT_LANGUAGE="en").headers["Location"] == "/help/en/"


def test_help_centre_pages_in_each_language(desk: Desk, article: Translation) -> None:
    client = _client()
    home = client.get("/help/nl/")
    assert home.status_code == 200 and home["Content-Language"] == "nl"
    html = home.content.decode()
    assert '<html lang="nl">' in html and "Wachtwoord opnieuw instellen" in html
    assert "Reset your password" not in html
    assert (
        "Content-Security-Policy" in home.headers
        and "'unsafe-inline'" not in home["Content-Security-Policy"]
    )
    page = client.get(f"/help/en/{article.slug}/").content.decode()
    assert "<strong>Forgot password</strong>" in page
    assert 'hreflang="nl"' in page and "/help/nl/wachtwoord-opnieuw-instellen/" in page
    assert '<link rel="canonical"' in page and '<meta name="description"' in page
    assert "Your account" in page  # the category in the breadcrumbs
    assert client.get("/help/en/c/account/").status_code == 200
    assert client.get("/help/xx/").status_code == 404
    assert client.get("/help/en/no-such-article/").status_code == 404


def test_drafts_and_internal_articles_are_not_in_the_help_centre(desk: Desk) -> None:
    draft = actions.create_article(by=desk.agent, language="en", title="Secret draft", body="x")
    internal = actions.create_article(
        by=desk.agent,
        language="en",
        title="Internal runbook",
        body="x",
        status=Status.PUBLISHED,
        visibility=Visibility.INTERNAL,
    )
    client = _client(desk.agent)  # even for an agent: the help centre is the public view
    for t in (draft, internal):
        assert client.get(f"/help/en/{t.slug}/").status_code == 404
    assert "Internal runbook" not in client.get("/help/en/").content.decode()
    assert b"Internal runbook" not in client.get("/help/en/search/", {"q": "runbook"}).content
    assert b"Internal runbook" not in client.get("/sitemap.xml").content


def test_help_centre_search_shows_highlighted_snippets(article: Translation) -> None:
    page = _client().get("/help/en/search/", {"q": "forgot passwords"}).content.decode()
    assert "<mark>Forgot</mark> <mark>password</mark>" in page
    assert f'href="/help/en/{article.slug}/"' in page
    none = _client().get("/help/en/search/", {"q": "<script>x</script>"}).content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;" in none and "<script>x" not in none


def test_readers_vote_once_with_a_comment(article: Translation) -> None:
    client = _client()
    client.get(f"/help/en/{article.slug}/")
    url = f"/help/en/{article.slug}/vote/"
    response = client.post(url, {"helpful": "no", "comment": "Nothing about 2FA"})
    assert response.status_code == 302 and response["Location"].endswith("?voted=1#feedback")
    client.post(url, {"helpful": "yes"})
    _client().post(url, {"helpful": "yes"})
    assert Vote.objects.filter(translation=article).count() == 2
    assert client.get(url).status_code == 405  # voting is a POST


def test_sitemap_lists_every_public_article_with_its_translations(
    article: Translation, settings
) -> None:
    settings.BASE_URL = "https://help.example"
    response = _client().get("/sitemap.xml")
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own output
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    locs = [u.find("s:loc", ns).text for u in root.findall("s:url", ns)]  # type: ignore[union-attr]
    assert f"https://help.example/help/en/{article.slug}/" in locs
    assert "https://help.example/help/nl/wachtwoord-opnieuw-instellen/" in locs
    assert "https://help.example/help/en/" in locs and "https://help.example/help/nl/" in locs
    alternates = root.findall("s:url/x:link", ns)
    assert {a.get("hreflang") for a in alternates} == {"en", "nl"}


def test_branding_colours_and_logo(desk: Desk, article: Translation) -> None:
    brand = Branding.objects.create(
        name="Acme Ads", primary_colour="#AA0000", tagline="Ads that work"
    )
    brand.logo.save("logo.png", ContentFile(PNG))
    client = _client()
    css = client.get("/help/brand.css")
    assert css["Content-Type"].startswith("text/css") and "--brand:#aa0000;" in css.content.decode()
    page = client.get("/help/en/").content.decode()
    assert 'alt="Acme Ads"' in page and "/help/brand.css" in page and "Ads that work" in page
    logo = client.get("/help/logo")
    assert logo["Content-Type"] == "image/png" and logo["X-Content-Type-Options"] == "nosniff"
    # a logo that is not a raster image is never served
    brand.logo.save("logo.png", ContentFile(b"<svg onload=alert(1)></svg>"))
    assert client.get("/help/logo").status_code == 404
    # colours reach the stylesheet only in #rrggbb form
    Branding.objects.filter(pk=brand.pk).update(primary_colour="red;}b{")
    assert "red" not in client.get("/help/brand.css").content.decode()


def test_dutch_texts_are_complete_and_used(article: Translation) -> None:
    # every text of the knowledge base has a Dutch translation
    po = (Path(actions.__file__).parent / "locale/nl/LC_MESSAGES/django.po").read_text("utf-8")
    entries = po.split("\n\n")[1:]
    translations = [
        "".join(re.findall(r'"(.*)"', block))
        for entry in entries
        for block in re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', entry + "\n", re.M)
    ]
    assert len(entries) > 150 and all(translations) and "#, fuzzy" not in po
    # and the Dutch help centre speaks Dutch, whatever the browser says
    page = _client().get("/help/nl/search/", {"q": "xyzzy"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Niets gevonden voor “xyzzy”" in page.content.decode()


def test_articles_in_cyrillic_have_clean_urls(desk: Desk) -> None:
    t = actions.create_article(
        by=desk.agent, language="ru", title="Сброс пароля", body="Нажмите «Забыли пароль».",
        status=Status.PUBLISHED,
    )  # fmt: skip
    url = reverse("help:article", kwargs={"lang": "ru", "slug": t.slug})
    assert url == "/help/ru/%D1%81%D0%B1%D1%80%D0%BE%D1%81-%D0%BF%D0%B0%D1%80%D0%BE%D0%BB%D1%8F/"
    page = _client().get(url)
    assert page.status_code == 200 and "Сброс пароля" in page.content.decode()
    assert b"%D1%81%D0%B1%D1%80%D0%BE%D1%81" in _client().get("/sitemap.xml").content
    found = _client().get("/help/ru/search/", {"q": "пароли"}).content.decode()
    assert url in found


def test_help_centre_language_switch_lists_each_language_once(
    desk: Desk, article: Translation
) -> None:
    # given a second published article in both languages
    second = actions.create_article(
        by=desk.agent, language="en", title="Change your e-mail address",
        body="Open your profile.", status=Status.PUBLISHED,
    )  # fmt: skip
    actions.create_article(
        by=desk.agent, language="nl", title="E-mailadres wijzigen", body="Open je profiel.",
        status=Status.PUBLISHED, translation_of=second.article,
    )  # fmt: skip
    page = _client().get("/help/en/").content.decode()
    switch = page.split('class="help-langs"', 1)[1].split("</nav>", 1)[0]
    assert switch.count('hreflang="nl"') == 1 and switch.count('hreflang="en"') == 1


def test_editor_refuses_html_nested_too_deep_with_a_form_error(desk: Desk) -> None:
    # given an agent writing an HTML article nested far deeper than any real page
    client = _client(desk.agent)
    deep = "<div>" * 5000 + "text"
    # when previewing it, then the preview says why instead of failing
    preview = client.post("/desk/kb/preview/", {"body": deep, "body_format": "html"})
    assert preview.status_code == 200 and "levels deep" in preview.content.decode()
    # when saving it, then the editor shows the reason and nothing is stored
    response = client.post(
        "/desk/kb/new/",
        {
            "language": "en",
            "title": "Deep article",
            "body": deep,
            "body_format": "html",
            "status": "draft",
            "visibility": "public",
        },
    )
    assert response.status_code == 200
    assert "levels deep" in response.content.decode()
    assert not Translation.objects.filter(title="Deep article").exists()
