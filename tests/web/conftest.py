"""The web tests share the loopback SMTP server of the mail tests (mail the pages send)."""

from tests.mail.conftest import mta  # noqa: F401 - the fixture
