from django.urls import path

from .views import participation as views

_COMMUNITY = "communities/<str:slug>/"
_CHAT = _COMMUNITY + "chats/<int:pk>/"

urlpatterns = [
    # Topic suggestions and votes
    path(_COMMUNITY + "topics/", views.topic_list, name="topics"),
    path(_COMMUNITY + "topics/suggest/", views.topic_suggest, name="topic_suggest"),
    path(_COMMUNITY + "topics/<int:pk>/vote/", views.topic_vote, name="topic_vote"),
    path(_COMMUNITY + "topics/<int:pk>/unvote/", views.topic_unvote, name="topic_unvote"),
    path(_COMMUNITY + "topics/<int:pk>/decline/", views.topic_decline, name="topic_decline"),
    # Host sign-up
    path(_CHAT + "host/volunteer/", views.host_volunteer, name="host_volunteer"),
    path(_CHAT + "host/withdraw/", views.host_withdraw, name="host_withdraw"),
    path(_COMMUNITY + "manage/host-offers/", views.host_offers, name="host_offers"),
    path(
        _COMMUNITY + "manage/host-offers/<int:pk>/accept/",
        views.host_offer_accept,
        name="host_offer_accept",
    ),
    path(
        _COMMUNITY + "manage/host-offers/<int:pk>/decline/",
        views.host_offer_decline,
        name="host_offer_decline",
    ),
    # Reminders
    path(_CHAT + "reminder/", views.chat_reminder, name="chat_reminder"),
    path(_CHAT + "reminder/cancel/", views.chat_reminder_cancel, name="chat_reminder_cancel"),
    path(_COMMUNITY + "reminder/", views.community_reminder, name="community_reminder"),
    path(
        _COMMUNITY + "reminder/cancel/",
        views.community_reminder_cancel,
        name="community_reminder_cancel",
    ),
]
