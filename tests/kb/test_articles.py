# ruff: noqa: RUF001 - Russian examples are Cyrillic on purpose
"""Articles: rendering and sanitising, linked translations, drafts and visibility, version
history, votes, related articles, and who may change what."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from loket.kb import actions
from loket.kb.access import get_translation_for, translations_visible_to
from loket.kb.models import BodyFormat, Revision, Status, Translation, Visibility, Vote
from tests.conftest import Desk


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update((k, v or "") for k, v in attrs)


def _markup(html: str) -> tuple[set[str], dict[str, str]]:
    """The tags and attributes a browser would see (escaped text is not markup)."""
    collector = _Collector()
    collector.feed(html)
    return collector.tags, collector.attributes


def _article(desk: Desk, **kwargs: object) -> Translation:
    values: dict[str, object] = {
        "by": desk.agent,
        "language": "en",
        "title": "Reset your password",
        "body": "Choose **Forgot password** on the sign-in page.",
        "status": Status.PUBLISHED,
    }
    values.update(kwargs)
    return actions.create_article(**values)  # type: ignore[arg-type]


def test_markdown_is_rendered_and_sanitised(desk: Desk) -> None:
    # given Markdown with raw HTML, a script, an event handler and a javascript: link
    body = (
        "# Title\n\nSome **bold** text.\n\n<script>alert(1)</script>\n\n"
        '<img src=x onerror="alert(2)">\n\n[click](javascript:alert(3)) [ok](https://example.com)'
    )
    # when it is saved
    t = _article(desk, body=body)
    # then structure is kept, and nothing can run
    assert "<h1>Title</h1>" in t.body_html
    assert "<strong>bold</strong>" in t.body_html
    tags, attributes = _markup(t.body_html)
    assert "script" not in tags and "onerror" not in attributes
    assert not any(value.startswith("javascript:") for value in attributes.values())
    assert 'href="https://example.com"' in t.body_html
    assert "bold" in t.body_text and "<strong>" not in t.body_text


def test_html_bodies_are_sanitised_and_local_links_made_absolute(desk: Desk, settings) -> None:
    settings.BASE_URL = "https://desk.example"
    t = _article(
        desk,
        body_format=BodyFormat.HTML,
        body='<p onclick="x()">Hi <a href="/help/en/other/">other</a><iframe src="https://evil"></iframe></p>',
    )
    tags, attributes = _markup(t.body_html)
    assert "onclick" not in attributes and "iframe" not in tags
    assert 'href="https://desk.example/help/en/other/"' in t.body_html
    assert str(t.safe_html) == t.body_html


def test_translations_are_linked_one_per_language(desk: Desk) -> None:
    en = _article(desk)
    nl = _article(
        desk, language="nl", title="Wachtwoord opnieuw instellen", translation_of=en.article
    )
    assert nl.article_id == en.article_id
    assert set(en.article.translations.values_list("language", flat=True)) == {"en", "nl"}
    with pytest.raises(actions.KbError):
        _article(desk, language="nl", title="Nog een", translation_of=en.article)
    with pytest.raises(actions.KbError):
        _article(desk, language="xx", title="Unknown language")


def test_slugs_are_unique_per_language_and_never_reserved(desk: Desk) -> None:
    first = _article(desk, title="Billing")
    second = _article(desk, title="Billing")
    dutch = _article(desk, title="Billing", language="nl")
    assert (first.slug, second.slug, dutch.slug) == ("billing", "billing-2", "billing")
    assert _article(desk, title="Search").slug == "search-article"
    assert _article(desk, title="Пароль сброс", language="ru").slug == "пароль-сброс"


def test_every_change_is_a_revision_and_old_versions_can_be_restored(desk: Desk) -> None:
    # given an article at version 1
    t = _article(desk, body="First text")
    assert t.version == 1
    # when it is edited twice (and once with no change)
    t = actions.update_translation(t, {"body": "Second text"}, by=desk.tech, note="clearer")
    t = actions.update_translation(t, {"body": "Second text"}, by=desk.tech)
    t = actions.update_translation(t, {"title": "New title"}, by=desk.agent)
    # then each real change is a numbered revision with its author
    revisions = list(t.revisions.order_by("number"))
    assert [r.number for r in revisions] == [1, 2, 3]
    assert revisions[1].author == desk.tech and revisions[1].note == "clearer"
    assert revisions[1].body == "Second text"
    # when version 1 is restored, it becomes version 4 (history is never rewritten)
    restored = actions.restore_revision(revisions[0], by=desk.agent)
    assert restored.version == 4
    assert restored.body == "First text" and restored.title == "Reset your password"
    assert "First text" in restored.body_html
    assert Revision.objects.filter(translation=t).count() == 4


def test_publishing_sets_the_date_once(desk: Desk) -> None:
    t = _article(desk, status=Status.DRAFT)
    assert t.published_at is None
    t = actions.update_translation(t, {"status": Status.PUBLISHED}, by=desk.agent)
    first = t.published_at
    assert first is not None
    t = actions.update_translation(t, {"body": "changed"}, by=desk.agent)
    assert t.published_at == first


def test_only_agents_change_the_knowledge_base(desk: Desk) -> None:
    t = _article(desk)
    for person in (desk.acme_alice, desk.loner):
        with pytest.raises(PermissionDenied):
            actions.create_article(by=person, language="en", title="Spam")
        with pytest.raises(PermissionDenied):
            actions.update_translation(t, {"title": "Hacked"}, by=person)
        with pytest.raises(PermissionDenied):
            actions.update_article(t.article, {"visibility": Visibility.INTERNAL}, by=person)


def test_drafts_and_internal_articles_are_for_agents_only(desk: Desk) -> None:
    public = _article(desk)
    draft = _article(desk, title="Draft", status=Status.DRAFT)
    internal = _article(desk, title="Internal", visibility=Visibility.INTERNAL)
    for viewer in (desk.acme_alice, desk.loner, AnonymousUser(), None):
        assert set(translations_visible_to(viewer)) == {public}
        for hidden in (draft, internal):
            with pytest.raises(Http404):
                get_translation_for(viewer, hidden.pk)
    assert set(translations_visible_to(desk.agent)) == {public, draft, internal}
    assert get_translation_for(desk.agent, draft.pk, write=True) == draft
    with pytest.raises(Http404):
        get_translation_for(desk.acme_alice, public.pk, write=True)
    with pytest.raises(Http404):
        get_translation_for(desk.agent, "not-a-number")


def test_review_date_owner_and_related_articles(desk: Desk) -> None:
    a = _article(desk)
    b = _article(desk, title="Two-step verification")
    actions.update_article(
        a.article,
        {"owner": desk.tech, "review_due": date(2030, 1, 1), "related": [b.article]},
        by=desk.agent,
    )
    a.article.refresh_from_db()
    assert a.article.owner == desk.tech
    assert list(b.article.related.all()) == [a.article]  # related works both ways
    with pytest.raises(actions.KbError):
        actions.update_article(a.article, {"owner": desk.acme_alice}, by=desk.agent)


def test_one_vote_per_reader_which_they_may_change(desk: Desk) -> None:
    t = _article(desk)
    reader = actions.voter_key(None, "session-1")
    actions.vote(t, helpful=False, voter=reader, comment="Did not mention 2FA")
    actions.vote(t, helpful=True, voter=reader)
    actions.vote(
        t, helpful=True, voter=actions.voter_key(desk.acme_alice, ""), user=desk.acme_alice
    )
    assert Vote.objects.filter(translation=t).count() == 2
    assert Vote.objects.get(voter=reader).helpful is True
