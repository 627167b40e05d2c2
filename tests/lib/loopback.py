"""Real HTTP(S) servers on 127.0.0.1 for tests, and self-signed certificates made on the spot.

``Loopback`` serves programmable routes from a thread: a test sets what a path answers (status,
body, delay) and may change it between requests. Built in: ``/hang`` (never answers until the
server stops), ``/dribble`` (one byte every 0.2 s, for ever) and ``/redirect?to=URL``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


@dataclass
class Route:
    status: int = 200
    body: bytes = b"hello from loopback"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, Route] = {"/ok": Route()}
        self.stopping = threading.Event()
        self.hits: list[str] = []
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return

    def _answer(self) -> None:
        parts = urlsplit(self.path)
        with self.server.lock:
            self.server.hits.append(parts.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if parts.path == "/hang":
            self.server.stopping.wait(60)
            return
        if parts.path == "/dribble":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            while not self.server.stopping.wait(0.2):
                self.wfile.write(b"x")
                self.wfile.flush()
            return
        if parts.path == "/redirect":
            target = parse_qs(parts.query).get("to", ["/ok"])[0]
            self._send(Route(status=302, body=b"", headers={"Location": target}))
            return
        route = self.server.routes.get(parts.path)
        self._send(route or Route(status=404, body=b"not found"))

    def _send(self, route: Route) -> None:
        if route.delay:
            self.server.stopping.wait(route.delay)
        self.send_response(route.status)
        for name, value in route.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", route.headers.get("Content-Type", "text/html"))
        self.send_header("Content-Length", str(len(route.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(route.body)

    do_GET = do_POST = do_HEAD = do_PUT = _answer


class Loopback:
    def __init__(self, server: _Server, scheme: str) -> None:
        self._server = server
        self.scheme = scheme

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, **kwargs: object) -> Route:
        route = Route(**kwargs)  # type: ignore[arg-type]
        self._server.routes[path] = route
        return route

    @property
    def hits(self) -> list[str]:
        with self._server.lock:
            return list(self._server.hits)


@contextmanager
def serve(certificate: tuple[Path, Path] | None = None) -> Iterator[Loopback]:
    """Runs a server on a free port of 127.0.0.1 (HTTPS when given a certificate and key)."""
    server = _Server()
    scheme = "http"
    if certificate is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(certificate[0]), str(certificate[1]))
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield Loopback(server, scheme)
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def make_certificate(
    directory: Path, *, days_valid: float, name: str = "localhost"
) -> tuple[Path, Path]:
    """A self-signed certificate for ``name`` and 127.0.0.1 that expires in ``days_valid``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days_valid))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(name), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / f"{name}-{time.monotonic_ns()}.pem"
    key_path = cert_path.with_suffix(".key")
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path
