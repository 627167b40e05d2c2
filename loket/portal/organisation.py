"""The portal page of an organisation admin: their organisation's members, inviting
colleagues and removing them (each change audited by ``loket.accounts.actions``)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts import actions, members
from loket.accounts.access import get_customer_for, organisation_admin_of
from loket.accounts.forms import InviteForm
from loket.accounts.models import Invitation, Organisation, User


def _admin(request: HttpRequest) -> tuple[User, Organisation]:
    """The signed-in organisation admin and their organisation; anyone else: 404."""
    user = request.user
    if not isinstance(user, User):
        raise Http404
    organisation = organisation_admin_of(user)
    if organisation is None:
        raise Http404
    return user, organisation


def _page(request: HttpRequest, form: InviteForm) -> HttpResponse:
    user, organisation = _admin(request)
    people = Paginator(members.members_of(organisation), 50).get_page(request.GET.get("page"))
    rows = [
        (
            row,
            None
            if row.person.pk == user.pk or row.person.is_organisation_admin
            else reverse("portal:remove_member", args=[row.person.pk]),
            None,
        )
        for row in members.with_verification(list(people))
    ]
    invitations = [
        (inv, reverse("portal:revoke_invitation", args=[inv.pk]))
        for inv in members.open_invitations(organisation)
    ]
    return render(
        request,
        "portal/organisation.html",
        {
            "organisation": organisation,
            "people": people,
            "rows": rows,
            "invitations": invitations,
            "invite_form": form,
            "invite_url": reverse("portal:invite"),
            "invitation_days": settings.INVITATION_DAYS,
        },
    )


@login_required
def organisation(request: HttpRequest) -> HttpResponse:
    return _page(request, InviteForm())


def _run(request: HttpRequest, act: Callable[[], object], done: str) -> HttpResponse:
    try:
        act()
    except actions.MembershipError as exc:
        messages.error(request, str(exc))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    else:
        messages.success(request, done)
    return redirect("portal:organisation")


@login_required
@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    user, organisation = _admin(request)
    form = InviteForm(request.POST)
    if not form.is_valid():
        response = _page(request, form)
        response["HX-Replace-Url"] = reverse("portal:organisation")
        return response
    email = form.cleaned_data["email"]
    return _run(
        request,
        lambda: actions.invite(organisation, email, by=user, language=get_language() or ""),
        _("An invitation was mailed to %(email)s.") % {"email": email},
    )


@login_required
@require_POST
def remove_member(request: HttpRequest, member_pk: int) -> HttpResponse:
    user, organisation = _admin(request)
    member = get_customer_for(user, member_pk)
    if member.organisation_id != organisation.pk:
        raise Http404
    return _run(
        request,
        lambda: actions.remove_member(member, by=user),
        _("%(email)s is no longer a member.") % {"email": member.email},
    )


@login_required
@require_POST
def revoke_invitation(request: HttpRequest, invitation_pk: int) -> HttpResponse:
    user, organisation = _admin(request)
    invitation = Invitation.objects.filter(organisation=organisation, pk=invitation_pk).first()
    if invitation is None:
        raise Http404
    return _run(
        request,
        lambda: actions.revoke_invitation(invitation, by=user),
        _("The invitation of %(email)s was withdrawn.") % {"email": invitation.email},
    )
