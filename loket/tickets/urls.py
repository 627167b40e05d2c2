from django.urls import path

from loket.tickets import views, views_bulk, views_compose, views_live, views_split

app_name = "desk"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("filters/", views.save_filter, name="save_filter"),
    path("tickets/bulk/", views_bulk.bulk_change, name="bulk"),
    path("new/", views.new_ticket, name="new_ticket"),
    path("call/", views.log_call, name="log_call"),
    path("health/", views.health, name="health"),
    path("inbox/rows/", views_live.inbox_rows, name="inbox_rows"),
    path("unanswered/", views_live.unanswered_badge, name="unanswered_badge"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/live/", views_live.ticket_live, name="ticket_live"),
    path("tickets/<int:pk>/reply/", views.ticket_reply, name="reply"),
    path("tickets/<int:pk>/note/", views.ticket_note, name="note"),
    path("tickets/<int:pk>/draft/", views_compose.save_draft, name="draft"),
    path("tickets/<int:pk>/draft/images/", views_compose.upload_image, name="draft_image"),
    path(
        "tickets/<int:pk>/draft/images/<int:image_pk>/",
        views_compose.draft_image_file,
        name="draft_image_file",
    ),
    path("tickets/<int:pk>/preview/", views_compose.preview, name="preview"),
    path("tickets/<int:pk>/undo/<int:message_pk>/", views_compose.undo, name="undo_reply"),
    path("tickets/<int:pk>/update/", views.ticket_update, name="update"),
    path("tickets/<int:pk>/escalate/", views.ticket_escalate, name="escalate"),
    path("tickets/<int:pk>/no-reply/", views.ticket_no_reply, name="no_reply"),
    path("tickets/<int:pk>/merge/", views.ticket_merge, name="merge"),
    path("tickets/<int:pk>/link/", views.ticket_link, name="link"),
    path("tickets/<int:pk>/not-spam/", views_split.not_spam, name="not_spam"),
    path(
        "tickets/<int:pk>/messages/<int:message_pk>/split/",
        views_split.split_message,
        name="split_message",
    ),
]
