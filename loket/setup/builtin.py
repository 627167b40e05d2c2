"""Settings sections for pages that existed before the settings area (owned by older apps)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from loket.lib.settings_menu import Section, register
from loket.setup.sections import ALL, CHANNELS, DESK, PEOPLE, SYSTEM


def register_sections() -> None:
    for section in (
        Section(
            "organisations",
            _("Organisations"),
            _("Customer organisations, who may join them, invitations."),
            "orgs:list",
            audience="agent",
            group=PEOPLE,
            order=10,
        ),
        Section(
            "security",
            _("Staff security"),
            _("Second factor and sign-in state of every staff member."),
            "staff_security",
            audience="manager",
            group=PEOPLE,
            order=20,
        ),
        Section(
            "chat_channels",
            _("Chat channels"),
            _("Website chat widgets: sites allowed, texts, opening hours."),
            "chat:channels",
            audience="admin",
            group=CHANNELS,
            order=30,
        ),
        Section(
            "monitors",
            _("Website monitors"),
            _("Checks of your websites' availability and speed, incidents."),
            "monitor:monitors",
            audience="agent",
            group=CHANNELS,
            order=40,
        ),
        Section(
            "shifts",
            _("Shifts"),
            _("Rota, shift swaps and who is on duty."),
            "rota:swaps",
            audience="agent",
            group=DESK,
            order=50,
        ),
        Section(
            "webhooks",
            _("Webhooks"),
            _("Outgoing webhooks to other systems and their delivery log."),
            "webhooks:list",
            audience="admin",
            group=SYSTEM,
            order=80,
        ),
        Section(
            "health",
            _("Desk health"),
            _("Background workers, queues, mailboxes and the unanswered backlog."),
            "desk:health",
            audience="manager",
            group=SYSTEM,
            order=90,
        ),
        *ALL,
    ):
        register(section)
