"""The mailbox form of the settings area: the admin's form without the bookkeeping fields."""

from __future__ import annotations

from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from loket.mail.admin import MailboxForm as AdminMailboxForm
from loket.mail.models import AfterStore, Mailbox

SECRETS = ("password", "oauth2_token")


class MailboxForm(AdminMailboxForm):
    class Meta(AdminMailboxForm.Meta):
        fields = (  # type: ignore[assignment]
            "name", "address", "enabled", "host", "port", "security", "username", "password",
            "oauth2_token", "folder", "after_store", "move_to",
        )  # fmt: skip

    field_order = (
        "name", "address", "enabled", "host", "port", "security", "username", "password",
        "clear_password", "oauth2_token", "clear_oauth2_token", "folder", "after_store",
        "move_to",
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.label = capfirst(field.label)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("host") and not data.get("username"):
            self.add_error("username", _("A mailbox with an IMAP host needs a user name."))
        if data.get("after_store") == AfterStore.MOVE and not data.get("move_to"):
            self.add_error("move_to", _("Say which folder the mail is moved to."))
        port = data.get("port")
        if port is not None and not 1 <= port <= 65535:
            self.add_error("port", _("A port is a number from 1 to 65535."))
        return data


def secret_states(mailbox: Mailbox | None) -> list[tuple[str, str]]:
    from loket.lib.sealed import is_unreadable

    rows: list[tuple[str, str]] = []
    for name in SECRETS:
        value = getattr(mailbox, name, "") if mailbox is not None else ""
        if is_unreadable(value):
            state = _("cannot be decrypted: enter it again")
        elif value:
            state = _("stored, encrypted")
        else:
            state = _("not set")
        rows.append((Mailbox.secret_label(name), str(state)))
    return rows
