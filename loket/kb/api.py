"""``/api/kb/articles`` and ``/api/kb/search``: the knowledge base over the API.

An "article" here is one language of an article (``id``); ``article`` is the subject all its
languages share, and ``translations`` maps each language to its id. Everybody reads published
public articles; agents also read drafts and internal articles, and only agents write.
Fetches go through ``loket.kb.access``, changes through ``loket.kb.actions``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from loket.accounts.models import User
from loket.api.auth import current_user
from loket.api.errors import ERRORS, ApiError
from loket.api.params import CursorText, id_page, reject_unknown_params
from loket.api.schemas import AgentRef, Id, NotBlank, SafeText, agent_ref
from loket.kb import actions
from loket.kb.access import get_translation_for, translations_visible_to
from loket.kb.filerefs import resolve_refs
from loket.kb.models import Category, SearchSource, Translation
from loket.kb.models import Status as ArticleStatus
from loket.kb.search import search_articles

router = Router(tags=["knowledge base"])

Language = Literal["nl", "en", "de", "fr", "ru"]
Format = Literal["markdown", "html"]
StatusName = Literal["draft", "published"]
VisibilityName = Literal["public", "internal"]
Title = Annotated[str, Field(min_length=1, max_length=200), SafeText, NotBlank]
ArticleBody = Annotated[str, Field(max_length=200_000), SafeText]
Keywords = Annotated[str, Field(max_length=300), SafeText]
Slug = Annotated[str, Field(max_length=120, pattern=r"^[\w-]*$"), SafeText]
CategorySlug = Annotated[str, Field(min_length=1, max_length=80), SafeText]
Note = Annotated[str, Field(max_length=200), SafeText]


class ArticleOut(Schema):
    id: int
    article: int = Field(description="The subject shared by all languages of this article.")
    language: str
    title: str
    slug: str
    keywords: str
    body_format: str
    body: str
    body_html: str = Field(description="Rendered and sanitised.")
    status: str
    visibility: str
    category: str | None
    owner: AgentRef | None
    review_due: date | None
    url: str | None = Field(description="In the help centre; only for published public ones.")
    translations: dict[str, int] = Field(description="Language → id, this one included.")
    version: int
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None


class ArticlePage(Schema):
    items: list[ArticleOut]
    next_cursor: str | None


class ArticleIn(Schema):
    language: Language
    title: Title
    body: ArticleBody = ""
    body_format: Format = "markdown"
    keywords: Keywords = ""
    slug: Slug = Field("", description="Empty: made from the title.")
    status: StatusName = "draft"
    visibility: VisibilityName = Field(
        "public", description="Shared by all languages; ignored with translation_of."
    )
    category: CategorySlug | None = None
    owner: Id | None = Field(None, description="An agent's id; default: you.")
    review_due: date | None = None
    translation_of: Id | None = Field(
        None, description="The id of an existing language of the same article."
    )
    note: Note = ""


class ArticlePatch(Schema):
    """Only the fields present change. Visibility, category, owner and review date are
    shared by every language of the article."""

    title: Title | None = None
    body: ArticleBody | None = None
    body_format: Format | None = None
    keywords: Keywords | None = None
    slug: Slug | None = None
    status: StatusName | None = None
    visibility: VisibilityName | None = None
    category: CategorySlug | None = None
    owner: Id | None = None
    review_due: date | None = None
    note: Note = ""


class ArticleFilters(Schema):
    language: Language | None = None
    status: StatusName | None = None
    visibility: VisibilityName | None = None
    category: CategorySlug | None = None
    cursor: CursorText | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 50


class SearchParams(Schema):
    q: Annotated[str, Field(min_length=1, max_length=200), SafeText]
    lang: Language = "en"
    limit: Annotated[int, Field(ge=1, le=50)] = 10


class SearchHit(Schema):
    id: int
    article: int
    language: str
    title: str
    url: str | None
    score: float
    title_html: str = Field(description="The title, escaped, with matches in <mark>.")
    snippet: str = Field(description="A passage, escaped, with matches in <mark>.")


class SearchOut(Schema):
    items: list[SearchHit]


def _url(t: Translation) -> str | None:
    if t.status != ArticleStatus.PUBLISHED or not t.article.is_public:
        return None
    return reverse("help:article", kwargs={"lang": t.language, "slug": t.slug})


def article_out(t: Translation, viewer: User) -> ArticleOut:
    a = t.article
    languages = translations_visible_to(viewer).filter(article=a).values_list("language", "pk")
    return ArticleOut(
        id=t.pk,
        article=a.pk,
        language=t.language,
        title=t.title,
        slug=t.slug,
        keywords=t.keywords,
        body_format=t.body_format,
        body=t.body,
        body_html=resolve_refs(t.body_html),
        status=t.status,
        visibility=a.visibility,
        category=a.category.slug if a.category else None,
        owner=agent_ref(a.owner) if viewer.is_agent else None,
        review_due=a.review_due if viewer.is_agent else None,
        url=_url(t),
        translations=dict(languages),
        version=t.version,
        created_at=t.created_at,
        updated_at=t.updated_at,
        published_at=t.published_at,
    )


def _require_agent(user: User) -> None:
    if not user.is_agent:
        raise ApiError(403, "forbidden", _("Only agents may edit the knowledge base."))


def _category(slug: str | None) -> Category | None:
    if slug is None:
        return None
    found = Category.objects.filter(slug=slug).first()
    if found is None:
        raise ApiError(422, "invalid", _("No such category."), field="category")
    return found


def _owner(pk: int | None) -> User | None:
    if pk is None:
        return None
    found = User.objects.filter(pk=pk, is_active=True).first()
    if found is None or not found.is_agent:
        raise ApiError(422, "invalid", _("The owner must be an active agent."), field="owner")
    return found


def _refused(exc: actions.KbError) -> ApiError:
    return ApiError(409, "refused", str(exc))


def _load(viewer: User, pk: int) -> Translation:
    t = get_translation_for(viewer, pk)
    return Translation.objects.select_related("article__category", "article__owner").get(pk=t.pk)


@router.get("/kb/articles", response={200: ArticlePage, **ERRORS})
def list_articles(request: HttpRequest, filters: Query[ArticleFilters]) -> ArticlePage:
    """Articles you may read, in id order, one page at a time (pass `next_cursor` on)."""
    reject_unknown_params(request, ArticleFilters.model_fields)
    user = current_user(request)
    qs = translations_visible_to(user).select_related("article__category", "article__owner")
    if filters.language:
        qs = qs.filter(language=filters.language)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.visibility:
        qs = qs.filter(article__visibility=filters.visibility)
    if filters.category:
        qs = qs.filter(article__category__slug=filters.category)
    rows, next_cursor = id_page(qs, filters.cursor, filters.limit)
    return ArticlePage(items=[article_out(t, user) for t in rows], next_cursor=next_cursor)


@router.post("/kb/articles", response={201: ArticleOut, **ERRORS})
def create_article(request: HttpRequest, payload: ArticleIn) -> Status[ArticleOut]:
    """A new article, or with `translation_of` a new language of an existing one."""
    user = current_user(request)
    _require_agent(user)
    base = None
    if payload.translation_of is not None:
        try:
            base = get_translation_for(user, payload.translation_of).article
        except Http404:
            raise ApiError(422, "invalid", _("No such article."), field="translation_of") from None
    try:
        t = actions.create_article(
            by=user,
            language=payload.language,
            title=payload.title,
            body=payload.body,
            body_format=payload.body_format,
            keywords=payload.keywords,
            slug=payload.slug,
            status=payload.status,
            visibility=payload.visibility,
            category=_category(payload.category),
            owner=_owner(payload.owner),
            review_due=payload.review_due,
            translation_of=base,
            note=payload.note,
        )
    except actions.KbError as exc:
        raise _refused(exc) from None
    return Status(201, article_out(_load(user, t.pk), user))


@router.get("/kb/articles/{id}", response={200: ArticleOut, **ERRORS})
def get_article(request: HttpRequest, id: Id) -> ArticleOut:
    user = current_user(request)
    return article_out(_load(user, id), user)


@router.patch("/kb/articles/{id}", response={200: ArticleOut, **ERRORS})
def update_article(request: HttpRequest, id: Id, payload: ArticlePatch) -> ArticleOut:
    user = current_user(request)
    t = get_translation_for(user, id)
    _require_agent(user)
    given = payload.model_fields_set
    for name in ("title", "body", "body_format", "keywords", "slug", "status", "visibility"):
        if name in given and getattr(payload, name) is None:
            raise ApiError(422, "invalid", _("This field may not be null."), field=name)
    text: actions.TranslationChanges = {}
    if payload.title is not None:
        text["title"] = payload.title
    if payload.body is not None:
        text["body"] = payload.body
    if payload.body_format is not None:
        text["body_format"] = payload.body_format
    if payload.keywords is not None:
        text["keywords"] = payload.keywords
    if payload.slug is not None:
        text["slug"] = payload.slug
    if payload.status is not None:
        text["status"] = payload.status
    shared: actions.ArticleChanges = {}
    if payload.visibility is not None:
        shared["visibility"] = payload.visibility
    if "category" in given:
        shared["category"] = _category(payload.category)
    if "owner" in given:
        shared["owner"] = _owner(payload.owner)
    if "review_due" in given:
        shared["review_due"] = payload.review_due
    try:
        actions.update_translation(t, text, by=user, note=payload.note)
        if shared:
            actions.update_article(t.article, shared, by=user)
    except actions.KbError as exc:
        raise _refused(exc) from None
    return article_out(_load(user, t.pk), user)


@router.get("/kb/search", response={200: SearchOut, **ERRORS})
def search(request: HttpRequest, params: Query[SearchParams]) -> SearchOut:
    """Articles in `lang` that answer `q`, best first, with highlighted snippets. Agents also
    find internal articles. Searches that find nothing are shown to editors."""
    reject_unknown_params(request, SearchParams.model_fields)
    user = current_user(request)
    hits = search_articles(
        params.q, language=params.lang, user=user, limit=params.limit, source=SearchSource.API
    )
    return SearchOut(
        items=[
            SearchHit(
                id=h.translation.pk,
                article=h.translation.article_id,
                language=h.translation.language,
                title=h.translation.title,
                url=_url(h.translation),
                score=round(h.score, 6),
                title_html=str(h.title_html),
                snippet=str(h.snippet),
            )
            for h in hits
        ]
    )
