"""The one access check for knowledge-base objects.

Agents see every article (drafts and internal ones too) and every canned reply; everybody
else sees published public articles only. Anything not visible is simply not found (404).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from loket.accounts.models import User
from loket.kb.models import ArticleFile, Macro, Status, Translation, Visibility


def is_agent(user: User | AnonymousUser | None) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and getattr(user, "is_agent", False)
    )


def public_translations() -> QuerySet[Translation]:
    """What the help centre, deflection and customers may read."""
    return Translation.objects.filter(
        status=Status.PUBLISHED, article__visibility=Visibility.PUBLIC
    )


def translations_visible_to(user: User | AnonymousUser | None) -> QuerySet[Translation]:
    if is_agent(user):
        return Translation.objects.all()
    return public_translations()


def _key(pk: int | str) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise Http404 from None


def get_translation_for(
    user: User | AnonymousUser | None, pk: int | str, *, write: bool = False
) -> Translation:
    """A translation by id; with ``write`` (editing) for agents only."""
    key = _key(pk)
    if write and not is_agent(user):
        raise Http404
    found = translations_visible_to(user).select_related("article").filter(pk=key).first()
    if found is None:
        raise Http404
    return found


def files_visible_to(user: User | AnonymousUser | None) -> QuerySet[ArticleFile]:
    """An article's files are as visible as the article: to agents always, to everybody else
    only while the article is public and published in at least one language."""
    if is_agent(user):
        return ArticleFile.objects.all()
    readable = public_translations().values("article_id")
    return ArticleFile.objects.filter(article_id__in=readable)


def get_file_for(user: User | AnonymousUser | None, pk: int | str) -> ArticleFile:
    found = files_visible_to(user).select_related("article").filter(pk=_key(pk)).first()
    if found is None:
        raise Http404
    return found


def macros_visible_to(user: User | AnonymousUser | None) -> QuerySet[Macro]:
    if not is_agent(user):
        return Macro.objects.none()
    return Macro.objects.filter(is_active=True)


def get_macro_for(user: User | AnonymousUser | None, pk: int | str) -> Macro:
    found = macros_visible_to(user).filter(pk=_key(pk)).first()
    if found is None:
        raise Http404
    return found
