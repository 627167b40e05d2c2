"""Whether a mail is authenticated, judged only by the desk's own receiving servers.

An ``Authentication-Results`` header counts only when its authserv-id is one of the desk's
(``LOKET_MAIL_AUTHSERV_IDS``) and it is the topmost such header (RFC 8601: a receiving server
removes or overrides any copy from outside). ``dmarc=pass`` for the From domain, or
``dkim=pass`` signed by the From domain, is a pass.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from loket.mail.models import AuthResult

_METHOD = re.compile(r"\b(dmarc|dkim)\s*=\s*(\w+)([^;]*)", re.IGNORECASE)
_PROP = re.compile(r"header\.(?:from|d|i)\s*=\s*@?([^\s;]+)", re.IGNORECASE)


def authenticate(
    results: Sequence[str], from_address: str, trusted_ids: Sequence[str]
) -> AuthResult:
    if not trusted_ids or "@" not in from_address:
        return AuthResult.NONE
    domain = from_address.rsplit("@", 1)[1].lower()
    for header in results:
        authserv = header.split(";", 1)[0].strip().split()[0].lower() if header.strip() else ""
        if authserv not in trusted_ids:
            continue
        verdict = AuthResult.NONE
        for method, result, props in _METHOD.findall(header):
            found = _PROP.search(props)
            signed = found.group(1).lower().rstrip(".") if found else ""
            if "@" in signed:
                signed = signed.rsplit("@", 1)[1]
            if signed != domain:
                continue
            if result.lower() == "pass":
                return AuthResult.PASS
            if result.lower() in {"fail", "permerror"} and method.lower() == "dmarc":
                verdict = AuthResult.FAIL
        return verdict  # only the topmost trusted header counts
    return AuthResult.NONE


_SPF_MAILFROM = re.compile(r"smtp\.mailfrom\s*=\s*([^\s;]+)", re.IGNORECASE)
_ANY_METHOD = re.compile(r"\b(dmarc|dkim|spf)\s*=\s*(\w+)([^;]*)", re.IGNORECASE)


def _aligned(signed: str, domain: str) -> bool:
    """Relaxed alignment (RFC 7489 3.1): the same domain, or one a subdomain of the other."""
    signed = signed.lower().rstrip(".")
    if "@" in signed:
        signed = signed.rsplit("@", 1)[1]
    return bool(signed) and (
        signed == domain or signed.endswith("." + domain) or domain.endswith("." + signed)
    )


def sender_unverified(
    results: Sequence[str], from_address: str, trusted_ids: Sequence[str]
) -> bool:
    """For a customer's mail: the desk's own receiving server checked it (the topmost header
    of a trusted authserv-id) and found no pass aligned with the From domain (DMARC, DKIM
    signed by it, or SPF for an envelope sender in it). Without such a header nothing is
    known, and nothing is claimed: ``False``."""
    if not trusted_ids or "@" not in from_address:
        return False
    domain = from_address.rsplit("@", 1)[1].lower()
    for header in results:
        authserv = header.split(";", 1)[0].strip().split()[0].lower() if header.strip() else ""
        if authserv not in trusted_ids:
            continue
        for method, result, props in _ANY_METHOD.findall(header):
            if result.lower() != "pass":
                continue
            pattern = _SPF_MAILFROM if method.lower() == "spf" else _PROP
            found = pattern.search(props)
            if method.lower() == "dmarc" and found is None:
                return False  # a DMARC pass is about the From domain by definition
            if found is not None and _aligned(found.group(1), domain):
                return False
        return True  # only the topmost trusted header counts
    return False
