"""Canned replies: choosing the text for a customer, filling in its variables, applying its
changes to the ticket.

Variables are filled by a tiny substitution over an allow-list (``{{ customer.first_name }}``),
never by a template engine: a macro's text, and every value put into it, stays plain text, so
nothing anyone types can run template code or reach other data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from loket.accounts.models import Formality, User
from loket.kb.languages import FORMAL_LANGUAGES, LANGUAGE_CODES, normalise_language
from loket.kb.models import Macro, MacroText
from loket.tickets import actions as ticket_actions
from loket.tickets.models import Priority, State, Ticket

VARIABLE = re.compile(r"\{\{\s*([a-z_]+\.[a-z_]+)\s*\}\}")


def _first_name(person: User | None) -> str:
    if person is None:
        return ""
    return person.name.split()[0] if person.name.split() else ""


VARIABLES: dict[str, Callable[[Ticket, User], str]] = {
    "customer.first_name": lambda t, a: _first_name(t.customer),
    "customer.name": lambda t, a: t.customer.name if t.customer else "",
    "customer.email": lambda t, a: t.customer.email if t.customer else "",
    "organisation.name": lambda t, a: t.organisation.name if t.organisation else "",
    "ticket.number": lambda t, a: str(t.number),
    "ticket.subject": lambda t, a: t.subject,
    "agent.name": lambda t, a: a.name,
    "agent.first_name": lambda t, a: _first_name(a),
}


def substitute(text: str, values: dict[str, str]) -> str:
    """One pass: known variables become their values (which are never read again), unknown
    ones stay as written so the agent sees them before sending."""
    return VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def values_for(ticket: Ticket, agent: User) -> dict[str, str]:
    return {name: get(ticket, agent) for name, get in VARIABLES.items()}


def unknown_variables(text: str) -> list[str]:
    return sorted({m.group(1) for m in VARIABLE.finditer(text)} - VARIABLES.keys())


def check_registers(pairs: Iterable[tuple[str, str]]) -> list[str]:
    """Errors for a set of (language, formality) texts: languages with two registers need a
    formal and an informal text; English needs one text without a register."""
    errors = []
    seen: dict[str, set[str]] = {}
    for language, formality in pairs:
        seen.setdefault(language, set()).add(formality)
    for language, registers in sorted(seen.items()):
        if language not in LANGUAGE_CODES:
            errors.append(_("Unknown language: %(lang)s") % {"lang": language})
        elif language in FORMAL_LANGUAGES:
            if registers != {Formality.FORMAL, Formality.INFORMAL}:
                errors.append(
                    _("%(lang)s needs a formal and an informal text.") % {"lang": language}
                )
        elif registers != {Formality.UNKNOWN}:
            errors.append(_("%(lang)s has one text, without a register.") % {"lang": language})
    return errors


def customer_language(ticket: Ticket) -> str:
    customer = ticket.customer
    return normalise_language(ticket.language or (customer.language if customer else ""))


def pick_text(macro: Macro, ticket: Ticket) -> MacroText | None:
    """The text in the customer's language and register. Unknown register: formal (the safe
    choice with a stranger). No text in that language: English, then any."""
    language = customer_language(ticket)
    formality = ticket.customer.formality if ticket.customer else ""
    if formality not in (Formality.FORMAL, Formality.INFORMAL):
        formality = Formality.FORMAL
    texts = list(macro.texts.all())

    def score(t: MacroText) -> tuple[int, int]:
        lang = 0 if t.language == language else (1 if t.language == "en" else 2)
        register = 0 if t.formality in (formality, "") else 1
        return (lang, register)

    return min(texts, key=score) if texts else None


def render_macro(macro: Macro, ticket: Ticket, agent: User) -> str:
    text = pick_text(macro, ticket)
    if text is None:
        return ""
    return substitute(text.body, values_for(ticket, agent))


@transaction.atomic
def apply_macro(macro: Macro, ticket: Ticket, *, by: User, state: bool = True) -> Ticket:
    """Applies the macro's changes through the ticket actions (which check permission and
    write the events). ``state=False`` leaves the state to the reply form's own field."""
    if macro.set_priority is not None:
        ticket = ticket_actions.set_priority(ticket, Priority(macro.set_priority), by=by)
    if macro.tag_list:
        current = list(ticket.tags.values_list("name", flat=True))
        ticket = ticket_actions.set_tags(ticket, [*current, *macro.tag_list], by=by)
    if state and macro.set_state:
        ticket = ticket_actions.change_state(ticket, State(macro.set_state), by=by)
    return ticket
