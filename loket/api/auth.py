"""Who is calling: a personal API token (``Authorization: Bearer lk_...``) or the browser session.

Token callers need no CSRF token (browsers never send the header on their own); session
callers do, for every unsafe method. A request that carries an ``Authorization`` header is
judged by that header alone, so a bad token is a 401 even in a signed-in browser.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from loket.accounts.models import ApiToken, User
from loket.api.errors import ApiError

TOKEN_PREFIX = "lk_"  # noqa: S105 - a prefix, not a secret
MAX_TOKEN_LENGTH = 200
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _use_language(request: HttpRequest, user: User) -> None:
    if user.language and user.language in {code for code, _name in settings.LANGUAGES}:
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language


def touch(token: ApiToken) -> None:
    """Records use at most once a minute: one conditional UPDATE, no write on most calls."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        token = token.strip()
        if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
            return None
        found = ApiToken.lookup(token)
        if found is None:
            return None
        touch(found)
        user = found.user
        request.user = user
        _use_language(request, user)
        return user


class SessionAuth(APIKeyCookie):
    """Django's session, with Django's CSRF check on unsafe methods for signed-in callers.

    Anonymous callers get a plain 401 (not a CSRF 403), so we check CSRF ourselves.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        if "Authorization" in request.headers:
            return None
        user = request.user
        if not user.is_authenticated or not isinstance(user, User) or not user.is_active:
            return None
        # The CSRF check reads form data, which would consume the body of a multipart request
        # before the API parses it; reading the body first keeps it available to both.
        request.body  # noqa: B018
        if check_csrf(request) is not None:
            raise ApiError(403, "csrf_failed", _("CSRF check failed: send the X-CSRFToken header."))
        return user


def current_user(request: HttpRequest) -> User:
    """The caller that authentication found; every operation requires one."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        raise ApiError(401, "unauthorized", _("Authentication required."))
    return user
