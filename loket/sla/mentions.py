"""``@name`` in an internal note: which agents it names.

An agent is named by ``@`` followed by their full display name (``@Anna de Vries``), their
display name without spaces or with dots (``@annadevries``, ``@anna.de.vries``), their
e-mail address or its local part (``@anna``), or their first name when no other active
agent shares it (``@Anna``). Case does not matter; an e-mail address elsewhere in the text
(``info@example.com``) is not a mention, as its ``@`` follows a letter.
"""

from __future__ import annotations

import re

from loket.accounts.models import STAFF_ROLES, User

_AT = re.compile(r"(?<![\w.@])@")
_TOKEN = re.compile(r"[\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?")


def may_mention(text: str) -> bool:
    """Cheap pre-check (no query): could ``text`` name anyone?"""
    return bool(_AT.search(text))


def _agents() -> list[User]:
    return list(
        User.objects.filter(is_active=True, role__in=list(STAFF_ROLES)).only(
            "pk", "email", "display_name", "role", "is_active", "language"
        )
    )


def _handles(agent: User, first_names: dict[str, int]) -> set[str]:
    name = (agent.display_name or "").strip().lower()
    email = agent.email.lower()
    found = {email, email.split("@")[0]}
    if name:
        words = name.split()
        found |= {"".join(words), ".".join(words), "_".join(words)}
        if first_names.get(words[0]) == 1:
            found.add(words[0])
    return {h.strip(".") for h in found if h}


def mentioned(text: str) -> list[User]:
    """The active agents ``text`` mentions, in the order first named."""
    if not may_mention(text):
        return []
    agents = _agents()
    first_names: dict[str, int] = {}
    for agent in agents:
        words = (agent.display_name or "").lower().split()
        if words:
            first_names[words[0]] = first_names.get(words[0], 0) + 1
    handles = {agent.pk: _handles(agent, first_names) for agent in agents}
    lowered = text.lower()
    named: dict[int, User] = {}
    for at in _AT.finditer(lowered):
        rest = lowered[at.end() :]
        # the full name with its spaces first ("@Anna de Vries")
        by_name = [
            a
            for a in agents
            if a.display_name
            and " " in a.display_name.strip()
            and re.match(re.escape(a.display_name.strip().lower()) + r"(?!\w)", rest)
        ]
        if by_name:
            best = max(by_name, key=lambda a: len(a.display_name))
            named.setdefault(best.pk, best)
            continue
        token = _TOKEN.match(rest)
        if token is None:
            continue
        word = token.group(0).rstrip(".,;:!?-")
        for agent in agents:
            if word in handles[agent.pk]:
                named.setdefault(agent.pk, agent)
                break
    return list(named.values())
