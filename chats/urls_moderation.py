"""URLs of the moderation pages (see chats/urls.py)."""

from django.urls import path

from .views import moderation

_manage = "communities/<str:slug>/manage/"
_moderation = f"{_manage}moderation/"

urlpatterns = [
    path(f"{_manage}chats/<int:pk>/moderate/", moderation.moderate_chat, name="moderate_chat"),
    path(_moderation, moderation.moderation_log, name="moderation_log"),
    path(f"{_moderation}stream/", moderation.moderate_stream, name="moderate_stream"),
    path(
        f"{_moderation}placements/<int:pk>/hide/", moderation.placement_hide, name="placement_hide"
    ),
    path(
        f"{_moderation}placements/<int:pk>/unhide/",
        moderation.placement_unhide,
        name="placement_unhide",
    ),
    path(
        f"{_moderation}accounts/<int:pk>/exclude/",
        moderation.account_exclude,
        name="account_exclude",
    ),
    path(
        f"{_moderation}accounts/<int:pk>/include/",
        moderation.account_include,
        name="account_include",
    ),
    path("me/posts/", moderation.my_posts, name="my_posts"),
    path("me/posts/<int:pk>/remove/", moderation.post_remove, name="post_remove"),
    path("me/posts/<int:pk>/restore/", moderation.post_restore, name="post_restore"),
]
