"""Real mail servers on loopback for the tests: Dovecot (IMAP) and aiosmtpd (SMTP)."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

DOVECOT_PACKAGE = "dovecot-imapd"
PASSWORD = "imap-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.path.exists(p)), None
    )


@dataclass
class Dovecot:
    host: str
    port: int
    root: Path
    process: subprocess.Popen[bytes]
    tls_port: int = 0  # IMAPS, when started with a certificate (STARTTLS then works on port)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def start_dovecot(
    binary: str,
    oauth2_introspection_url: str = "",
    certificate: tuple[Path, Path] | None = None,
) -> Dovecot:
    """Dovecot with a generated config in a temporary folder, on a free loopback port.

    Any user name logs in with ``PASSWORD`` and gets an empty Maildir of its own, so each test
    takes a fresh mailbox by choosing a new user name. With ``oauth2_introspection_url``,
    XOAUTH2 and OAUTHBEARER logins work too: Dovecot asks that URL (RFC 7662 token
    introspection, as Microsoft 365 and Google are asked) whether the token is active and
    whose it is. With ``certificate`` (PEM certificate and key), IMAPS listens on
    ``tls_port`` and the plain port offers STARTTLS.
    """
    root = Path(tempfile.mkdtemp(prefix="loket-dovecot-"))
    root.chmod(0o755)
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    if os.geteuid() == 0:
        # Dovecot will not run its login processes as root: use the package's own users.
        internal, login = "dovecot", "dovenull"
        entry = pwd.getpwnam(internal)
        for sub in ("mail", "home"):
            os.chown(root / sub, entry.pw_uid, entry.pw_gid)
    else:
        entry = pwd.getpwuid(os.getuid())
        internal = login = entry.pw_name
    group = entry.pw_gid
    port = free_port()
    tls_port = free_port() if certificate else 0
    ssl = (
        f"ssl = yes\nssl_cert = <{certificate[0]}\nssl_key = <{certificate[1]}"
        if certificate
        else "ssl = no"
    )
    mechanisms = "plain login"
    oauth2 = ""
    if oauth2_introspection_url:
        mechanisms += " xoauth2 oauthbearer"
        (root / "oauth2.conf.ext").write_text(
            f"introspection_mode = post\n"
            f"introspection_url = {oauth2_introspection_url}\n"
            "username_attribute = username\n"
            "active_attribute = active\n"
            "active_value = true\n",
            encoding="utf-8",
        )
        oauth2 = f"""
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf.ext
}}
"""
    (root / "dovecot.conf").write_text(
        f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
auth_failure_delay = 0
first_valid_uid = 1
first_valid_gid = 1
default_internal_user = {internal}
default_internal_group = {internal if os.geteuid() == 0 else group}
default_login_user = {login}
mail_location = maildir:{root}/mail/%u
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
  chroot =
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
{oauth2}
passdb {{
  driver = static
  mechanisms = plain login
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={entry.pw_uid} gid={entry.pw_gid} home={root}/home/%u
}}
""",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [binary, "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    server = Dovecot("127.0.0.1", port, root, process, tls_port)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited: {server.log()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                if sock.recv(100).startswith(b"* OK"):
                    return server
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"dovecot did not start: {server.log()}")


def stop_dovecot(server: Dovecot) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    shutil.rmtree(server.root, ignore_errors=True)


TOKEN_PREFIX = "valid-token-for-"


class _Introspection(BaseHTTPRequestHandler):
    """RFC 7662 token introspection as an identity provider answers it: a token
    ``valid-token-for-<user>`` is active and belongs to <user>; every other token is not."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        token = parse_qs(self.rfile.read(length).decode()).get("token", [""])[0]
        self.server.seen.append(token)  # type: ignore[attr-defined]
        if token.startswith(TOKEN_PREFIX):
            answer = {"active": True, "username": token.removeprefix(TOKEN_PREFIX)}
        else:
            answer = {"active": False}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


def start_token_server() -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Introspection)
    server.seen = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
