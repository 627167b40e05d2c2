"""Wires the automation rules in (called from the rules app's ``ready``): the ticket hooks,
the periodic job of the time-based rules, the settings section, and how a rule's timeline
entry reads."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.tickets.models import Event


def describe_event(event: Event) -> str:
    after = event.after if isinstance(event.after, dict) else {}
    name = str(after.get("name") or event.reason or "?")
    changes = [str(c) for c in after.get("changes") or []]
    if changes:
        return _("applied rule “%(rule)s”: %(changes)s") % {
            "rule": name,
            "changes": "; ".join(changes),
        }
    return _("applied rule “%(rule)s”") % {"rule": name}


def ready() -> None:
    from loket.jobs import scheduler
    from loket.lib.settings_menu import Section, register
    from loket.rules.automation import effects_types, engine, props_types
    from loket.tickets.models import EventKind
    from loket.tickets.timeline import register_describer

    engine.connect()
    props_types.ready()
    effects_types.ready()
    register_describer(EventKind.RULE, describe_event)
    if not any(job.name == "rules-timed" for job in scheduler.PERIODIC):
        scheduler.PERIODIC.append(
            scheduler.Periodic("rules-timed", "loket.rules.automation.timed.run_timed_rules", 300)
        )
    register(
        Section(
            "automation_rules",
            gettext_lazy("Automation rules"),
            gettext_lazy("Triggers, conditions and actions that change tickets by themselves."),
            "rules:list",
            audience="admin",
            group=gettext_lazy("Desk"),
            order=55,
        )
    )
