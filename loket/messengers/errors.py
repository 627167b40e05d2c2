"""What can go wrong talking to a messenger API, sorted by what to do about it."""

from __future__ import annotations


class ApiError(Exception):
    """An answer or a failure from a messenger API. ``permanent``: trying again cannot help
    (a bad token, a blocked bot, a closed window); otherwise it is retried."""

    permanent = False

    def __init__(self, message: str, *, permanent: bool | None = None) -> None:
        super().__init__(message)
        if permanent is not None:
            self.permanent = permanent


class RateLimited(ApiError):
    """The API asked to wait ``retry_after`` seconds (``loket.jobs.retry`` honours it)."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message, permanent=False)
        self.retry_after = retry_after


def permanent_status(status: int) -> bool:
    """4xx answers other than 408/429 are the request's own fault: do not repeat them."""
    return 400 <= status < 500 and status not in (408, 429)
