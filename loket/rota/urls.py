"""Include with ``path("rota/", include("loket.rota.urls"))``."""

from django.urls import path

from loket.rota import views

app_name = "rota"
urlpatterns = [
    path("teams/<int:pk>/coverage/", views.coverage, name="coverage"),
    path("swaps/", views.swaps, name="swaps"),
    path("swaps/propose/", views.propose_swap, name="propose_swap"),
    path("swaps/<int:pk>/answer/", views.answer_swap, name="answer_swap"),
    path("swaps/<int:pk>/decide/", views.decide_swap, name="decide_swap"),
    path("swaps/<int:pk>/withdraw/", views.withdraw_swap, name="withdraw_swap"),
    path("presence/", views.set_presence, name="presence"),
    path("presence/heartbeat/", views.heartbeat, name="heartbeat"),
]
