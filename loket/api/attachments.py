"""``/api/attachments/{id}``: the file itself, for token callers (``/attachments/<id>/`` serves
browsers). The same access check and the same never-active-content headers."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest
from ninja import Router

from loket.api.auth import current_user
from loket.api.errors import ERRORS
from loket.api.schemas import Id
from loket.tickets.access import get_attachment_for
from loket.tickets.downloads import safe_file_response

router = Router(tags=["attachments"])


@router.get(
    "/attachments/{id}",
    response={**ERRORS},
    openapi_extra={
        "responses": {
            200: {
                "description": "The file; raster images inline, everything else as a download.",
                "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            }
        }
    },
)
def download_attachment(request: HttpRequest, id: Id) -> FileResponse:
    user = current_user(request)
    item = get_attachment_for(user, id)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return safe_file_response(handle, item.filename, item.content_type)
