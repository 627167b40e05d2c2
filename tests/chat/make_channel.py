"""Makes a chat channel in the desk a test serves (run as ``python -m tests.chat.make_channel
ORIGIN`` with the site's environment); prints its key."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loket.settings")


def main() -> None:
    import django

    django.setup()
    from loket.accounts.models import Team, Tier
    from loket.chat.models import ChatChannel

    team = Team.objects.get(tier=Tier.FIRST_LINE, is_default_for_tier=True)
    channel = ChatChannel.objects.create(
        name="Webshop", allowed_origins=sys.argv[1], team=team,
        greeting_en="Hi! How can we help?", greeting_nl="Hoi! Waarmee kunnen we helpen?",
    )  # fmt: skip
    print(channel.key)


if __name__ == "__main__":
    main()
