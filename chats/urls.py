from django.urls import URLPattern, URLResolver, include, path

from chats.views import joint, organiser, participation, public

app_name = "chats"

question_urls = [
    path("edit/", organiser.question_edit, name="question_edit"),
    path("delete/", organiser.question_delete, name="question_delete"),
    path("move/", organiser.question_move, name="question_move"),
]

manage_chat_urls: list[URLPattern | URLResolver] = [
    path("edit/", organiser.chat_edit, name="chat_edit"),
    path("cancel/", organiser.chat_cancel, name="chat_cancel"),
    path("restore/", organiser.chat_restore, name="chat_restore"),
    path("questions/", organiser.questions, name="questions"),
    path("questions/<int:question_pk>/", include(question_urls)),
    path("hosts/", organiser.hosts, name="hosts"),
    path("joint/", joint.joint_page, name="joint"),
    path("joint/<int:cohost_pk>/withdraw/", joint.joint_withdraw, name="joint_withdraw"),
]

joint_invitation_urls = [
    path("accept/", joint.joint_accept, name="joint_accept"),
    path("decline/", joint.joint_decline, name="joint_decline"),
    path("leave/", joint.joint_leave, name="joint_leave"),
]

series_urls = [
    path("edit/", organiser.series_edit, name="series_edit"),
    path("end/", organiser.series_end, name="series_end"),
]

host_offer_urls = [
    path("", participation.host_offers, name="host_offers"),
    path("<int:pk>/accept/", participation.host_offer_accept, name="host_offer_accept"),
    path("<int:pk>/decline/", participation.host_offer_decline, name="host_offer_decline"),
]

manage_urls: list[URLPattern | URLResolver] = [
    path("", organiser.manage, name="manage"),
    path("series/new/", organiser.series_create, name="series_create"),
    path("series/<int:pk>/", include(series_urls)),
    path("chats/new/", organiser.chat_create, name="chat_create"),
    path("chats/<int:pk>/", include(manage_chat_urls)),
    path("host-offers/", include(host_offer_urls)),
    path("joint-chats/<int:pk>/", include(joint_invitation_urls)),
]

chat_urls = [
    path("", public.chat_detail, name="detail"),
    path("calendar.ics", public.chat_ics, name="chat_ics"),
    path("host/volunteer/", participation.host_volunteer, name="host_volunteer"),
    path("host/withdraw/", participation.host_withdraw, name="host_withdraw"),
    path("reminder/", participation.chat_reminder, name="chat_reminder"),
    path("reminder/cancel/", participation.chat_reminder_cancel, name="chat_reminder_cancel"),
]

topic_urls = [
    path("", participation.topic_list, name="topics"),
    path("suggest/", participation.topic_suggest, name="topic_suggest"),
    path("<int:pk>/vote/", participation.topic_vote, name="topic_vote"),
    path("<int:pk>/unvote/", participation.topic_unvote, name="topic_unvote"),
    path("<int:pk>/decline/", participation.topic_decline, name="topic_decline"),
]

community_urls: list[URLPattern | URLResolver] = [
    path("calendar.ics", public.community_ics, name="community_ics"),
    path("reminder/", participation.community_reminder, name="community_reminder"),
    path(
        "reminder/cancel/",
        participation.community_reminder_cancel,
        name="community_reminder_cancel",
    ),
    path("topics/", include(topic_urls)),
    path("chats/<int:pk>/", include(chat_urls)),
    path("manage/", include(manage_urls)),
]

urlpatterns = [
    path("schedule/", public.schedule, name="schedule"),
    path("schedule/calendar.ics", public.schedule_ics, name="schedule_ics"),
    path("time-zone/", public.set_timezone, name="set_timezone"),
    path("communities/<str:slug>/", include(community_urls)),
]
