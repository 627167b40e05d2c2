"""The reply editor's pieces of a message: its HTML with the pasted images shown, and how
long a held reply still waits."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from loket.tickets.compose import with_image_urls
from loket.tickets.models import Message

register = template.Library()


@register.simple_tag
def reply_html(message: Message) -> SafeString:
    """A reply's stored HTML (sanitised when stored), each ``cid:img-…`` image pointing at the
    attachment it names (the download view checks who may fetch it)."""
    urls = {
        f"img-{a.sha256[:24]}": reverse("attachments:download", args=[a.pk])
        for a in message.attachments.all()
    }
    html = with_image_urls(message.body_html, urls.get)
    return mark_safe(f'<div class="body rich">{html}</div>')


@register.simple_tag
def remaining_ms(until: datetime | None) -> int:
    if until is None:
        return 0
    return max(0, int((until - timezone.now()).total_seconds() * 1000))
