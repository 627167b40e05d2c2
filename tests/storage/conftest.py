"""A real S3-compatible server on loopback (moto's, from PyPI) and Loket's storage pointed at
a bucket of the test's own through ``LOKET_STORAGE_URL``'s parser."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from loket.lib.deployconf import default_storage_config
from tests.jobs.live import free_port, wait_until

REGION = "eu-west-1"
KEY, SECRET = "loket-test", "loket-test-secret"


@dataclass
class S3:
    endpoint: str
    bucket: str
    client: Any

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}?endpoint={self.endpoint}&region={REGION}"

    def names(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.bucket)
        return [item["Key"] for item in listing.get("Contents", [])]

    def read(self, key: str) -> bytes:
        body: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body


def _answers(url: str) -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(endpoint), "moto's S3 server", timeout=60)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=20)


def s3_client(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
    )


@pytest.fixture
def s3(s3_endpoint: str, settings: Any, tmp_path: Any) -> Iterator[S3]:
    """Loket's default storage is a fresh bucket; nothing is written to local disk."""
    from loket.jobs import ready

    client = s3_client(s3_endpoint)
    bucket = f"loket-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    store = S3(s3_endpoint, bucket, client)
    local = tmp_path / "must-stay-empty"
    settings.MEDIA_ROOT = local
    settings.STORAGES = {
        **settings.STORAGES,
        "default": default_storage_config(store.url, local, KEY, SECRET),
    }
    ready.forget_storage()
    yield store
    ready.forget_storage()
    assert not local.exists(), "something was written to local disk instead of the bucket"
