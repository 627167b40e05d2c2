from django.urls import path

from loket.tickets import downloads

app_name = "attachments"
urlpatterns = [path("<int:pk>/", downloads.attachment, name="download")]
