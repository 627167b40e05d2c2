"""Bulk changes from the inbox: the same action on several tickets at once.

Each ticket is fetched through the one access check and changed by the same action (and
events) as on its own page (merging into one chosen ticket and marking as spam included), in
its own transaction: one ticket that refuses (closed, not
yours to change) does not undo the others, and the agent is told which and why.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from loket.accounts.decorators import agent_required, signed_in_agent
from loket.accounts.models import STAFF_ROLES, Team, User
from loket.lib import memo
from loket.tickets import actions, locks
from loket.tickets.access import get_ticket_for, tickets_visible_to
from loket.tickets.models import Priority, State, Ticket
from loket.tickets.states import TransitionError

MAX_TICKETS = 500
# Tickets per transaction of a bulk change (each one still in its own savepoint).
COMMIT_EVERY = 25
OPERATIONS = [
    ("assign_me", gettext_lazy("Assign to me")),
    ("assign", gettext_lazy("Assign to…")),
    ("unassign", gettext_lazy("Unassign")),
    ("state", gettext_lazy("Set state…")),
    ("priority", gettext_lazy("Set priority…")),
    ("team", gettext_lazy("Move to team…")),
    ("tag", gettext_lazy("Add tag…")),
    ("merge", gettext_lazy("Merge into ticket…")),
    ("spam", gettext_lazy("Mark as spam")),
]


class BulkForm(forms.Form):
    operation = forms.ChoiceField(choices=OPERATIONS)
    assignee = forms.ModelChoiceField(
        queryset=User.objects.filter(role__in=STAFF_ROLES, is_active=True), required=False
    )
    state = forms.ChoiceField(choices=[("", "—"), *State.choices], required=False)
    priority = forms.TypedChoiceField(
        choices=[("", "—"), *Priority.choices], coerce=int, required=False, empty_value=None
    )
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    tag = forms.CharField(max_length=50, required=False)
    into = forms.IntegerField(min_value=1, required=False)
    block_sender = forms.BooleanField(required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        needs = {"assign": "assignee", "state": "state", "priority": "priority", "team": "team"}
        op = data.get("operation")
        if op in needs and not data.get(needs[str(op)]):
            raise forms.ValidationError(_("Choose what to set."))
        if op == "tag" and not str(data.get("tag") or "").strip():
            raise forms.ValidationError(_("Write the tag to add."))
        if op == "merge" and not data.get("into"):
            raise forms.ValidationError(_("Give the number of the ticket to merge into."))
        return data


Change = Callable[[Ticket], object]


def _change_for(user: User, data: dict[str, object], into: Ticket | None = None) -> Change:
    op = data["operation"]
    if op == "merge":
        assert into is not None
        return lambda t: actions.merge(t, into, by=user)
    if op == "spam":
        block = bool(data.get("block_sender"))
        return lambda t: actions.mark_spam(t, by=user, block_sender=block)
    if op == "assign_me":
        return lambda t: actions.assign(t, user, by=user)
    if op == "assign":
        assignee = data["assignee"]
        assert isinstance(assignee, User)
        return lambda t: actions.assign(t, assignee, by=user)
    if op == "unassign":
        return lambda t: actions.assign(t, None, by=user)
    if op == "state":
        state = State(str(data["state"]))
        return lambda t: actions.change_state(t, state, by=user)
    if op == "priority":
        priority = Priority(int(str(data["priority"])))
        return lambda t: actions.set_priority(t, priority, by=user)
    if op == "team":
        team = data["team"]
        assert isinstance(team, Team)
        return lambda t: actions.move_to_team(t, team, by=user)
    tag = str(data["tag"]).strip()
    return lambda t: actions.set_tags(t, [*t.tags.values_list("name", flat=True), tag], by=user)


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("desk:inbox")


@agent_required
@require_POST
def bulk_change(request: HttpRequest) -> HttpResponse:
    user = signed_in_agent(request)
    ids = list(dict.fromkeys(int(v) for v in request.POST.getlist("ids") if v.isdigit()))
    if not ids:
        messages.error(request, _("Select the tickets to change first."))
        return _back(request)
    if len(ids) > MAX_TICKETS:
        messages.error(request, _("Change at most %(n)s tickets at once.") % {"n": MAX_TICKETS})
        return _back(request)
    form = BulkForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
        return _back(request)
    into = None
    if form.cleaned_data["operation"] == "merge":
        # The target is checked like every selected ticket: one the agent may not change
        # (or see) is refused as a whole, before anything is merged.
        try:
            into = get_ticket_for(user, int(form.cleaned_data["into"]), write=True)
        except Http404:
            messages.error(request, _("No ticket with that number."))
            return _back(request)
        ids = [pk for pk in ids if pk != into.pk]
        if not ids:
            messages.error(request, _("Select other tickets than the one to merge into."))
            return _back(request)
    change = _change_for(user, form.cleaned_data, into)
    done = 0
    refused: list[str] = []
    # The agent's teams read once; each ticket read once, locked, through that access check
    # (the action finds it held instead of reading it again). One request is one batch of
    # work: the configuration its actions look up (rules, policies) is read once (``memo``).
    # Tickets are committed in groups of COMMIT_EVERY: each ticket is still all-or-nothing
    # (its own savepoint, so a refused one leaves the others of its group alone), but the
    # commits (a disk flush each) are shared.
    visible = tickets_visible_to(user)
    with memo.batch():
        for start in range(0, len(ids), COMMIT_EVERY):
            with transaction.atomic():
                for pk in ids[start : start + COMMIT_EVERY]:
                    try:
                        with transaction.atomic(), locks.holding(), locks.forgetting_on_error():
                            ticket = visible.select_for_update().filter(pk=pk).first()
                            if ticket is None:
                                raise Http404
                            locks.hold(ticket)
                            change(ticket)
                        done += 1
                    except Http404:
                        refused.append(_("#%(pk)s: not found or not yours to change") % {"pk": pk})
                    except (actions.ActionError, TransitionError, PermissionDenied) as exc:
                        refused.append(f"#{pk}: {exc}")
    if done:
        messages.success(
            request,
            _("%(n)s of %(total)s tickets changed.") % {"n": done, "total": len(ids)},
        )
    if refused:
        messages.error(request, _("Not changed: %(list)s") % {"list": "; ".join(refused[:20])})
    return _back(request)
