"""The settings sections built in the settings area itself (pages over other apps' models)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from loket.lib.settings_menu import Section

PEOPLE = _("People and customers")
CHANNELS = _("Channels")
DESK = _("Desk")
SYSTEM = _("System")

MAILBOXES = Section(
    "mailboxes",
    _("Mailboxes"),
    _("Desk addresses, their IMAP account, a connection test and fetch health."),
    "setup:mailboxes",
    audience="admin",
    group=CHANNELS,
    order=25,
)
TEAMS = Section(
    "teams",
    _("Teams and tiers"),
    _("Teams per tier, their manager and members."),
    "setup:teams",
    audience="manager",
    group=PEOPLE,
    order=12,
)
AGENTS = Section(
    "agents",
    _("Agents"),
    _("Invite staff by mail, change roles, deactivate and reactivate."),
    "setup:agents",
    audience="manager",
    group=PEOPLE,
    order=14,
)
SLA = Section(
    "sla",
    _("SLA policies"),
    _("Answer and resolution targets per priority, for everyone or per customer."),
    "setup:policies",
    audience="manager",
    group=DESK,
    order=52,
)
CALENDARS = Section(
    "calendars",
    _("Business calendars"),
    _("Opening hours per weekday, public holidays per country, closed days."),
    "setup:calendars",
    audience="manager",
    group=DESK,
    order=53,
)
BRANDING = Section(
    "branding",
    _("Branding"),
    _("Desk name, logo, colours, sender name, mail footer and how long a reply can be undone."),
    "setup:branding",
    audience="admin",
    group=SYSTEM,
    order=70,
)
SECURITY_POLICY = Section(
    "security_policy",
    _("Security policy"),
    _("Two-factor sign-in for staff and how long a session lasts."),
    "setup:security",
    audience="admin",
    group=SYSTEM,
    order=72,
)
RETENTION = Section(
    "retention",
    _("Data retention"),
    _("Delete closed tickets after a number of months."),
    "setup:retention",
    audience="admin",
    group=SYSTEM,
    order=74,
)
AUDIT = Section(
    "audit",
    _("Audit log"),
    _("Every settings change, role change and sign-in event, with who did it."),
    "setup:audit",
    audience="manager",
    group=SYSTEM,
    order=95,
)


CANNED = Section(
    "canned_replies",
    _("Canned replies"),
    _("Texts per language and form of address, with variables, and what they change."),
    "setup:macros",
    audience="manager",
    group=DESK,
    order=57,
)

KB_CATEGORIES = Section(
    "kb_categories",
    _("Knowledge-base categories"),
    _("The help centre's categories: names per language, order and nesting."),
    "setup:categories",
    audience="manager",
    group=DESK,
    order=58,
)
MONITOR_SETTINGS = Section(
    "monitor_settings",
    _("Monitor settings"),
    _("Add, change, pause and delete website monitors."),
    "setup:monitors",
    audience="manager",
    group=CHANNELS,
    order=41,
)
STATUS_PAGE = Section(
    "status_page",
    _("Status page"),
    _("Which monitors the public status page shows, under which name, grouped and in order."),
    "setup:status_page",
    audience="manager",
    group=CHANNELS,
    order=42,
)
NOTIFY_DEFAULTS = Section(
    "notify_defaults",
    _("Notification defaults"),
    _("What reaches agents which way, and quiet hours, until they choose for themselves."),
    "setup:notify_defaults",
    audience="manager",
    group=PEOPLE,
    order=16,
)

ALL = (
    MAILBOXES, TEAMS, AGENTS, SLA, CALENDARS, CANNED, BRANDING, SECURITY_POLICY, RETENTION,
    AUDIT, KB_CATEGORIES, MONITOR_SETTINGS, STATUS_PAGE, NOTIFY_DEFAULTS,
)  # fmt: skip
