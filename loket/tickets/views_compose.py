"""The reply box's own requests: drafts saved as the agent types, pasted images, the preview,
and Undo for a reply still inside its window. Each goes through the ticket's access check
(``get_ticket_for``); drafts and draft images are only ever their author's."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from loket.accounts.decorators import agent_required, signed_in_agent
from loket.accounts.models import User
from loket.lib.files import AttachmentRejected
from loket.lib.html import HtmlTooComplex
from loket.mail.send import cc_for
from loket.tickets import compose
from loket.tickets.access import get_ticket_for
from loket.tickets.actions import ActionError
from loket.tickets.actions import drafts as draft_actions
from loket.tickets.actions.undo import undo_reply, undo_seconds
from loket.tickets.forms import ReplyForm
from loket.tickets.models import Channel, DraftImage, DraftKind, Message, State, Ticket


def _kind(raw: str) -> DraftKind:
    try:
        return DraftKind(raw or DraftKind.REPLY)
    except ValueError as exc:
        raise Http404 from exc


@agent_required
@require_POST
def save_draft(request: HttpRequest, pk: int) -> JsonResponse:
    """``kind`` (reply, note) and ``body``: the agent's draft of it (empty: removed)."""
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk, write=True)
    kind = _kind(request.POST.get("kind", ""))
    try:
        draft_actions.save_draft(ticket, user, kind, request.POST.get("body", ""))
    except AttachmentRejected as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({"saved": True, "kind": kind.value})


def _image_url(ticket: Ticket, image: DraftImage) -> str:
    return reverse("desk:draft_image_file", args=[ticket.pk, image.pk])


@agent_required
@require_POST
def upload_image(request: HttpRequest, pk: int) -> JsonResponse:
    """One pasted or dropped image (``image``): kept for the agent's reply, answered with the
    Markdown that shows it."""
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk, write=True)
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"error": _("Choose an image.")}, status=400)
    try:
        image = draft_actions.add_image(
            ticket, user, filename=upload.name or "image", data=upload.read()
        )
    except AttachmentRejected as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse(
        {
            "cid": image.cid,
            "url": _image_url(ticket, image),
            "markdown": f"![{image.filename}](cid:{image.cid})",
        },
        status=201,
    )


@agent_required
@require_GET
def draft_image_file(request: HttpRequest, pk: int, image_pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk)
    image = DraftImage.objects.filter(pk=image_pk, ticket=ticket, agent=user).first()
    if image is None:
        raise Http404
    with image.file.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type=image.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _draft_urls(ticket: Ticket, user: User) -> dict[str, str]:
    return {
        image.cid: _image_url(ticket, image)
        for image in DraftImage.objects.filter(ticket=ticket, agent=user)
    }


@agent_required
@require_POST
def preview(request: HttpRequest, pk: int) -> JsonResponse:
    """The reply as it will be sent (sanitised HTML), its pasted images shown."""
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk, write=True)
    try:
        html, _text = compose.render(request.POST.get("body", ""))
    except HtmlTooComplex as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    urls = _draft_urls(ticket, user)
    return JsonResponse({"html": compose.with_image_urls(html, urls.get)})


def reply_content(ticket: Ticket, user: User, source: str) -> dict[str, Any]:
    """``actions.reply``'s content arguments for what the agent typed in the editor: the
    sanitised HTML (the text part is derived from it), the pasted images it shows as
    attachments, the undo window (none on the website chat, a live conversation) and the
    source for Undo."""
    html, _text = compose.render(source)
    images = draft_actions.images_in(ticket, user, html)
    return {
        "body": "",
        "body_html": html,
        "extra_attachments": draft_actions.as_attachments(images),
        "hold": 0 if ticket.channel == Channel.CHAT else undo_seconds(),
        "source": source,
    }


def new_reply_form(ticket: Ticket, user: User, cc_customer: str | None) -> ReplyForm:
    """The reply form with the agent's draft, its Cc field (``cc_customer``: the customer's
    address, when the agent chooses the Cc) filled in with "reply to all" (``cc_for``)."""
    initial = {"body": draft_actions.draft_text(ticket, user, DraftKind.REPLY)}
    if cc_customer is None:
        return ReplyForm(initial=initial)
    initial["cc"] = ", ".join(cc_for(ticket, cc_customer))
    return ReplyForm(cc_customer=cc_customer, initial=initial)


def editor_reply(ticket: Ticket, user: User, form: Any) -> dict[str, Any] | None:
    """``actions.reply``'s arguments from a valid reply form, or None (the error is on the
    form: Markdown that makes HTML over the sanitiser's limits)."""
    data = form.cleaned_data
    try:
        content = reply_content(ticket, user, data["body"])
    except HtmlTooComplex as exc:
        form.add_error("body", str(exc))
        return None
    extra = content.pop("extra_attachments")
    return {
        **content,
        "attachments": [*data["attachments"], *extra],
        "then_state": State(data["then_state"]),
        "cc": data.get("cc"),
    }


def reply_sent(ticket: Ticket, user: User, sent: Message) -> str:
    """After a reply from the editor was stored: its draft is gone; with no window its pasted
    images too (a held reply's go at its release). The message to show."""
    draft_actions.discard_draft(ticket, user, DraftKind.REPLY)
    if sent.held_until is None:
        used = [i.pk for i in draft_actions.images_in(ticket, user, sent.body_html)]
        draft_actions.drop_images(DraftImage.objects.filter(pk__in=used))
        return _("Your reply was sent.")
    seconds = max(1, round((sent.held_until - sent.created_at).total_seconds()))
    return _("Your reply goes out in %(n)s s; until then you can undo it.") % {"n": seconds}


@agent_required
@require_POST
def undo(request: HttpRequest, pk: int, message_pk: int) -> HttpResponse:
    """Takes a held reply back; its text is in the editor again."""
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk, write=True)
    message = Message.objects.filter(pk=message_pk, ticket=ticket).first()
    if message is None:
        messages.error(request, _("This reply has gone out already; it can no longer be undone."))
        return redirect("desk:ticket", pk=ticket.pk)
    try:
        undo_reply(message, by=user)
    except ActionError as exc:
        messages.error(request, str(exc))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    else:
        messages.success(request, _("Your reply was not sent; it is back in the editor."))
    return redirect(reverse("desk:ticket", args=[ticket.pk]) + "#reply-form")
