"""Organiser pages of the schedule; every path sits under the community's manage/ page."""

from django.urls import path

from .views import organiser

_manage = "communities/<str:slug>/manage/"
_series = f"{_manage}series/<int:pk>/"
_chat = f"{_manage}chats/<int:pk>/"
_question = f"{_chat}questions/<int:question_pk>/"

urlpatterns = [
    path(_manage, organiser.manage, name="manage"),
    path(f"{_manage}series/new/", organiser.series_create, name="series_create"),
    path(f"{_series}edit/", organiser.series_edit, name="series_edit"),
    path(f"{_series}end/", organiser.series_end, name="series_end"),
    path(f"{_manage}chats/new/", organiser.chat_create, name="chat_create"),
    path(f"{_chat}edit/", organiser.chat_edit, name="chat_edit"),
    path(f"{_chat}cancel/", organiser.chat_cancel, name="chat_cancel"),
    path(f"{_chat}restore/", organiser.chat_restore, name="chat_restore"),
    path(f"{_chat}questions/", organiser.questions, name="questions"),
    path(f"{_question}edit/", organiser.question_edit, name="question_edit"),
    path(f"{_question}delete/", organiser.question_delete, name="question_delete"),
    path(f"{_question}move/", organiser.question_move, name="question_move"),
    path(f"{_chat}hosts/", organiser.hosts, name="hosts"),
]
