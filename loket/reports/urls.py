from django.urls import path

from loket.reports import views, views_weekly

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("weekly/", views_weekly.weekly_page, name="weekly"),
    path("<slug:key>.csv", views.export_csv, name="csv"),
]
