"""Running a probe inside a network namespace of its own (``unshare -rn``): a private loopback
interface on which the test may give itself any address, 169.254.169.254 and "public" ones
included, and put real servers there. Nothing inside can reach the real network, and nothing
outside sees it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@cache
def unavailable() -> str | None:
    """Why no namespace can be made here, or ``None`` when it can."""
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if not unshare or not ip:
        return "needs unshare and ip (util-linux, iproute2)"
    probe = subprocess.run(
        [unshare, "-rn", ip, "link", "set", "lo", "up"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if probe.returncode != 0:
        return f"cannot make a network namespace: {probe.stderr.strip()}"
    return None


def run_probe(module: str, addresses: list[str], *, env: dict[str, str]) -> dict[str, Any]:
    """Runs ``python -m module`` in a new network namespace whose loopback interface also
    carries ``addresses``; returns the JSON object the probe prints last."""
    ip = shutil.which("ip")
    setup = " && ".join(
        [f"{ip} link set lo up"] + [f"{ip} addr add {a}/32 dev lo" for a in addresses]
    )
    command = f'{setup} && exec "{sys.executable}" -m {module}'
    done = subprocess.run(
        [str(shutil.which("unshare")), "-rn", "sh", "-c", command],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("LOKET_")}, **env},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))
