"""The address guard: the one check every outgoing connection goes through.

HTTP (``loket.lib.http``: monitors, webhooks, messengers), IMAP and SMTP
(``loket.lib.mailclients``) and the TCP, TLS and DNS monitors all reach the outside world in
the same three steps:

1. the host is *resolved* once (a literal address is used as it is; a host name that a
   resolver would read as a number in disguise, ``2130706433`` or ``127.1``, is refused);
2. *every* address it resolves to is *checked* against the ``Policy``: loopback, private,
   shared, link-local, multicast, reserved and IPv6-wrapped IPv4 addresses are refused unless
   an admin opened that network (``LOKET_HTTP_ALLOWED_NETWORKS``); cloud metadata and "this
   host" addresses are refused always; one refused address refuses the whole name;
3. the connection goes to an address that was checked, never to the name again, so a DNS
   answer that changes between check and connect (re-binding) cannot switch the target.

A refusal happens before any socket is opened, so its message depends on the address alone:
it reads the same whether something listens there or not (no probing of internal networks
through the error text).
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.lib import neterrors

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]
AsyncResolver = Callable[[str, int], Awaitable[list[str]]]

# Never reachable, whatever an admin allows: instance metadata services ...
METADATA: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "169.254.0.0/16",  # link-local, incl. 169.254.169.254 (AWS, GCP, Azure, OpenStack)
        "fe80::/10",  # IPv6 link-local
        "fd00:ec2::254/128",  # AWS metadata over IPv6
        "100.100.100.200/32",  # Alibaba Cloud metadata
    )
)
# ... and "this host" (connecting to 0.0.0.0 reaches the local machine on Linux).
UNSPECIFIED: tuple[IPNetwork, ...] = tuple(ipaddress.ip_network(n) for n in ("0.0.0.0/8", "::/128"))
NEVER: tuple[IPNetwork, ...] = METADATA + UNSPECIFIED
# IPv6 ranges that carry an IPv4 address inside; refused outright (never needed for a real site).
EMBEDDED_V4: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "::ffff:0:0/96",  # IPv4-mapped
        "::/96",  # IPv4-compatible (deprecated)
        "64:ff9b::/96",  # NAT64 well-known prefix
        "64:ff9b:1::/48",  # local-use NAT64
        "2002::/16",  # 6to4
        "2001::/32",  # Teredo
    )
)

# Why an address is refused, as a short noun phrase for the one message format below.
KINDS = {
    "metadata": gettext_lazy("link-local or cloud metadata"),
    "unspecified": gettext_lazy("“this host”"),
    "loopback": gettext_lazy("loopback"),
    "private": gettext_lazy("private network"),
    "embedded": gettext_lazy("IPv4 address inside IPv6"),
    "multicast": gettext_lazy("multicast"),
    "reserved": gettext_lazy("reserved or shared network"),
    "zone": gettext_lazy("address with a zone index"),
}

_NUMBERISH_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)


class Refused(Exception):
    """The guard refused a host before any connection was made. ``kind`` is a key of
    ``KINDS`` (or ``host`` for a host name that is not acceptable as such)."""

    def __init__(self, message: str, *, kind: str = "host") -> None:
        super().__init__(message)
        self.kind = kind


class NotResolved(Exception):
    """The host name has no addresses (or the resolver failed)."""


def _parse_networks(values: Iterable[str | IPNetwork]) -> tuple[IPNetwork, ...]:
    return tuple(
        v if not isinstance(v, str) else ipaddress.ip_network(v.strip(), strict=False)
        for v in values
        if not isinstance(v, str) or v.strip()
    )


def _in(ip: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(ip in net for net in networks if net.version == ip.version)


@dataclass(frozen=True)
class Policy:
    """Which addresses outgoing connections may reach.

    By default only globally routable unicast addresses. ``allowed`` adds networks an admin
    (or a test, for loopback) explicitly opened; the metadata and "this host" ranges in
    ``NEVER`` stay closed even then.
    """

    allowed: tuple[IPNetwork, ...] = ()

    @classmethod
    def allowing(cls, *networks: str | IPNetwork) -> Policy:
        return cls(allowed=_parse_networks(networks))

    @classmethod
    def from_settings(cls) -> Policy:
        configured = getattr(settings, "HTTP_ALLOWED_NETWORKS", ())
        if isinstance(configured, str):
            configured = configured.split(",")
        return cls(allowed=_parse_networks(configured))

    def refused_kind(self, ip: IPAddress) -> str | None:
        """The ``KINDS`` key that refuses ``ip``, or ``None`` when it may be reached."""
        if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
            return "zone"
        if _in(ip, METADATA):
            return "metadata"
        if _in(ip, UNSPECIFIED):
            return "unspecified"
        allowed = _in(ip, self.allowed)
        if ip.is_loopback:  # before the IPv4-inside-IPv6 ranges: ::1 lies in ::/96
            return None if allowed else "loopback"
        if isinstance(ip, ipaddress.IPv6Address) and _in(ip, EMBEDDED_V4):
            return "embedded"
        if allowed:
            return None
        if ip.is_multicast:
            return "multicast"
        if ip.is_private:
            return "private"
        if not ip.is_global:
            return "reserved"
        return None

    def refusal(self, address: str | IPAddress) -> str | None:
        """Why ``address`` may not be reached (the message a person sees), or ``None``."""
        try:
            ip = ipaddress.ip_address(address) if isinstance(address, str) else address
        except ValueError:
            return _("%(address)s is not an IP address") % {"address": repr(address)}
        kind = self.refused_kind(ip)
        if kind is None:
            return None
        return _("Address not allowed: %(address)s (%(kind)s).") % {
            "address": ip,
            "kind": KINDS[kind],
        }

    def check(self, address: str | IPAddress) -> None:
        """Raises ``Refused`` when ``address`` may not be reached."""
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
        kind = self.refused_kind(ip)
        if kind is not None:
            raise Refused(self.refusal(ip) or "", kind=kind)


def policy_or_default(policy: Policy | None) -> Policy:
    return policy if policy is not None else Policy.from_settings()


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def check_host(host: str) -> str:
    """The host as it will be resolved (IPv6 brackets removed); refuses an empty host and one
    that a resolver would read as a number in disguise: ``2130706433``, ``0x7f.1``,
    ``0177.0.0.1`` and ``127.1`` are all 127.0.0.1. Only the dotted-quad spelling is accepted."""
    host = host.strip().strip("[]")
    if not host:
        raise Refused(_("No host given."))
    if ":" not in host and all(_NUMBERISH_LABEL.match(label) for label in host.split(".") if label):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise Refused(
                _("%(host)s is a number in disguise, not a host name") % {"host": repr(host)}
            ) from None
    return host


def is_local_name(host: str) -> bool:
    """``localhost`` and names under ``.localhost`` always mean this machine (RFC 6761)."""
    name = host.strip().rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


def literal_refusal(host: str, policy: Policy | None = None) -> str | None:
    """Why ``host`` is refused without asking a resolver: a literal address outside the
    policy, a disguised number, or a name that always means this machine. Used when a target
    is saved (admin, API), so that the refusal shows up at once and not at the first check.
    Other names are checked when they are resolved for connecting."""
    try:
        host = check_host(host)
    except Refused as exc:
        return str(exc)
    policy = policy_or_default(policy)
    if is_ip(host):
        return policy.refusal(host)
    if is_local_name(host) and policy.refused_kind(ipaddress.ip_address("127.0.0.1")):
        return _("Address not allowed: %(host)s resolves to a refused address (%(kind)s).") % {
            "host": host,
            "kind": KINDS["loopback"],
        }
    return None


def host_and_port(target: str, default_port: int) -> tuple[str, int]:
    """``host``, ``host:port``, ``[v6]:port`` or a URL → (host, port). A port that is not a
    number in range gives port 0."""
    text = target.strip()
    parts = urlsplit(text if "://" in text else "//" + text)
    try:
        port = parts.port or default_port
    except ValueError:
        port = 0
    return parts.hostname or "", port


# ---------------------------------------------------------------------------------------------
# resolving


def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's resolver (``getaddrinfo``), addresses in its order, no doubles."""
    try:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise NotResolved(_("%(host)s does not resolve: %(reason)s") % {
            "host": host, "reason": neterrors.plain(exc)
        }) from exc  # fmt: skip
    seen: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in seen:
            seen.append(address)
    return seen


_resolver_pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="loket-dns")


async def async_system_resolver(host: str, port: int) -> list[str]:
    """``system_resolver`` on a small thread pool of its own, for the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_resolver_pool, system_resolver, host, port)


@dataclass(frozen=True)
class Checked:
    """A host whose every address passed the policy; connect only through it."""

    host: str
    port: int
    addresses: tuple[str, ...]

    @property
    def resolved(self) -> bool:
        """Whether a resolver was asked (the host is a name, not an address)."""
        return not is_ip(self.host)

    @property
    def on_this_machine(self) -> bool:
        return all(ipaddress.ip_address(a).is_loopback for a in self.addresses)

    def connect(self, timeout: float | None) -> socket.socket:
        """A TCP connection to the first checked address that answers."""
        error: OSError | None = None
        for address in self.addresses:
            try:
                return socket.create_connection((address, self.port), timeout=timeout)
            except OSError as exc:
                error = exc
        assert error is not None
        raise error

    async def open_connection(
        self,
    ) -> tuple[str, asyncio.StreamReader, asyncio.StreamWriter]:
        """``connect`` for asyncio: (the address reached, reader, writer)."""
        error: OSError | None = None
        for address in self.addresses:
            try:
                reader, writer = await asyncio.open_connection(address, self.port)
            except OSError as exc:
                error = exc
                continue
            return address, reader, writer
        assert error is not None
        raise error


def check_addresses(host: str, port: int, addresses: list[str], policy: Policy) -> Checked:
    """Refuses ``host`` when any of its addresses is refused (a name that points partly inside
    is not to be trusted); the message names the kind of address, the same whether anything
    listens there or not."""
    if not addresses:
        raise NotResolved(_("%(host)s does not resolve") % {"host": host})
    for address in addresses:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            raise Refused(
                _("%(address)s is not an IP address") % {"address": repr(address)}
            ) from None
        kind = policy.refused_kind(ip)
        if kind is None:
            continue
        if address == host:
            raise Refused(policy.refusal(ip) or "", kind=kind)
        raise Refused(
            _("Address not allowed: %(host)s resolves to a refused address (%(kind)s).")
            % {"host": host, "kind": KINDS[kind]},
            kind=kind,
        )
    return Checked(host=host, port=port, addresses=tuple(addresses))


def resolve(
    host: str,
    port: int,
    *,
    policy: Policy | None = None,
    resolver: Resolver = system_resolver,
) -> Checked:
    """Resolves ``host`` once and checks every address (raises ``Refused`` or
    ``NotResolved``). No connection is made."""
    host = check_host(host)
    addresses = [host] if is_ip(host) else resolver(host, port)
    return check_addresses(host, port, addresses, policy_or_default(policy))


async def resolve_async(
    host: str,
    port: int,
    *,
    policy: Policy | None = None,
    resolver: AsyncResolver = async_system_resolver,
) -> Checked:
    """``resolve`` for asyncio."""
    host = check_host(host)
    addresses = [host] if is_ip(host) else await resolver(host, port)
    return check_addresses(host, port, addresses, policy_or_default(policy))


def connect(
    host: str,
    port: int,
    *,
    timeout: float | None,
    policy: Policy | None = None,
    resolver: Resolver = system_resolver,
) -> socket.socket:
    """Resolve, check, and connect to a checked address: a plain TCP socket for protocols
    that wrap their own (IMAP, SMTP). TLS, if any, is started by the caller with the
    original host name for certificate verification."""
    return resolve(host, port, policy=policy, resolver=resolver).connect(timeout)
