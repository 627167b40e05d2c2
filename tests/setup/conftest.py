from tests.accounts.conftest import fresh_cache  # noqa: F401 - allauth's limits, per test
from tests.mail.conftest import (  # noqa: F401 - loopback SMTP and IMAP servers
    dovecot,
    imap_account,
    imap_mailbox,
    mta,
)
