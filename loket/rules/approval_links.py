"""Signed one-click approval links.

A token is ``signing.dumps`` of the step's approval id, step number, the approver it was
mailed to, the step's nonce and the decision, with this module's salt; valid for
``APPROVAL_LINK_DAYS`` (default 7). It only opens a confirm page: the decision is made by a
POST (with CSRF) from the signed-in approver named in it. Once the step is decided (or the
approval withdrawn) every link of it is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from loket.rules.models_approvals import ApprovalStep

SALT = "loket.rules.approval"
DECISIONS = ("approve", "reject")


def lifetime() -> timedelta:
    try:
        days = float(getattr(settings, "APPROVAL_LINK_DAYS", 7))
    except (TypeError, ValueError):
        days = 7.0
    return timedelta(days=max(days, 0.0))


@dataclass(frozen=True)
class Checked:
    step: ApprovalStep | None
    user_id: int | None = None
    decision: str = ""
    nonce: str = ""
    refusal: str = ""  # "tampered", "expired", "unknown"


def token_for(step: ApprovalStep, user_id: int, decision: str) -> str:
    data = {"a": step.approval_id, "s": step.number, "u": user_id, "n": step.nonce, "d": decision}
    return signing.dumps(data, salt=SALT)


def url_for(step: ApprovalStep, user_id: int, decision: str) -> str:
    path = reverse("approvals:link", args=[token_for(step, user_id, decision)])
    return settings.BASE_URL.rstrip("/") + path


def check(token: str) -> Checked:
    try:
        data = signing.loads(token, salt=SALT, max_age=lifetime())
    except signing.SignatureExpired:
        return Checked(None, refusal="expired")
    except signing.BadSignature:
        return Checked(None, refusal="tampered")
    if not isinstance(data, dict) or data.get("d") not in DECISIONS:
        return Checked(None, refusal="tampered")
    if not all(isinstance(data.get(k), int) for k in ("a", "s", "u")):
        return Checked(None, refusal="tampered")
    step = (
        ApprovalStep.objects.select_related("approval__ticket", "approval__asked_by")
        .filter(approval_id=data["a"], number=data["s"])
        .first()
    )
    if step is None:
        return Checked(None, refusal="unknown")
    return Checked(step, int(data["u"]), str(data["d"]), str(data.get("n", "")))
