"""Topic suggestions and votes, host sign-up, and reminder opt-in."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from chats.forms.participation import HostOfferForm, ReminderForm, TopicSuggestionForm
from chats.models import HostOffer, ReminderSubscription, TopicSuggestion
from chats.permissions import get_chat_for_member, get_chat_for_reminders
from chats.selectors import participation as selectors
from chats.services import hosting, reminders, topics
from common.forms import add_service_error
from community.models import Community
from community.permissions import (
    get_community_for_member,
    get_community_for_moderator,
    membership_can_moderate,
)
from community.selectors import membership_for
from members.http import AuthenticatedHttpRequest

# --- Topics -------------------------------------------------------------------


def _schedule_url(community: Community, suggestion: TopicSuggestion) -> str:
    """The organiser pages' new-chat form, prefilled; it marks the suggestion scheduled."""
    query = urlencode(
        {
            "title": suggestion.title,
            "description": suggestion.description,
            "suggestion": suggestion.pk,
        }
    )
    return reverse("chats:chat_create", kwargs={"slug": community.slug}) + "?" + query


def _render_topics(
    request: HttpRequest, community: Community, form: TopicSuggestionForm, status: int = 200
) -> HttpResponse:
    membership = membership_for(community=community, user=request.user)
    can_moderate = membership_can_moderate(membership)
    suggestions = list(selectors.topic_ranking(community=community, user=request.user))
    if can_moderate:
        for suggestion in suggestions:
            suggestion.schedule_url = _schedule_url(community, suggestion)
    context = {
        "community": community,
        "suggestions": suggestions,
        "form": form,
        "membership": membership,
        "can_moderate": can_moderate,
    }
    return render(request, "chats/topics/list.html", context, status=status)


def _back_to_topics(community: Community) -> HttpResponse:
    return redirect("chats:topics", slug=community.slug)


@require_GET
def topic_list(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_object_or_404(Community, slug=slug)
    return _render_topics(request, community, TopicSuggestionForm())


@login_required
@require_POST
def topic_suggest(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    community = get_community_for_member(request, slug)
    form = TopicSuggestionForm(request.POST)
    if form.is_valid():
        try:
            topics.topic_suggest(community=community, member=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Thanks! Your topic is up for votes.")
            return _back_to_topics(community)
    return _render_topics(request, community, form, status=400)


def _suggestion(community: Community, pk: int) -> TopicSuggestion:
    return get_object_or_404(TopicSuggestion, pk=pk, community=community)


@login_required
@require_POST
def topic_vote(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    community = get_community_for_member(request, slug)
    suggestion = _suggestion(community, pk)
    try:
        created = topics.topic_vote(suggestion=suggestion, member=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        if created:
            messages.success(request, f"You voted for “{suggestion.title}”.")
        else:
            messages.info(request, "You have already voted for this topic.")
    return _back_to_topics(community)


@login_required
@require_POST
def topic_unvote(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    community = get_community_for_member(request, slug)
    suggestion = _suggestion(community, pk)
    try:
        removed = topics.topic_unvote(suggestion=suggestion, member=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        if removed:
            messages.success(request, f"Your vote for “{suggestion.title}” is withdrawn.")
        else:
            messages.info(request, "You had not voted for this topic.")
    return _back_to_topics(community)


@login_required
@require_POST
def topic_decline(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = get_community_for_moderator(request, slug)
    suggestion = _suggestion(community, pk)
    if topics.topic_decline(suggestion=suggestion):
        messages.success(request, f"“{suggestion.title}” is declined.")
    else:
        messages.info(request, "This topic was no longer open.")
    return _back_to_topics(community)


# --- Hosting ------------------------------------------------------------------


@login_required
@require_POST
def host_volunteer(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    chat = get_chat_for_member(request, slug, pk)
    form = HostOfferForm(request.POST)
    if not form.is_valid():
        # ErrorList[i] is a message str; the stub says ValidationError | str.
        messages.error(request, form.errors["note"][0])  # type: ignore[arg-type]
        return redirect(chat)
    try:
        hosting.host_offer_create(chat=chat, member=request.user, note=form.cleaned_data["note"])
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, "Thank you for offering to host! The organisers will decide.")
    return redirect(chat)


@login_required
@require_POST
def host_withdraw(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    chat = get_chat_for_member(request, slug, pk)
    if hosting.host_offer_withdraw(chat=chat, member=request.user):
        messages.success(request, "Your offer to host is withdrawn.")
    else:
        messages.info(request, "You have no pending offer to host this chat.")
    return redirect(chat)


@login_required
@require_GET
def host_offers(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_community_for_moderator(request, slug)
    offers = selectors.pending_host_offers(community=community)
    context = {"community": community, "offers": offers}
    return render(request, "chats/hosting/offers.html", context)


def _offer(community: Community, pk: int) -> HostOffer:
    return get_object_or_404(
        HostOffer.objects.select_related("chat", "member"), pk=pk, chat__community=community
    )


def _back_to_offers(community: Community) -> HttpResponse:
    return redirect("chats:host_offers", slug=community.slug)


@login_required
@require_POST
def host_offer_accept(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = get_community_for_moderator(request, slug)
    offer = _offer(community, pk)
    try:
        hosting.host_offer_accept(offer=offer)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"{offer.member.public_name} hosts “{offer.chat.title}”.")
    return _back_to_offers(community)


@login_required
@require_POST
def host_offer_decline(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = get_community_for_moderator(request, slug)
    offer = _offer(community, pk)
    try:
        hosting.host_offer_decline(offer=offer)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"{offer.member.public_name}’s offer is declined.")
    return _back_to_offers(community)


# --- Reminders ----------------------------------------------------------------


@login_required
@require_POST
def chat_reminder(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    chat = get_chat_for_reminders(request, slug, pk)
    form = ReminderForm(request.POST)
    if not form.is_valid():
        # ErrorList[i] is a message str; the stub says ValidationError | str.
        messages.error(request, form.errors["minutes_before"][0])  # type: ignore[arg-type]
        return redirect(chat)
    minutes = form.cleaned_data["minutes_before"]
    try:
        reminders.reminder_subscribe_chat(member=request.user, chat=chat, minutes_before=minutes)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        when = ReminderSubscription.MinutesBefore.label_for(minutes)
        messages.success(request, f"We will email you {when} this chat starts.")
    return redirect(chat)


@login_required
@require_POST
def chat_reminder_cancel(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    chat = get_chat_for_reminders(request, slug, pk)
    if reminders.reminder_unsubscribe_chat(member=request.user, chat=chat):
        messages.success(request, "No reminder for this chat, then.")
    else:
        messages.info(request, "You had no reminder for this chat.")
    return redirect(chat)


@login_required
@require_POST
def community_reminder(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    community = get_object_or_404(Community, slug=slug)
    form = ReminderForm(request.POST)
    if not form.is_valid():
        # ErrorList[i] is a message str; the stub says ValidationError | str.
        messages.error(request, form.errors["minutes_before"][0])  # type: ignore[arg-type]
        return redirect(community)
    minutes = form.cleaned_data["minutes_before"]
    try:
        reminders.reminder_subscribe_community(
            member=request.user, community=community, minutes_before=minutes
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        when = ReminderSubscription.MinutesBefore.label_for(minutes)
        messages.success(request, f"We will email you {when} every #{community.hashtag} chat.")
    return redirect(community)


@login_required
@require_POST
def community_reminder_cancel(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    community = get_object_or_404(Community, slug=slug)
    if reminders.reminder_unsubscribe_community(member=request.user, community=community):
        messages.success(request, f"No more reminders for #{community.hashtag} chats.")
    else:
        messages.info(request, "You had no reminders for this community.")
    return redirect(community)
