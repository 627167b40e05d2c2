"""Short secrets (mailbox passwords, tokens) sealed with Fernet before they reach the database.

The key is derived from Django's ``SECRET_KEY`` with HKDF-SHA256 (salt ``HKDF_SALT``, info
``HKDF_INFO``), so there is no second key to keep. Sealing always uses the current
``SECRET_KEY``; unsealing tries it first and then each of ``SECRET_KEY_FALLBACKS``, which is how
a key is rotated: move the old key to the fallbacks, set the new one, and every secret saved
from then on is sealed with the new key.

A sealed value is stored as ``PREFIX`` + Fernet token, so values written before sealing existed
(plain text, no prefix) are recognised and read as they are; the migration that introduced a
``SealedTextField`` seals them. A value that carries the prefix but opens with none of the keys
(``SECRET_KEY`` changed without a fallback) is read as an empty ``UnreadableSecret``: pages keep
working, a warning is logged once, and whoever uses the secret can tell it must be entered again.
Saving an ``UnreadableSecret`` writes the stored token back untouched, so restoring the old key
as a fallback later still recovers it.

Two limits, by design: a plain value that happens to begin with ``PREFIX`` is taken for a sealed
one, and sealed columns cannot be searched (each sealing of the same text differs).
"""

from __future__ import annotations

import base64
import hashlib
import logging
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Expression

log = logging.getLogger(__name__)

PREFIX = "sealed:v1:"
HKDF_SALT = b"loket.sealed"
HKDF_INFO = b"loket.sealed.v1"


class UnsealError(Exception):
    """A sealed value that none of the configured keys opens."""


class UnreadableSecret(str):
    """An empty string standing in for a secret that could not be unsealed.

    It is falsy like any empty secret; ``sealed`` keeps the stored token so that saving the
    object again does not destroy it.
    """

    sealed: str

    def __new__(cls, sealed: str) -> UnreadableSecret:
        self = super().__new__(cls, "")
        self.sealed = sealed
        return self

    def __repr__(self) -> str:
        return "UnreadableSecret()"


@lru_cache(maxsize=16)
def _fernet(secret_key: str) -> Fernet:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=HKDF_SALT, info=HKDF_INFO)
    return Fernet(base64.urlsafe_b64encode(hkdf.derive(secret_key.encode("utf-8"))))


def _keys() -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(str(s)) for s in secrets if s])


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


def seal(plain: str) -> str:
    """``plain`` sealed with the current key, prefixed. The empty string stays empty."""
    if not plain:
        return ""
    return PREFIX + _keys().encrypt(plain.encode("utf-8")).decode("ascii")


def unseal(stored: str) -> str:
    """The plain text of a sealed value; a value without the prefix is returned as it is.

    Raises ``UnsealError`` when no configured key opens it.
    """
    if not is_sealed(stored):
        return stored
    try:
        return _keys().decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise UnsealError("no configured key opens this sealed value") from exc


def is_unreadable(value: object) -> bool:
    """Whether ``value`` is a secret that was stored but cannot be unsealed any more."""
    return isinstance(value, UnreadableSecret)


_warned: set[tuple[str, str]] = set()


def _warn_once(label: str, stored: str) -> None:
    fingerprint = hashlib.sha256(stored.encode("utf-8")).hexdigest()[:12]
    if (label, fingerprint) in _warned:
        return
    _warned.add((label, fingerprint))
    log.warning(
        "cannot unseal %s (sealed value %s): SECRET_KEY changed without the old key in "
        "SECRET_KEY_FALLBACKS? The secret must be entered again.",
        label,
        fingerprint,
    )


class SealedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column holding a sealed secret; the model attribute is the plain text.

    Empty stays empty; legacy plain values are read as they are; unreadable values become
    ``UnreadableSecret`` (see the module docstring). Lookups other than ``=""`` are meaningless.
    """

    description = "Text sealed with a key derived from SECRET_KEY"

    def _label(self) -> str:
        model = getattr(self, "model", None)
        return f"{model._meta.label}.{self.name}" if model is not None else str(self.name)

    def _open(self, stored: str) -> str:
        try:
            return unseal(stored)
        except UnsealError:
            _warn_once(self._label(), stored)
            return UnreadableSecret(stored)

    def from_db_value(
        self, value: str | None, expression: Expression, connection: BaseDatabaseWrapper
    ) -> str | None:
        if not value:
            return value
        return self._open(value)

    def to_python(self, value: Any) -> Any:
        # A sealed value arriving from outside (a fixture written by ``dumpdata``) is opened,
        # so that saving it seals it once, not twice.
        value = super().to_python(value)
        if isinstance(value, str) and not is_unreadable(value) and is_sealed(value):
            return self._open(value)
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if isinstance(value, UnreadableSecret):
            return value.sealed
        if isinstance(value, str) and value:
            return seal(value)
        return value

    def value_to_string(self, obj: models.Model) -> str:
        # ``dumpdata`` writes the sealed form, never the plain secret.
        value = self.value_from_object(obj)
        if isinstance(value, UnreadableSecret):
            return value.sealed
        return seal(value) if value else ""
