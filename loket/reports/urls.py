from django.urls import path

from loket.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:key>.csv", views.export_csv, name="csv"),
]
