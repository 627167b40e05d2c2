"""allauth hooks: people who sign up are customers of no organisation; rate limits count by
the address ``loket.lib.clientip`` names.

Joining one takes a verified address and the organisation's consent
(``loket.accounts.actions``); the sign-up form itself is ``loket.accounts.signup``.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.utils import translation

from loket.accounts.models import Role, User
from loket.lib.clientip import client_ip


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    def save_user(self, request: HttpRequest, user: User, form: Any, commit: bool = True) -> User:
        user = super().save_user(request, user, form, commit=False)
        user.role = Role.CUSTOMER
        user.email = user.email.lower()
        user.organisation = None
        user.language = translation.get_language() or ""
        if commit:
            user.save()
        return user

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        user = request.user
        if getattr(user, "is_agent", False):
            return "/desk/"
        return "/portal/"

    def get_client_ip(self, request: HttpRequest) -> str:
        """The same address the lockout and every other limit use (proxies only when
        configured in ``LOKET_TRUSTED_PROXIES``)."""
        return client_ip(request) or super().get_client_ip(request)
