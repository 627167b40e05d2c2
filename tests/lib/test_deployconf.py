"""LOKET_STORAGE_URL and LOKET_REDIS_URL read into Django settings, and every wrong value
refused with a message that says what to write instead (and never shows a password)."""

from __future__ import annotations

from pathlib import Path

import pytest

from loket.lib.deployconf import (
    FS_BACKEND,
    S3_BACKEND,
    ConfigError,
    default_storage_config,
    redis_cache_config,
    safe_url,
)

MEDIA = Path("/srv/loket/attachments")


def test_no_storage_url_keeps_files_in_the_data_directory() -> None:
    assert default_storage_config("", MEDIA) == {
        "BACKEND": FS_BACKEND,
        "OPTIONS": {"location": MEDIA, "base_url": None},
    }


def test_a_file_url_names_a_shared_directory() -> None:
    config = default_storage_config("file:///mnt/shared/loket%20files", MEDIA)
    assert config["OPTIONS"]["location"] == Path("/mnt/shared/loket files")


def test_an_s3_url_with_endpoint_region_and_prefix() -> None:
    config = default_storage_config(
        "s3://desk-files/prod/eu?endpoint=http://127.0.0.1:9000&region=eu-west-1",
        MEDIA,
        "AKIA",
        "s3cr3t",
    )
    assert config["BACKEND"] == S3_BACKEND
    options = config["OPTIONS"]
    assert options["bucket_name"] == "desk-files"
    assert options["location"] == "prod/eu"
    assert options["endpoint_url"] == "http://127.0.0.1:9000"
    assert options["region_name"] == "eu-west-1"
    assert options["addressing_style"] == "path"  # with an endpoint: MinIO, moto, Ceph...
    assert options["default_acl"] is None and options["file_overwrite"] is False
    assert (options["access_key"], options["secret_key"]) == ("AKIA", "s3cr3t")


def test_an_s3_url_without_keys_leaves_credentials_to_boto3() -> None:
    options = default_storage_config("s3://desk-files", MEDIA)["OPTIONS"]
    assert "access_key" not in options and options["addressing_style"] == "virtual"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://host/x", "use s3://bucket"),
        ("s3://?region=x", "the bucket name is missing"),
        ("s3://b?endpoint=ftp://x", "must be an http(s) URL"),
        ("s3://b?regoin=eu", "unknown option(s) regoin"),
        ("s3://b?addressing=sideways", "addressing must be path or virtual"),
        ("file://relative/path", "needs an absolute path"),
    ],
)
def test_a_wrong_storage_url_is_refused_with_what_to_write(url: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        default_storage_config(url, MEDIA)
    assert message in str(caught.value)


def test_only_one_of_the_two_s3_keys_is_refused() -> None:
    with pytest.raises(ConfigError, match="go together"):
        default_storage_config("s3://b", MEDIA, "AKIA", "")


def test_a_redis_url_makes_the_cache_redis_with_a_prefix_and_timeouts() -> None:
    assert redis_cache_config("", "loket") is None
    config = redis_cache_config("redis://127.0.0.1:6379/3", "desk1")
    assert config is not None
    assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert config["LOCATION"] == "redis://127.0.0.1:6379/3"
    assert config["KEY_PREFIX"] == "desk1"
    assert config["OPTIONS"]["socket_timeout"] <= 5


def test_a_wrong_redis_url_is_refused_without_showing_its_password() -> None:
    with pytest.raises(ConfigError) as caught:
        redis_cache_config("memcached://user:hunter2@cache:11211", "loket")
    assert "hunter2" not in str(caught.value) and "user:***@cache:11211" in str(caught.value)
    assert safe_url("redis://:pw@h:1/0") == "redis://:***@h:1/0"
    assert safe_url("redis://h:1/0") == "redis://h:1/0"
