"""Per-request rules for signed-in people: their own language over the browser's, and the
two-factor policy (enrol before anything else)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from loket.accounts import mfa


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.languages = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None else ""
        if language and language in self.languages:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language:
            response.headers.setdefault("Content-Language", language)
        return response


def _is_background(request: HttpRequest) -> bool:
    """A request a script made (fetch, XHR), not a page the browser navigates to."""
    destination = request.headers.get("Sec-Fetch-Dest")
    return destination is not None and destination not in ("document", "iframe")


class MfaEnrolmentMiddleware:
    """Sends a signed-in person whose role requires two-factor authentication
    (``settings.MFA_REQUIRED_ROLES``) and who has no authenticator yet to set one up.

    Until they do, only the set-up pages, signing out, re-authenticating, the language switch
    and static files answer; the API answers 403 ``mfa_required`` in JSON, htmx requests get
    an ``HX-Redirect``. Token callers of the API are not signed in here and are not affected.
    """

    ALLOWED_NAMES = (
        "mfa_activate_totp",
        "mfa_index",
        "mfa_view_recovery_codes",
        "mfa_download_recovery_codes",
        "mfa_reauthenticate",
        "account_reauthenticate",
        "account_logout",
        "locked_out",
        "set_language",
        "healthz",
        "readyz",
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._allowed: frozenset[str] | None = None

    def allowed_paths(self) -> frozenset[str]:
        if self._allowed is None:
            self._allowed = frozenset(reverse(name) for name in self.ALLOWED_NAMES)
        return self._allowed

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not mfa.required_for(user, request):
            return self.get_response(request)
        if mfa.has_second_factor(user):
            return self.get_response(request)
        path = request.path_info
        if path in self.allowed_paths() or path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            # The pages allowed meanwhile show no desk navigation (nor start its polling).
            request.mfa_enrolling = True  # type: ignore[attr-defined]
            return self.get_response(request)
        return self._enrol(request)

    def _enrol(self, request: HttpRequest) -> HttpResponse:
        setup = reverse("mfa_activate_totp")
        message = _(
            "Your role requires two-factor authentication. Set up an authenticator app to continue."
        )
        if getattr(request, "htmx", False):
            messages.warning(request, message)  # shown on the next full page
            # htmx acts on HX-Redirect whatever the status; a 2xx keeps the console quiet.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = setup
            return response
        if request.path_info.startswith("/api/") or _is_background(request):
            # A script's call (the header's notification poll, say) must not be redirected:
            # it would fetch the set-up page and replace the secret being scanned.
            return JsonResponse({"code": "mfa_required", "message": message}, status=403)
        messages.warning(request, message)
        return redirect(setup)
