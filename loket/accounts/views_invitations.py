"""The page an invitation link opens: sign in with the invited address, verify it, join."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from loket.accounts.actions import MembershipError, accept_invitation
from loket.accounts.invitations import invitation_for
from loket.accounts.models import User
from loket.accounts.verification import address_verified


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    found = invitation_for(token)
    if found is None or not found.is_open:
        return render(request, "accounts/invitation.html", {"state": "invalid"}, status=404)
    user = request.user
    context: dict[str, object] = {"invitation": found, "next": request.path}
    if not isinstance(user, User) or not user.is_authenticated:
        return render(request, "accounts/invitation.html", {**context, "state": "sign_in"})
    if user.email.lower() != found.email.lower() or user.is_agent:
        return render(request, "accounts/invitation.html", {**context, "state": "other_account"})
    if not address_verified(user, found.email):
        return render(request, "accounts/invitation.html", {**context, "state": "verify"})
    if request.method == "POST":
        try:
            organisation = accept_invitation(found, user)
        except MembershipError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("Welcome to %(organisation)s.") % {"organisation": organisation.name}
            )
            return redirect("portal:home")
    return render(request, "accounts/invitation.html", {**context, "state": "accept"})
