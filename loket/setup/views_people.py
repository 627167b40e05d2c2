"""Teams and staff in the settings area."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts import actions as account_actions
from loket.accounts import staff as staff_actions
from loket.accounts.decorators import signed_in_agent
from loket.accounts.models import STAFF_ROLES, Team, User
from loket.setup import actions
from loket.setup.deleting import delete_or_explain
from loket.setup.forms_people import InviteStaffForm, JoinForm, RoleForm, TeamForm, TeamsForm
from loket.setup.guard import section_required
from loket.setup.sections import AGENTS, TEAMS


@section_required(TEAMS)
def teams(request: HttpRequest) -> HttpResponse:
    rows = Team.objects.select_related("manager").annotate(n=Count("members"))
    return render(request, "setup/teams.html", {"rows": rows, "section": TEAMS})


@section_required(TEAMS)
def team_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    found = get_object_or_404(Team, pk=pk) if pk is not None else None
    form = TeamForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        actions.save_form(form, by=signed_in_agent(request), section=TEAMS)
        messages.success(request, _("Team saved."))
        return redirect("setup:teams")
    title = found.label if found is not None else _("New team")
    return render(
        request,
        "setup/form.html",
        {"form": form, "title": title, "section": TEAMS, "object": found,
         "delete_url": "setup:team_delete" if found else ""},
    )  # fmt: skip


@section_required(TEAMS)
@require_POST
def team_delete(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=pk)
    if team.is_default_for_tier:
        messages.error(request, _("A tier's default team stays: make another team the default."))
        return redirect("setup:team", pk=pk)
    return delete_or_explain(
        request,
        team,
        section=TEAMS,
        in_use=_("Tickets are still in this team; move them first."),
        done=_("Team deleted."),
        edit_url="setup:team",
        list_url="setup:teams",
    )


@section_required(AGENTS)
def agents(request: HttpRequest) -> HttpResponse:
    people = list(
        User.objects.filter(role__in=STAFF_ROLES)
        .prefetch_related("teams")
        .order_by("-is_active", "display_name", "email")
    )
    with_2fa = set(
        Authenticator.objects.filter(
            user_id__in=[p.pk for p in people], type=Authenticator.Type.TOTP
        ).values_list("user_id", flat=True)
    )
    rows = [{"person": p, "two_factor": p.pk in with_2fa} for p in people]
    return render(request, "setup/agents.html", {"rows": rows, "section": AGENTS})


@section_required(AGENTS)
def agent_invite(request: HttpRequest) -> HttpResponse:
    by = signed_in_agent(request)
    form = InviteStaffForm(request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = staff_actions.invite_staff(
                data["email"], name=data["name"], role=data["role"], teams=list(data["teams"]),
                by=by, language=data.get("language") or "",
            )  # fmt: skip
        except staff_actions.StaffError as exc:
            form.add_error(None, str(exc))
        except PermissionDenied as exc:
            form.add_error("role", str(exc) or _("You may not do this."))
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": person.email})
            return redirect("setup:agents")
    return render(
        request,
        "setup/form.html",
        {"form": form, "title": _("Invite a staff member"), "section": AGENTS,
         "intro": _("They get a mail with a link to choose their password; it works once.")},
    )  # fmt: skip


def _staff_member(pk: int) -> User:
    person = get_object_or_404(User, pk=pk)
    if not person.is_agent:
        raise Http404
    return person


@section_required(AGENTS)
def agent(request: HttpRequest, pk: int) -> HttpResponse:
    person = _staff_member(pk)
    me = signed_in_agent(request)
    role_form = RoleForm(initial={"role": person.role})
    teams_form = TeamsForm(initial={"teams": list(person.teams.all())})
    return render(
        request,
        "setup/agent.html",
        {
            "person": person,
            "role_form": role_form,
            "teams_form": teams_form,
            "may_change_role": me.is_admin and me.pk != person.pk,
            "may_change_teams": me.is_admin,
            "may_deactivate": me.pk != person.pk and (me.is_admin or person.role == "agent"),
            "two_factor": Authenticator.objects.filter(
                user=person, type=Authenticator.Type.TOTP
            ).exists(),
            "section": AGENTS,
        },
    )


def _refused(request: HttpRequest, exc: Exception) -> None:
    messages.error(request, str(exc) or _("You may not do this."))


@section_required(AGENTS)
@require_POST
def agent_role(request: HttpRequest, pk: int) -> HttpResponse:
    person = _staff_member(pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose agent, manager or admin."))
    else:
        try:
            account_actions.set_role(person, form.cleaned_data["role"], by=signed_in_agent(request))
        except (PermissionDenied, ValueError) as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Role changed."))
    return redirect("setup:agent", pk=pk)


@section_required(AGENTS)
@require_POST
def agent_teams(request: HttpRequest, pk: int) -> HttpResponse:
    person = _staff_member(pk)
    form = TeamsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose teams from the list."))
    else:
        try:
            account_actions.set_teams(
                person, list(form.cleaned_data["teams"]), by=signed_in_agent(request)
            )
        except PermissionDenied as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Teams changed."))
    return redirect("setup:agent", pk=pk)


@section_required(AGENTS)
@require_POST
def agent_active(request: HttpRequest, pk: int) -> HttpResponse:
    person = _staff_member(pk)
    active = request.POST.get("active") == "1"
    try:
        staff_actions.set_active(person, active, by=signed_in_agent(request))
    except (PermissionDenied, staff_actions.StaffError) as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("%(name)s can sign in again.") % {"name": person.name}
            if active
            else _("%(name)s can no longer sign in.") % {"name": person.name},
        )
    return redirect("setup:agent", pk=pk)


def join(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """An invited staff member chooses their password (no sign-in: the link is the key)."""
    person = staff_actions.invited_user(uidb64, token)
    if person is None:
        return render(request, "setup/join.html", {"invalid": True}, status=404)
    if request.user.is_authenticated:
        logout(request)
    form = JoinForm(request.POST or None, user=person)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            staff_actions.accept_invitation(person, form.cleaned_data["password1"])
        messages.success(request, _("Your password is set. Sign in with it now."))
        return redirect("account_login")
    return render(request, "setup/join.html", {"form": form, "person": person})
