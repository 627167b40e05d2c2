"""The knowledge base in the agent desk: list, editor, history, missing articles, canned
replies for the reply box, and suggestions on the ticket page. Thin views: fetch through
``loket.kb.access`` / ``loket.tickets.access``, change through the actions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from loket.accounts.decorators import agent_required, signed_in_agent
from loket.accounts.models import User
from loket.kb import actions, deflection, suggest
from loket.kb.access import get_macro_for, get_translation_for, macros_visible_to
from loket.kb.filerefs import resolve_refs
from loket.kb.forms import ArticleForm
from loket.kb.languages import KB_LANGUAGES, normalise_language
from loket.kb.macros import apply_macro, pick_text, render_macro
from loket.kb.markup import render as render_body
from loket.kb.models import (
    Article,
    FailedSearch,
    Revision,
    SearchSource,
    Status,
    Translation,
    Visibility,
)
from loket.kb.search import Results, search
from loket.lib.html import HtmlTooComplex
from loket.tickets.access import get_ticket_for
from loket.tickets.actions import ActionError


@require_GET
@agent_required
def index(request: HttpRequest) -> HttpResponse:
    user = signed_in_agent(request)
    lang = normalise_language(request.GET.get("lang") or user.language or "en")
    query = request.GET.get("q", "")[:200]
    found = Results([])
    if query.strip():
        found = search(
            query, language=lang, user=user, drafts=True, limit=30, source=SearchSource.DESK
        )
    items = (
        Translation.objects.filter(language=lang)
        .select_related("article", "article__owner")
        .order_by("-updated_at")
    )
    status = request.GET.get("status", "")
    if status in Status.values:
        items = items.filter(status=status)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    due = (
        Article.objects.filter(owner=user, review_due__lte=today + timedelta(days=14))
        .prefetch_related("translations")
        .order_by("review_due")[:20]
    )
    return render(
        request,
        "kb/desk/index.html",
        {
            "lang": lang,
            "languages": KB_LANGUAGES,
            "query": query,
            "hits": found.hits,
            "corrected": found.corrected,
            "page": page,
            "status": status,
            "statuses": Status.choices,
            "due": due,
            "missing_count": FailedSearch.objects.filter(dismissed_at__isnull=True).count(),
        },
    )


def _form_initial(t: Translation | None, article: Article | None, lang: str) -> dict[str, Any]:
    if t is None:
        return {
            "language": lang,
            "body_format": "markdown",
            "status": Status.DRAFT,
            "visibility": article.visibility if article else Visibility.PUBLIC,
            "category": article.category if article else None,
            "owner": article.owner if article else None,
            "review_due": article.review_due if article else None,
        }
    a = t.article
    return {
        "language": t.language,
        "title": t.title,
        "slug": t.slug,
        "keywords": t.keywords,
        "body_format": t.body_format,
        "body": t.body,
        "status": t.status,
        "visibility": a.visibility,
        "category": a.category,
        "owner": a.owner,
        "review_due": a.review_due,
        "related": list(a.related.all()),
    }


@agent_required
def new(request: HttpRequest) -> HttpResponse:
    """A new article, or with ``?translation_of=<article id>`` a new language of one."""
    user = signed_in_agent(request)
    base: Article | None = None
    if request.GET.get("translation_of", "").isdigit():
        base = get_object_or_404(Article, pk=int(request.GET["translation_of"]))
    lang = normalise_language(request.GET.get("lang") or user.language)
    form = ArticleForm(request.POST or None, initial=_form_initial(None, base, lang))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            t = actions.create_article(
                by=user,
                language=data["language"],
                title=data["title"],
                body=data["body"],
                body_format=data["body_format"],
                keywords=data["keywords"],
                slug=data["slug"],
                status=data["status"],
                visibility=data["visibility"],
                category=data["category"],
                owner=data["owner"],
                review_due=data["review_due"],
                translation_of=base,
                note=data["note"],
            )
            if base is None:
                actions.set_related(t.article, data["related"], by=user)
            else:
                actions.update_article(t.article, _article_changes(data), by=user)
        except actions.KbError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The article was saved."))
            return redirect("kb:article", pk=t.pk)
    return render(request, "kb/desk/edit.html", {"form": form, "base": base, "translation": None})


def _article_changes(data: dict[str, Any]) -> actions.ArticleChanges:
    return {
        "visibility": data["visibility"],
        "category": data["category"],
        "owner": data["owner"],
        "review_due": data["review_due"],
        "related": list(data["related"]),
    }


@agent_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    t = get_translation_for(user, pk, write=True)
    form = ArticleForm(
        request.POST or None, initial=_form_initial(t, t.article, t.language), fixed_language=True
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.update_translation(
                t,
                {
                    "title": data["title"],
                    "body": data["body"],
                    "body_format": data["body_format"],
                    "keywords": data["keywords"],
                    "slug": data["slug"] or t.slug,
                    "status": data["status"],
                },
                by=user,
                note=data["note"],
            )
            actions.update_article(t.article, _article_changes(data), by=user)
        except actions.KbError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The article was saved."))
            return redirect("kb:article", pk=t.pk)
    return render(
        request,
        "kb/desk/edit.html",
        {"form": form, "base": t.article, "translation": t, "files": t.article.files.all()},
    )


@require_GET
@agent_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    t = get_translation_for(user, pk)
    votes = t.votes.aggregate(
        up=Count("id", filter=Q(helpful=True)), down=Count("id", filter=Q(helpful=False))
    )
    existing = {o.language: o for o in t.article.translations.all()}
    missing_languages = [(c, n) for c, n in KB_LANGUAGES if c not in existing]
    return render(
        request,
        "kb/desk/article.html",
        {
            "t": t,
            "article": t.article,
            "others": [o for o in existing.values() if o.pk != t.pk],
            "missing_languages": missing_languages,
            "revisions": t.revisions.select_related("author")[:50],
            "votes": votes,
            "comments": t.votes.exclude(comment="")[:50],
            "files": t.article.files.all(),
            "related": Translation.objects.filter(
                article__in=t.article.related.all(), language=t.language
            ),
        },
    )


@require_POST
@agent_required
def restore(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    revision = get_object_or_404(Revision.objects.select_related("translation"), pk=pk)
    get_translation_for(user, revision.translation_id, write=True)
    actions.restore_revision(revision, by=user)
    messages.success(request, _("Version %(n)s was restored.") % {"n": revision.number})
    return redirect("kb:article", pk=revision.translation_id)


@require_POST
@agent_required
def preview(request: HttpRequest) -> HttpResponse:
    """The editor's live preview (htmx): the body rendered and sanitised as it will be shown."""
    try:
        html, _text = render_body(request.POST.get("body", ""), request.POST.get("body_format", ""))
    except HtmlTooComplex as exc:  # said when saving too; the preview says it first
        return render(request, "kb/desk/preview.html", {"html": format_html("<p>{}</p>", exc)})
    safe = mark_safe(resolve_refs(html))  # nh3 output (sanitise_html)
    return render(request, "kb/desk/preview.html", {"html": safe})


@require_GET
@agent_required
def missing(request: HttpRequest) -> HttpResponse:
    """Searches that found nothing, most frequent first, and the deflection figures."""
    rows = FailedSearch.objects.filter(dismissed_at__isnull=True)
    lang = request.GET.get("lang", "")
    if lang:
        rows = rows.filter(language=lang)
    page = Paginator(rows.order_by("-count", "-last_at"), 50).get_page(request.GET.get("page"))
    since = timezone.now() - timedelta(days=30)
    return render(
        request,
        "kb/desk/missing.html",
        {"page": page, "lang": lang, "languages": KB_LANGUAGES, "stats": deflection.stats(since)},
    )


@require_POST
@agent_required
def dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    actions.dismiss_missing(get_object_or_404(FailedSearch, pk=pk), by=signed_in_agent(request))
    return redirect(reverse("kb:missing"))


# --- canned replies in the reply box -------------------------------------------------------


def _ticket_param(request: HttpRequest, user: User) -> Any:
    raw = request.GET.get("ticket") or request.POST.get("ticket") or ""
    return get_ticket_for(user, raw)


@require_GET
@agent_required
def macro_list(request: HttpRequest) -> JsonResponse:
    """Macros whose title or shortcut contains what follows the "/" (JSON for the picker)."""
    user = signed_in_agent(request)
    q = request.GET.get("q", "")[:40].strip()
    rows = macros_visible_to(user)
    if q:
        rows = rows.filter(Q(shortcut__icontains=q) | Q(title__icontains=q))
    items = [
        {"id": m.pk, "title": m.title, "shortcut": m.shortcut, "state": m.set_state}
        for m in rows.order_by("shortcut")[:10]
    ]
    return JsonResponse({"items": items})


@require_GET
@agent_required
def macro_render(request: HttpRequest, pk: int) -> JsonResponse:
    """The macro's text for this ticket's customer, variables filled in (plain text)."""
    user = signed_in_agent(request)
    macro = get_macro_for(user, pk)
    ticket = _ticket_param(request, user)
    text = pick_text(macro, ticket)
    return JsonResponse(
        {
            "body": render_macro(macro, ticket, user),
            "language": text.language if text else "",
            "formality": text.formality if text else "",
            "state": macro.set_state,
            "has_changes": bool(macro.set_priority is not None or macro.tag_list),
        }
    )


@require_POST
@agent_required
def macro_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Applies the macro's priority and tags (and state, unless ``state=0``) to the ticket."""
    user = signed_in_agent(request)
    macro = get_macro_for(user, pk)
    ticket = get_ticket_for(user, request.POST.get("ticket", ""), write=True)
    try:
        apply_macro(macro, ticket, by=user, state=request.POST.get("state", "1") != "0")
    except (ActionError, PermissionDenied) as exc:
        if request.headers.get("HX-Request"):
            return HttpResponse(str(exc), status=409)
        messages.error(request, str(exc))
    else:
        if request.headers.get("HX-Request"):
            return HttpResponse(_("Applied."))
        messages.success(request, _("The canned reply's changes were applied."))
    return redirect("desk:ticket", pk=ticket.pk)


# --- suggestions on the ticket page --------------------------------------------------------


@require_GET
@agent_required
def suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk)
    found = suggest.suggestions(ticket, user)
    return render(
        request,
        "kb/agent_suggestions_results.html",
        {"ticket": ticket, "articles": found.articles, "solved": found.solved},
    )
