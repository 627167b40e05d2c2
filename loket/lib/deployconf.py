"""Settings for several nodes, read from URLs: where files live and which Redis is shared.

``LOKET_STORAGE_URL``
    empty (default): files on local disk under ``LOKET_DATA_DIR/attachments``;
    ``file:///srv/loket/files``: local disk (or a shared mount) at that path;
    ``s3://BUCKET[/PREFIX]?endpoint=URL&region=NAME&addressing=path|virtual``: any
    S3-compatible store through django-storages (``pip install loket[s3]``). Credentials come
    from ``LOKET_STORAGE_ACCESS_KEY``/``LOKET_STORAGE_SECRET_KEY`` or boto3's usual chain
    (``AWS_ACCESS_KEY_ID``, instance roles). Files are private and only ever streamed through
    Loket's access checks.
``LOKET_REDIS_URL``
    ``redis://host:port/db`` (or ``rediss://``, ``unix://``): the cache (rate limits, sign-in
    throttling, sessions' cache) lives there instead of the database.

Both are parsed here, without Django, so a wrong value stops the start with a clear message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

FS_BACKEND = "django.core.files.storage.FileSystemStorage"
S3_BACKEND = "storages.backends.s3.S3Storage"
S3_OPTIONS = {"endpoint", "region", "addressing"}


class ConfigError(ValueError):
    """A value that cannot work; the message names the variable and what to write instead."""


def default_storage_config(
    url: str, media_root: Path, access_key: str = "", secret_key: str = ""
) -> dict[str, Any]:
    """The ``STORAGES["default"]`` entry for ``LOKET_STORAGE_URL``."""
    url = url.strip()
    if not url:
        return {"BACKEND": FS_BACKEND, "OPTIONS": {"location": media_root, "base_url": None}}
    parts = urlsplit(url)
    if parts.scheme == "file":
        path = unquote(parts.path)
        if parts.netloc or not path.startswith("/"):
            raise ConfigError(
                f"LOKET_STORAGE_URL {url!r}: a file URL needs an absolute path, "
                "e.g. file:///srv/loket/files"
            )
        return {"BACKEND": FS_BACKEND, "OPTIONS": {"location": Path(path), "base_url": None}}
    if parts.scheme != "s3":
        raise ConfigError(
            f"LOKET_STORAGE_URL {url!r}: use s3://bucket?endpoint=…&region=… or file:///path"
        )
    bucket = parts.netloc
    if not bucket:
        raise ConfigError(f"LOKET_STORAGE_URL {url!r}: the bucket name is missing (s3://BUCKET)")
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = set(query) - S3_OPTIONS
    if unknown:
        raise ConfigError(
            f"LOKET_STORAGE_URL: unknown option(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(S3_OPTIONS))}"
        )
    endpoint = query.get("endpoint", "")
    if endpoint and urlsplit(endpoint).scheme not in ("http", "https"):
        raise ConfigError(f"LOKET_STORAGE_URL: endpoint {endpoint!r} must be an http(s) URL")
    addressing = query.get("addressing", "path" if endpoint else "virtual")
    if addressing not in ("path", "virtual"):
        raise ConfigError("LOKET_STORAGE_URL: addressing must be path or virtual")
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "location": parts.path.strip("/"),
        "endpoint_url": endpoint or None,
        "region_name": query.get("region") or None,
        "addressing_style": addressing,
        "signature_version": "s3v4",
        "default_acl": None,  # private: the bucket's own policy, never public-read
        "querystring_auth": True,
        "querystring_expire": 300,  # if a signed URL is ever handed out: five minutes
        # A name chosen by an uploader (photos) must never replace someone else's file.
        "file_overwrite": False,
        # A download is fetched into a temporary file before it is streamed: past this it goes
        # to disk, so big attachments read at once do not pile up in memory (0 would mean never).
        "max_memory_size": 2 * 1024 * 1024,
    }
    if access_key or secret_key:
        if not (access_key and secret_key):
            raise ConfigError(
                "LOKET_STORAGE_ACCESS_KEY and LOKET_STORAGE_SECRET_KEY go together: set both"
            )
        options.update(access_key=access_key, secret_key=secret_key)
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}


def redis_cache_config(url: str, prefix: str) -> dict[str, Any] | None:
    """The ``CACHES["default"]`` entry for ``LOKET_REDIS_URL`` (None: keep the database's)."""
    url = url.strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise ConfigError(
            f"LOKET_REDIS_URL {_without_password(url)!r}: use redis://host:6379/0, "
            "rediss://… or unix:///path"
        )
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": prefix,
        # A Redis that stops answering makes requests fail fast, not hang.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return parts._replace(netloc=f"{parts.username or ''}:***@{host}").geturl()


def safe_url(url: str) -> str:
    """``url`` fit for a log line or a check message (no password)."""
    return _without_password(url)
