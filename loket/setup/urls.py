from django.urls import path

from loket.setup import views, views_desk, views_macros, views_mail, views_people, views_sla

app_name = "setup"

urlpatterns = [
    path("", views.index, name="index"),
    path("mailboxes/", views_mail.mailboxes, name="mailboxes"),
    path("mailboxes/new/", views_mail.mailbox_edit, name="mailbox_new"),
    path("mailboxes/<int:pk>/", views_mail.mailbox_edit, name="mailbox"),
    path("mailboxes/<int:pk>/test/", views_mail.mailbox_test, name="mailbox_test"),
    path("mailboxes/<int:pk>/delete/", views_mail.mailbox_delete, name="mailbox_delete"),
    path("teams/", views_people.teams, name="teams"),
    path("teams/new/", views_people.team_edit, name="team_new"),
    path("teams/<int:pk>/", views_people.team_edit, name="team"),
    path("teams/<int:pk>/delete/", views_people.team_delete, name="team_delete"),
    path("agents/", views_people.agents, name="agents"),
    path("agents/invite/", views_people.agent_invite, name="agent_invite"),
    path("agents/<int:pk>/", views_people.agent, name="agent"),
    path("agents/<int:pk>/role/", views_people.agent_role, name="agent_role"),
    path("agents/<int:pk>/teams/", views_people.agent_teams, name="agent_teams"),
    path("agents/<int:pk>/active/", views_people.agent_active, name="agent_active"),
    path("join/<str:uidb64>/<str:token>/", views_people.join, name="join"),
    path("sla/", views_sla.policies, name="policies"),
    path("sla/new/", views_sla.policy_edit, name="policy_new"),
    path("sla/<int:pk>/", views_sla.policy_edit, name="policy"),
    path("sla/<int:pk>/delete/", views_sla.policy_delete, name="policy_delete"),
    path("calendars/", views_sla.calendars, name="calendars"),
    path("calendars/new/", views_sla.calendar_edit, name="calendar_new"),
    path("calendars/<int:pk>/", views_sla.calendar_edit, name="calendar"),
    path("calendars/<int:pk>/delete/", views_sla.calendar_delete, name="calendar_delete"),
    path("branding/", views_desk.branding, name="branding"),
    path("branding/logo", views_desk.logo, name="logo"),
    path("branding/colours.css", views_desk.brand_css, name="brand_css"),
    path("security/", views_desk.security, name="security"),
    path("retention/", views_desk.retention, name="retention"),
    path("audit/", views_desk.audit_log, name="audit"),
    path("canned-replies/", views_macros.macros, name="macros"),
    path("canned-replies/new/", views_macros.macro_edit, name="macro_new"),
    path("canned-replies/<int:pk>/", views_macros.macro_edit, name="macro"),
    path("canned-replies/<int:pk>/delete/", views_macros.macro_delete, name="macro_delete"),
]
