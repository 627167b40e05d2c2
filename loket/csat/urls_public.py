from django.urls import path

from loket.csat import views_public

app_name = "survey"
urlpatterns = [
    path("<int:ticket_id>/<str:token>/rate/<int:score>/", views_public.rate, name="rate"),
    path("<int:ticket_id>/<str:token>/comment/", views_public.comment, name="comment"),
    path("portal/<int:pk>/", views_public.portal_rate, name="portal_rate"),
]
