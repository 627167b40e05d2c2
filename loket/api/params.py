"""Query-string rules shared by the list endpoints: allow-listed names and keyset cursors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from pydantic import Field

from loket.api.errors import bad_request
from loket.api.schemas import MAX_ID

Limit = Annotated[int, Field(ge=1, le=100)]
CursorText = Annotated[str, Field(max_length=200)]
M = TypeVar("M", bound=Model)


def reject_unknown_params(request: HttpRequest, allowed: Iterable[str]) -> None:
    """Only the documented names are accepted; anything else is a 400, never ignored."""
    known = set(allowed)
    for name in request.GET:
        if name not in known:
            raise bad_request(
                "unknown_parameter",
                _("Unknown parameter %(name)s; allowed: %(allowed)s.")
                % {"name": name[:50], "allowed": ", ".join(sorted(known))},
                field=name[:50],
            )


def decode_id_cursor(cursor: str | None) -> int | None:
    """Cursors of the simple lists are the last id seen; opaque to the caller."""
    if cursor is None or cursor == "":
        return None
    if not cursor.isascii() or not cursor.isdigit() or not 1 <= int(cursor) <= MAX_ID:
        raise bad_request("bad_cursor", _("This cursor is not valid."), field="cursor")
    return int(cursor)


def id_page(qs: QuerySet[M], cursor: str | None, limit: int) -> tuple[list[M], str | None]:
    """Keyset pagination by ascending id: no duplicates and no gaps between pages."""
    after = decode_id_cursor(cursor)
    if after is not None:
        qs = qs.filter(pk__gt=after)
    rows = list(qs.order_by("pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (str(rows[-1].pk) if more and rows else None)
