"""Include with ``path("desk/chat/", include("loket.chat.urls"))``."""

from django.urls import path

from loket.chat import pane, views

app_name = "chat"
urlpatterns = [
    path("", views.conversations, name="conversations"),
    path("rows/", views.conversation_rows, name="rows"),
    path("channels/", views.channel_list, name="channels"),
    path("channels/new/", views.channel_edit, name="new_channel"),
    path("channels/<int:pk>/", views.channel_edit, name="channel"),
    path("tickets/<int:pk>/read/", views.ticket_read, name="read"),
    path("tickets/<int:pk>/pane/", pane.show, name="pane"),
    path("tickets/<int:pk>/pane/reply/", pane.reply, name="pane_reply"),
    path("sound/", pane.sound, name="sound"),
]
