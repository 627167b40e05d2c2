"""Known-vulnerability gate for the installed dependencies (``pip-audit``), run by ``.ci/run``
and ``make audit`` with the virtualenv's Python: ``.venv/bin/python .ci/audit.py``.

Outcomes:

* a known vulnerability in an installed package fails (exit 1), naming package, version, id
  and the versions that fix it;
* to accept one, add its id to ``.ci/pip-audit-ignore`` with a reason after ``#`` (an entry
  without a reason fails, exit 2); it is passed to pip-audit as ``--ignore-vuln``;
* when the vulnerability service cannot be reached, or answers for none of the packages, the
  audit *warns* loudly and passes (exit 0): a CI machine without access to PyPI's JSON API
  and OSV must still be able to run the tests. ``LOKET_AUDIT_STRICT=1`` makes that a failure
  (exit 3) where an audit must happen. PyPI's service is asked first, OSV when PyPI audited
  nothing.

Arguments after ``--`` go to pip-audit as they are (and replace auditing the environment the
script runs in, e.g. ``-- -r requirements.txt --no-deps --disable-pip``); ``--service`` picks
the services to try, in order.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
NETWORK_SIGNS = (
    "ConnectionError",
    "ConnectTimeout",
    "ReadTimeout",
    "Max retries exceeded",
    "NameResolutionError",
    "Temporary failure in name resolution",
    "Could not connect",
)


class Misconfigured(Exception):
    pass


def read_ignores(path: Path) -> dict[str, str]:
    """``ID  # reason`` per line; blank lines and lines starting with ``#`` are comments."""
    ignores: dict[str, str] = {}
    if not path.exists():
        return ignores
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        vuln_id, _sep, reason = text.partition("#")
        vuln_id, reason = vuln_id.strip(), reason.strip()
        if not vuln_id or " " in vuln_id:
            raise Misconfigured(f"{path.name}:{number}: expected 'ID  # reason', got {text!r}")
        if not reason:
            raise Misconfigured(
                f"{path.name}:{number}: {vuln_id} has no reason; say after '#' why it is "
                "accepted (and until when)"
            )
        ignores[vuln_id] = reason
    return ignores


@dataclass
class Run:
    service: str
    audited: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    found: list[str] = field(default_factory=list)
    unreachable: str = ""


def run_pip_audit(service: str, ignores: dict[str, str], extra: list[str]) -> Run:
    run = Run(service)
    with tempfile.TemporaryDirectory(prefix="loket-audit-") as tmp:
        report = Path(tmp) / "report.json"
        command = [
            sys.executable, "-m", "pip_audit", "--format", "json", "--output", str(report),
            "--progress-spinner", "off", "--vulnerability-service", service,
            *(["--skip-editable"] if not extra else []),
            *[arg for vuln_id in ignores for arg in ("--ignore-vuln", vuln_id)],
            *extra,
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=900)  # noqa: S603
        if not report.exists() or not report.read_text(encoding="utf-8").strip():
            problem = (done.stderr or done.stdout).strip()
            if any(sign in problem for sign in NETWORK_SIGNS):
                run.unreachable = problem.splitlines()[-1][:300]
                return run
            raise Misconfigured(f"pip-audit failed (exit {done.returncode}):\n{problem[-3000:]}")
        data = json.loads(report.read_text(encoding="utf-8"))
    for dep in data.get("dependencies", []):
        name = f"{dep['name']} {dep.get('version', '')}".strip()
        if dep.get("skip_reason"):
            run.skipped[name] = dep["skip_reason"]
            continue
        run.audited.append(name)
        for vuln in dep.get("vulns", []):
            aliases = ", ".join(vuln.get("aliases", []))
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version yet"
            run.found.append(
                f"{name}: {vuln['id']}"
                + (f" ({aliases})" if aliases else "")
                + f"; fixed in {fixes}"
            )
    return run


def main(argv: list[str]) -> int:
    extra: list[str] = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1 :]
        argv = argv[: argv.index("--")]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ignore-file", type=Path, default=HERE / "pip-audit-ignore")
    parser.add_argument("--service", default="pypi,osv", help="services to try, in order")
    options = parser.parse_args(argv)
    strict = os.environ.get("LOKET_AUDIT_STRICT", "") not in ("", "0")
    try:
        ignores = read_ignores(options.ignore_file)
        runs: list[Run] = []
        for service in [s.strip() for s in options.service.split(",") if s.strip()]:
            run = run_pip_audit(service, ignores, extra)
            runs.append(run)
            if run.audited:
                break
    except Misconfigured as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return 2
    for vuln_id, reason in ignores.items():
        print(f"audit: accepted {vuln_id}: {reason}")
    run = runs[-1]
    if run.found:
        print(f"audit: known vulnerabilities ({run.service}):", file=sys.stderr)
        for line in run.found:
            print(f"  {line}", file=sys.stderr)
        print(
            "audit: upgrade the package, or accept the vulnerability in "
            f"{options.ignore_file.name} with a reason",
            file=sys.stderr,
        )
        return 1
    if not run.audited:
        reasons = [
            f"{r.service}: {r.unreachable or next(iter(r.skipped.values()), 'nothing to audit')}"
            for r in runs
        ]
        print("audit: WARNING: no dependency could be audited; the vulnerability services "
              "did not answer (" + "; ".join(reasons) + ")", file=sys.stderr)  # fmt: skip
        return 3 if strict else 0
    not_audited = {n: r for n, r in run.skipped.items() if "editable" not in r}
    for name, reason in not_audited.items():
        print(f"audit: not audited: {name}: {reason}", file=sys.stderr)
    print(f"audit: {len(run.audited)} packages audited ({run.service}), no known vulnerabilities")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
