from django.urls import path

from loket.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("", views.subscriptions, name="list"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/test/", views.send_test, name="test"),
    path("<int:pk>/on/", views.switch_on, name="on"),
    path("<int:pk>/off/", views.switch_off, name="off"),
    path("<int:pk>/secret/", views.new_secret, name="secret"),
]
