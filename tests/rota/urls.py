"""The project's URLs plus the rota pages (until the lead includes ``loket.rota.urls``)."""

from django.urls import include, path

from loket.urls import urlpatterns as project

urlpatterns = [*project]
if not any(getattr(p, "namespace", None) == "rota" for p in project):
    urlpatterns.append(path("rota/", include("loket.rota.urls")))
