"""The one answer to "which address is this request from?", for lockouts and rate limits.

``REMOTE_ADDR`` is the peer that opened the connection; nobody can choose it. A reverse proxy
in front of Loket is that peer for everyone and passes the real client in
``X-Forwarded-For`` - a header any client can also send. So the header is read only when the
peer is one of ``settings.TRUSTED_PROXIES`` (``LOKET_TRUSTED_PROXIES``, addresses or networks,
empty by default), and then from the right: each proxy appends the address it saw, so the
right-most address that is not one of our proxies is the client. Everything left of it was
written by the client and is ignored. With no trusted proxies the header is never read.

Login lockouts (django-axes), allauth's rate limits, the contact form, the help centre and
the API's bad-token throttle all ask this module.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """``"10.0.0.1, 192.168.0.0/16, ::1"`` → networks; raises ValueError on a bad entry."""
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip())


@lru_cache(maxsize=8)
def _trusted(configured: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return parse_networks(configured)


def trusted_proxies() -> tuple[IPNetwork, ...]:
    configured = getattr(settings, "TRUSTED_PROXIES", ())
    if isinstance(configured, str):
        configured = configured.split(",")
    return _trusted(tuple(configured))


def parse_address(value: str) -> IPAddress | None:
    """One address as a proxy or server writes it: ``1.2.3.4``, ``1.2.3.4:5678``,
    ``2001:db8::1``, ``[2001:db8::1]:443``; IPv4-mapped IPv6 becomes IPv4. None if garbage."""
    text = value.strip().strip('"')
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return None
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
    return address


def _is_trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address in net for net in networks if net.version == address.version)


def client_ip(request: HttpRequest) -> str:
    """The client's address as text; ``REMOTE_ADDR`` unless that is a trusted proxy."""
    remote = str(request.META.get("REMOTE_ADDR", "") or "")
    peer = parse_address(remote)
    if peer is None:
        return remote
    networks = trusted_proxies()
    if not networks or not _is_trusted(peer, networks):
        return str(peer)
    hops = [h for h in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if h.strip()]
    nearest = peer
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            # Written by someone we cannot vouch for: the last proxy we trust is the answer.
            return str(nearest)
        if not _is_trusted(address, networks):
            return str(address)
        nearest = address
    # Every hop is one of our proxies (a health check from inside, say).
    return str(nearest)
