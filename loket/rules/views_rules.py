"""The desk's automation-rule pages (admins only): the ordered list with on/off, the edit
form, "test this rule" (a dry run) and the firing log. Thin: changes go through
``loket.rules.rule_actions``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts.decorators import admin_required, signed_in_agent
from loket.accounts.models import User
from loket.rules import rule_actions, rule_form
from loket.rules.automation import conditions, dryrun, effects
from loket.rules.models import Firing, Rule, Trigger
from loket.rules.rule_actions import RuleData

View = Callable[..., HttpResponse]


def get_rule_for(user: User, pk: int) -> Rule:
    """The one way a view fetches a rule: admins only, 404 for anything else."""
    if not user.is_admin:
        raise Http404
    found = Rule.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _summary(rule: Rule) -> dict[str, Any]:
    labels = dict(Trigger.choices)
    return {
        "rule": rule,
        "triggers": [str(labels.get(t, t)) for t in rule.triggers or []],
        "conditions": [conditions.describe(c) for c in rule.conditions if isinstance(c, dict)],
        "effects": [effects.describe(e) for e in rule.effects if isinstance(e, dict)],
    }


@admin_required
def rule_list(request: HttpRequest) -> HttpResponse:
    rows = [_summary(r) for r in Rule.objects.order_by("position", "id")]
    return render(request, "rules/rule_list.html", {"rows": rows})


def _edit_page(
    request: HttpRequest, rule: Rule | None, data: RuleData | Rule | None, error: str = ""
) -> HttpResponse:
    c_rows, e_rows = rule_form.rows_for(data)
    chosen = list(data.triggers) if data is not None else [Trigger.CREATED]
    context = {
        "rule": rule,
        "data": data,
        "error": error,
        "condition_rows": c_rows,
        "effect_rows": e_rows,
        "triggers": rule_form.triggers(chosen),
        "match_all": data.match_all if data is not None else True,
    }
    return render(request, "rules/rule_edit.html", context, status=400 if error else 200)


@admin_required
def rule_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_agent(request)
    if request.method != "POST":
        return _edit_page(request, None, None)
    data = rule_form.read(request.POST)
    try:
        rule = rule_actions.create(data, by=user)
    except ValidationError as exc:
        return _edit_page(request, None, data, "; ".join(exc.messages))
    messages.success(request, _("Rule “%(name)s” saved.") % {"name": rule.name})
    return redirect("rules:list")


@admin_required
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    rule = get_rule_for(user, pk)
    if request.method != "POST":
        return _edit_page(request, rule, rule)
    data = rule_form.read(request.POST)
    try:
        rule = rule_actions.update(rule, data, by=user)
    except ValidationError as exc:
        return _edit_page(request, rule, data, "; ".join(exc.messages))
    messages.success(request, _("Rule “%(name)s” saved.") % {"name": rule.name})
    return redirect("rules:list")


@admin_required
def condition_row(request: HttpRequest) -> HttpResponse:
    index = _index(request)
    name = request.GET.get(f"c-{index}-property", "")
    row = rule_form.condition_row(index, {"property": name})
    return render(request, "rules/rule_condition_row.html", {"row": row})


@admin_required
def effect_row(request: HttpRequest) -> HttpResponse:
    index = _index(request)
    kind = request.GET.get(f"a-{index}-kind", "")
    row = rule_form.effect_row(index, {"kind": kind})
    return render(request, "rules/rule_effect_row.html", {"row": row})


def _index(request: HttpRequest) -> int:
    raw = request.GET.get("i", "0")
    return int(raw) if raw.isdigit() and int(raw) < 50 else 0


def _switch(request: HttpRequest, pk: int, enabled: bool) -> HttpResponse:
    user = signed_in_agent(request)
    rule = get_rule_for(user, pk)
    try:
        rule_actions.set_enabled(rule, enabled, by=user)
    except ValidationError as exc:
        messages.error(
            request,
            _("Rule “%(name)s” cannot be switched on: %(reason)s")
            % {"name": rule.name, "reason": "; ".join(exc.messages)},
        )
    return redirect("rules:list")


@require_POST
@admin_required
def rule_on(request: HttpRequest, pk: int) -> HttpResponse:
    return _switch(request, pk, True)


@require_POST
@admin_required
def rule_off(request: HttpRequest, pk: int) -> HttpResponse:
    return _switch(request, pk, False)


@require_POST
@admin_required
def rule_move(request: HttpRequest, pk: int, direction: str) -> HttpResponse:
    user = signed_in_agent(request)
    rule = get_rule_for(user, pk)
    rule_actions.move(rule, up=direction == "up", by=user)
    return redirect("rules:list")


@require_POST
@admin_required
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    rule = get_rule_for(user, pk)
    rule_actions.delete(rule, by=user)
    messages.success(request, _("Rule “%(name)s” deleted.") % {"name": rule.name})
    return redirect("rules:list")


@admin_required
def rule_test(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_rule_for(signed_in_agent(request), pk)
    result = dryrun.dry_run(rule)
    return render(request, "rules/rule_test.html", {"rule": rule, "result": result})


@admin_required
def firings(request: HttpRequest) -> HttpResponse:
    rows = Firing.objects.select_related("rule", "ticket").order_by("-id")
    rule = None
    raw = request.GET.get("rule", "")
    if raw.isdigit():
        rule = get_rule_for(signed_in_agent(request), int(raw))
        rows = rows.filter(rule=rule)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "rules/rule_firings.html", {"page": page, "rule": rule})
