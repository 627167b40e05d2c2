from django.urls import path

from loket.portal import organisation, views, views_state

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.new_ticket, name="new_ticket"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/solved/", views_state.mark_solved, name="solved"),
    path("tickets/<int:pk>/reopen/", views_state.reopen, name="reopen"),
    path("organisation/", organisation.organisation, name="organisation"),
    path("organisation/invite/", organisation.invite, name="invite"),
    path(
        "organisation/members/<int:member_pk>/remove/",
        organisation.remove_member,
        name="remove_member",
    ),
    path(
        "organisation/invitations/<int:invitation_pk>/revoke/",
        organisation.revoke_invitation,
        name="revoke_invitation",
    ),
]
