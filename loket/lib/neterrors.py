"""Network errors in words people understand: "[Errno -2] Name or service not known" is what
the operating system says; a support team needs "the name does not exist"."""

from __future__ import annotations

import errno
import socket

from django.utils.translation import gettext as _


def _resolver_text(code: int) -> str | None:
    if code in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", None)):
        return _("the name does not exist or has no address (check the spelling and its DNS)")
    if code == socket.EAI_AGAIN:
        return _("the name servers did not answer in time (a temporary DNS problem)")
    if code == socket.EAI_FAIL:
        return _("the name servers refused to answer (a DNS failure)")
    return None


_ERRNO_TEXTS = {
    errno.ECONNREFUSED: lambda: _(
        "the server refused the connection (nothing answers on that port)"
    ),
    errno.ECONNRESET: lambda: _("the server closed the connection"),
    errno.ETIMEDOUT: lambda: _("the server did not answer in time"),
    errno.EHOSTUNREACH: lambda: _("the server cannot be reached from here (no route)"),
    errno.ENETUNREACH: lambda: _("the network of the server cannot be reached from here"),
    errno.EHOSTDOWN: lambda: _("the server is down"),
}


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def describe(exc: BaseException) -> str | None:
    """A plain-language reason for a resolver or socket error anywhere in ``exc``'s chain, or
    None when it is none of those (the caller keeps its own text)."""
    for link in _chain(exc):
        if isinstance(link, socket.gaierror) and link.errno is not None:
            text = _resolver_text(link.errno)
            if text:
                return text
            return _("the name could not be looked up")
        if isinstance(link, OSError) and link.errno in _ERRNO_TEXTS:
            return _ERRNO_TEXTS[link.errno]()
    return None


def describe_text(text: str) -> str | None:
    """The same for an error that only arrived as text (httpcore flattens its causes)."""
    lowered = text.lower()
    if "name or service not known" in lowered or "no address associated" in lowered:
        return _resolver_text(socket.EAI_NONAME)
    if "temporary failure in name resolution" in lowered:
        return _resolver_text(socket.EAI_AGAIN)
    if "connection refused" in lowered:
        return _ERRNO_TEXTS[errno.ECONNREFUSED]()
    if "connection reset" in lowered:
        return _ERRNO_TEXTS[errno.ECONNRESET]()
    if "no route to host" in lowered:
        return _ERRNO_TEXTS[errno.EHOSTUNREACH]()
    if "network is unreachable" in lowered:
        return _ERRNO_TEXTS[errno.ENETUNREACH]()
    return None


def plain(exc: BaseException) -> str:
    """``describe`` with the error's own text as the fallback."""
    return describe(exc) or describe_text(str(exc)) or str(exc) or exc.__class__.__name__
