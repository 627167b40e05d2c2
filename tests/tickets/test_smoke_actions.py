from loket.tickets import actions
from loket.tickets.models import State
from loket.tickets.search import search_tickets


def test_reply_answers_waiting_message(desk, acme_ticket):
    # given a new ticket with one customer message waiting
    assert acme_ticket.awaiting_reply_since is not None
    # when an agent replies
    actions.reply(acme_ticket, body="We are on it.", by=desk.agent)
    acme_ticket.refresh_from_db()
    # then nothing waits any more and the ticket is open and assigned
    assert acme_ticket.awaiting_reply_since is None
    assert acme_ticket.state == State.OPEN
    assert acme_ticket.assignee == desk.agent
    assert search_tickets(desk.agent, "banner")[0].pk == acme_ticket.pk
    assert search_tickets(desk.globex_carol, "banner") == []
