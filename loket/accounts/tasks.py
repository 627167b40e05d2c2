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


@task(queue_name="mail")
@retrying(attempts=6)
def send_staff_invitation(user_id: int) -> bool:
    """The mail with the link where an invited staff member chooses their password."""
    from loket.accounts.models import User
    from loket.accounts.staff import send_invitation

    user = User.objects.filter(pk=user_id).first()
    return user is not None and send_invitation(user)
