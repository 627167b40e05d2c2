"""Mail for people and rights, sent by the worker."""

from __future__ import annotations

from django_tasks import task

from loket.jobs.retry import retrying


@task(queue_name="mail")
@retrying(attempts=6)
def send_invitation(invitation_id: int) -> bool:
    """The invitation mail with its signed link (enqueued with the invitation: an outbox)."""
    from loket.accounts.invitations import send
    from loket.accounts.models import Invitation

    invitation = (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    return invitation is not None and send(invitation)
