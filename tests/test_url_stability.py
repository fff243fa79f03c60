"""Public URLs never move: feeds, sitemaps, exported transcripts, calendars, emails and
X's registered callback link to them.

The table is the contract, written when the layout changed (issue 9) from the URLs as
they were before it. A new URL is added here; an existing one is never edited.
"""

from urllib.parse import unquote

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

# name: (kwargs, path)
PUBLIC_URLS: dict[str, tuple[dict[str, str], str]] = {
    "account_change_password": ({}, "/accounts/password/change/"),
    "account_confirm_email": ({"key": "abc:def"}, "/accounts/confirm-email/abc:def/"),
    "account_confirm_login_code": ({}, "/accounts/login/code/confirm/"),
    "account_email": ({}, "/accounts/email/"),
    "account_email_verification_sent": ({}, "/accounts/confirm-email/"),
    "account_inactive": ({}, "/accounts/inactive/"),
    "account_login": ({}, "/accounts/login/"),
    "account_logout": ({}, "/accounts/logout/"),
    "account_reauthenticate": ({}, "/accounts/reauthenticate/"),
    "account_reset_password": ({}, "/accounts/password/reset/"),
    "account_reset_password_done": ({}, "/accounts/password/reset/done/"),
    "account_reset_password_from_key": (
        {"uidb36": "1a", "key": "set-password"},
        "/accounts/password/reset/key/1a-set-password/",
    ),
    "account_reset_password_from_key_done": ({}, "/accounts/password/reset/key/done/"),
    "account_set_password": ({}, "/accounts/password/set/"),
    "account_signup": ({}, "/accounts/signup/"),
    "archive:account_exclude": (
        {"slug": "kmers", "pk": "7"},
        "/communities/kmers/manage/moderation/accounts/7/exclude/",
    ),
    "archive:account_include": (
        {"slug": "kmers", "pk": "7"},
        "/communities/kmers/manage/moderation/accounts/7/include/",
    ),
    "archive:archive_health": ({"slug": "kmers"}, "/communities/kmers/manage/archive/"),
    "archive:imports": ({"slug": "kmers"}, "/communities/kmers/manage/archive/imports/"),
    "archive:import_status": (
        {"slug": "kmers", "pk": 1},
        "/communities/kmers/manage/archive/imports/1/",
    ),
    "archive:archive_networks": ({"slug": "kmers"}, "/communities/kmers/manage/archive/networks/"),
    "archive:placements_hide": (
        {"slug": "kmers"},
        "/communities/kmers/manage/moderation/placements/hide/",
    ),
    "chats:chat_cancel": (
        {"slug": "kmers", "pk": "7"},
        "/communities/kmers/manage/chats/7/cancel/",
    ),
    "chats:chat_create": ({"slug": "kmers"}, "/communities/kmers/manage/chats/new/"),
    "chats:chat_edit": ({"slug": "kmers", "pk": "7"}, "/communities/kmers/manage/chats/7/edit/"),
    "chats:chat_ics": ({"slug": "kmers", "pk": "7"}, "/communities/kmers/chats/7/calendar.ics"),
    "archive:chat_posts": ({"slug": "kmers", "pk": "7"}, "/communities/kmers/chats/7/posts/"),
    "archive:chat_compose": ({"slug": "kmers", "pk": "7"}, "/communities/kmers/chats/7/compose/"),
    "archive:chat_compose_count": (
        {"slug": "kmers", "pk": "7"},
        "/communities/kmers/chats/7/compose/count/",
    ),
    "chats:chat_reminder": ({"slug": "kmers", "pk": "7"}, "/communities/kmers/chats/7/reminder/"),
    "chats:chat_reminder_cancel": (
        {"slug": "kmers", "pk": "7"},
        "/communities/kmers/chats/7/reminder/cancel/",
    ),
    "chats:chat_restore": (
        {"slug": "kmers", "pk": "7"},
        "/communities/kmers/manage/chats/7/restore/",
    ),
    "archive:community_feed": ({"slug": "kmers"}, "/communities/kmers/transcripts.atom"),
    "archive:community_transcripts": ({"slug": "kmers"}, "/communities/kmers/transcripts/"),
    "archive:vitality": ({"slug": "kmers"}, "/communities/kmers/vitality/"),
    "chats:community_ics": ({"slug": "kmers"}, "/communities/kmers/calendar.ics"),
    "chats:community_reminder": ({"slug": "kmers"}, "/communities/kmers/reminder/"),
    "chats:community_reminder_cancel": ({"slug": "kmers"}, "/communities/kmers/reminder/cancel/"),
    "chats:detail": ({"slug": "kmers", "pk": "7"}, "/communities/kmers/chats/7/"),
    "chats:host_offer_accept": (
        {"slug": "kmers", "pk": "7"},
        "/communities/kmers/manage/host-offers/7/accept/",
    ),
    "chats:host_offer_decline": (
        {"slug": "kmers", "pk": "7"},
        "/communities/kmers/manage/host-offers/7/decline/",
    ),
    "chats:host_offers": ({"slug": "kmers"}, "/communities/kmers/manage/host-offers/"),
    "chats:host_volunteer": (
        {"slug": "kmers", "pk": "7"},
        "/communities/kmers/chats/7/host/volunteer/",
    ),
    "chats:host_withdraw": (
        {"slug": "kmers", "pk": "7"},
        "/communities/kmers/chats/7/host/withdraw/",
    ),
    "chats:hosts": ({"slug": "kmers", "pk": "7"}, "/communities/kmers/manage/chats/7/hosts/"),
    "chats:manage": ({"slug": "kmers"}, "/communities/kmers/manage/"),
    "chats:joint": ({"slug": "kmers", "pk": "7"}, "/communities/kmers/manage/chats/7/joint/"),
    "chats:joint_withdraw": (
        {"slug": "kmers", "pk": "7", "cohost_pk": "3"},
        "/communities/kmers/manage/chats/7/joint/3/withdraw/",
    ),
    "chats:joint_accept": (
        {"slug": "kmers", "pk": "7"},
        "/communities/kmers/manage/joint-chats/7/accept/",
    ),
    "chats:joint_decline": (
        {"slug": "kmers", "pk": "7"},
        "/communities/kmers/manage/joint-chats/7/decline/",
    ),
    "chats:joint_leave": (
        {"slug": "kmers", "pk": "7"},
        "/communities/kmers/manage/joint-chats/7/leave/",
    ),
    "archive:connections": ({}, "/connections/"),
    "archive:shared_posts": (
        {"slug": "kmers", "other": "edchat"},
        "/communities/kmers/connections/edchat/",
    ),
    "archive:moderate_chat": (
        {"slug": "kmers", "pk": "7"},
        "/communities/kmers/manage/chats/7/moderate/",
    ),
    "archive:moderate_stream": ({"slug": "kmers"}, "/communities/kmers/manage/moderation/stream/"),
    "archive:moderation_log": ({"slug": "kmers"}, "/communities/kmers/manage/moderation/"),
    "archive:member_mute": ({"slug": "kmers"}, "/communities/kmers/manage/posting/mutes/"),
    "archive:member_unmute": (
        {"slug": "kmers", "pk": "7"},
        "/communities/kmers/manage/posting/mutes/7/unmute/",
    ),
    "archive:my_posts": ({}, "/me/posts/"),
    "archive:placement_hide": (
        {"slug": "kmers", "pk": "7"},
        "/communities/kmers/manage/moderation/placements/7/hide/",
    ),
    "archive:placement_unhide": (
        {"slug": "kmers", "pk": "7"},
        "/communities/kmers/manage/moderation/placements/7/unhide/",
    ),
    "archive:post_remove": ({"pk": "7"}, "/me/posts/7/remove/"),
    "archive:post_restore": ({"pk": "7"}, "/me/posts/7/restore/"),
    "chats:question_delete": (
        {"slug": "kmers", "pk": "7", "question_pk": "3"},
        "/communities/kmers/manage/chats/7/questions/3/delete/",
    ),
    "chats:question_edit": (
        {"slug": "kmers", "pk": "7", "question_pk": "3"},
        "/communities/kmers/manage/chats/7/questions/3/edit/",
    ),
    "chats:question_move": (
        {"slug": "kmers", "pk": "7", "question_pk": "3"},
        "/communities/kmers/manage/chats/7/questions/3/move/",
    ),
    "chats:questions": (
        {"slug": "kmers", "pk": "7"},
        "/communities/kmers/manage/chats/7/questions/",
    ),
    "chats:schedule": ({}, "/schedule/"),
    "chats:schedule_ics": ({}, "/schedule/calendar.ics"),
    "archive:posting_settings": ({"slug": "kmers"}, "/communities/kmers/manage/posting/"),
    "archive:search": ({}, "/search/"),
    "chats:series_create": ({"slug": "kmers"}, "/communities/kmers/manage/series/new/"),
    "chats:series_edit": ({"slug": "kmers", "pk": "7"}, "/communities/kmers/manage/series/7/edit/"),
    "chats:series_end": ({"slug": "kmers", "pk": "7"}, "/communities/kmers/manage/series/7/end/"),
    "chats:set_timezone": ({}, "/time-zone/"),
    "archive:site_feed": ({}, "/transcripts.atom"),
    "archive:stream": ({"slug": "kmers"}, "/communities/kmers/stream/"),
    "chats:topic_decline": ({"slug": "kmers", "pk": "7"}, "/communities/kmers/topics/7/decline/"),
    "chats:topic_suggest": ({"slug": "kmers"}, "/communities/kmers/topics/suggest/"),
    "chats:topic_unvote": ({"slug": "kmers", "pk": "7"}, "/communities/kmers/topics/7/unvote/"),
    "chats:topic_vote": ({"slug": "kmers", "pk": "7"}, "/communities/kmers/topics/7/vote/"),
    "chats:topics": ({"slug": "kmers"}, "/communities/kmers/topics/"),
    "archive:transcript": ({"slug": "kmers", "pk": "7"}, "/communities/kmers/chats/7/transcript/"),
    "archive:transcript_export": (
        {"slug": "kmers", "pk": "7", "fmt": "md"},
        "/communities/kmers/chats/7/transcript.md",
    ),
    "archive:transcript_print": (
        {"slug": "kmers", "pk": "7"},
        "/communities/kmers/chats/7/transcript/print/",
    ),
    "communities:create": ({}, "/communities/new/"),
    "communities:detail": ({"slug": "kmers"}, "/communities/kmers/"),
    "communities:edit": ({"slug": "kmers"}, "/communities/kmers/edit/"),
    "communities:join": ({"slug": "kmers"}, "/communities/kmers/join/"),
    "communities:leave": ({"slug": "kmers"}, "/communities/kmers/leave/"),
    "communities:list": ({}, "/communities/"),
    "communities:members": ({"slug": "kmers"}, "/communities/kmers/members/"),
    "communities:role": (
        {"slug": "kmers", "username": "ada"},
        "/communities/kmers/members/ada/role/",
    ),
    "healthz": ({}, "/healthz"),
    "home": ({}, "/"),
    "members:mastodon_callback": ({}, "/profile/mastodon/callback/"),
    "members:mastodon_connect": ({}, "/profile/mastodon/"),
    "members:mastodon_disconnect": ({}, "/profile/mastodon/disconnect/"),
    "members:profile": ({"username": "ada"}, "/members/ada/"),
    "members:profile_edit": ({}, "/profile/edit/"),
    "members:verify_mastodon": ({}, "/profile/verify-mastodon/"),
    "robots": ({}, "/robots.txt"),
    "sitemap": ({}, "/sitemap.xml"),
    "socialaccount_connections": ({}, "/accounts/3rdparty/"),
    "socialaccount_login_cancelled": ({}, "/accounts/3rdparty/login/cancelled/"),
    "socialaccount_login_error": ({}, "/accounts/3rdparty/login/error/"),
    "socialaccount_signup": ({}, "/accounts/3rdparty/signup/"),
    "twitter_oauth2_callback": ({}, "/accounts/twitter_oauth2/login/callback/"),
    "twitter_oauth2_login": ({}, "/accounts/twitter_oauth2/login/"),
}


def _named_urls(patterns: list, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            names |= _named_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


@pytest.mark.parametrize(("name", "kwargs", "path"), [(n, *v) for n, v in PUBLIC_URLS.items()])
def test_it_keeps_every_named_url_at_its_path(name: str, kwargs: dict[str, str], path: str) -> None:
    assert unquote(reverse(name, kwargs=kwargs)) == path
    # And the path leads back to that URL, not to one declared before it.
    assert resolve(path).view_name == name


def test_it_lists_every_named_url_of_the_site_in_the_contract() -> None:
    # The admin's own URLs are left out: only staff use them, and they follow app labels.
    names = {n for n in _named_urls(get_resolver().url_patterns) if not n.startswith("admin:")}

    assert sorted(names - PUBLIC_URLS.keys()) == [], "a new URL: add it to PUBLIC_URLS"
    assert sorted(PUBLIC_URLS.keys() - names) == [], "a URL is gone: links to it break"
