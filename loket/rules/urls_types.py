from django.urls import path

from loket.rules import views_types

app_name = "rules_types"
urlpatterns = [
    path("", views_types.types, name="types"),
    path("new/", views_types.type_edit, name="type_new"),
    path("<int:pk>/", views_types.type_edit, name="type"),
    path("<int:type_pk>/fields/new/", views_types.field_edit, name="field_new"),
    path("<int:type_pk>/fields/<int:pk>/", views_types.field_edit, name="field"),
    path("kinds/", views_types.kinds, name="kinds"),
    path("kinds/new/", views_types.kind_edit, name="kind_new"),
    path("kinds/<int:pk>/", views_types.kind_edit, name="kind"),
    path("organisation/<int:pk>/", views_types.organisation_kind, name="organisation_kind"),
    path("ticket/<int:pk>/fields/", views_types.ticket_fields, name="ticket_fields"),
    path("ticket/new/", views_types.new_ticket, name="new_ticket"),
]
