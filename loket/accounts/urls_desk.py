from django.urls import path

from loket.accounts import views_desk as views

app_name = "orgs"
urlpatterns = [
    path("", views.organisations, name="list"),
    path("<int:pk>/", views.organisation, name="organisation"),
    path("<int:pk>/auto-join/", views.auto_join, name="auto_join"),
    path("<int:pk>/invite/", views.invite, name="invite"),
    path("<int:pk>/members/<int:member_pk>/remove/", views.remove_member, name="remove"),
    path("<int:pk>/members/<int:member_pk>/admin/", views.set_admin, name="set_admin"),
    path("<int:pk>/invitations/<int:invitation_pk>/revoke/", views.revoke, name="revoke"),
]
