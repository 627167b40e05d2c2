"""The audit log's rows in words, in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.accounts.models import AuditEntry
from loket.lib.settings_menu import sections
from loket.setup import audit

ACTIONS = {
    audit.CREATED: gettext_lazy("created"),
    audit.CHANGED: gettext_lazy("changed"),
    audit.DELETED: gettext_lazy("deleted"),
    "role_changed": gettext_lazy("role changed"),
    "teams_changed": gettext_lazy("teams changed"),
    "staff_invited": gettext_lazy("staff member invited"),
    "staff_joined": gettext_lazy("invitation accepted"),
    "staff_deactivated": gettext_lazy("staff member deactivated"),
    "staff_reactivated": gettext_lazy("staff member reactivated"),
    "tickets_purged": gettext_lazy("closed tickets deleted (retention)"),
    "api_token_created": gettext_lazy("API token created"),
    "api_token_revoked": gettext_lazy("API token revoked"),
    "mfa_authenticator_added": gettext_lazy("second factor set up"),
    "mfa_authenticator_removed": gettext_lazy("second factor removed"),
    "mfa_recovery_codes_generated": gettext_lazy("recovery codes made"),
    "mfa_login_failed": gettext_lazy("wrong second-factor code"),
    "mfa_reauthentication_failed": gettext_lazy("wrong second-factor code"),
    "login_locked_out": gettext_lazy("sign-in locked after failures"),
    "webhook_created": gettext_lazy("webhook created"),
    "webhook_changed": gettext_lazy("webhook changed"),
    "webhook_deleted": gettext_lazy("webhook deleted"),
    "webhook_secret_changed": gettext_lazy("webhook secret changed"),
    "webhook_switched_on": gettext_lazy("webhook switched on"),
    "webhook_switched_off": gettext_lazy("webhook switched off"),
    "organisation_joined": gettext_lazy("joined an organisation"),
    "organisation_invited": gettext_lazy("invited to an organisation"),
    "organisation_member_removed": gettext_lazy("removed from an organisation"),
    "organisation_admin_changed": gettext_lazy("organisation admin changed"),
}


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def describe(entry: AuditEntry) -> dict[str, Any]:
    data = entry.data if isinstance(entry.data, dict) else {}
    titles = {s.key: str(s.title) for s in sections()}
    section = str(data.get("section", ""))
    details: list[str] = []
    changes = data.get("changes")
    if isinstance(changes, dict):
        for field, change in changes.items():
            if change == audit.HIDDEN:
                details.append(_("%(field)s: changed") % {"field": field})
            elif isinstance(change, list) and len(change) == 2:
                details.append(
                    _("%(field)s: %(before)s → %(after)s")
                    % {"field": field, "before": _short(change[0]), "after": _short(change[1])}
                )
    elif entry.action == "role_changed":
        details.append(f"{data.get('before', '')} → {data.get('after', '')}")
    elif entry.action == "tickets_purged":
        details.append(_("%(count)s tickets") % {"count": data.get("count", 0)})
    return {
        "action": str(ACTIONS.get(entry.action, entry.action)),
        "section": titles.get(section, section),
        "object": data.get("object") or data.get("name") or data.get("email") or "",
        "details": details,
    }
