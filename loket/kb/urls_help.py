from django.urls import path

from loket.kb import views_files
from loket.kb import views_help as views

app_name = "help"
urlpatterns = [
    path("", views.root, name="root"),
    path("suggest/", views.suggest, name="suggest"),
    path("brand.css", views.brand_css, name="brand_css"),
    path("logo", views.brand_logo, name="logo"),
    path("files/<int:pk>/", views_files.serve, name="file"),
    path("<str:lang>/", views.home, name="home"),
    path("<str:lang>/search/", views.search, name="search"),
    path("<str:lang>/c/<str:slug>/", views.category, name="category"),
    path("<str:lang>/<str:slug>/", views.article, name="article"),
    path("<str:lang>/<str:slug>/vote/", views.vote, name="vote"),
]
