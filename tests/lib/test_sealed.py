"""Sealing short secrets with a key derived from SECRET_KEY, with rotation via the fallbacks."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from loket.lib.sealed import (
    PREFIX,
    SealedTextField,
    UnreadableSecret,
    UnsealError,
    is_sealed,
    is_unreadable,
    seal,
    unseal,
)

OLD_KEY = "old-secret-key-" + "x" * 40
NEW_KEY = "new-secret-key-" + "y" * 40


def test_a_sealed_value_carries_the_prefix_hides_the_text_and_opens_again(settings):
    settings.SECRET_KEY = OLD_KEY
    sealed = seal("hunter2-imap")
    assert sealed.startswith(PREFIX) and is_sealed(sealed)
    assert "hunter2-imap" not in sealed
    assert unseal(sealed) == "hunter2-imap"
    # each sealing differs (Fernet's random IV), yet both open
    again = seal("hunter2-imap")
    assert again != sealed and unseal(again) == "hunter2-imap"
    # non-ASCII survives
    assert unseal(seal("wachtwoord-ë€")) == "wachtwoord-ë€"


def test_empty_stays_empty_and_plain_legacy_values_are_read_as_they_are(settings):
    settings.SECRET_KEY = OLD_KEY
    assert seal("") == ""
    assert unseal("") == ""
    assert unseal("legacy-plain-password") == "legacy-plain-password"
    assert not is_sealed("legacy-plain-password")


def test_the_key_is_hkdf_sha256_of_the_secret_key_with_the_documented_labels(settings):
    # An operator can open a value with nothing but the documented derivation.
    settings.SECRET_KEY = OLD_KEY
    sealed = seal("recover-me")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"loket.sealed", info=b"loket.sealed.v1")
    key = base64.urlsafe_b64encode(hkdf.derive(OLD_KEY.encode()))
    assert Fernet(key).decrypt(sealed.removeprefix("sealed:v1:").encode()) == b"recover-me"


def test_rotation_opens_old_values_through_the_fallbacks_and_seals_with_the_new_key(settings):
    settings.SECRET_KEY = OLD_KEY
    settings.SECRET_KEY_FALLBACKS = []
    old = seal("before-rotation")
    # given a rotated key with the old one kept as a fallback
    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = [OLD_KEY]
    # then old values still open, and new ones are sealed with the new key
    assert unseal(old) == "before-rotation"
    new = seal("after-rotation")
    settings.SECRET_KEY_FALLBACKS = []
    assert unseal(new) == "after-rotation"
    # and once the fallback is dropped, the old value no longer opens
    with pytest.raises(UnsealError):
        unseal(old)


def test_a_wrong_key_raises_unseal_error_and_so_does_a_damaged_value(settings):
    settings.SECRET_KEY = OLD_KEY
    sealed = seal("secret")
    settings.SECRET_KEY = NEW_KEY
    with pytest.raises(UnsealError):
        unseal(sealed)
    settings.SECRET_KEY = OLD_KEY
    with pytest.raises(UnsealError):
        unseal(sealed[:-4] + "AAAA")
    with pytest.raises(UnsealError):
        unseal(PREFIX + "not a token")


def test_the_field_seals_on_save_opens_on_read_and_keeps_an_unreadable_value(settings):
    settings.SECRET_KEY = OLD_KEY
    field = SealedTextField()
    field.name = "secret"
    stored = field.get_prep_value("s3cret")
    assert stored.startswith(PREFIX) and "s3cret" not in stored
    assert field.from_db_value(stored, None, None) == "s3cret"
    assert field.get_prep_value("") == "" and field.from_db_value("", None, None) == ""
    assert field.get_prep_value(None) is None
    assert field.from_db_value("plain", None, None) == "plain"
    # an already sealed value given to the field is sealed once, not twice
    assert unseal(field.get_prep_value(stored)) == "s3cret"
    # under another key the value reads as an empty UnreadableSecret ...
    settings.SECRET_KEY = NEW_KEY
    read = field.from_db_value(stored, None, None)
    assert read == "" and not read and is_unreadable(read)
    assert isinstance(read, UnreadableSecret)
    # ... and writing it back keeps the stored token, so the old key can still recover it
    assert field.get_prep_value(read) == stored
    settings.SECRET_KEY_FALLBACKS = [OLD_KEY]
    assert field.from_db_value(field.get_prep_value(read), None, None) == "s3cret"
