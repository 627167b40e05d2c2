"""Images and files of articles: uploaded and removed in the desk editor, served to whoever
may read the article (``loket.kb.access.get_file_for``), never as active content."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from loket.accounts.decorators import agent_required, signed_in_agent
from loket.kb import actions
from loket.kb.access import get_file_for, get_translation_for
from loket.lib.files import AttachmentRejected, check_size
from loket.tickets.downloads import safe_file_response

MAX_UPLOADS = 10


@require_GET
def serve(request: HttpRequest, pk: int) -> FileResponse:
    item = get_file_for(request.user, pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = safe_file_response(handle, item.filename, item.content_type)
    if not item.article.is_public:
        response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@agent_required
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Adds the chosen files to the article of translation ``pk``; back to its editor."""
    user = signed_in_agent(request)
    t = get_translation_for(user, pk, write=True)
    uploads = request.FILES.getlist("files")
    if not uploads:
        messages.error(request, _("Choose a file to upload."))
    if len(uploads) > MAX_UPLOADS:
        messages.error(request, _("At most %(n)s files at once.") % {"n": MAX_UPLOADS})
        uploads = []
    for upload_file in uploads:
        name = upload_file.name or "file"
        try:
            check_size(upload_file.size or 0)
            actions.add_file(t.article, name=name, data=b"".join(upload_file.chunks()), by=user)
        except (AttachmentRejected, actions.KbError) as exc:
            messages.error(request, f"{name}: {exc}")
        else:
            messages.success(request, _("%(name)s was uploaded.") % {"name": name})
    return redirect("kb:edit", pk=t.pk)


@require_POST
@agent_required
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    item = get_file_for(user, pk)
    back = request.POST.get("translation", "")
    t = get_translation_for(user, back, write=True) if back.isdigit() else None
    actions.remove_file(item, by=user)
    messages.success(request, _("The file was removed."))
    if t is not None and t.article_id == item.article_id:
        return redirect("kb:edit", pk=t.pk)
    return redirect("kb:index")
