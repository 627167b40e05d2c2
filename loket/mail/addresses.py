"""The Cc addresses an agent chooses for a reply: checked and tidied before they are stored.

Each must be one plain e-mail address. A line break, NUL or other control character, or a
comma (which would make it several addresses, or add a header, once written into the mail) is
refused with the address named, as is anything Django's ``validate_email`` refuses and more
than ``conf.max_cc()`` addresses. What is left is lower-cased and de-duplicated; the customer
(who gets the mail in To) and the desk's own addresses are dropped without a word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.utils import parseaddr

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from loket.mail import conf
from loket.tickets.actions import ActionError

SEPARATORS = re.compile(r"[\s,;]+")
SHOWN_LENGTH = 80


class InvalidCc(ActionError):
    """A Cc list that cannot be used, with the reason (naming the address) for the agent."""


def split_addresses(text: str) -> list[str]:
    """The addresses typed in one field, separated by commas, semicolons or white space."""
    return [part for part in SEPARATORS.split(text) if part]


def _shown(address: str) -> str:
    """The address as the error message shows it: control characters written as escapes."""
    shown = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in address)
    return shown if len(shown) <= SHOWN_LENGTH else shown[: SHOWN_LENGTH - 1] + "…"


def _desk_addresses() -> set[str]:
    return {(parseaddr(a)[1] or a).lower() for a in conf.own_addresses()}


def clean_cc(addresses: Iterable[str], *, customer_address: str = "") -> list[str]:
    """The addresses to copy a reply to, in the order given. Raises ``InvalidCc``."""
    skip = _desk_addresses() | {customer_address.strip().lower()}
    cc: list[str] = []
    for raw in addresses:
        if not isinstance(raw, str):
            raise InvalidCc(_("Every Cc address must be text."))
        if any(not ch.isprintable() for ch in raw) or "," in raw:
            raise InvalidCc(
                _("“%(address)s” is not a single e-mail address (line break or comma).")
                % {"address": _shown(raw)}
            )
        address = raw.strip().lower()
        if not address:
            raise InvalidCc(_("An address in Cc is empty."))
        try:
            validate_email(address)
        except ValidationError:
            raise InvalidCc(
                _("“%(address)s” is not a valid e-mail address.") % {"address": _shown(raw)}
            ) from None
        if address not in skip and address not in cc:
            cc.append(address)
    limit = conf.max_cc()
    if len(cc) > limit:
        raise InvalidCc(
            _("At most %(limit)s addresses may be in Cc, not %(count)s.")
            % {"limit": limit, "count": len(cc)}
        )
    return cc
