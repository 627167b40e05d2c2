"""Actions a rule takes ("effects", so as not to be confused with the apps' ``actions``
modules, which they call): every change goes through ``loket.tickets.actions`` with
``system=True``, so it writes the ticket's ordinary events.

Each kind is registered with ``register``: how to check its value when the rule is saved
(``check``: ``ValidationError`` with the reason), what it would change (``plan``: words, or
``None`` when the ticket is already so, for the dry run) and how to do it (``apply``: returns
the ticket as it now is, and raises ``RuleRuntimeError`` when the rule itself is broken).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.accounts.models import STAFF_ROLES, Team, User
from loket.lib import memo
from loket.rules.automation.conditions import RuleRuntimeError
from loket.rules.automation.facts import Facts
from loket.tickets import actions
from loket.tickets.models import Priority, State, Ticket


@dataclass(frozen=True)
class Context:
    rule_id: int
    rule_name: str
    trigger: str


@dataclass(frozen=True)
class Effect:
    kind: str
    label: str | Promise
    check: Callable[[str], None]
    plan: Callable[[Facts, str], str | None]
    apply: Callable[[Ticket, str, Context], Ticket]
    choices: Callable[[], list[tuple[str, str]]] | None = None


EFFECTS: dict[str, Effect] = {}


@dataclass(frozen=True)
class EffectFamily:
    """Actions named ``prefix:key`` made from rows an admin keeps (``set_field:page``):
    ``find(key)`` gives the action (``ValidationError`` saying why there is none) and
    ``listing()`` the ones to offer in the edit form."""

    prefix: str
    find: Callable[[str], Effect]
    listing: Callable[[], list[Effect]]


EFFECT_FAMILIES: dict[str, EffectFamily] = {}


def register(effect: Effect) -> None:
    EFFECTS[effect.kind] = effect


def register_family(family: EffectFamily) -> None:
    EFFECT_FAMILIES[family.prefix] = family


def find_effect(kind: str) -> Effect | None:
    """The action ``kind`` (``ValidationError`` for a family member that is gone)."""
    prefix, sep, key = kind.partition(":")
    if sep and prefix in EFFECT_FAMILIES:
        return EFFECT_FAMILIES[prefix].find(key)
    return EFFECTS.get(kind)


def lookup_effect(kind: str) -> Effect | None:
    try:
        return find_effect(kind)
    except ValidationError:
        return None


def all_effects() -> list[Effect]:
    found = list(EFFECTS.values())
    for family in EFFECT_FAMILIES.values():
        found.extend(family.listing())
    return found


def _int(value: str, what: str | Promise) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValidationError(_("%(what)s: choose a value.") % {"what": what}) from None


# --- team -------------------------------------------------------------------------------------


def _team(value: str) -> Team | None:
    try:
        pk = int(value)
    except ValueError:
        return None
    return memo.remember(("rules.team", pk), lambda: Team.objects.filter(pk=pk).first())


def _check_team(value: str) -> None:
    _int(value, _("Team"))
    if _team(value) is None:
        raise ValidationError(_("The team of “move to team” no longer exists."))


def _plan_team(facts: Facts, value: str) -> str | None:
    team = _team(value)
    if team is None or facts.ticket.team_id == team.pk:
        return None
    return _("Team → %(team)s") % {"team": team.name}


def _apply_team(ticket: Ticket, value: str, ctx: Context) -> Ticket:
    team = _team(value)
    if team is None:
        raise RuleRuntimeError(_("The team of “move to team” was deleted."))
    return actions.move_to_team(ticket, team, by=None, reason=ctx.rule_name, system=True)


# --- assignee ---------------------------------------------------------------------------------


def _agent(value: str) -> User | None:
    try:
        return User.objects.filter(pk=int(value), role__in=STAFF_ROLES, is_active=True).first()
    except ValueError:
        return None


def _check_assignee(value: str) -> None:
    if str(value).strip() and _agent(value) is None:
        raise ValidationError(_("The agent to assign to is not an active agent."))


def _plan_assignee(facts: Facts, value: str) -> str | None:
    agent = _agent(value) if str(value).strip() else None
    wanted = agent.pk if agent is not None else None
    if facts.ticket.assignee_id == wanted:
        return None
    return _("Assignee → %(name)s") % {"name": agent.name if agent else _("nobody")}


def _apply_assignee(ticket: Ticket, value: str, ctx: Context) -> Ticket:
    agent = None
    if str(value).strip():
        agent = _agent(value)
        if agent is None:
            raise RuleRuntimeError(_("The agent to assign to is no longer an active agent."))
    return actions.assign(ticket, agent, by=None, system=True)


# --- priority and state -----------------------------------------------------------------------


def _check_priority(value: str) -> None:
    if _int(value, _("Priority")) not in Priority.values:
        raise ValidationError(_("Unknown priority."))


def _plan_priority(facts: Facts, value: str) -> str | None:
    if facts.ticket.priority == int(value):
        return None
    return _("Priority → %(p)s") % {"p": Priority(int(value)).label}


def _apply_priority(ticket: Ticket, value: str, ctx: Context) -> Ticket:
    return actions.set_priority(ticket, Priority(int(value)), by=None, system=True)


def _check_state(value: str) -> None:
    if value not in State.values:
        raise ValidationError(_("Unknown state."))


def _plan_state(facts: Facts, value: str) -> str | None:
    if facts.ticket.state == value:
        return None
    return _("State → %(s)s") % {"s": State(value).label}


def _apply_state(ticket: Ticket, value: str, ctx: Context) -> Ticket:
    return actions.change_state(ticket, State(value), by=None, reason=ctx.rule_name, system=True)


# --- tags -------------------------------------------------------------------------------------


def _tag_list(value: str) -> list[str]:
    return [t.strip().lower()[:50] for t in str(value).split(",") if t.strip()]


def _check_tags(value: str) -> None:
    if not _tag_list(value):
        raise ValidationError(_("Give at least one tag."))


def _plan_add_tags(facts: Facts, value: str) -> str | None:
    new = [t for t in _tag_list(value) if t not in facts.tags()]
    return _("Add tags: %(tags)s") % {"tags": ", ".join(new)} if new else None


def _plan_remove_tags(facts: Facts, value: str) -> str | None:
    gone = [t for t in _tag_list(value) if t in facts.tags()]
    return _("Remove tags: %(tags)s") % {"tags": ", ".join(gone)} if gone else None


def _apply_add_tags(ticket: Ticket, value: str, ctx: Context) -> Ticket:
    current = list(ticket.tags.values_list("name", flat=True))
    return actions.set_tags(ticket, [*current, *_tag_list(value)], by=None, system=True)


def _apply_remove_tags(ticket: Ticket, value: str, ctx: Context) -> Ticket:
    gone = set(_tag_list(value))
    current = [n for n in ticket.tags.values_list("name", flat=True) if n not in gone]
    return actions.set_tags(ticket, current, by=None, system=True)


# --- template reply ---------------------------------------------------------------------------


def _macro(value: str) -> Any:
    from loket.kb.models import Macro

    try:
        return Macro.objects.filter(pk=int(value), is_active=True).first()
    except ValueError:
        return None


def _macros() -> list[tuple[str, str]]:
    from loket.kb.models import Macro

    return [(str(m.pk), m.title) for m in Macro.objects.filter(is_active=True).order_by("title")]


def _check_reply(value: str) -> None:
    _int(value, _("Template reply"))
    if _macro(value) is None:
        raise ValidationError(_("The canned reply to send no longer exists or is switched off."))


def reply_text(ticket: Ticket, value: str) -> str:
    """The canned reply's text in the customer's language and form of address, filled in."""
    from loket.kb import macros

    macro = _macro(value)
    if macro is None:
        raise RuleRuntimeError(_("The canned reply to send was deleted or switched off."))
    text = macros.pick_text(macro, ticket)
    if text is None:
        raise RuleRuntimeError(_("The canned reply has no text."))
    values = macros.values_for(ticket, User(display_name=settings.SITE_NAME))
    return macros.substitute(text.body, values)


def _plan_reply(facts: Facts, value: str) -> str | None:
    macro = _macro(value)
    if macro is None or facts.ticket.customer_id is None:
        return None
    return _("Reply with “%(title)s”") % {"title": macro.title}


def _apply_reply(ticket: Ticket, value: str, ctx: Context) -> Ticket:
    if ticket.customer_id is None:
        return ticket
    actions.system_reply(ticket, body=reply_text(ticket, value))
    return Ticket.objects.get(pk=ticket.pk)


# --- internal note ----------------------------------------------------------------------------


def _check_note(value: str) -> None:
    if not str(value).strip():
        raise ValidationError(_("The note needs a text."))


def _apply_note(ticket: Ticket, value: str, ctx: Context) -> Ticket:
    actions.add_system_note(ticket, body=str(value))
    return Ticket.objects.get(pk=ticket.pk)


# --- notify -----------------------------------------------------------------------------------


def _recipients(ticket: Ticket, value: str) -> list[User]:
    from loket.sla.notify import managers

    if value == "assignee":
        return [ticket.assignee] if ticket.assignee is not None else []
    if value == "team":
        return list(ticket.team.members.filter(is_active=True))
    if value == "managers":
        return managers(ticket.team)
    agent = _agent(value)
    return [agent] if agent is not None else []


def _notify_choices() -> list[tuple[str, str]]:
    fixed = [
        ("assignee", str(_("the assignee"))),
        ("team", str(_("the ticket's team"))),
        ("managers", str(_("the team's manager"))),
    ]
    agents = User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by("display_name")
    return fixed + [(str(a.pk), a.name) for a in agents]


def _check_notify(value: str) -> None:
    if value in ("assignee", "team", "managers"):
        return
    if _agent(value) is None:
        raise ValidationError(_("The agent to notify is not an active agent."))


def _apply_notify(ticket: Ticket, value: str, ctx: Context) -> Ticket:
    from loket.rules.automation.notices import notify_people

    people = _recipients(ticket, value)
    if value not in ("assignee", "team", "managers") and not people:
        raise RuleRuntimeError(_("The agent to notify is no longer an active agent."))
    notify_people.enqueue([p.pk for p in people], ticket.pk, ctx.rule_name)
    return ticket


# --- webhook ----------------------------------------------------------------------------------


def _subscription(value: str) -> Any:
    from loket.webhooks.models import Subscription

    try:
        return Subscription.objects.filter(pk=int(value)).first()
    except ValueError:
        return None


def _subscriptions() -> list[tuple[str, str]]:
    from loket.webhooks.models import Subscription

    return [(str(pk), n) for pk, n in Subscription.objects.values_list("pk", "name")]


def _check_webhook(value: str) -> None:
    _int(value, _("Webhook"))
    if _subscription(value) is None:
        raise ValidationError(_("The webhook to call no longer exists."))


def _apply_webhook(ticket: Ticket, value: str, ctx: Context) -> Ticket:
    from loket.webhooks.dispatch import emit

    subscription = _subscription(value)
    if subscription is None:
        raise RuleRuntimeError(_("The webhook to call was deleted."))
    if subscription.active:
        data = {
            "rule": {"id": ctx.rule_id, "name": ctx.rule_name},
            "trigger": ctx.trigger,
            "ticket": {
                "id": ticket.pk,
                "subject": ticket.subject,
                "state": ticket.state,
                "priority": ticket.priority,
                "team": ticket.team_id,
                "assignee": ticket.assignee_id,
                "url": settings.BASE_URL.rstrip("/") + reverse("desk:ticket", args=[ticket.pk]),
            },
        }
        emit("rule.fired", data, occurred_at=timezone.now(), to=[subscription])
    return ticket


def _plan_words(template: Promise) -> Callable[[Facts, str], str | None]:
    return lambda facts, value: str(template) % {"value": value}


def _state_choices() -> list[tuple[str, str]]:
    return [(str(v), str(label)) for v, label in State.choices]


def _priority_choices() -> list[tuple[str, str]]:
    return [(str(v), str(label)) for v, label in Priority.choices]


def _team_choices() -> list[tuple[str, str]]:
    return [(str(pk), n) for pk, n in Team.objects.order_by("name").values_list("pk", "name")]


def _agent_choices() -> list[tuple[str, str]]:
    agents = User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by("display_name")
    return [("", str(_("nobody")))] + [(str(a.pk), a.name) for a in agents]


def _notify_plan(facts: Facts, value: str) -> str | None:
    labels = dict(_notify_choices())
    return _("Notify %(who)s") % {"who": labels.get(value, value)}


def _webhook_plan(facts: Facts, value: str) -> str | None:
    labels = dict(_subscriptions())
    return _("Call webhook %(name)s") % {"name": labels.get(value, value)}


def _builtin() -> None:
    for effect in (
        Effect("team", gettext_lazy("Move to team"), _check_team, _plan_team, _apply_team,
               _team_choices),
        Effect("assignee", gettext_lazy("Assign to"), _check_assignee, _plan_assignee,
               _apply_assignee, _agent_choices),
        Effect("priority", gettext_lazy("Set priority"), _check_priority, _plan_priority,
               _apply_priority, _priority_choices),
        Effect("state", gettext_lazy("Set state"), _check_state, _plan_state, _apply_state,
               _state_choices),
        Effect("add_tags", gettext_lazy("Add tags"), _check_tags, _plan_add_tags, _apply_add_tags),
        Effect("remove_tags", gettext_lazy("Remove tags"), _check_tags, _plan_remove_tags,
               _apply_remove_tags),
        Effect("reply",
               gettext_lazy("Send a canned reply (customer's language and form of address)"),
               _check_reply, _plan_reply, _apply_reply, _macros),
        Effect("note", gettext_lazy("Add an internal note"), _check_note,
               _plan_words(gettext_lazy("Internal note: %(value)s")), _apply_note),
        Effect("notify", gettext_lazy("Notify"), _check_notify, _notify_plan, _apply_notify,
               _notify_choices),
        Effect("webhook", gettext_lazy("Call a webhook (rule.fired)"), _check_webhook,
               _webhook_plan, _apply_webhook, _subscriptions),
    ):  # fmt: skip
        register(effect)


_builtin()


def check_all(effects: Any) -> list[tuple[Effect, str]]:
    """The stored actions, checked (``ValidationError`` with the reason)."""
    if not isinstance(effects, list) or not effects:
        raise ValidationError(_("A rule needs at least one action."))
    checked = []
    for item in effects:
        kind = str(item.get("kind", "")) if isinstance(item, dict) else ""
        effect = find_effect(kind)
        if effect is None:
            raise ValidationError(_("Unknown action: %(kind)s") % {"kind": kind})
        value = str(item.get("value", "")).strip()
        effect.check(value)
        checked.append((effect, value))
    return checked


def describe(item: dict[str, Any]) -> str:
    effect = lookup_effect(str(item.get("kind", "")))
    if effect is None:
        return str(item.get("kind", "?"))
    value = str(item.get("value", ""))
    if effect.choices is not None:
        value = dict(effect.choices()).get(value, value)
    return f"{effect.label}: {value}" if value else str(effect.label)
