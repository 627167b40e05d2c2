"""Serving stored files: always through the access check, never as active content."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest

from loket.accounts.models import User
from loket.lib.files import SAFE_INLINE_SIGNATURES, sniff_type
from loket.tickets.access import get_attachment_for

SANDBOX_CSP = "default-src 'none'; sandbox"


def safe_file_response(handle: object, filename: str, inline_type: str | None) -> FileResponse:
    """Raster images whose bytes match their type may show inline; the rest downloads."""
    if inline_type in SAFE_INLINE_SIGNATURES:
        response = FileResponse(handle, content_type=inline_type, as_attachment=False)
    else:
        response = FileResponse(
            handle, as_attachment=True, filename=filename, content_type="application/octet-stream"
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    user = request.user
    assert isinstance(user, User)
    item = get_attachment_for(user, pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return safe_file_response(handle, item.filename, item.content_type)


@login_required
def avatar(request: HttpRequest, pk: int) -> FileResponse:
    """Agents' photos are shown to everyone signed in; customers' photos are not served."""
    person = User.objects.filter(pk=pk).first()
    if person is None or not person.is_agent or not person.avatar:
        raise Http404
    handle = person.avatar.open("rb")
    kind = sniff_type(handle.read(16))
    handle.seek(0)
    if kind not in SAFE_INLINE_SIGNATURES:
        raise Http404
    return safe_file_response(handle, "avatar", kind)
