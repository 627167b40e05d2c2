"""Who is calling: a personal API token (``Authorization: Bearer lk_...``) or the browser session.

A token may carry an expiry (then 401 ``token_expired``) and may be read-only (then every
method but GET, HEAD and OPTIONS is 403 ``read_only_token``). Invalid tokens are counted per
client address (``loket.lib.clientip``): more than ``BAD_TOKEN_RATE`` gets 429.

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
from loket.lib.clientip import client_ip
from loket.lib.ratelimit import hit

TOKEN_PREFIX = "lk_"  # noqa: S105 - a prefix, not a secret
MAX_TOKEN_LENGTH = 200
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BAD_TOKEN_RATE = "30/m"  # noqa: S105 - invalid tokens per client address, not a secret
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


def _refused(request: HttpRequest) -> None:
    """Counts a token that did not work; too many from one address in a minute get 429.

    Tokens carry 256 random bits, so this is not what keeps them safe: it keeps one client
    from hammering the lookup (and the log) with made-up tokens."""
    if not hit("api-bad-token", client_ip(request), BAD_TOKEN_RATE):
        raise ApiError(429, "throttled", _("Too many calls with an invalid token. Wait a minute."))


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        token = token.strip()
        if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
            _refused(request)
            return None
        found = ApiToken.find(token)
        if found is None or not found.user.is_active:
            _refused(request)
            return None
        if found.is_expired:
            assert found.expires_at is not None
            raise ApiError(
                401,
                "token_expired",
                _("This token expired on %(date)s; create a new one on your profile page.")
                % {"date": found.expires_at.date().isoformat()},
            )
        if found.read_only and request.method not in SAFE_METHODS:
            raise ApiError(
                403,
                "read_only_token",
                _("This token is read-only: it may only read (GET, HEAD, OPTIONS)."),
            )
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


def current_agent(request: HttpRequest) -> User:
    """The caller, who must be staff; customers get 403."""
    user = current_user(request)
    if not user.is_agent:
        raise ApiError(403, "forbidden", _("Only agents may do this."))
    return user
