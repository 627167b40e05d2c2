"""Bulk import on every core: mails are parsed in worker processes while the main process
stores the batches before them.

Storing is serial (one writer, batches in their original order, so a reply is stored after
the mail it answers); preparing a mail (MIME, charsets, HTML sanitising, quote stripping,
language detection, writing the raw bytes to their file) needs nothing from the database,
so it runs ahead in a process pool. A few batches are in flight at most, so memory stays
bounded however big the mailbox is. A mail a worker cannot parse comes back as ``None``:
``ingest`` parses it again itself and quarantines it with the reason.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import suppress

from loket.mail.content import Content, content_of
from loket.mail.ingest import store_raw
from loket.mail.parse import ParsedMail, parse

Prepared = tuple[ParsedMail, Content]


def prepare(raw: bytes) -> Prepared | None:
    """What ``ingest`` reads of a mail, worked out without the database; the raw bytes are
    written to their content-addressed file too (``ingest`` then finds it there)."""
    try:
        mail = parse(raw)
        content = content_of(mail)
        _ = content.language  # worked out here, in the worker, rather than when storing
        store_raw(raw, mail.sha256)
    except Exception:  # ``ingest`` repeats it and quarantines the mail with the reason
        return None
    return mail, content


def _prepare_all(raws: list[bytes]) -> list[Prepared | None]:
    return [prepare(raw) for raw in raws]


def _worker_started() -> None:
    """A parsing process shares nothing with its importer's output, and dies with it: when
    the importer is killed, no orphan keeps its pipes open or parses on."""
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    if sys.platform.startswith("linux"):
        with suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the importer died before the line above took effect
        os._exit(0)


_PR_SET_PDEATHSIG = 1


def default_workers() -> int:
    """Parsing processes beside the one that stores: one fewer than the cores, at least one."""
    return max(1, (os.cpu_count() or 1) - 1)


def prepared_batches(
    batches: Iterable[list[bytes]], workers: int
) -> Iterator[tuple[list[bytes], list[Prepared | None]]]:
    """Each batch with its mails prepared, in the original order; ``workers`` 0 prepares them
    in this process."""
    if workers <= 0:
        for batch in batches:
            yield batch, _prepare_all(batch)
        return
    # Forked workers share the loaded code; they only parse and never touch the database.
    context = multiprocessing.get_context("fork")
    ahead = workers + 1
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_worker_started
    ) as pool:
        pending: deque[tuple[list[bytes], Future[list[Prepared | None]]]] = deque()
        for batch in batches:
            pending.append((batch, pool.submit(_prepare_all, batch)))
            if len(pending) > ahead:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()
