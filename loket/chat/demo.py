"""Live chats for the demo desk: a website chat channel and two open conversations (one in
Dutch, one in English, one of them already answered), so the desk's chat view has something
to show on the first day."""

from __future__ import annotations

from loket.accounts.models import Team, Tier, User
from loket.chat import actions
from loket.chat.models import ChatChannel
from loket.tickets import actions as ticket_actions

CHATS = [
    ("Femke de Boer", "femke@bloemenhuis-deboer.nl", "nl",
     "Hoi! Mijn bestelling van gisteren staat nog op 'in behandeling'. Klopt dat?",
     "Hoi Femke, ik kijk het meteen voor je na. Wat is je bestelnummer?"),
    ("Tom Harris", "tom@harris-outdoor.co.uk", "en",
     "Hi, the checkout page shows an error when I pay with iDEAL. Can you help?", ""),
]  # fmt: skip


def seed(agent: User) -> int:
    """Creates the channel and its chats once; returns how many chats it opened."""
    team = Team.objects.filter(tier=Tier.FIRST_LINE).order_by("pk").first()
    if team is None or ChatChannel.objects.exists():
        return 0
    channel = ChatChannel.objects.create(
        name="Demo website",
        allowed_origins="http://127.0.0.1:8000\nhttp://localhost:8000",
        team=team,
        greeting_nl="Hallo! Waarmee kunnen we je helpen?",
        greeting_en="Hi! How can we help?",
    )
    for name, email, language, question, answer in CHATS:
        session, _token = actions.start_session(
            channel, name=name, email=email, body=question, language=language,
            page_url="http://127.0.0.1:8000/shop/checkout",
        )  # fmt: skip
        if answer:
            ticket_actions.reply(session.ticket, body=answer, by=agent)
    return len(CHATS)
