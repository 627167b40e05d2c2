"""``multipart/form-data`` bodies for file uploads to the messenger APIs (RFC 7578)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class FilePart:
    filename: str
    content_type: str
    data: bytes


def _quoted(value: str) -> str:
    # RFC 7578 4.2: a file name is sent as is, with quote, CR and LF percent-encoded
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def encode(fields: dict[str, str], files: dict[str, FilePart]) -> tuple[bytes, str]:
    """The body and its ``Content-Type`` header."""
    boundary = "loket-" + secrets.token_hex(16)
    out: list[bytes] = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"\r\n\r\n'
        out.append(head.encode() + value.encode() + b"\r\n")
    for name, part in files.items():
        head = (
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{_quoted(name)}"; filename="{_quoted(part.filename)}"\r\n'
            f"Content-Type: {part.content_type or 'application/octet-stream'}\r\n\r\n"
        )
        out.append(head.encode() + part.data + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"
