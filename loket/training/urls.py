from django.urls import path

from loket.training import views, views_manage

app_name = "training"
urlpatterns = [
    path("", views.index, name="index"),
    path("exercises/<int:pk>/", views.exercise, name="exercise"),
    path("manage/", views_manage.exercises, name="exercises"),
    path("manage/new/", views_manage.edit_exercise, name="new_exercise"),
    path("manage/from-ticket/", views_manage.from_ticket, name="from_ticket"),
    path("manage/<int:pk>/", views_manage.edit_exercise, name="edit_exercise"),
    path("manage/<int:pk>/archive/", views_manage.archive, name="archive"),
    path("review/", views_manage.queue, name="queue"),
    path("review/attempt/<int:pk>/", views_manage.review_attempt, name="review_attempt"),
    path("review/reply/<int:pk>/", views_manage.review_message, name="review_message"),
    path("agents/<int:pk>/", views_manage.agent_scores, name="agent_scores"),
]
