"""The public help centre: browse, search and read published public articles per language.

Clean URLs (``/help/nl/je-wachtwoord-opnieuw-instellen/``), a sitemap with the other languages
of each article, and the desk's branding through a generated stylesheet (the CSP allows no
inline styles).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from loket.accounts.models import User
from loket.kb import actions, deflection
from loket.kb import search as kb_search
from loket.kb.access import public_translations
from loket.kb.filerefs import referenced_ids
from loket.kb.forms import VoteForm
from loket.kb.languages import KB_LANGUAGES, LANGUAGE_CODES, normalise_language
from loket.kb.models import Branding, Category, SearchSource, Translation
from loket.kb.search import Mode, search_articles
from loket.lib.clientip import client_ip
from loket.lib.files import SAFE_INLINE_SIGNATURES, sniff_type
from loket.lib.ratelimit import hit
from loket.tickets.downloads import safe_file_response

View = Callable[..., HttpResponse]
SUGGEST_RATE = "120/m"
LANGUAGE_NAMES = dict(KB_LANGUAGES)


def branding() -> Branding:
    return Branding.objects.first() or Branding(name=settings.SITE_NAME)


def help_language(view: View) -> View:
    """Pages under ``/help/<lang>/``: unknown languages are 404, known ones are the page's
    language (the interface follows the URL, not the browser)."""

    @wraps(view)
    def wrapper(request: HttpRequest, lang: str, *args: Any, **kwargs: Any) -> HttpResponse:
        if lang not in LANGUAGE_CODES:
            raise Http404
        with translation.override(lang):
            request.LANGUAGE_CODE = lang
            response = view(request, lang, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            response.headers.setdefault("Content-Language", lang)
            return response

    return wrapper


def _context(request: HttpRequest, lang: str, **extra: Any) -> dict[str, Any]:
    brand = branding()
    languages = [
        (code, LANGUAGE_NAMES[code])
        for code in public_translations().order_by().values_list("language", flat=True).distinct()
    ]
    order = [code for code, _name in KB_LANGUAGES]
    languages.sort(key=lambda item: order.index(item[0]))
    return {
        "lang": lang,
        "brand": brand,
        "brand_name": brand.name or settings.SITE_NAME,
        "help_languages": languages,
        "query": "",
        **extra,
    }


@require_GET
def root(request: HttpRequest) -> HttpResponseRedirect:
    """``/help/`` → the help centre in the visitor's language, if it has articles in it."""
    wanted = normalise_language(translation.get_language())
    available = set(public_translations().order_by().values_list("language", flat=True).distinct())
    if wanted not in available and available:
        wanted = "en" if "en" in available else sorted(available)[0]
    return redirect("help:home", lang=wanted)


def _articles(lang: str) -> Any:
    return public_translations().filter(language=lang).select_related("article")


@require_GET
@help_language
def home(request: HttpRequest, lang: str) -> HttpResponse:
    articles = list(_articles(lang).order_by("article__position", "title"))
    categories = list(Category.objects.prefetch_related("names").filter(parent__isnull=True))
    grouped = []
    for category in categories:
        items = [t for t in articles if t.article.category_id == category.pk]
        if items:
            grouped.append((category, category.name_in(lang), items))
    loose = [t for t in articles if t.article.category_id is None]
    return render(
        request,
        "kb/help/home.html",
        _context(request, lang, grouped=grouped, loose=loose),
    )


@require_GET
@help_language
def category(request: HttpRequest, lang: str, slug: str) -> HttpResponse:
    cat = get_object_or_404(Category.objects.prefetch_related("names"), slug=slug)
    items = _articles(lang).filter(article__category=cat).order_by("article__position", "title")
    if not items.exists():
        raise Http404
    return render(
        request,
        "kb/help/category.html",
        _context(request, lang, category=cat, category_name=cat.name_in(lang), items=items),
    )


def _voter(request: HttpRequest) -> tuple[str, User | None]:
    user = request.user if isinstance(request.user, User) else None
    if user is None and not request.session.session_key:
        request.session.save()
    return actions.voter_key(user, request.session.session_key or ""), user


@require_GET
@help_language
def article(request: HttpRequest, lang: str, slug: str) -> HttpResponse:
    t = (
        _articles(lang)
        .prefetch_related(
            Prefetch("article__translations", queryset=public_translations().order_by("language"))
        )
        .filter(slug=slug)
        .first()
    )
    if t is None:
        raise Http404
    if "d" in request.GET:
        deflection.record_opened(request.GET.get("d"), t)
    related = list(
        _articles(lang).filter(article__in=t.article.related.all()).order_by("title")[:10]
    )
    others = [o for o in t.article.translations.all() if o.pk != t.pk]
    shown = referenced_ids(t.body_html)
    files = [f for f in t.article.files.all() if f.pk not in shown]
    return render(
        request,
        "kb/help/article.html",
        _context(
            request,
            lang,
            article=t,
            related=related,
            others=[(o, LANGUAGE_NAMES[o.language]) for o in others],
            category_name=t.article.category.name_in(lang) if t.article.category else "",
            vote_form=VoteForm(),
            voted=request.GET.get("voted") == "1",
            files=files,
        ),
    )


@require_POST
@help_language
def vote(request: HttpRequest, lang: str, slug: str) -> HttpResponse:
    t = _articles(lang).filter(slug=slug).first()
    if t is None:
        raise Http404
    form = VoteForm(request.POST)
    client = client_ip(request)
    if form.is_valid() and hit("kb-vote", client, "30/h"):
        voter, user = _voter(request)
        actions.vote(
            t,
            helpful=form.cleaned_data["helpful"],
            comment=form.cleaned_data["comment"],
            voter=voter,
            user=user,
        )
    url = reverse("help:article", kwargs={"lang": lang, "slug": slug})
    return redirect(f"{url}?voted=1#feedback")


@require_GET
@help_language
def search(request: HttpRequest, lang: str) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    found = kb_search.Results([])
    if query.strip():
        found = kb_search.search(query, language=lang, limit=30, source=SearchSource.HELP_CENTRE)
    page = Paginator(found.hits, 10).get_page(request.GET.get("page"))
    return render(
        request,
        "kb/help/search.html",
        _context(
            request,
            lang,
            query=query,
            page=page,
            searched=bool(query.strip()),
            corrected=found.corrected,
        ),
    )


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """The htmx part beside a ticket form: the three best articles for what is typed so far.

    Reads ``subject`` and ``body`` (the form's own fields) and ``kb_deflection`` (its signed
    key); the language is the form's ``lang`` or the page's.
    """
    lang = normalise_language(request.GET.get("lang") or translation.get_language())
    text = f"{request.GET.get('subject', '')[:250]} {request.GET.get('body', '')[:2000]}"
    client = client_ip(request)
    hits = []
    if len(text.strip()) >= 3 and hit("kb-suggest", client, SUGGEST_RATE):
        hits = search_articles(text, language=lang, mode=Mode.ANY, prefix=True, limit=3)
    token = request.GET.get("kb_deflection", "")
    source = request.GET.get("source", "portal")[:12]
    deflection.record_shown(token, [h.translation.pk for h in hits], language=lang, source=source)
    with translation.override(lang):
        return render(
            request,
            "kb/deflection_results.html",
            {"hits": hits, "token": token if deflection.key_of(token) else "", "lang": lang},
        )


@require_GET
@cache_control(max_age=300)
def brand_css(request: HttpRequest) -> HttpResponse:
    """The branding colours as CSS custom properties (validated ``#rrggbb`` values only)."""
    brand = branding()
    colours = []
    for name, value in (("--brand", brand.primary_colour), ("--brand-head", brand.header_colour)):
        if value and len(value) == 7 and value.startswith("#") and value[1:].isalnum():
            colours.append(f"{name}:{value.lower()};")
    css = ":root{" + "".join(colours) + "}\n"
    return HttpResponse(css, content_type="text/css; charset=utf-8")


@require_GET
@cache_control(max_age=300)
def brand_logo(request: HttpRequest) -> FileResponse:
    brand = Branding.objects.first()
    if brand is None or not brand.logo:
        raise Http404
    handle = brand.logo.open("rb")
    kind = sniff_type(handle.read(16))
    handle.seek(0)
    if kind not in SAFE_INLINE_SIGNATURES:
        handle.close()
        raise Http404
    response = safe_file_response(handle, "logo", kind)
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def sitemap(request: HttpRequest) -> HttpResponse:
    """Every published public article, with its other languages as alternates."""
    base = settings.BASE_URL.rstrip("/")
    items = list(
        public_translations()
        .select_related("article")
        .only("id", "language", "slug", "updated_at", "article_id")
        .order_by("article_id", "language")[:50_000]
    )
    by_article: dict[int, list[Translation]] = {}
    for t in items:
        by_article.setdefault(t.article_id, []).append(t)
    entries: list[dict[str, Any]] = []
    for code in sorted({t.language for t in items}):
        home_url = base + reverse("help:home", kwargs={"lang": code})
        entries.append({"loc": home_url, "lastmod": None, "alternates": []})
    for t in items:
        entries.append(
            {
                "loc": base + reverse("help:article", kwargs={"lang": t.language, "slug": t.slug}),
                "lastmod": t.updated_at,
                "alternates": [
                    (
                        o.language,
                        base + reverse("help:article", kwargs={"lang": o.language, "slug": o.slug}),
                    )
                    for o in by_article[t.article_id]
                ]
                if len(by_article[t.article_id]) > 1
                else [],
            }
        )
    return render(
        request,
        "kb/help/sitemap.xml",
        {"entries": entries},
        content_type="application/xml; charset=utf-8",
    )
