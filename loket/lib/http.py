"""The one way Loket talks HTTP to the outside world (monitors, webhooks, avatars).

Every request goes through the address guard of ``loket.lib.netguard`` (the same one IMAP,
SMTP and the TCP/TLS/DNS monitors use):

* only ``http`` and ``https`` URLs, and no host names that a resolver would read as a number in
  disguise (``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``127.1``);
* the host is resolved once and *every* address it resolves to is checked: loopback, private,
  shared (CGNAT), link-local, multicast, reserved, IPv4-mapped/-compatible and NAT64/6to4
  IPv6 addresses are refused unless an admin allowed that network
  (``settings.HTTP_ALLOWED_NETWORKS``); cloud metadata addresses (``169.254.0.0/16``,
  ``fe80::/10``, ``fd00:ec2::254``, ``100.100.100.200``) and "this host" (``0.0.0.0/8``,
  ``::``) are refused always;
* the connection is made to the address that was checked (a custom httpcore network backend
  does resolve-check-connect in one step), so a DNS answer that changes between check and
  connect (re-binding) cannot slip through;
* redirects are followed by hand, and each hop is checked again the same way;
* every request has a total deadline, and response bodies are read up to a size limit.

The same backend measures the phases of a request (DNS, connect, TLS, first byte, total) for
the website monitors.
"""

from __future__ import annotations

import asyncio
import contextvars
import ssl
import time
from collections.abc import Coroutine, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

import httpcore
import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from loket.lib import neterrors, netguard

Resolver = netguard.AsyncResolver
Policy = netguard.Policy
is_ip = netguard.is_ip
system_resolver = netguard.async_system_resolver

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_REDIRECTS = 5
USER_AGENT = "Loket/0.1 (+https://github.com/loket)"


class HttpError(Exception):
    """A request that did not produce a usable response. ``kind`` says what went wrong:
    ``blocked``, ``timeout``, ``connect``, ``tls``, ``too_large``, ``redirects``, ``protocol``."""

    kind = "protocol"

    def __init__(self, message: str, *, kind: str | None = None) -> None:
        super().__init__(message)
        if kind is not None:
            self.kind = kind


class Blocked(HttpError):
    """The URL or an address it resolves to is not allowed (SSRF guard)."""

    kind = "blocked"


class TooLarge(HttpError):
    kind = "too_large"


def check_url(url: str | httpx.URL) -> httpx.URL:
    """Parses ``url`` and refuses what can never be fetched (the addresses are checked later,
    when the host is resolved for connecting)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise Blocked(_("not a valid URL: %(error)s") % {"error": exc}) from None
    if parsed.scheme not in ("http", "https"):
        raise Blocked(
            _("only http and https URLs are allowed, not %(scheme)s")
            % {"scheme": repr(parsed.scheme or "none")}
        )
    try:
        netguard.check_host(parsed.host)
    except netguard.Refused as exc:
        raise Blocked(str(exc)) from None
    return parsed


async def resolve_checked(
    host: str, port: int, policy: Policy, resolver: Resolver = system_resolver
) -> list[str]:
    """Every address ``host`` resolves to, after the address guard checked each one
    (``loket.lib.netguard``); its refusals are ``Blocked``, a name without addresses is an
    ``HttpError`` of kind ``dns``."""
    try:
        checked = await netguard.resolve_async(host, port, policy=policy, resolver=resolver)
    except netguard.Refused as exc:
        raise Blocked(str(exc)) from None
    except netguard.NotResolved as exc:
        raise HttpError(str(exc), kind="dns") from None
    return list(checked.addresses)


@dataclass
class Timings:
    """Milliseconds per phase; ``None`` when the phase did not happen (no TLS, no DNS)."""

    dns_ms: float | None = None
    connect_ms: float | None = None
    tls_ms: float | None = None
    first_byte_ms: float | None = None
    total_ms: float | None = None

    def add(self, name: str, ms: float) -> None:
        current = getattr(self, name)
        setattr(self, name, ms if current is None else current + ms)


_timings: contextvars.ContextVar[Timings | None] = contextvars.ContextVar(
    "loket_http_timings", default=None
)


def _ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


class _TimedStream(httpcore.AsyncNetworkStream):
    """Passes everything through; times the TLS handshake."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        start = time.perf_counter()
        stream = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        timings = _timings.get()
        if timings is not None:
            timings.add("tls_ms", _ms_since(start))
        return stream

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks every address, then connects to a checked address (never by name)."""

    def __init__(self, policy: Policy, resolver: Resolver = system_resolver) -> None:
        self.policy = policy
        self.resolver = resolver
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        timings = _timings.get()
        start = time.perf_counter()
        addresses = await resolve_checked(host, port, self.policy, self.resolver)
        if timings is not None and not is_ip(host.strip("[]")):
            timings.add("dns_ms", _ms_since(start))
        last_error: Exception | None = None
        for address in addresses:
            start = time.perf_counter()
            try:
                stream = await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
                continue
            if timings is not None:
                timings.add("connect_ms", _ms_since(start))
            return _TimedStream(stream)
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise Blocked("unix sockets are not reachable from here")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@lru_cache(maxsize=4)
def ssl_context(verify: bool = True) -> ssl.SSLContext:
    """One shared context per mode: building one reads the CA bundle, which costs milliseconds.
    ``settings.HTTP_CA_BUNDLE`` (a file) adds CAs, e.g. a company's own."""
    if not verify:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    context = httpx.create_ssl_context(verify=True, trust_env=False)
    extra = getattr(settings, "HTTP_CA_BUNDLE", "")
    if extra:
        context.load_verify_locations(cafile=str(extra))
    return context


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the guarded network backend and no connection re-use (every
    request makes a fresh connection, so each one is checked and each one is timed)."""

    def __init__(self, backend: GuardedBackend, verify: bool) -> None:
        super().__init__(verify=ssl_context(verify), trust_env=False)
        # httpx has no public hook for the network backend; its own pool is replaced here.
        # tests/lib/test_http.py proves that requests really go through the guard.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context(verify),
            max_connections=None,
            max_keepalive_connections=0,
            network_backend=backend,
        )


@dataclass(frozen=True)
class Response:
    url: str
    status_code: int
    headers: httpx.Headers
    body: bytes
    truncated: bool
    downloaded_bytes: int
    redirects: tuple[str, ...] = ()
    timings: Timings = field(default_factory=Timings)
    encoding: str | None = None

    @property
    def text(self) -> str:
        return self.body.decode(self.encoding or "utf-8", errors="replace")


_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})


def _classify(exc: Exception) -> HttpError:
    if isinstance(exc, HttpError):
        return exc
    if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
        return HttpError(_("timed out"), kind="timeout")
    text = str(exc) or exc.__class__.__name__
    if isinstance(exc, ssl.SSLError) or "CERTIFICATE" in text.upper() or "SSL" in text.upper():
        return HttpError(_("TLS failed: %(reason)s") % {"reason": text}, kind="tls")
    if isinstance(exc, httpx.ConnectError):
        reason = neterrors.describe(exc) or neterrors.describe_text(text) or text
        return HttpError(_("connection failed: %(reason)s") % {"reason": reason}, kind="connect")
    if isinstance(exc, httpx.TooManyRedirects):
        return HttpError(text, kind="redirects")
    return HttpError(text, kind="protocol")


class Client:
    """A guarded client. Share one across many requests (it holds the TLS contexts); each
    request still connects afresh. Use as ``async with Client() as client``."""

    def __init__(
        self,
        policy: Policy | None = None,
        *,
        resolver: Resolver = system_resolver,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.policy = policy if policy is not None else Policy.from_settings()
        self.resolver = resolver
        self._backend = GuardedBackend(self.policy, resolver)
        self._user_agent = user_agent
        self._clients: dict[bool, httpx.AsyncClient] = {}

    def _client(self, verify: bool) -> httpx.AsyncClient:
        client = self._clients.get(verify)
        if client is None:
            client = httpx.AsyncClient(
                transport=_GuardedTransport(self._backend, verify),
                follow_redirects=False,
                trust_env=False,
                headers={"User-Agent": self._user_agent},
            )
            self._clients[verify] = client
        return client

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int | None = None,
        truncate: bool = False,
        follow_redirects: bool = True,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        verify: bool = True,
    ) -> Response:
        """Sends one request (following redirects, each hop checked) within ``timeout`` seconds
        in total. A body over ``max_bytes`` raises ``TooLarge``, or with ``truncate`` is cut off
        and marked ``truncated``. Every failure is an ``HttpError``."""
        limit = max_bytes if max_bytes is not None else _setting_int("HTTP_MAX_RESPONSE_BYTES")
        timings = Timings()
        token = _timings.set(timings)
        start = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                return await self._send(
                    method.upper(),
                    url,
                    headers=dict(headers or {}),
                    content=content,
                    timeout=timeout,
                    limit=limit,
                    truncate=truncate,
                    follow_redirects=follow_redirects,
                    max_redirects=max_redirects,
                    verify=verify,
                    timings=timings,
                    start=start,
                )
        except Exception as exc:
            raise _classify(exc) from exc
        finally:
            _timings.reset(token)

    async def _send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        content: bytes | str | None,
        timeout: float,
        limit: int,
        truncate: bool,
        follow_redirects: bool,
        max_redirects: int,
        verify: bool,
        timings: Timings,
        start: float,
    ) -> Response:
        client = self._client(verify)
        redirects: list[str] = []
        current = check_url(url)
        while True:
            request = client.build_request(
                method, current, headers=headers, content=content, timeout=timeout
            )
            response = await client.send(request, stream=True)
            try:
                if timings.first_byte_ms is None:
                    timings.first_byte_ms = _ms_since(start)
                location = response.headers.get("location")
                if follow_redirects and response.status_code in _REDIRECT_CODES and location:
                    if len(redirects) >= max_redirects:
                        raise HttpError(
                            _("more than %(n)s redirects") % {"n": max_redirects},
                            kind="redirects",
                        )
                    target = check_url(current.join(location))
                    redirects.append(str(target))
                    if response.status_code == 303 or (
                        response.status_code in (301, 302) and method == "POST"
                    ):
                        method, content = "GET", None
                        headers = {
                            k: v
                            for k, v in headers.items()
                            if k.lower() not in ("content-type", "content-length")
                        }
                    if target.host != current.host or target.scheme != current.scheme:
                        headers = {
                            k: v
                            for k, v in headers.items()
                            if k.lower() not in ("authorization", "cookie")
                        }
                    current = target
                    continue
                body, truncated = await _read_limited(response, limit, truncate)
                timings.total_ms = _ms_since(start)
                return Response(
                    url=str(current),
                    status_code=response.status_code,
                    headers=response.headers,
                    body=body,
                    truncated=truncated,
                    downloaded_bytes=response.num_bytes_downloaded,
                    redirects=tuple(redirects),
                    timings=timings,
                    encoding=response.charset_encoding,
                )
            finally:
                await response.aclose()


async def _read_limited(response: httpx.Response, limit: int, truncate: bool) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            if not truncate:
                raise TooLarge(_("the response is larger than %(n)s bytes") % {"n": limit})
            keep = len(chunk) - (size - limit)
            chunks.append(chunk[:keep])
            return b"".join(chunks), True
        chunks.append(chunk)
    return b"".join(chunks), False


def _setting_int(name: str) -> int:
    defaults = {"HTTP_MAX_RESPONSE_BYTES": DEFAULT_MAX_BYTES}
    return int(getattr(settings, name, defaults[name]))


async def fetch(
    url: str, *, method: str = "GET", policy: Policy | None = None, **options: Any
) -> Response:
    """One guarded request with a client of its own (see ``Client.request`` for options)."""
    async with Client(policy) as client:
        return await client.request(method, url, **options)


T = TypeVar("T")


def run_blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs ``coroutine`` to the end from synchronous code on an event loop of its own; on a
    thread of its own when the calling thread already runs a loop (an ASGI view, Playwright)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="loket-http") as pool:
        return pool.submit(asyncio.run, coroutine).result()


def fetch_sync(
    url: str, *, method: str = "GET", policy: Policy | None = None, **options: Any
) -> Response:
    """``fetch`` for synchronous code (tasks, views)."""
    return run_blocking(fetch(url, method=method, policy=policy, **options))
