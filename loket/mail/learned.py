"""Signatures learnt from a sender's earlier mails.

Many signatures have no ``-- `` line and no sign-off the rules in ``loket.mail.signatures``
know ("Anna de Vries | Acme B.V.\\nKeizersgracht 1\\n+31 20 123 4567"). The desk has every
sender's history: the same lines at the end of the words a sender wrote in several of their
latest mails are their signature. Each stored mail keeps its last few lines (``tail_of``, in
``MailRecord.tail``); a new mail's text loses the lines it ends with when at least
``MIN_MATCHES`` of the sender's last ``PREVIOUS`` mails ended with the same ones
(``learned_start``). A sign-off just above them ("Regards,") goes with them. The customer's
words are never all cut: at least one line stays.

Pure functions; the tails are read from the database once per batch of mails
(``loket.mail.batching``).
"""

from __future__ import annotations

from loket.mail.signatures import closing

TAIL_LINES = 8  # lines kept per mail: the longest signature that can be learnt
MAX_TAIL_LINE = 200  # longer lines are text, never part of a learnt signature
PREVIOUS = 5  # the sender's latest mails that are compared
MIN_MATCHES = 2  # how many of them must end alike


def _filled(lines: list[str]) -> list[tuple[int, str]]:
    return [(i, " ".join(line.split())) for i, line in enumerate(lines) if line.strip()]


def tail_of(text: str) -> str:
    """The last non-empty lines of ``text`` (a customer's own words), spaces squeezed, as
    kept with the mail; "" when there are fewer than two (nothing to learn from)."""
    lines = [line for _, line in _filled(text.split("\n")[-(TAIL_LINES * 4) :])]
    if len(lines) < 2:
        return ""
    kept: list[str] = []
    for line in reversed(lines[-TAIL_LINES:]):
        if len(line) > MAX_TAIL_LINE:
            break
        kept.append(line)
    return "\n".join(reversed(kept))


def learned_start(lines: list[str], previous: list[str]) -> int | None:
    """The index in ``lines`` (a new mail's own words) where the sender's learnt signature
    starts, or None. ``previous``: the tails of the sender's earlier mails, newest first."""
    filled = _filled(lines)
    if len(filled) < 2:
        return None
    earlier = [tail.split("\n") for tail in previous[:PREVIOUS] if tail]
    if len(earlier) < MIN_MATCHES:
        return None
    size = 0
    for k in range(1, min(TAIL_LINES, len(filled)) + 1):
        block = [line for _, line in filled[-k:]]
        if len(block[0]) > MAX_TAIL_LINE or block[0].endswith("?"):
            break
        if sum(1 for tail in earlier if tail[-k:] == block) < MIN_MATCHES:
            break  # a longer block cannot match more mails
        size = k
    if not size or size == len(filled):
        return None  # nothing learnt, or the mail is only the signature: it stays visible
    start = len(filled) - size
    if start > 1 and closing(filled[start - 1][1]):
        start -= 1  # "Regards," above the learnt lines
    return filled[start][0]


def cut(text: str, previous: list[str]) -> tuple[str, str] | None:
    """``text`` without the learnt signature at its end, and the signature; None when
    nothing was learnt."""
    lines = text.split("\n")
    start = learned_start(lines, previous)
    if start is None:
        return None
    kept = "\n".join(lines[:start]).strip("\n").rstrip()
    if not kept.strip():
        return None
    return kept, "\n".join(lines[start:]).strip("\n").rstrip()
