from django.urls import path

from loket.rules import views_rules as views

app_name = "rules"
urlpatterns = [
    path("", views.rule_list, name="list"),
    path("new/", views.rule_new, name="new"),
    path("log/", views.firings, name="firings"),
    path("row/condition/", views.condition_row, name="condition_row"),
    path("row/action/", views.effect_row, name="effect_row"),
    path("<int:pk>/", views.rule_edit, name="edit"),
    path("<int:pk>/test/", views.rule_test, name="test"),
    path("<int:pk>/on/", views.rule_on, name="on"),
    path("<int:pk>/off/", views.rule_off, name="off"),
    path("<int:pk>/delete/", views.rule_delete, name="delete"),
    path("<int:pk>/<str:direction>/", views.rule_move, name="move"),
]
