"""A PostgreSQL server of the test's own, to stop and start at will (the machine's shared one
must never be restarted): ``initdb`` in a temporary directory, another port, trust auth on
loopback only. Run as the ``postgres`` user when the tests run as root (initdb refuses root).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.live.site import free_port


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("pg_ctl")
    return Path(which).parent if which else None


@dataclass
class PrivatePg:
    bin: Path
    data: Path
    port: int
    user: str | None  # run the server as this user (when we are root)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / argv[0]), *argv[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(
            command, check=True, capture_output=True, text=True, timeout=timeout, cwd="/"
        )

    def start(self) -> None:
        self.run(
            "pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-l", str(self.data / "log"),
            "-o", f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} "
            "-c fsync=off -c max_connections=100",
            "start",
        )  # fmt: skip

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-w", "-m", "fast", "stop")


@contextlib.contextmanager
def private_pg() -> Iterator[PrivatePg]:
    binaries = pg_bin()
    if binaries is None:
        raise FileNotFoundError("PostgreSQL server binaries (pg_ctl) not found")
    user = None
    if os.geteuid() == 0:
        user = "postgres"
        pwd.getpwnam(user)  # KeyError when there is no such user
    top = Path(tempfile.mkdtemp(prefix="loket-private-pg-"))
    top.chmod(0o755)
    data = top / "data"
    data.mkdir()
    if user:
        shutil.chown(data, user, user)
    server = PrivatePg(binaries, data, free_port(), user)
    try:
        server.run("initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        server.start()
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.stop()
        shutil.rmtree(top, ignore_errors=True)
