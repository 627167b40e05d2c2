"""The CI's known-vulnerability gate (.ci/audit.py) with the real pip-audit against an OSV
service on loopback: a vulnerability fails, an accepted one (with a reason) passes, an
unreachable service warns and passes unless strict mode asks for an audit."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lib.connects import closed_port
from tests.lib.loopback import Loopback, serve

ROOT = Path(__file__).resolve().parent.parent
VULN = {
    "id": "GHSA-loket-test-0001",
    "aliases": ["CVE-2099-0001"],
    "summary": "A made-up hole for the audit test",
    "affected": [
        {
            "package": {"name": "idna", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.7"}]}],
        }
    ],
}

pytestmark = pytest.mark.skipif(
    subprocess.run([sys.executable, "-m", "pip_audit", "--version"], capture_output=True).returncode
    != 0,
    reason="pip-audit is not installed (pip install -e '.[dev]')",
)


@pytest.fixture
def osv() -> Iterator[Loopback]:
    with serve() as server:
        yield server


def audit(tmp_path: Path, osv_url: str, ignores: str = "", strict: bool = False):
    (tmp_path / "requirements.txt").write_text("idna==3.6\n", encoding="utf-8")
    (tmp_path / "ignore").write_text(ignores, encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "LOKET_AUDIT_STRICT": "1" if strict else "0"}  # fmt: skip
    return subprocess.run(
        [
            sys.executable, str(ROOT / ".ci" / "audit.py"), "--service", "osv",
            "--ignore-file", str(tmp_path / "ignore"), "--",
            "-r", str(tmp_path / "requirements.txt"), "--no-deps", "--disable-pip",
            "--osv-url", osv_url, "--cache-dir", str(tmp_path / "cache"), "--timeout", "5",
        ],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip


def test_a_known_vulnerability_fails_the_audit(tmp_path: Path, osv: Loopback) -> None:
    # given an OSV service that knows a vulnerability of the pinned idna
    osv.route("/v1/query", body=json.dumps({"vulns": [VULN]}).encode())
    # when the gate runs, then it fails naming the package, the id and the fixed version
    done = audit(tmp_path, osv.url("/v1/query"))
    assert done.returncode == 1, done.stderr
    found = [line for line in done.stderr.splitlines() if "idna 3.6:" in line]
    assert len(found) == 1
    assert all(
        part in found[0] for part in ("GHSA-loket-test-0001", "CVE-2099-0001", "fixed in 3.7")
    )
    assert "/v1/query" in osv.hits


def test_an_accepted_vulnerability_with_a_reason_passes(tmp_path: Path, osv: Loopback) -> None:
    osv.route("/v1/query", body=json.dumps({"vulns": [VULN]}).encode())
    done = audit(
        tmp_path,
        osv.url("/v1/query"),
        ignores="# accepted\nGHSA-loket-test-0001  # only the codec Loket never calls (eva)\n",
    )
    assert done.returncode == 0, done.stderr
    assert "accepted GHSA-loket-test-0001: only the codec Loket never calls (eva)" in done.stdout
    assert "1 packages audited (osv), no known vulnerabilities" in done.stdout


def test_an_acceptance_without_a_reason_is_refused(tmp_path: Path, osv: Loopback) -> None:
    done = audit(tmp_path, osv.url("/v1/query"), ignores="GHSA-loket-test-0001\n")
    assert done.returncode == 2
    assert "has no reason" in done.stderr
    assert osv.hits == []


def test_no_vulnerabilities_pass(tmp_path: Path, osv: Loopback) -> None:
    osv.route("/v1/query", body=b"{}")
    done = audit(tmp_path, osv.url("/v1/query"))
    assert done.returncode == 0, done.stderr
    assert "no known vulnerabilities" in done.stdout


def test_an_unreachable_service_warns_and_passes_unless_strict(tmp_path: Path) -> None:
    # given no vulnerability service at all
    url = f"http://127.0.0.1:{closed_port()}/v1/query"
    # when the gate runs, then it warns loudly and passes
    done = audit(tmp_path, url)
    assert done.returncode == 0
    assert "WARNING: no dependency could be audited" in done.stderr
    # and in strict mode it fails
    assert audit(tmp_path, url, strict=True).returncode == 3
