# ruff: noqa: RUF001  (Cyrillic letters are meant)
"""Demo request types and organisation kinds: the two fronts (partners and advertisers, site
owners), six request types with their forms (``loket demo``; idempotent)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from loket.accounts.models import Organisation, OrganisationTier, Team
from loket.rules.kinds import set_kind
from loket.rules.models_types import CustomField, FieldType, OrganisationKind, RequestType
from loket.tickets.models import Priority

KINDS = {
    "partner": (
        {"en": "Partner or advertiser", "nl": "Partner of adverteerder"},
        {
            "en": "Questions about payouts, statistics and promotions: we answer within one "
            "working day.",
            "nl": "Vragen over uitbetalingen, statistieken en promoties: we antwoorden binnen "
            "één werkdag.",
        },
    ),
    "site-owner": (
        {"en": "Site owner", "nl": "Site-eigenaar"},
        {
            "en": "Banners, counters and content on your site: choose what you need below.",
            "nl": "Banners, tellers en inhoud op je site: kies hieronder wat je nodig hebt.",
        },
    ),
}


# The Russian of every English demo text above and below.
RU = {
    "Partner or advertiser": "Партнёр или рекламодатель",
    "Questions about payouts, statistics and promotions: we answer within one working day.": (
        "Вопросы о выплатах, статистике и продвижении: отвечаем в течение одного рабочего дня."
    ),
    "Site owner": "Владелец сайта",
    "Banners, counters and content on your site: choose what you need below.": (
        "Баннеры, счётчики и содержимое вашего сайта: выберите ниже, что вам нужно."
    ),
    "Banner change": "Замена баннера",
    "Site address": "Адрес сайта",
    "Position": "Расположение",
    "Top": "Сверху",
    "Side": "Сбоку",
    "Bottom": "Снизу",
    "From": "С даты",
    "New banner": "Новый баннер",
    "Install analytics counter": "Установка счётчика посещений",
    "On which pages": "На каких страницах",
    "Home page": "Главная страница",
    "Every page": "Все страницы",
    "Shop": "Магазин",
    "Content update": "Обновление содержимого",
    "Page": "Страница",
    "New text": "Новый текст",
    "Hosting problem": "Проблема с хостингом",
    "The site is down": "Сайт недоступен",
    "Payout question": "Вопрос о выплате",
    "Amount (EUR)": "Сумма (EUR)",
    "Period": "Период",
    "Promotion request": "Запрос на продвижение",
    "Budget (EUR)": "Бюджет (EUR)",
    "Impressions wanted": "Желаемое число показов",
}


def _ru(texts: dict[str, str]) -> dict[str, str]:
    return {**texts, "ru": RU[texts["en"]]}


def _opt(value: str, en: str, nl: str) -> dict[str, Any]:
    return {"value": value, "labels": {"en": en, "nl": nl, "ru": RU[en]}}


# key: (names, kinds, priority, fields [(key, type, required, en, nl, options)])
TYPES: list[tuple[str, dict[str, str], list[str], int | None, list[tuple[Any, ...]]]] = [
    ("banner-change", {"en": "Banner change", "nl": "Banner wijzigen"}, ["site-owner"], None, [
        ("site", FieldType.URL, True, "Site address", "Adres van de site", []),
        ("position", FieldType.SELECT, True, "Position", "Plaats", [
            _opt("top", "Top", "Boven"), _opt("side", "Side", "Zijkant"),
            _opt("bottom", "Bottom", "Onder")]),
        ("from_date", FieldType.DATE, False, "From", "Vanaf", []),
        ("artwork", FieldType.FILE, False, "New banner", "Nieuwe banner", []),
    ]),
    ("analytics-counter", {"en": "Install analytics counter", "nl": "Bezoekersteller plaatsen"},
     ["site-owner"], None, [
        ("site", FieldType.URL, True, "Site address", "Adres van de site", []),
        ("pages", FieldType.MULTI_SELECT, True, "On which pages", "Op welke pagina's", [
            _opt("home", "Home page", "Startpagina"), _opt("all", "Every page", "Elke pagina"),
            _opt("shop", "Shop", "Winkel")]),
    ]),
    ("content-update", {"en": "Content update", "nl": "Inhoud bijwerken"}, ["site-owner"], None, [
        ("page", FieldType.URL, True, "Page", "Pagina", []),
        ("new_text", FieldType.LONG_TEXT, True, "New text", "Nieuwe tekst", []),
    ]),
    ("hosting-problem", {"en": "Hosting problem", "nl": "Hostingprobleem"}, [],
     int(Priority.HIGH), [
        ("site", FieldType.URL, True, "Site address", "Adres van de site", []),
        ("down", FieldType.CHECKBOX, False, "The site is down", "De site is onbereikbaar", []),
    ]),
    ("payout-question", {"en": "Payout question", "nl": "Vraag over uitbetaling"}, ["partner"],
     None, [
        ("amount", FieldType.MONEY, True, "Amount (EUR)", "Bedrag (EUR)", []),
        ("period", FieldType.TEXT, False, "Period", "Periode", []),
    ]),
    ("promotion-request", {"en": "Promotion request", "nl": "Promotieverzoek"}, ["partner"], None, [
        ("budget", FieldType.MONEY, False, "Budget (EUR)", "Budget (EUR)", []),
        ("impressions", FieldType.NUMBER, False, "Impressions wanted", "Gewenste vertoningen", []),
    ]),
]  # fmt: skip


@transaction.atomic
def seed() -> int:
    """Creates what is missing; returns how many request types exist."""
    kinds = {}
    for order, (key, (names, landing)) in enumerate(KINDS.items()):
        kinds[key], _created = OrganisationKind.objects.get_or_create(
            key=key,
            defaults={"names": _ru(names), "landing": _ru(landing), "order": order * 10},
        )
    for organisation in Organisation.objects.all():
        partner = organisation.tier in (OrganisationTier.PARTNER, OrganisationTier.ADVERTISER)
        if not hasattr(organisation, "kind_membership"):
            set_kind(organisation, kinds["partner" if partner else "site-owner"])
    second_line = Team.objects.filter(name="Second line").first()
    for order, (key, names, for_kinds, priority, fields) in enumerate(TYPES):
        request_type, created = RequestType.objects.get_or_create(
            key=key,
            defaults={
                "names": _ru(names),
                "priority": priority,
                "order": order * 10,
                "team": second_line if key == "hosting-problem" else None,
            },
        )
        if not created:
            continue
        request_type.kinds.set([kinds[k] for k in for_kinds])
        for position, (fkey, ftype, required, en, nl, options) in enumerate(fields):
            CustomField.objects.create(
                request_type=request_type, key=fkey, field_type=ftype, required=required,
                labels={"en": en, "nl": nl, "ru": RU[en]}, options=options, order=position * 10,
            )  # fmt: skip
    return RequestType.objects.count()
