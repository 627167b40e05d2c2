# ruff: noqa: RUF001  (Cyrillic letters are meant)
"""Russian customers get Loket's own mails in Russian, in their form of address (вы/ты)."""

from __future__ import annotations

from loket.accounts.models import User
from loket.mail.ingest import ingest
from loket.mail.send import send_acknowledgement, send_reply
from loket.tickets import actions
from tests.mail.conftest import build

RUSSIAN_MAIL = (
    "Здравствуйте! С сегодняшнего утра баннер на нашем сайте больше не показывается. "
    "Подскажите, пожалуйста, что случилось и когда это исправят?"
)


def _plain(mail: object) -> str:
    return mail.get_body(("plain",)).get_content()  # type: ignore[attr-defined]


def test_a_new_customer_writing_russian_gets_a_formal_russian_acknowledgement(desk, mailbox, mta):
    # given someone the desk does not know, writing in Russian
    result = ingest(
        build(
            sender="Иван Петров <ivan@newcorp.test>",
            subject="Пропал баннер",
            body=RUSSIAN_MAIL,
            message_id="<ru1@newcorp.test>",
        ),
        mailbox,
    )
    assert result.status == "stored"
    ticket = result.ticket
    # then the language is recognised and kept with the new customer
    customer = User.objects.get(email="ivan@newcorp.test")
    assert customer.language == "ru"
    # when the acknowledgement goes out
    send_acknowledgement(ticket.pk)
    # then it is in Russian, formal (вы) since the register is not known
    ((_from, rcpt, mail),) = mta.mails
    assert rcpt == ["ivan@newcorp.test"]
    text = _plain(mail)
    assert "Спасибо за ваше сообщение" in text and f"заявку #{ticket.pk}" in text
    assert "ответим вам" in text and "тебе" not in text
    assert "Thank you" not in text


def test_an_informal_russian_customer_is_addressed_with_ty(desk, mailbox, mta):
    # given a Russian customer who prefers ты
    desk.acme_bob.language, desk.acme_bob.formality = "ru", "informal"
    desk.acme_bob.save()
    ticket = ingest(
        build(sender="bob@acme.test", body=RUSSIAN_MAIL, message_id="<ru2@acme.test>"), mailbox
    ).ticket
    # when the acknowledgement and an agent's reply go out
    send_acknowledgement(ticket.pk)
    send_reply(actions.reply(ticket, body="Исправили.", by=desk.agent).pk)
    # then both speak to them informally, in Russian
    ack, reply = (_plain(m) for _f, _r, m in mta.mails)
    assert "ответим тебе" in ack and "Спасибо за сообщение" in ack and "вам" not in ack
    assert "Ты также можешь прочитать" in reply and f"[#{ticket.pk}]" in reply
    assert "Исправили." in reply
