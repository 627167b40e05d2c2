"""Mailbox passwords and tokens are sealed in the database, never shown back, and survive a key
rotation; a lost key gives a clear error instead of a crash."""

from __future__ import annotations

import importlib
import logging
import os

import pytest
from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.db import connection

from loket.lib.sealed import PREFIX, is_unreadable, unseal
from loket.mail.imap import MailboxError, check_connection, health, poll
from loket.mail.models import Mailbox, Security

migration = importlib.import_module("loket.mail.migrations.0002_sealed_secrets")

OLD_KEY = "old-secret-key-" + "x" * 40
NEW_KEY = "new-secret-key-" + "y" * 40


def _raw(mailbox: Mailbox) -> tuple[str, str]:
    """The password and token columns exactly as the database holds them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT password, oauth2_token FROM mail_mailbox WHERE id = %s", [mailbox.pk]
        )
        password, token = cursor.fetchone()
    return password, token


def _set_raw(mailbox: Mailbox, password: str, token: str = "") -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE mail_mailbox SET password = %s, oauth2_token = %s WHERE id = %s",
            [password, token, mailbox.pk],
        )


@pytest.fixture
def old_key(settings):
    settings.SECRET_KEY = OLD_KEY
    settings.SECRET_KEY_FALLBACKS = []
    return settings


@pytest.fixture
def secret_mailbox(db, old_key) -> Mailbox:
    return Mailbox.objects.create(
        name="sealed",
        address="sealed@loket.test",
        host="127.0.0.1",
        port=1,
        security=Security.NONE,
        username="desk",
        password="imap-secret-pw",
        oauth2_token="ya29.token-value",
    )


def test_the_columns_hold_sealed_values_and_the_model_reads_them_back(secret_mailbox):
    password, token = _raw(secret_mailbox)
    assert password.startswith(PREFIX) and token.startswith(PREFIX)
    assert "imap-secret-pw" not in password and "ya29.token-value" not in token
    fresh = Mailbox.objects.get(pk=secret_mailbox.pk)
    assert (fresh.password, fresh.oauth2_token) == ("imap-secret-pw", "ya29.token-value")
    # an empty secret stays empty in the column
    Mailbox.objects.filter(pk=secret_mailbox.pk).update(oauth2_token="")
    assert _raw(secret_mailbox)[1] == ""
    assert Mailbox.objects.get(pk=secret_mailbox.pk).oauth2_token == ""


def test_a_plain_legacy_value_is_read_as_it_is(secret_mailbox):
    _set_raw(secret_mailbox, "legacy-plain")
    assert Mailbox.objects.get(pk=secret_mailbox.pk).password == "legacy-plain"


def test_rotation_reads_through_the_fallback_and_reseals_with_the_new_key(secret_mailbox, settings):
    # given the key rotated, the old one kept as a fallback
    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = [OLD_KEY]
    mailbox = Mailbox.objects.get(pk=secret_mailbox.pk)
    assert mailbox.password == "imap-secret-pw"
    # when the mailbox is saved again
    mailbox.save()
    # then its secrets are sealed with the new key, and open without the fallback
    settings.SECRET_KEY_FALLBACKS = []
    assert unseal(_raw(mailbox)[0]) == "imap-secret-pw"
    assert Mailbox.objects.get(pk=mailbox.pk).oauth2_token == "ya29.token-value"


def test_a_lost_key_reads_empty_warns_once_and_polling_says_to_enter_the_secret_again(
    secret_mailbox, settings, caplog, desk, client
):
    sealed_before = _raw(secret_mailbox)
    # given SECRET_KEY changed without the old key as a fallback
    settings.SECRET_KEY = NEW_KEY
    with caplog.at_level(logging.WARNING, logger="loket.lib.sealed"):
        mailbox = Mailbox.objects.get(pk=secret_mailbox.pk)
        Mailbox.objects.get(pk=secret_mailbox.pk)
    # then the secrets read as empty, with one warning per value however often they are read
    assert mailbox.password == "" and is_unreadable(mailbox.password)
    assert mailbox.oauth2_token == "" and is_unreadable(mailbox.oauth2_token)
    warnings = [r for r in caplog.records if "cannot unseal" in r.getMessage()]
    assert len(warnings) == 2
    assert "imap-secret-pw" not in caplog.text
    # and the admin page loads, saying what to do, showing no secret
    client.force_login(desk.admin)
    page = client.get(f"/admin/mail/mailbox/{mailbox.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "can no longer be decrypted" in text and "enter it again" in text
    assert sealed_before[0] not in text and "imap-secret-pw" not in text
    # and polling fails with that reason on the mailbox, before any connection is tried
    with pytest.raises(MailboxError, match="can no longer be decrypted"):
        poll(mailbox)
    mailbox.refresh_from_db()
    assert "can no longer be decrypted" in mailbox.last_error
    assert mailbox.failing_since is not None
    row = health(mailbox)
    assert row["state"] == "failing" and row["secret_unreadable"]
    # and saving the mailbox keeps the sealed values, so the old key can still recover them
    mailbox.save()
    assert _raw(mailbox) == sealed_before
    settings.SECRET_KEY_FALLBACKS = [OLD_KEY]
    assert Mailbox.objects.get(pk=mailbox.pk).password == "imap-secret-pw"


def _form(mailbox: Mailbox, **changes: str) -> dict[str, str]:
    data = {
        "name": mailbox.name,
        "address": mailbox.address,
        "enabled": "on",
        "host": mailbox.host,
        "port": str(mailbox.port),
        "security": mailbox.security,
        "username": mailbox.username,
        "password": "",
        "oauth2_token": "",
        "folder": mailbox.folder,
        "after_store": mailbox.after_store,
        "move_to": "",
        "created_at_0": mailbox.created_at.strftime("%Y-%m-%d"),
        "created_at_1": mailbox.created_at.strftime("%H:%M:%S"),
    }
    data.update(changes)
    return data


def test_the_admin_never_shows_a_secret_and_keeps_it_when_left_empty(secret_mailbox, desk, client):
    client.force_login(desk.admin)
    url = f"/admin/mail/mailbox/{secret_mailbox.pk}/change/"
    # the form renders empty password inputs and says the secrets are stored
    page = client.get(url).content.decode()
    assert 'type="password" name="password"' in page
    assert 'type="password" name="oauth2_token"' in page
    assert "imap-secret-pw" not in page and "ya29.token-value" not in page
    assert PREFIX not in page
    assert "stored, encrypted" in page
    # saving with the secrets left empty keeps them
    response = client.post(url, _form(secret_mailbox, username="desk2"))
    assert response.status_code == 302, response.content.decode()[:2000]
    mailbox = Mailbox.objects.get(pk=secret_mailbox.pk)
    assert (mailbox.username, mailbox.password) == ("desk2", "imap-secret-pw")
    assert mailbox.oauth2_token == "ya29.token-value"
    # a new password replaces the old one, sealed
    assert client.post(url, _form(mailbox, password="new-pw")).status_code == 302
    assert Mailbox.objects.get(pk=mailbox.pk).password == "new-pw"
    assert _raw(mailbox)[0].startswith(PREFIX)
    # and "remove" clears the token
    assert client.post(url, _form(mailbox, clear_oauth2_token="on")).status_code == 302
    mailbox = Mailbox.objects.get(pk=mailbox.pk)
    assert (mailbox.password, mailbox.oauth2_token) == ("new-pw", "")
    assert _raw(mailbox)[1] == ""


def test_the_data_migration_seals_legacy_values_and_reverses(secret_mailbox, settings):
    # given a mailbox from before sealing (plain values) and one sealed already
    legacy = Mailbox.objects.create(name="legacy", address="legacy@loket.test")
    _set_raw(legacy, "legacy-plain-pw", "legacy-token")
    sealed_before = _raw(secret_mailbox)
    # when the data migration runs
    migration.seal_plain_secrets(apps, connection.schema_editor())
    # then the plain values are sealed and read back, and the sealed ones are left alone
    password, token = _raw(legacy)
    assert password.startswith(PREFIX) and token.startswith(PREFIX)
    assert "legacy-plain-pw" not in password
    fresh = Mailbox.objects.get(pk=legacy.pk)
    assert (fresh.password, fresh.oauth2_token) == ("legacy-plain-pw", "legacy-token")
    assert _raw(secret_mailbox) == sealed_before
    # and running it again changes nothing
    migration.seal_plain_secrets(apps, connection.schema_editor())
    assert _raw(legacy) == (password, token)
    # and reversing it unseals every value
    migration.unseal_secrets(apps, connection.schema_editor())
    assert _raw(legacy) == ("legacy-plain-pw", "legacy-token")
    assert _raw(secret_mailbox) == ("imap-secret-pw", "ya29.token-value")


def test_reversing_the_migration_refuses_when_the_key_is_lost(secret_mailbox, settings):
    settings.SECRET_KEY = NEW_KEY
    with pytest.raises(RuntimeError, match="cannot be unsealed"):
        migration.unseal_secrets(apps, connection.schema_editor())


def test_dumped_data_holds_the_sealed_value_and_loads_without_sealing_twice(secret_mailbox):
    dumped = serializers.serialize("json", [secret_mailbox])
    assert "imap-secret-pw" not in dumped and PREFIX in dumped
    Mailbox.objects.filter(pk=secret_mailbox.pk).update(password="")
    for item in serializers.deserialize("json", dumped):
        item.save()
    assert Mailbox.objects.get(pk=secret_mailbox.pk).password == "imap-secret-pw"


def test_mailbox_add_stores_the_password_sealed(db, old_key, monkeypatch):
    monkeypatch.setenv("LOKET_TEST_IMAP_PW", "from-the-environment")
    call_command(
        "mailbox", "add", "cli", "--host", "127.0.0.1", "--security", "none",
        "--username", "desk", "--password-env", "LOKET_TEST_IMAP_PW",
    )  # fmt: skip
    mailbox = Mailbox.objects.get(name="cli")
    assert _raw(mailbox)[0].startswith(PREFIX)
    assert mailbox.password == os.environ["LOKET_TEST_IMAP_PW"]


def test_a_mailbox_added_in_the_admin_gets_its_password_sealed(db, old_key, desk, client):
    client.force_login(desk.admin)
    assert client.get("/admin/mail/mailbox/add/").status_code == 200
    template = Mailbox(name="new-box", address="new@loket.test", host="127.0.0.1", port=143)
    template.created_at = template.created_at.replace(microsecond=0)
    response = client.post("/admin/mail/mailbox/add/", _form(template, password="typed-pw"))
    assert response.status_code == 302, response.content.decode()[:2000]
    mailbox = Mailbox.objects.get(name="new-box")
    assert mailbox.password == "typed-pw" and mailbox.oauth2_token == ""
    assert _raw(mailbox)[0].startswith(PREFIX) and _raw(mailbox)[1] == ""


def test_dovecot_login_uses_the_unsealed_password(imap_mailbox):
    # the fixture's password went into the database sealed; a fresh read logs in with it
    assert _raw(imap_mailbox)[0].startswith(PREFIX)
    info = check_connection(Mailbox.objects.get(pk=imap_mailbox.pk))
    assert info["messages"] == 0
