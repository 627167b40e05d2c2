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
import gc
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager, suppress

from django.db import connection

from loket.mail.content import Content, content_of
from loket.mail.ingest import write_raw
from loket.mail.parse import ParsedMail, parse

Prepared = tuple[ParsedMail, Content]


def prepare(raw: bytes) -> Prepared | None:
    """What ``ingest`` reads of a mail, worked out without the database; the raw bytes are
    written to their content-addressed file too (``ingest`` then finds it there)."""
    return _write(_parse(raw))


def _parse(raw: bytes) -> Prepared | None:
    try:
        mail = parse(raw)
        content = content_of(mail)
        if not mail.thread_ids:
            # Worked out here rather than when storing; a reply (to a known ticket, mostly)
            # needs it only when it opens a ticket after all, and then detects it itself.
            _ = content.language
    except Exception:  # ``ingest`` repeats it and quarantines the mail with the reason
        return None
    return mail, content


def _write(prepared: Prepared | None) -> Prepared | None:
    if prepared is None:
        return None
    mail = prepared[0]
    try:
        mail.raw_name, mail.raw_created = write_raw(mail.raw, mail.sha256)
    except Exception:  # ``ingest`` writes it itself, and quarantines the mail if it fails
        return None
    return prepared


def _prepare_all(raws: list[bytes]) -> list[Prepared | None]:
    """A batch prepared; creating files is mostly waiting for the disk, so the batch's raw
    files are written by a few threads while the next mails are parsed, and all of them are
    on disk before the batch is handed on."""
    writers = _writers()
    pending = [writers.submit(_write, _parse(raw)) for raw in raws]
    return [future.result() for future in pending]


_pool: tuple[int, ThreadPoolExecutor] | None = None
WRITER_THREADS = 4


def _writers() -> ThreadPoolExecutor:
    """This process's file writers (a forked worker makes its own)."""
    global _pool
    if _pool is None or _pool[0] != os.getpid():
        _pool = (os.getpid(), ThreadPoolExecutor(WRITER_THREADS, "loket-raw-writer"))
    return _pool[1]


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


@contextmanager
def bulk_import() -> Iterator[None]:
    """The process tuned for the length of a bulk import; everything is put back after it.

    - Python's cycle collector. A batch makes hundreds of thousands of short-lived objects
      (model instances, query parts, parsed headers). With the default thresholds the
      collector runs every 700 of them and, every few runs, walks every long-lived object of
      the process as well (Django's models, URL patterns, translations): a tenth of an
      import's time. Here the objects that exist before the import are frozen out of its
      walks, and it runs a hundredth as often. Only the young generations are collected before
      that (a full collection walks the whole process too, for a tenth of a second or more at
      every import's start); garbage among the old objects is merely kept until the import
      ends.
    - SQLite's checkpoints. By default the write-ahead log is copied into the database every
      4 MB, which during an import is every few batches, rewriting the same index pages
      again and again (and waiting for the disk each time). Here it is every 64 MB.
    """
    before = gc.get_threshold()
    gc.collect(1)
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    _wal_checkpoint_pages(16_384)
    try:
        yield
    finally:
        _wal_checkpoint_pages(SQLITE_CHECKPOINT_PAGES)
        gc.set_threshold(*before)
        gc.unfreeze()


SQLITE_CHECKPOINT_PAGES = 1000  # SQLite's own default


def _wal_checkpoint_pages(pages: int) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")


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
            pending.append((batch, pool.submit(_prepare_for_parent, batch)))
            if len(pending) > ahead:
                done, future = pending.popleft()
                yield done, _with_raw(done, future.result())
        while pending:
            done, future = pending.popleft()
            yield done, _with_raw(done, future.result())


def _prepare_for_parent(raws: list[bytes]) -> list[Prepared | None]:
    """``_prepare_all`` in a worker, without sending each mail's bytes back: the parent has
    them already (a second copy of a big mail would double the parent's memory for it)."""
    prepared = _prepare_all(raws)
    for item in prepared:
        if item is not None:
            item[0].raw = b""
    return prepared


def _with_raw(raws: list[bytes], prepared: list[Prepared | None]) -> list[Prepared | None]:
    for raw, item in zip(raws, prepared, strict=True):
        if item is not None:
            item[0].raw = raw
    return prepared
