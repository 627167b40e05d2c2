"""Knowledge-base categories in the settings area: names per language, checked, ordered,
audited, and kept while articles use them."""

from __future__ import annotations

import pytest
from django.test import Client

from loket.accounts.models import AuditEntry, User
from loket.kb import actions as kb_actions
from loket.kb.models import Category, CategoryName
from tests.conftest import Desk

pytestmark = pytest.mark.django_db

URL = "/desk/settings/kb-categories/"


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _names(category: Category) -> dict[str, str]:
    return dict(CategoryName.objects.filter(category=category).values_list("language", "name"))


def test_agents_and_customers_are_kept_out(desk: Desk) -> None:
    category = Category.objects.create(slug="billing")
    for path in (URL, f"{URL}new/", f"{URL}{category.pk}/"):
        assert _as(desk.agent).get(path).status_code == 403
    assert _as(desk.agent).post(f"{URL}{category.pk}/delete/").status_code == 403
    assert _as(desk.agent).post(f"{URL}{category.pk}/move/", {"direction": "up"}).status_code == 403
    assert _as(desk.acme_alice).get(URL).status_code in (302, 403, 404)
    assert Category.objects.filter(pk=category.pk).exists()
    assert not AuditEntry.objects.filter(data__section="kb_categories").exists()


def test_a_manager_adds_a_category_with_names_per_language(desk: Desk) -> None:
    manager = _as(desk.manager)
    # given no name at all: refused with a clear message
    empty = manager.post(f"{URL}new/", {"slug": "", "position": "0"}).content.decode()
    assert "Give the category a name in at least one language." in empty
    # a description without a name in its language: refused for that language
    half = manager.post(
        f"{URL}new/", {"name_en": "Billing", "description_nl": "Over facturen", "position": "0"}
    ).content.decode()
    assert "A description needs a name in this language." in half
    assert not Category.objects.exists()
    # when the manager gives names in English, Dutch and Russian and leaves the slug empty
    response = manager.post(
        f"{URL}new/",
        {"name_en": " Billing  and invoices ", "name_nl": "Facturen", "name_ru": "Счета",
         "description_nl": "Alles over betalen", "position": "5"},
    )  # fmt: skip
    assert response.status_code == 302
    # then the slug comes from the English name and each language has its name
    category = Category.objects.get()
    assert category.slug == "billing-and-invoices" and category.position == 5
    assert _names(category) == {"en": "Billing and invoices", "nl": "Facturen", "ru": "Счета"}
    assert category.names.get(language="nl").description == "Alles over betalen"
    entry = AuditEntry.objects.get(data__section="kb_categories", action="setting_created")
    assert entry.actor == desk.manager
    assert entry.data["changes"]["name_nl"] == ["", "Facturen"]
    # and the list shows it, with the names in the desk's languages
    page = manager.get(URL).content.decode()
    assert "Facturen" in page and "Счета" in page


def test_editing_names_is_audited_with_before_and_after(desk: Desk) -> None:
    manager = _as(desk.manager)
    manager.post(f"{URL}new/", {"name_en": "Billing", "name_nl": "Facturen", "position": "0"})
    category = Category.objects.get()
    response = manager.post(
        f"{URL}{category.pk}/",
        {"slug": "billing", "name_en": "Billing", "name_ru": "Оплата", "position": "0"},
    )
    assert response.status_code == 302
    assert _names(category) == {"en": "Billing", "ru": "Оплата"}  # Dutch emptied: removed
    changed = AuditEntry.objects.get(data__section="kb_categories", action="setting_changed")
    assert changed.data["changes"] == {"name_nl": ["Facturen", ""], "name_ru": ["", "Оплата"]}


def test_slugs_are_checked(desk: Desk) -> None:
    manager = _as(desk.manager)
    Category.objects.create(slug="billing")
    taken = manager.post(f"{URL}new/", {"name_en": "Billing", "position": "0"}).content.decode()
    assert "Another category already has this slug" in taken
    russian_only = manager.post(f"{URL}new/", {"name_ru": "Счета", "position": "0"})
    assert "Give a slug of letters a-z, digits and hyphens." in russian_only.content.decode()
    assert Category.objects.count() == 1


def test_a_category_cannot_be_its_own_ancestor(desk: Desk) -> None:
    manager = _as(desk.manager)
    top = Category.objects.create(slug="top")
    child = Category.objects.create(slug="child", parent=top)
    loop = manager.post(
        f"{URL}{top.pk}/", {"slug": "top", "name_en": "Top", "parent": child.pk, "position": "0"}
    ).content.decode()
    assert "Select a valid choice" in loop
    top.refresh_from_db()
    assert top.parent_id is None


def test_moving_up_and_down_renumbers_the_siblings(desk: Desk) -> None:
    manager = _as(desk.manager)
    a, b, c = (Category.objects.create(slug=s, position=0) for s in ("a", "b", "c"))
    assert manager.post(f"{URL}{c.pk}/move/", {"direction": "up"}).status_code == 302
    order = list(Category.objects.order_by("position").values_list("slug", flat=True))
    assert order == ["a", "c", "b"]
    manager.post(f"{URL}{a.pk}/move/", {"direction": "up"})  # already first: nothing changes
    moves = AuditEntry.objects.filter(data__section="kb_categories", action="setting_changed")
    assert [e.data["changes"] for e in moves] == [{"position": [0, 20]}]
    assert b.pk


def test_delete_is_refused_while_articles_or_sub_categories_use_it(desk: Desk) -> None:
    manager = _as(desk.manager)
    used = Category.objects.create(slug="used")
    kb_actions.create_article(
        language="en", title="Paying by card", body="How to pay.", by=desk.agent, category=used
    )
    response = manager.post(f"{URL}{used.pk}/delete/", follow=True)
    assert "Articles or sub-categories are still in this category" in response.content.decode()
    parent = Category.objects.create(slug="parent")
    Category.objects.create(slug="child", parent=parent)
    manager.post(f"{URL}{parent.pk}/delete/")
    assert Category.objects.filter(pk__in=[used.pk, parent.pk]).count() == 2
    assert not AuditEntry.objects.filter(action="setting_deleted").exists()
    # an unused category goes, and the log says so
    empty = Category.objects.create(slug="empty")
    CategoryName.objects.create(category=empty, language="en", name="Empty")
    assert manager.post(f"{URL}{empty.pk}/delete/").status_code == 302
    assert not Category.objects.filter(pk=empty.pk).exists()
    assert AuditEntry.objects.filter(
        action="setting_deleted", data__section="kb_categories", data__object="empty"
    ).exists()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("nl", ["Naam in het Nederlands", "Nieuwe categorie"]),
        ("ru", ["Название", "Новая категория"]),
    ],
)
def test_the_category_pages_speak_dutch_and_russian(
    desk: Desk, language: str, words: list[str]
) -> None:
    desk.manager.language = language
    desk.manager.save(update_fields=["language"])
    page = _as(desk.manager).get(f"{URL}new/").content.decode()
    assert all(word in page for word in words), language
