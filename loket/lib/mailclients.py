"""IMAP and SMTP clients whose connections come from the address guard (``netguard``).

``imapclient`` and ``smtplib`` would resolve the host name themselves and connect to whatever
it points at. Here their socket is made by ``netguard``: resolved once, every address checked,
connected to a checked address. TLS (IMAPS, SMTPS, STARTTLS) still verifies the certificate
against the host name the admin entered, not against the address.

Loket's own outgoing mail (Django's SMTP backend) goes to the relay that whoever runs Loket
set in the environment (``LOKET_SMTP_HOST``, usually ``localhost``), like the database: not a
target an admin enters in the web interface, so it is not guarded. An SMTP server an admin
does enter (a mailbox's own outgoing server, a messenger's relay) must be reached with
``GuardedSMTP`` or ``GuardedSMTPSSL``.
"""

from __future__ import annotations

import imaplib
import smtplib
import socket
import ssl
from typing import Any

from imapclient import IMAPClient  # type: ignore[import-untyped]

from loket.lib import netguard


class _GuardedIMAP4(imaplib.IMAP4):
    """imaplib's connection, with its socket from the guard (``open`` keeps ``host`` as the
    name, so STARTTLS checks the certificate against it)."""

    def __init__(self, target: netguard.Checked, timeout: float | None) -> None:
        self._target = target
        self._connect_timeout = timeout
        super().__init__(target.host, target.port, timeout=timeout)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        return self._target.connect(timeout if timeout is not None else self._connect_timeout)


class _GuardedIMAP4TLS(_GuardedIMAP4):
    """IMAP over TLS from the first byte (port 993)."""

    def __init__(
        self, target: netguard.Checked, ssl_context: ssl.SSLContext, timeout: float | None
    ) -> None:
        self.ssl_context = ssl_context
        super().__init__(target, timeout)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        sock = super()._create_socket(timeout)
        try:
            return self.ssl_context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


class GuardedIMAPClient(IMAPClient):  # type: ignore[misc]
    """``IMAPClient`` connected to a host the guard checked (``netguard.resolve``)."""

    def __init__(
        self,
        target: netguard.Checked,
        *,
        ssl: bool,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float | None = None,
    ) -> None:
        self._target = target  # read by _create_IMAP4, which IMAPClient.__init__ calls
        super().__init__(
            target.host, port=target.port, ssl=ssl, ssl_context=ssl_context, timeout=timeout
        )

    def _create_IMAP4(self) -> imaplib.IMAP4:
        timeout = getattr(self._timeout, "connect", None)
        if self.ssl:
            context = self.ssl_context or ssl.create_default_context()
            return _GuardedIMAP4TLS(self._target, context, timeout)
        return _GuardedIMAP4(self._target, timeout)


class _Guard:
    """What an SMTP client needs to ask the guard (set before ``smtplib`` connects, which it
    does from its constructor when given a host)."""

    def __init__(
        self,
        host: str = "",
        port: int = 0,
        *,
        policy: netguard.Policy | None = None,
        resolver: netguard.Resolver = netguard.system_resolver,
        **options: Any,
    ) -> None:
        self.policy, self.resolver = policy, resolver
        super().__init__(host, port, **options)  # type: ignore[call-arg]

    def _guarded_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return netguard.connect(
            host, port, timeout=timeout, policy=self.policy, resolver=self.resolver
        )


class GuardedSMTP(_Guard, smtplib.SMTP):
    """``smtplib.SMTP`` (STARTTLS verifies against the host name) through the guard."""

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return self._guarded_socket(host, port, timeout)


class GuardedSMTPSSL(_Guard, smtplib.SMTP_SSL):
    """``smtplib.SMTP_SSL`` (TLS from the first byte, port 465) through the guard."""

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = self._guarded_socket(host, port, timeout)
        try:
            return self.context.wrap_socket(sock, server_hostname=host)
        except BaseException:
            sock.close()
            raise
