from django.urls import path

from loket.kb import views_desk as views
from loket.kb import views_files

app_name = "kb"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("preview/", views.preview, name="preview"),
    path("missing/", views.missing, name="missing"),
    path("missing/<int:pk>/dismiss/", views.dismiss, name="dismiss"),
    path("articles/<int:pk>/", views.detail, name="article"),
    path("articles/<int:pk>/edit/", views.edit, name="edit"),
    path("articles/<int:pk>/files/", views_files.upload, name="file_upload"),
    path("files/<int:pk>/remove/", views_files.remove, name="file_remove"),
    path("revisions/<int:pk>/restore/", views.restore, name="restore"),
    path("macros/", views.macro_list, name="macros"),
    path("macros/<int:pk>/render/", views.macro_render, name="macro_render"),
    path("macros/<int:pk>/apply/", views.macro_apply, name="macro_apply"),
    path("suggestions/<int:pk>/", views.suggestions, name="suggestions"),
]
