# ruff: noqa: RUF001  (Cyrillic letters are meant)
"""Demo help-centre articles and canned replies, in Dutch, English and Russian."""

from __future__ import annotations

from loket.accounts.models import User
from loket.kb import actions
from loket.kb.models import Macro, MacroText, Status, Translation, Visibility
from loket.tickets.models import State

ARTICLES = [
    (
        "How do I change my banner?",
        "Hoe wijzig ik mijn banner?",
        "Open **Campaigns → Banners**, choose the banner and upload a new image (PNG or JPEG, "
        "at most 200 KB). Changes are live within five minutes; clear your browser cache if "
        "you still see the old one.",
        "Open **Campagnes → Banners**, kies de banner en upload een nieuwe afbeelding (PNG of "
        "JPEG, hoogstens 200 KB). Wijzigingen staan binnen vijf minuten live; leeg de cache van "
        "je browser als je de oude nog ziet.",
        "banner image campaign",
    ),
    (
        "When are payouts made?",
        "Wanneer wordt er uitbetaald?",
        "Payouts are made on the 15th of every month for the previous month, once your balance "
        "is at least the minimum payout (EUR 50). Check your bank details under **Account → "
        "Payments**.",
        "We betalen op de 15e van elke maand uit over de vorige maand, zodra je saldo minstens "
        "de minimale uitbetaling (50 euro) is. Controleer je bankgegevens onder **Account → "
        "Betalingen**.",
        "payout payment invoice uitbetaling",
    ),
    (
        "My site is slow: what can I check?",
        "Mijn site is traag: wat kan ik controleren?",
        "1. Look at our [status page](/status/) for incidents.\n2. Test the page speed from "
        "another network.\n3. Large images and new plugins are the usual cause. Send us the "
        "address of a slow page and the time it happened.",
        "1. Kijk op onze [statuspagina](/status/) of er een storing is.\n2. Test de snelheid "
        "vanaf een ander netwerk.\n3. Grote afbeeldingen en nieuwe plugins zijn de gebruikelijke "
        "oorzaak. Stuur ons het adres van een trage pagina en het tijdstip.",
        "slow speed performance traag snelheid",
    ),
    (
        "Resetting your password",
        "Je wachtwoord opnieuw instellen",
        "Choose **Forgot password** on the sign-in page. The link in the mail works once and "
        "for one hour. No mail? Check the spam folder, then contact us.",
        "Kies **Wachtwoord vergeten** op de aanmeldpagina. De link in de mail werkt één keer en "
        "een uur lang. Geen mail? Kijk in de spammap en neem dan contact met ons op.",
        "password login wachtwoord inloggen",
    ),
]

# The Russian text of each article, by its English title.
RUSSIAN = {
    "How do I change my banner?": (
        "Как заменить баннер?",
        "Откройте **Кампании → Баннеры**, выберите баннер и загрузите новое изображение (PNG "
        "или JPEG, не больше 200 КБ). Изменения появятся на сайте в течение пяти минут; если "
        "вы всё ещё видите старый баннер, очистите кеш браузера.",
    ),
    "When are payouts made?": (
        "Когда производятся выплаты?",
        "Выплаты за предыдущий месяц производятся 15-го числа каждого месяца, если ваш баланс "
        "не меньше минимальной выплаты (50 евро). Проверьте банковские реквизиты в разделе "
        "**Аккаунт → Платежи**.",
    ),
    "My site is slow: what can I check?": (
        "Сайт работает медленно: что проверить?",
        "1. Посмотрите на нашей [странице статуса](/status/), нет ли сбоев.\n2. Проверьте "
        "скорость из другой сети.\n3. Обычная причина — большие изображения и новые плагины. "
        "Пришлите нам адрес медленной страницы и время, когда это случилось.",
    ),
    "Resetting your password": (
        "Как сбросить пароль",
        "Нажмите **Забыли пароль?** на странице входа. Ссылка в письме действует один раз и "
        "в течение часа. Письма нет? Проверьте папку «Спам», затем свяжитесь с нами.",
    ),
}

MACROS = [
    (
        "Thanks, we are on it",
        "onit",
        State.OPEN,
        {
            ("en", ""): "Hi {{ customer.first_name }},\n\nThanks for your message about ticket "
            "#{{ ticket.number }}. We are looking into it and will get back to you today.\n\n"
            "{{ agent.name }}",
            ("nl", "informal"): "Hoi {{ customer.first_name }},\n\nBedankt voor je bericht over "
            "ticket #{{ ticket.number }}. We zoeken het uit en laten vandaag van ons horen.\n\n"
            "{{ agent.name }}",
            ("nl", "formal"): "Beste {{ customer.first_name }},\n\nDank voor uw bericht over "
            "ticket #{{ ticket.number }}. Wij zoeken het uit en laten vandaag van ons horen.\n\n"
            "{{ agent.name }}",
            ("ru", "informal"): "Привет, {{ customer.first_name }}!\n\nСпасибо за сообщение "
            "по заявке #{{ ticket.number }}. Мы разбираемся и сегодня же ответим.\n\n"
            "{{ agent.name }}",
            ("ru", "formal"): "Здравствуйте, {{ customer.first_name }}!\n\nСпасибо за ваше "
            "сообщение по заявке #{{ ticket.number }}. Мы разбираемся и сегодня же ответим "
            "вам.\n\n{{ agent.name }}",
        },
    ),
    (
        "Solved, please confirm",
        "solved",
        State.RESOLVED,
        {
            ("en", ""): "Hi {{ customer.first_name }},\n\nThis should be solved now. If you "
            "still see the problem, just reply to this message.\n\n{{ agent.name }}",
            ("nl", "informal"): "Hoi {{ customer.first_name }},\n\nDit zou nu opgelost moeten "
            "zijn. Zie je het probleem nog, antwoord dan gewoon op dit bericht.\n\n"
            "{{ agent.name }}",
            ("nl", "formal"): "Beste {{ customer.first_name }},\n\nDit zou nu opgelost moeten "
            "zijn. Ziet u het probleem nog, antwoordt u dan gerust op dit bericht.\n\n"
            "{{ agent.name }}",
            ("ru", "informal"): "Привет, {{ customer.first_name }}!\n\nТеперь всё должно "
            "работать. Если проблема осталась, просто ответь на это сообщение.\n\n"
            "{{ agent.name }}",
            ("ru", "formal"): "Здравствуйте, {{ customer.first_name }}!\n\nТеперь всё должно "
            "работать. Если проблема осталась, просто ответьте на это сообщение.\n\n"
            "{{ agent.name }}",
        },
    ),
]


def seed(author: User) -> int:
    """Idempotent: does nothing once the first demo article exists. Returns articles made."""
    if Translation.objects.filter(title=ARTICLES[0][0]).exists():
        return 0
    for en_title, nl_title, en_body, nl_body, keywords in ARTICLES:
        english = actions.create_article(
            by=author,
            language="en",
            title=en_title,
            body=en_body,
            keywords=keywords,
            status=Status.PUBLISHED,
        )
        actions.create_article(
            by=author,
            language="nl",
            title=nl_title,
            body=nl_body,
            keywords=keywords,
            status=Status.PUBLISHED,
            translation_of=english.article,
        )
        ru_title, ru_body = RUSSIAN[en_title]
        actions.create_article(
            by=author,
            language="ru",
            title=ru_title,
            body=ru_body,
            keywords=keywords,
            status=Status.PUBLISHED,
            translation_of=english.article,
        )
    actions.create_article(
        by=author,
        language="en",
        title="Escalation guide for the first line",
        body="Escalate to the second line only with server access or code changes needed; "
        "write what you tried. Payout exceptions go to management.",
        status=Status.PUBLISHED,
        visibility=Visibility.INTERNAL,
    )
    for title, shortcut, state, texts in MACROS:
        macro = Macro.objects.create(
            title=title, shortcut=shortcut, set_state=state, created_by=author
        )
        for (language, formality), body in texts.items():
            MacroText.objects.create(macro=macro, language=language, formality=formality, body=body)
    return len(ARTICLES) + 1
