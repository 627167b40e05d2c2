"""Makes a chat channel in the desk a test serves (run as ``python -m tests.chat.make_channel
ORIGIN [SECONDS PAGES TEXT]`` with the site's environment: the optional proactive greeting
rule); prints its key."""

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
    if len(sys.argv) > 4:
        channel.proactive_after = int(sys.argv[2])
        channel.proactive_pages = sys.argv[3]
        channel.proactive_en = sys.argv[4]
        channel.save()
    print(channel.key)


if __name__ == "__main__":
    main()
