"""Two-factor policy: which roles must have a second factor, and allauth.mfa's adapter.

allauth.mfa does the work (TOTP, recovery codes, the sign-in step). Loket adds:

* a policy, ``settings.MFA_REQUIRED_ROLES`` (``LOKET_MFA_REQUIRED_ROLES``, default admins and
  managers): ``MfaEnrolmentMiddleware`` sends such a person to set up an authenticator until
  they have one, and they cannot remove their last one;
* TOTP secrets sealed at rest with the key derived from ``SECRET_KEY`` (``loket.lib.sealed``);
* MFA events in the audit log (``loket.accounts.audit``).
"""

from __future__ import annotations

import base64
import logging
import secrets
from typing import Any

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from loket.lib import sealed

log = logging.getLogger(__name__)

# A recovery-code set alone is not a second factor: it only backs one up.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def required_for(user: Any, request: HttpRequest | None = None) -> bool:
    """Whether this person's role must sign in with a second factor."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    role = str(getattr(user, "role", ""))
    if role in settings.MFA_REQUIRED_ROLES:
        return True
    # The desk's security policy may ask it of every staff member (never less than the
    # server's LOKET_MFA_REQUIRED_ROLES).
    from loket.accounts.models import STAFF_ROLES, DeskSettings

    return role in STAFF_ROLES and DeskSettings.current(request).staff_two_factor


def has_second_factor(user: Any) -> bool:
    return bool(Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exists())


def must_enrol(user: Any) -> bool:
    return required_for(user) and not has_second_factor(user)


class MfaAdapter(DefaultMFAAdapter):  # type: ignore[misc]
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Your role requires two-factor authentication: it cannot be switched off."
        ),
    }

    def encrypt(self, text: str) -> str:
        return sealed.seal(text)

    def decrypt(self, encrypted_text: str) -> str:
        try:
            return sealed.unseal(encrypted_text)
        except sealed.UnsealError:
            # SECRET_KEY changed without the old one in the fallbacks. An empty secret would
            # make every code guessable; a fresh random one matches no code at all.
            log.warning("a TOTP secret cannot be unsealed; its owner must set up 2FA again")
            return base64.b32encode(secrets.token_bytes(20)).decode("ascii")

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Nobody under the policy removes their last second factor (they would be sent
        straight back to set one up; better to say so on the page)."""
        user = authenticator.user
        if authenticator.type not in SECOND_FACTORS or not required_for(user):
            return True
        others = Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exclude(
            pk=authenticator.pk
        )
        return bool(others.exists())
