from django.urls import path

from .views import archive

urlpatterns = [
    path("communities/<str:slug>/manage/archive/", archive.archive_health, name="archive_health"),
]
