from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from loket import views, webapp
from loket.accounts import views as account_views
from loket.accounts import views_invitations
from loket.chat import views as chat_views
from loket.kb import views_help as kb_help
from loket.tickets import downloads

# The admin signs in through allauth like everyone else: its own password-only form would
# skip the second factor and the sign-in protections.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("manifest.webmanifest", webapp.manifest, name="manifest"),
    path("sw.js", webapp.service_worker, name="service_worker"),
    path("admin/", admin.site.urls),
    path("accounts/locked/", account_views.locked_out, name="locked_out"),
    path("accounts/", include("allauth.urls")),
    path("me/", account_views.profile, name="profile"),
    path("me/tokens/", account_views.create_token, name="create_token"),
    path("me/tokens/<int:pk>/revoke/", account_views.revoke_token, name="revoke_token"),
    path("i18n/setlang/", account_views.switch_language, name="set_language"),
    path("desk/security/", account_views.staff_security, name="staff_security"),
    path("invitations/<str:token>/", views_invitations.invitation, name="invitation"),
    path("desk/live/", include("loket.live.urls")),
    path("desk/chat/", include("loket.chat.urls")),
    path("desk/messengers/", include("loket.messengers.urls")),
    path("hooks/", include("loket.messengers.urls_hooks")),
    path("chat/widget.js", chat_views.widget_js, name="chat_widget"),
    path("desk/notifications/", include("loket.sla.urls_desk")),
    path("desk/secrets/", include("loket.assist.urls_secrets")),
    path("desk/", include("loket.tickets.urls")),
    path("desk/organisations/", include("loket.accounts.urls_desk")),
    path("portal/", include("loket.portal.urls")),
    path("contact/", include("loket.portal.contact_urls")),
    path("api/", include("loket.api.urls")),
    path("attachments/", include("loket.tickets.attachment_urls")),
    path("avatars/<int:pk>/", downloads.avatar, name="avatar"),
    path("status/", include("loket.monitor.urls")),
    path("sla/", include("loket.sla.urls")),
    path("rota/", include("loket.rota.urls")),
    path("desk/kb/", include("loket.kb.urls_desk")),
    path("desk/csat/", include("loket.csat.urls_desk")),
    path("desk/reports/", include("loket.reports.urls")),
    path("desk/training/", include("loket.training.urls")),
    path("survey/", include("loket.csat.urls_public")),
    path("desk/webhooks/", include("loket.webhooks.urls")),
    path("desk/settings/", include("loket.setup.urls")),
    path("desk/request-types/", include("loket.rules.urls_types")),
    path("desk/assist/triage/", include("loket.assist.urls_triage")),
    path("desk/assist/", include("loket.assist.urls")),
    path("desk/rules/", include("loket.rules.urls_rules")),
    path("desk/approvals/", include("loket.rules.urls_approvals")),
    path("help/", include("loket.kb.urls_help")),
    path("sitemap.xml", kb_help.sitemap, name="sitemap"),
]

handler500 = "loket.lib.overload.server_error"
