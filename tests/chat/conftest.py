from tests.live.conftest import live_template, make_site
from tests.mail.conftest import mailbox, mta

__all__ = ["live_template", "mailbox", "make_site", "mta"]
