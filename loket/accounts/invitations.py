"""The signed, expiring link in an invitation mail, and the mail itself."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from loket.accounts.models import Invitation

SALT = "loket.accounts.invitation"


def token_for(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "e": invitation.email}, salt=SALT)


def invitation_for(token: str) -> Invitation | None:
    """The invitation a link names, if its signature holds and it is younger than
    ``INVITATION_DAYS`` (whether it is still open is the caller's question)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=timedelta(days=settings.INVITATION_DAYS))
    except signing.BadSignature:  # SignatureExpired is one too
        return None
    if not isinstance(data, dict) or not isinstance(data.get("i"), int):
        return None
    invitation = (
        Invitation.objects.select_related("organisation", "invited_by").filter(pk=data["i"]).first()
    )
    if invitation is None or invitation.email != data.get("e"):
        return None
    return invitation


def link_for(invitation: Invitation) -> str:
    path = reverse("invitation", args=[token_for(invitation)])
    return settings.BASE_URL.rstrip("/") + path


def send(invitation: Invitation) -> bool:
    """Mails the invitation, in its language; ``False`` if it is no longer open."""
    if not invitation.is_open:
        return False
    inviter = invitation.invited_by
    with translation.override(invitation.language or settings.LANGUAGE_CODE):
        values = {
            "organisation": invitation.organisation.name,
            "site": settings.SITE_NAME,
            "inviter": inviter.name if inviter else settings.SITE_NAME,
            "link": link_for(invitation),
            "days": settings.INVITATION_DAYS,
        }
        subject = _("You are invited to join %(organisation)s at %(site)s") % values
        body = (
            _(
                "Hello,\n\n"
                "%(inviter)s invites you to join %(organisation)s in the %(site)s customer "
                "portal. As a member you see the questions of %(organisation)s and their "
                "answers.\n\n"
                "To accept, open this link, sign in (or create an account) with this e-mail "
                "address and confirm the address:\n\n%(link)s\n\n"
                "The link works for %(days)s days. If you did not expect this invitation, you "
                "can ignore this mail."
            )
            % values
        )
    mail = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    mail.extra_headers["Auto-Submitted"] = "auto-generated"
    mail.send()
    return True
