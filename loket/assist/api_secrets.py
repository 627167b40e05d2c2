"""``/api/messages/{id}/secrets``: what Loket masked in a message, revealed (audited) or
removed for good. Every message body the API returns is already masked (it is stored so);
this is the one way to the original, for the roles in ``LOKET_SECRETS_REVEAL_ROLES``."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from loket.api.auth import current_user
from loket.api.errors import ERRORS
from loket.api.schemas import Id
from loket.assist import actions_secrets

router = Router(tags=["secrets"])


class RevealedOut(Schema):
    message: int
    ticket: int
    kinds: list[str] = Field(description="card, iban, password, api_key")
    body: str = Field(description="The original text, secrets included.")
    body_html: str
    subject: str = Field(description="The ticket's original subject if it was masked too.")


class RedactedOut(Schema):
    message: int
    ticket: int
    body: str = Field(description="The stored text now: the secrets are gone for good.")


@router.post("/messages/{id}/secrets/reveal", response={200: RevealedOut, **ERRORS})
def reveal(request: HttpRequest, id: Id) -> RevealedOut:
    """The original text of a message whose secrets were masked. Writes an event on the
    ticket (who, when; never the secret). 403 for roles that may not reveal, 404 for a message
    the caller cannot see or that has nothing hidden."""
    revealed = actions_secrets.reveal(current_user(request), id)
    return RevealedOut(
        message=revealed.message.pk,
        ticket=revealed.message.ticket_id,
        kinds=revealed.kinds,
        body=revealed.body,
        body_html=revealed.body_html,
        subject=revealed.subject,
    )


@router.post("/messages/{id}/secrets/redact", response={200: RedactedOut, **ERRORS})
def redact(request: HttpRequest, id: Id) -> RedactedOut:
    """Removes a message's hidden secrets for good (agents who may change the ticket)."""
    message = actions_secrets.redact(current_user(request), id)
    return RedactedOut(message=message.pk, ticket=message.ticket_id, body=message.body)
