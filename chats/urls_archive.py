from django.urls import path

from .views import archive

urlpatterns = [
    path(
        "communities/<str:slug>/chats/<int:pk>/posts/",
        archive.chat_posts_fragment,
        name="chat_posts",
    ),
    path("communities/<str:slug>/manage/archive/", archive.archive_health, name="archive_health"),
]
