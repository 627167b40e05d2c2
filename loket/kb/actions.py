"""Every change to the knowledge base goes through here.

Saving a translation renders and sanitises its body, fills the analysed search columns and
writes a revision, all in one transaction: the database's index (FTS5 triggers on SQLite, a
generated ``tsvector`` column on PostgreSQL) changes with the row or not at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from typing import TypedDict

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from loket.accounts.models import User
from loket.kb import collection, semantic, vectors
from loket.kb.languages import LANGUAGE_CODES, index_text, normalise_language
from loket.kb.markup import render
from loket.kb.models import (
    Article,
    ArticleFile,
    BodyFormat,
    Category,
    CategoryName,
    FailedSearch,
    Revision,
    SearchSource,
    Status,
    Translation,
    Visibility,
    Vote,
)
from loket.lib.files import check_size, display_name, sniff_type
from loket.lib.html import HtmlTooComplex
from loket.lib.overload import best_effort


class KbError(ValueError):
    """A knowledge-base change that cannot be made, with a reason to show the person."""


def _require_agent(by: User | None) -> User:
    if by is None or not by.is_active or not by.is_agent:
        raise PermissionDenied(_("Only agents may edit the knowledge base."))
    return by


def _check_language(language: str) -> str:
    if language not in LANGUAGE_CODES:
        raise KbError(_("Unknown language: %(lang)s") % {"lang": language[:10]})
    return language


RESERVED_SLUGS = frozenset({"search", "suggest", "c", "brand", "logo"})


def _unique_slug(language: str, wanted: str, exclude: int | None) -> str:
    base = slugify(wanted, allow_unicode=True)[:100] or "article"
    if base in RESERVED_SLUGS:
        base = f"{base}-article"
    taken = Translation.objects.filter(language=language, slug__startswith=base)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    used = set(taken.values_list("slug", flat=True))
    if base not in used:
        return base
    n = 2
    while f"{base}-{n}" in used:
        n += 1
    return f"{base}-{n}"


def fill_derived(t: Translation) -> None:
    """Rendered HTML, plain text and search terms, from title, keywords and body."""
    try:
        t.body_html, t.body_text = render(t.body, t.body_format)
    except HtmlTooComplex as exc:
        raise KbError(str(exc)) from exc
    t.search_title = index_text(f"{t.title} {t.keywords}", t.language)
    t.search_body = index_text(t.body_text, t.language)


def _revise(t: Translation, by: User | None, note: str) -> None:
    t.version += 1
    t.updated_at = timezone.now()
    t.updated_by = by
    fill_derived(t)
    t.save()
    _vocabulary_changed()
    if semantic.enabled():
        vectors.schedule(t.pk)  # same transaction: the task exists if the version does
    Revision.objects.create(
        translation=t,
        number=t.version,
        title=t.title,
        keywords=t.keywords,
        body_format=t.body_format,
        body=t.body,
        status=t.status,
        author=by,
        note=note[:200],
    )


def _vocabulary_changed() -> None:
    """The words readers can find may have changed: this process rereads them now and after
    the commit (other processes notice by the table's fingerprint, ``kb.collection``)."""
    collection.forget()
    transaction.on_commit(collection.forget)


def _clean_title(title: str) -> str:
    title = " ".join(title.split())[:200]
    if not title:
        raise KbError(_("A title is required."))
    return title


def _check_format(body_format: str) -> str:
    if body_format not in BodyFormat.values:
        raise KbError(_("Unknown format: %(format)s") % {"format": body_format[:20]})
    return body_format


def _check_status(status: str) -> str:
    if status not in Status.values:
        raise KbError(_("Unknown status: %(status)s") % {"status": status[:20]})
    return status


def _check_owner(owner: User | None) -> User | None:
    if owner is not None and not (owner.is_agent and owner.is_active):
        raise KbError(_("The owner must be an active agent."))
    return owner


@transaction.atomic
def create_article(
    *,
    by: User,
    language: str,
    title: str,
    body: str = "",
    body_format: str = BodyFormat.MARKDOWN,
    keywords: str = "",
    slug: str = "",
    status: str = Status.DRAFT,
    visibility: str = Visibility.PUBLIC,
    category: Category | None = None,
    owner: User | None = None,
    review_due: date | None = None,
    translation_of: Article | None = None,
    note: str = "",
) -> Translation:
    """A new article, or (with ``translation_of``) a new language of an existing one."""
    _require_agent(by)
    language = _check_language(language)
    if translation_of is None:
        if visibility not in Visibility.values:
            raise KbError(_("Unknown visibility: %(v)s") % {"v": visibility[:20]})
        article = Article.objects.create(
            category=category,
            visibility=visibility,
            owner=_check_owner(owner) or by,
            review_due=review_due,
        )
    else:
        article = Article.objects.select_for_update().get(pk=translation_of.pk)
        if article.translations.filter(language=language).exists():
            raise KbError(_("This article already has a text in that language."))
    title = _clean_title(title)
    t = Translation(
        article=article,
        language=language,
        title=title,
        slug=_unique_slug(language, slug or title, None),
        keywords=" ".join(keywords.split())[:300],
        body_format=_check_format(body_format),
        body=body,
        status=_check_status(status),
        published_at=timezone.now() if status == Status.PUBLISHED else None,
    )
    try:
        with transaction.atomic():
            _revise(t, by, note or _("Created"))
    except IntegrityError:
        raise KbError(_("This slug is taken; choose another.")) from None
    return t


class TranslationChanges(TypedDict, total=False):
    title: str
    body: str
    body_format: str
    keywords: str
    slug: str
    status: str


@transaction.atomic
def update_translation(
    translation: Translation, changes: TranslationChanges, *, by: User, note: str = ""
) -> Translation:
    """Changes the text of one language; every change that alters it is a new revision."""
    _require_agent(by)
    t = Translation.objects.select_for_update().get(pk=translation.pk)
    before = (t.title, t.body, t.body_format, t.keywords, t.slug, t.status)
    if "title" in changes:
        t.title = _clean_title(changes["title"])
    if "body" in changes:
        t.body = changes["body"]
    if "body_format" in changes:
        t.body_format = _check_format(changes["body_format"])
    if "keywords" in changes:
        t.keywords = " ".join(changes["keywords"].split())[:300]
    if "slug" in changes and changes["slug"] != t.slug:
        t.slug = _unique_slug(t.language, changes["slug"] or t.title, t.pk)
    if "status" in changes:
        status = _check_status(changes["status"])
        if status == Status.PUBLISHED and t.status != Status.PUBLISHED:
            t.published_at = timezone.now()
        t.status = status
    if (t.title, t.body, t.body_format, t.keywords, t.slug, t.status) != before:
        _revise(t, by, note)
    return t


class ArticleChanges(TypedDict, total=False):
    visibility: str
    category: Category | None
    owner: User | None
    review_due: date | None
    related: list[Article]


@transaction.atomic
def update_article(article: Article, changes: ArticleChanges, *, by: User) -> Article:
    """Settings shared by every language of an article."""
    _require_agent(by)
    a = Article.objects.select_for_update().get(pk=article.pk)
    fields: list[str] = []
    if "visibility" in changes:
        if changes["visibility"] not in Visibility.values:
            raise KbError(_("Unknown visibility: %(v)s") % {"v": changes["visibility"][:20]})
        a.visibility = changes["visibility"]
        fields.append("visibility")
    if "category" in changes:
        a.category = changes["category"]
        fields.append("category")
    if "owner" in changes:
        a.owner = _check_owner(changes["owner"])
        fields.append("owner")
    if "review_due" in changes:
        a.review_due = changes["review_due"]
        a.review_reminded_at = None
        fields += ["review_due", "review_reminded_at"]
    if fields:
        a.save(update_fields=fields)
        _vocabulary_changed()
    if "related" in changes:
        set_related(a, changes["related"], by=by)
    return a


@transaction.atomic
def set_related(article: Article, others: Iterable[Article], *, by: User) -> None:
    _require_agent(by)
    wanted = [o for o in others if o.pk != article.pk]
    article.related.set(wanted)


@transaction.atomic
def restore_revision(revision: Revision, *, by: User) -> Translation:
    """Brings back an earlier text as a new revision (history is never rewritten)."""
    changes: TranslationChanges = {
        "title": revision.title,
        "body": revision.body,
        "body_format": revision.body_format,
        "keywords": revision.keywords,
    }
    note = _("Restored version %(n)s") % {"n": revision.number}
    return update_translation(revision.translation, changes, by=by, note=note)


def voter_key(user: User | None, session_key: str) -> str:
    raw = f"user:{user.pk}" if user is not None else f"session:{session_key}"
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def vote(
    translation: Translation,
    *,
    helpful: bool,
    voter: str,
    user: User | None = None,
    comment: str = "",
) -> Vote:
    """Records (or changes) one reader's "was this helpful?" answer."""
    if not voter:
        raise KbError(_("A vote needs a reader."))
    row, _created = Vote.objects.update_or_create(
        translation=translation,
        voter=voter,
        defaults={
            "helpful": helpful,
            "comment": comment.strip()[:2000],
            "user": user,
            "created_at": timezone.now(),
        },
    )
    return row


def normalise_query(text: str) -> str:
    return " ".join(text.lower().split())[:200]


def record_failed_search(text: str, language: str, source: SearchSource) -> None:
    """Counts a search that found nothing, for editors' "missing articles" list.

    Bookkeeping of a page that only reads: dropped rather than waited for when the database
    is busy (``loket.lib.overload.best_effort``), so a search never needs the write lock."""
    query = normalise_query(text)
    if len(query) < 2:
        return
    language = normalise_language(language)
    best_effort(lambda: _count_failed_search(query, language, source), what="a failed search")


def _count_failed_search(query: str, language: str, source: SearchSource) -> None:
    now = timezone.now()
    updated = FailedSearch.objects.filter(query=query, language=language).update(
        count=F("count") + 1, last_at=now, dismissed_at=None
    )
    if updated:
        return
    try:
        with transaction.atomic():
            FailedSearch.objects.create(
                query=query, language=language, source=source, first_at=now, last_at=now
            )
    except IntegrityError:  # created by a concurrent search a moment ago
        FailedSearch.objects.filter(query=query, language=language).update(
            count=F("count") + 1, last_at=now
        )


@transaction.atomic
def dismiss_missing(failed: FailedSearch, *, by: User) -> None:
    """An editor has handled this search (wrote an article, or it needs none)."""
    _require_agent(by)
    FailedSearch.objects.filter(pk=failed.pk).update(dismissed_at=timezone.now())


MAX_FILES_PER_ARTICLE = 50


@transaction.atomic
def add_file(article: Article, *, name: str, data: bytes, by: User) -> ArticleFile:
    """Stores an upload for an article under a generated name. Its type is taken from the
    bytes: only PNG, JPEG, GIF and WebP are ever shown inline; anything else (SVG and HTML
    included) is only offered as a download (``loket.tickets.downloads.safe_file_response``).
    Raises ``AttachmentRejected`` for a file over the size limit."""
    _require_agent(by)
    check_size(len(data))
    locked = Article.objects.select_for_update().get(pk=article.pk)
    if locked.files.count() >= MAX_FILES_PER_ARTICLE:
        raise KbError(_("An article can have at most %(n)s files.") % {"n": MAX_FILES_PER_ARTICLE})
    item = ArticleFile(
        article=locked,
        filename=display_name(name),
        content_type=sniff_type(data[:16]),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=by,
    )
    item.file.save("upload", ContentFile(data), save=False)
    stored = item.file.name or ""
    try:
        item.save()
    except Exception:
        item.file.storage.delete(stored)
        raise
    return item


@transaction.atomic
def remove_file(item: ArticleFile, *, by: User) -> None:
    """Deletes the row now and the stored file once that is committed."""
    _require_agent(by)
    storage, name = item.file.storage, item.file.name or ""
    ArticleFile.objects.filter(pk=item.pk).delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def _require_manager(by: User) -> None:
    if not by.is_active or not by.is_manager:
        raise PermissionDenied(_("Only managers change the knowledge base's categories."))


@transaction.atomic
def set_category_names(category: Category, names: dict[str, tuple[str, str]], *, by: User) -> None:
    """The category's name and description per language; languages left out lose theirs."""
    _require_manager(by)
    for code in names:
        _check_language(code)
    if not names:
        raise KbError(_("A category needs a name in at least one language."))
    category.names.exclude(language__in=list(names)).delete()
    for code, (name, description) in names.items():
        CategoryName.objects.update_or_create(
            category=category, language=code, defaults={"name": name, "description": description}
        )


@transaction.atomic
def move_category(category: Category, step: int, *, by: User) -> tuple[int, int]:
    """Moves the category ``step`` places among its siblings (-1: up, 1: down), numbering
    the siblings 10, 20, 30…; returns its position before and after."""
    _require_manager(by)
    siblings = list(
        Category.objects.select_for_update()
        .filter(parent_id=category.parent_id)
        .order_by("position", "slug")
    )
    at = next(i for i, c in enumerate(siblings) if c.pk == category.pk)
    before = siblings[at].position
    to = min(max(at + step, 0), len(siblings) - 1)
    siblings.insert(to, siblings.pop(at))
    for i, sibling in enumerate(siblings):
        wanted = (i + 1) * 10
        if sibling.position != wanted:
            Category.objects.filter(pk=sibling.pk).update(position=wanted)
    category.position = (to + 1) * 10
    return before, category.position
