"""Include with ``path("desk/messengers/", include("loket.messengers.urls"))``; the webhooks
are ``loket.messengers.urls_hooks`` under ``hooks/``."""

from django.urls import path

from loket.messengers import views

app_name = "messengers"
urlpatterns = [
    path("bots/", views.bots, name="bots"),
    path("bots/new/", views.bot_edit, name="new_bot"),
    path("bots/<int:pk>/", views.bot_edit, name="bot"),
    path("numbers/", views.numbers, name="numbers"),
    path("numbers/new/", views.number_edit, name="new_number"),
    path("numbers/<int:pk>/", views.number_edit, name="number"),
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
    path("tickets/<int:pk>/template/", views.send_template, name="template"),
    path("deliveries/<int:pk>/retry/", views.retry, name="retry"),
]
