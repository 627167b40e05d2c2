"""Sign-up that answers a new and a known address the same way (SECURITY: no enumeration).

allauth hides whether an address has an account only when verification is mandatory: with
Loket's "optional" verification a new address is signed in at once and a known one is told
"already registered". Here both get allauth's "we sent you a mail" answer and nobody is signed
in: a new account gets the verification mail, the owner of a known address a mail saying that
someone tried to sign up with it (with the password-reset link). After verifying, or later
without (verification stays optional for signing in), the new person signs in; until the
address is verified they see only their own tickets (``loket.accounts.access``).
"""

from __future__ import annotations

from typing import Any

from allauth.account import app_settings
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.internal.flows.login import perform_login
from allauth.account.internal.flows.signup import complete_signup
from allauth.account.internal.userkit import filter_users_by_email
from allauth.account.models import Login
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest, HttpResponse

MANDATORY = app_settings.EmailVerificationMethod.MANDATORY


class SignupForm(AllauthSignupForm):  # type: ignore[misc]
    def validate_unique_email(self, value: str) -> str:
        """A known address is no form error (that would tell the visitor it is known)."""
        self.account_already_exists = bool(filter_users_by_email(value))
        return value

    def try_save(self, request: HttpRequest) -> tuple[Any, HttpResponse]:
        honeypot = app_settings.SIGNUP_FORM_HONEYPOT_FIELD
        if honeypot and self.cleaned_data.get(honeypot):
            answer: tuple[Any, HttpResponse] = super().try_save(request)
            return answer
        email = self.cleaned_data["email"]
        if self.account_already_exists:
            # As much work as making an account (hashing the password), so the answer takes
            # as long; then allauth's enumeration-proof path mails the owner.
            make_password(self.cleaned_data.get("password1") or "")
            login = Login(user=None, email=email, signup=True, email_verification=MANDATORY)
            return None, perform_login(request, login)
        user = self.save(request)
        response = complete_signup(request, user=user, email_verification=MANDATORY)
        return user, response
