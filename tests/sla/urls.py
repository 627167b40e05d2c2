"""The project's URLs plus the SLA pages (until the lead includes ``loket.sla.urls``)."""

from django.urls import include, path

from loket.urls import urlpatterns as project

urlpatterns = [*project]
if not any(getattr(p, "namespace", None) == "sla" for p in project):
    urlpatterns.append(path("sla/", include("loket.sla.urls")))
