"""Images of an article's own files in its text.

Editors place an uploaded image with its address (``![chart](/help/files/12/)`` in Markdown,
``<img src="/help/files/12/">`` in HTML). The sanitiser keeps only absolute image addresses,
so before sanitising such a local address becomes the reference ``cid:kb-file-12`` (stored in
``body_html``), and on the way out, after sanitising again, the reference becomes the address
once more. Only digits travel from the text to the output; the file itself is served through
the access check (``loket.kb.views_files``), so a reference to a file the reader may not see
shows nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.conf import settings
from django.urls import reverse

_REF = re.compile(r'src="cid:kb-file-(\d{1,12})"')


@lru_cache(maxsize=4)
def _local_src(base_url: str, prefix: str) -> re.Pattern[str]:
    base = re.escape(base_url.rstrip("/"))
    return re.compile(
        rf"""(\ssrc=)(["'])(?:{base})?{re.escape(prefix)}(\d{{1,12}})/?\2""", re.IGNORECASE
    )


def _prefix() -> str:
    return reverse("help:file", args=[0]).removesuffix("0/")


def file_url(pk: int) -> str:
    return reverse("help:file", args=[pk])


def embed_refs(html: str) -> str:
    """Local file images → ``cid:kb-file-N`` references (before sanitising)."""
    pattern = _local_src(settings.BASE_URL, _prefix())
    return pattern.sub(lambda m: f'{m.group(1)}"cid:kb-file-{int(m.group(3))}"', html)


def resolve_refs(html: str) -> str:
    """References → the files' addresses (on sanitised HTML)."""
    return _REF.sub(lambda m: f'src="{file_url(int(m.group(1)))}"', html)


def referenced_ids(html: str) -> set[int]:
    return {int(n) for n in _REF.findall(html)}
