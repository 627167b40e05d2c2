"""The desk's organisation pages: the list, and one organisation with its members, domains,
joining by domain (managers switch it), invitations and history."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts import actions, members
from loket.accounts.access import get_customer_for, get_organisation_for, organisations_visible_to
from loket.accounts.decorators import agent_required, signed_in_agent
from loket.accounts.forms import InviteForm
from loket.accounts.models import Invitation, Organisation, User


@agent_required
def organisations(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    qs = organisations_visible_to(signed_in_agent(request)).annotate(
        member_count=Count("members", filter=Q(members__role="customer"))
    )
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(domains__icontains=query))
    page = Paginator(qs.order_by("name"), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/desk/organisations.html", {"page": page, "query": query})


def _page(request: HttpRequest, organisation: Organisation, form: InviteForm) -> HttpResponse:
    user = signed_in_agent(request)
    people = Paginator(members.members_of(organisation), 50).get_page(request.GET.get("page"))
    rows = [
        (
            row,
            reverse("orgs:remove", args=[organisation.pk, row.person.pk]),
            reverse("orgs:set_admin", args=[organisation.pk, row.person.pk])
            if user.is_manager
            else None,
        )
        for row in members.with_verification(list(people))
    ]
    invitations = [
        (inv, reverse("orgs:revoke", args=[organisation.pk, inv.pk]))
        for inv in members.open_invitations(organisation)
    ]
    return render(
        request,
        "accounts/desk/organisation.html",
        {
            "organisation": organisation,
            "domains": [d for d in organisation.domains.split(",") if d],
            "people": people,
            "rows": rows,
            "invitations": invitations,
            "history": [(e, members.describe(e)) for e in members.history(organisation)],
            "invite_form": form,
            "invite_url": reverse("orgs:invite", args=[organisation.pk]),
            "invitation_days": settings.INVITATION_DAYS,
        },
    )


@agent_required
def organisation(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_organisation_for(signed_in_agent(request), pk)
    return _page(request, found, InviteForm())


def _back(organisation: Organisation) -> HttpResponse:
    return redirect("orgs:organisation", pk=organisation.pk)


def _run(request: HttpRequest, organisation: Organisation, act: Callable[[], object],
         done: str) -> HttpResponse:  # fmt: skip
    try:
        act()
    except actions.MembershipError as exc:
        messages.error(request, str(exc))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    else:
        messages.success(request, done)
    return _back(organisation)


@agent_required
@require_POST
def auto_join(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    found = get_organisation_for(user, pk)
    on = request.POST.get("auto_join") == "on"
    done = (
        _("People who verify an address at its domains now join %(organisation)s.")
        if on
        else _("Only invited people join %(organisation)s now.")
    ) % {"organisation": found.name}
    return _run(request, found, lambda: actions.set_auto_join(found, on, by=user), done)


@agent_required
@require_POST
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    found = get_organisation_for(user, pk)
    form = InviteForm(request.POST)
    if not form.is_valid():
        response = _page(request, found, form)
        # htmx (boosted form) would otherwise show this POST-only address in the address bar
        response["HX-Replace-Url"] = reverse("orgs:organisation", args=[found.pk])
        return response
    email = form.cleaned_data["email"]
    return _run(
        request,
        found,
        lambda: actions.invite(found, email, by=user, language=get_language() or ""),
        _("An invitation was mailed to %(email)s.") % {"email": email},
    )


def _member(user: User, organisation: Organisation, member_pk: int) -> User:
    member = get_customer_for(user, member_pk)
    if member.organisation_id != organisation.pk:
        raise Http404
    return member


@agent_required
@require_POST
def remove_member(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    found = get_organisation_for(user, pk)
    member = _member(user, found, member_pk)
    return _run(
        request,
        found,
        lambda: actions.remove_member(member, by=user),
        _("%(email)s is no longer a member.") % {"email": member.email},
    )


@agent_required
@require_POST
def set_admin(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    found = get_organisation_for(user, pk)
    member = _member(user, found, member_pk)
    on = request.POST.get("admin") == "on"
    return _run(
        request,
        found,
        lambda: actions.set_organisation_admin(member, on, by=user),
        _("Saved."),
    )


@agent_required
@require_POST
def revoke(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    found = get_organisation_for(user, pk)
    invitation = Invitation.objects.filter(organisation=found, pk=invitation_pk).first()
    if invitation is None:
        raise Http404
    return _run(
        request,
        found,
        lambda: actions.revoke_invitation(invitation, by=user),
        _("The invitation of %(email)s was withdrawn.") % {"email": invitation.email},
    )
