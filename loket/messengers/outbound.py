"""Agent replies out to the messenger: a ``Delivery`` row and a task, written in the reply's
own transaction (an outbox), then sent by the worker with retries. Every failure is kept on
the delivery and shown on the message in the desk."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone
from django.utils.translation import gettext as _

from loket.messengers import multipart, telegram, whatsapp
from loket.messengers.errors import ApiError
from loket.messengers.models import Conversation, Delivery, DeliveryState, Kind
from loket.tickets.models import Attachment, Message, Ticket

MAX_ATTEMPTS = 6
_template: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "messenger_template", default=None
)


@contextmanager
def sending_template(name: str, language: str) -> Iterator[None]:
    """The reply made inside is the approved template ``name`` (WhatsApp, outside the window)."""
    token = _template.set((name, language))
    try:
        yield
    finally:
        _template.reset(token)


def conversation_for(ticket: Ticket) -> Conversation | None:
    found = Conversation.objects.filter(ticket=ticket).select_related("bot", "number").first()
    if found is None and ticket.customer_id is not None:
        found = (
            Conversation.objects.filter(
                kind=ticket.channel, contact__customer_id=ticket.customer_id
            )
            .select_related("bot", "number")
            .order_by("-last_inbound_at")
            .first()
        )
    return found


def window_open(conversation: Conversation) -> bool:
    return timezone.now() - conversation.last_inbound_at < whatsapp.WINDOW


def refusal(ticket: Ticket) -> str | None:
    """Why an agent cannot answer this messenger ticket now (``None``: they can)."""
    conversation = conversation_for(ticket)
    if conversation is None:
        return _("This ticket has no messenger chat to answer in.")
    if (
        conversation.kind == Kind.WHATSAPP
        and _template.get() is None
        and not window_open(conversation)
    ):
        return _(
            "WhatsApp allows free replies only within 24 hours of the customer's last "
            "message. Send one of the approved templates instead."
        )
    return None


def queue_reply(message: Message) -> None:
    """Registered as the messenger channels' transport (``loket.tickets.delivery``)."""
    from loket.messengers.tasks import deliver

    conversation = conversation_for(message.ticket)
    if conversation is None:  # ``refusal`` stopped the reply before this
        return
    template = _template.get()
    Delivery.objects.create(
        message=message,
        conversation=conversation,
        template=template[0] if template else "",
        template_language=template[1] if template else "",
    )
    deliver.enqueue(message.pk)


def _text(message: Message) -> str:
    author = message.author.name if message.author else ""
    return f"{author}:\n{message.body}" if author else message.body


def _file(attachment: Attachment) -> multipart.FilePart:
    with attachment.file.open("rb") as handle:
        data = handle.read()
    return multipart.FilePart(attachment.filename, attachment.content_type, data)


def _send_part(delivery: Delivery, index: int, attachments: list[Attachment]) -> str:
    """Part ``index`` of the reply: 0 the text (or the template), then each attachment."""
    conversation = delivery.conversation
    if conversation.kind == Kind.TELEGRAM:
        assert conversation.bot is not None
        token = conversation.bot.token
        if index == 0:
            return telegram.send_message(token, conversation.chat_id, _text(delivery.message))
        return telegram.send_file(token, conversation.chat_id, _file(attachments[index - 1]))
    number = conversation.number
    assert number is not None
    if index == 0 and delivery.template:
        return whatsapp.send_template(
            number.phone_number_id, number.access_token, conversation.chat_id,
            delivery.template, delivery.template_language,
        )  # fmt: skip
    if index == 0:
        return whatsapp.send_text(
            number.phone_number_id, number.access_token, conversation.chat_id,
            _text(delivery.message),
        )  # fmt: skip
    return whatsapp.send_file(
        number.phone_number_id, number.access_token, conversation.chat_id,
        _file(attachments[index - 1]),
    )  # fmt: skip


def send(message_id: int) -> str:
    """One attempt to send a reply (its text, then each attachment as a photo or document);
    its new state. Each part the API took is noted at once, so a retry sends only the rest.
    A failure that a later attempt may fix raises (the task retries; a 429 waits as long as
    the API asked)."""
    delivery = (
        Delivery.objects.select_related(
            "conversation__bot", "conversation__number", "message__author"
        )
        .filter(message_id=message_id)
        .first()
    )
    if delivery is None:
        return "gone"
    if delivery.state not in (DeliveryState.PENDING, DeliveryState.RETRYING):
        return str(delivery.state)  # sent already (or given up): never twice
    delivery.attempts += 1
    # a template (outside WhatsApp's window) is all that may go: no files with it
    attachments = [] if delivery.template else list(delivery.message.attachments.order_by("pk"))
    try:
        for index in range(delivery.parts_sent, 1 + len(attachments)):
            sent = _send_part(delivery, index, attachments)
            delivery.parts_sent = index + 1
            fields = ["parts_sent"]
            if index == 0:
                delivery.external_id = sent
                fields.append("external_id")
            Delivery.objects.filter(pk=delivery.pk).update(
                **{f: getattr(delivery, f) for f in fields}
            )
    except ApiError as exc:
        delivery.error = str(exc)[:500]
        final = exc.permanent or delivery.attempts >= MAX_ATTEMPTS
        delivery.state = DeliveryState.FAILED if final else DeliveryState.RETRYING
        delivery.updated_at = timezone.now()
        delivery.save(update_fields=["attempts", "error", "state", "updated_at"])
        if final:
            return str(delivery.state)
        raise
    delivery.state = DeliveryState.SENT
    delivery.error = ""
    delivery.updated_at = timezone.now()
    delivery.save(update_fields=["attempts", "error", "state", "updated_at"])
    return str(delivery.state)


def retry(delivery: Delivery) -> None:
    """An agent sends a failed reply again."""
    from loket.messengers.tasks import deliver

    updated = Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.FAILED).update(
        state=DeliveryState.PENDING, attempts=0, error="", updated_at=timezone.now()
    )
    if updated:
        deliver.enqueue(delivery.message_id)


STATUS_ORDER = {DeliveryState.SENT: 1, DeliveryState.DELIVERED: 2, DeliveryState.READ: 3}


def whatsapp_status(status: whatsapp.Status) -> None:
    """A status webhook: delivered, read, or failed (kept on the delivery for the desk)."""
    delivery = Delivery.objects.filter(
        external_id=status.message_id, conversation__kind=Kind.WHATSAPP
    ).first()
    if delivery is None:
        return
    if status.status == "failed":
        delivery.state = DeliveryState.FAILED
        delivery.error = status.error or _("WhatsApp could not deliver the message.")
    elif status.status in ("delivered", "read"):
        new = DeliveryState(status.status)
        if STATUS_ORDER.get(DeliveryState(delivery.state), 0) >= STATUS_ORDER[new]:
            return
        delivery.state = new
    else:
        return
    delivery.updated_at = timezone.now()
    delivery.save(update_fields=["state", "error", "updated_at"])
