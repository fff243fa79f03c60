"""The moderation pages: what moderators and authors see, what bad input gets, and
query counts that do not grow with the archive."""

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive.forms.moderation import NOTE_MAX
from archive.models import ModerationAction, Post, PostPlacement
from archive.selectors import moderation as moderation_selectors
from archive.services import moderation
from chats.models import Chat
from community.models import Community
from members.models import User
from tests.archive.moderation.conftest import (
    ADA,
    USERS,
    Archive,
    snapshot,
    tweet,
    verified_author,
)
from tests.archive.support import archive_tweets
from tests.fakes.x_data import make_user as make_x_user

pytestmark = pytest.mark.django_db


def _moderate_url(chat: Chat) -> str:
    return reverse("archive:moderate_chat", kwargs={"slug": chat.community.slug, "pk": chat.pk})


def _log_url() -> str:
    return reverse("archive:moderation_log", kwargs={"slug": "kmers"})


def _hide_url(placement: PostPlacement) -> str:
    return reverse("archive:placement_hide", kwargs={"slug": "kmers", "pk": placement.pk})


def _unhide_url(placement: PostPlacement) -> str:
    return reverse("archive:placement_unhide", kwargs={"slug": "kmers", "pk": placement.pk})


def test_it_shows_every_post_of_the_chat_to_moderators_hidden_ones_marked(
    moderator: Client, archive: Archive, organiser_user: User
) -> None:
    moderation.placement_hide(placement=archive.spam_placement, actor=organiser_user, reason="spam")

    page = moderator.get(_moderate_url(archive.chat)).content.decode()

    assert "Buy followers now" in page
    assert f'id="post-{archive.spam.external_id}"' in page
    assert "is-hidden" in page
    assert _unhide_url(archive.spam_placement) in page
    # One bulk form per page, a checkbox per post: not a full form per post.
    assert f'name="placement" value="{archive.placement.pk}" form="bulk-hide"' in page
    assert page.count('id="bulk-hide"') == 1
    assert (
        reverse("archive:account_exclude", kwargs={"slug": "kmers", "pk": archive.ada.pk}) in page
    )
    # The spammer's display name is <script>alert(1)</script>: shown, never run.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "exclude_per_post" not in page  # template comments stay out
    # The hide and exclude forms offer HideForm's reasons and note length; "excluded"
    # belongs to the exclusion itself.
    assert '<option value="off_topic">Off topic</option>' in page
    assert '<option value="excluded">' not in page
    assert f'maxlength="{NOTE_MAX}"' in page


def test_it_offers_lifting_rather_than_unhiding_for_an_excluded_account(
    moderator: Client, archive: Archive, community: Community, organiser_user: User
) -> None:
    moderation.account_exclude(
        community=community, account=archive.spammer, actor=organiser_user, reason="spam"
    )

    page = moderator.get(_moderate_url(archive.chat)).content.decode()

    assert _unhide_url(archive.spam_placement) not in page
    assert (
        reverse("archive:account_include", kwargs={"slug": "kmers", "pk": archive.spammer.pk})
        in page
    )
    assert "@spammy is excluded from this archive" in page


def _archive_posts(count: int) -> None:
    people = [make_x_user(f"person{n}") for n in range(7)]
    tweets = [tweet(people[n % 7], f"A1 answer number {n} #KMers", n % 50) for n in range(count)]
    for n, item in enumerate(tweets):  # distinct ids even within one minute
        item["id"] = str(int(item["id"]) + n)
    archive_tweets(tweets, users=people)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_it_moderates_a_chat_in_the_same_number_of_queries_for_5_and_50_posts(
    moderator: Client, chat: Chat, community: Community, organiser_user: User
) -> None:
    _archive_posts(5)
    small = _queries(moderator, _moderate_url(chat))
    _archive_posts(50)
    first = PostPlacement.objects.order_by("pk").first()
    moderation.placement_hide(placement=first, actor=organiser_user, reason="spam")
    moderation.account_exclude(
        community=community, account=first.post.author, actor=organiser_user, reason="spam"
    )

    large = _queries(moderator, _moderate_url(chat))

    assert PostPlacement.objects.filter(chat=chat).count() == 55
    assert small == large


def test_it_shows_the_log_in_the_same_number_of_queries_for_2_and_20_actions(
    organiser: Client, archive: Archive, community: Community, organiser_user: User
) -> None:
    def act(times: int) -> None:
        for _ in range(times):
            placement, actor = archive.spam_placement, organiser_user
            moderation.placement_hide(placement=placement, actor=actor, reason="spam")
            moderation.placement_unhide(placement=placement, actor=actor)

    act(1)
    small = _queries(organiser, _log_url())
    act(9)
    moderation.account_exclude(
        community=community, account=archive.spammer, actor=organiser_user, reason="spam"
    )

    assert _queries(organiser, _log_url()) == small


def test_it_shows_the_log_newest_first_with_who_what_and_why(
    organiser: Client, archive: Archive, community: Community, moderator_user: User
) -> None:
    moderation.placement_hide(
        placement=archive.placement, actor=moderator_user, reason="off_topic",
        note="<b>Not</b> about KM",
    )  # fmt: skip
    moderation.account_exclude(
        community=community, account=archive.spammer, actor=moderator_user, reason="spam"
    )

    page = organiser.get(_log_url()).content.decode()

    log = page[page.index('id="log-heading"') :]
    assert log.index("Excluded an account") < log.index("Hid a post")
    assert "Milo Moderator" in log
    assert "Off topic" in log
    assert "&lt;b&gt;Not&lt;/b&gt; about KM" in log
    assert "post by @ada" in log
    assert "@spammy" in page[page.index('id="exclusions-heading"') :]
    assert _moderate_url(archive.chat) in page


def test_it_shows_authors_removals_of_this_communitys_posts_in_its_log(
    organiser: Client, archive: Archive, make_user: Callable[..., User]
) -> None:
    ada = verified_author(make_user, ADA, "ada")
    moderation.post_author_remove(post=archive.shared, member=ada)

    page = organiser.get(_log_url()).content.decode()

    assert "Author removed their post" in page
    assert "graphs connect" not in page  # the author withdrew the text


def test_it_keeps_the_log_of_another_community_out(
    organiser: Client, archive: Archive, other_community: Community, make_user: Callable[..., User]
) -> None:
    otto = User.objects.get(username="otto")
    moderation.placement_hide(placement=archive.other_placement, actor=otto, reason="abuse")

    page = organiser.get(_log_url()).content.decode()

    assert "Otto Other" not in page
    assert "Nothing moderated yet." in page


def test_it_links_the_moderation_pages_from_the_manage_page(
    organiser: Client, community: Community
) -> None:
    page = organiser.get(reverse("chats:manage", kwargs={"slug": "kmers"})).content.decode()

    assert _log_url() in page


def test_it_hides_through_the_page_and_returns_to_the_post(
    moderator: Client, archive: Archive, moderator_user: User
) -> None:
    response = moderator.post(_hide_url(archive.spam_placement), {"reason": "spam", "note": "Ad"})

    assert response.status_code == 302
    assert response["Location"] == f"{_moderate_url(archive.chat)}#post-{archive.spam.external_id}"
    action = ModerationAction.objects.get()
    assert (action.actor, action.reason, action.note) == (moderator_user, "spam", "Ad")
    followed = moderator.get(response["Location"]).content.decode()
    assert "Post hidden from this community" in followed


def test_it_logs_a_double_submitted_hide_once(moderator: Client, archive: Archive) -> None:
    for _ in range(2):
        response = moderator.post(_hide_url(archive.spam_placement), {"reason": "spam"})
        assert response.status_code == 302

    assert ModerationAction.objects.count() == 1


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "", "x" * 3000],
)
def test_it_never_redirects_off_the_site(moderator: Client, archive: Archive, target: str) -> None:
    response = moderator.post(_hide_url(archive.spam_placement), {"reason": "spam", "next": target})

    if len(target) > 2000:
        assert response.status_code == 400  # the form refuses it, nothing hidden
        return
    assert response.status_code == 302
    assert response["Location"].startswith(_moderate_url(archive.chat))


def test_it_goes_back_to_a_local_next(moderator: Client, archive: Archive) -> None:
    target = f"{_moderate_url(archive.chat)}?page=1#post-1"

    response = moderator.post(_hide_url(archive.spam_placement), {"reason": "spam", "next": target})

    assert response["Location"] == target


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"reason": "excluded"},
        {"reason": "nonsense"},
        {"reason": "spam", "note": "n" * 501},
        {"reason": "spam", "note": "null\x00byte"},
        {"reason": "spam\x00"},
    ],
)
def test_it_re_renders_a_bad_hide_with_the_error_next_to_the_field(
    moderator: Client, archive: Archive, data: dict
) -> None:
    before = snapshot()

    response = moderator.post(_hide_url(archive.spam_placement), data)

    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="error"' in page
    assert "Buy followers now" in page  # which post it was about
    assert f'action="{_hide_url(archive.spam_placement)}"' in page  # posts back to itself
    assert snapshot() == before


def test_it_re_renders_a_bad_exclusion_with_the_error(moderator: Client, archive: Archive) -> None:
    url = reverse("archive:account_exclude", kwargs={"slug": "kmers", "pk": archive.spammer.pk})

    response = moderator.post(url, {"reason": "excluded"})

    assert response.status_code == 400
    assert 'id="id_reason_error"' in response.content.decode()


def test_it_shows_a_refusal_of_the_service_next_to_the_field_it_names(
    moderator: Client, archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**_: object) -> bool:
        raise ValidationError({"note": "Say why in other words."})

    monkeypatch.setattr(moderation, "placement_hide", refuse)

    response = moderator.post(_hide_url(archive.spam_placement), {"reason": "spam", "note": "x"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"note": ["Say why in other words."]}
    assert 'id="id_note_error"' in response.content.decode()


def test_it_explains_why_an_excluded_accounts_post_cannot_be_unhidden_alone(
    moderator: Client, archive: Archive, community: Community, organiser_user: User
) -> None:
    moderation.account_exclude(
        community=community, account=archive.spammer, actor=organiser_user, reason="spam"
    )
    response = moderator.post(_unhide_url(archive.spam_placement))

    assert response.status_code == 400
    assert "lift the exclusion" in response.content.decode()


@pytest.mark.parametrize("pk", ["0", "999999", "99999999999999999999999"])
@pytest.mark.parametrize(
    "name",
    [
        "archive:placement_hide",
        "archive:placement_unhide",
        "archive:account_exclude",
        "archive:account_include",
    ],
)
def test_it_answers_404_for_unknown_ids(
    moderator: Client, archive: Archive, name: str, pk: str
) -> None:
    url = reverse(name, kwargs={"slug": "kmers", "pk": 1}).replace("/1/", f"/{pk}/")

    response = moderator.post(url, {"reason": "spam"})

    assert response.status_code == 404


def test_it_labels_the_chat_pages_earlier_and_later_as_its_posts_run_oldest_first(
    moderator: Client, archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(moderation_selectors, "CHAT_PAGE_SIZE", 1)

    first = moderator.get(_moderate_url(archive.chat)).content.decode()
    second = moderator.get(_moderate_url(archive.chat), {"page": 2}).content.decode()

    assert "graphs connect" in first  # Ada's answer, a minute before the spam
    assert "Buy followers now" in second
    assert '<a href="?page=2" rel="next">Later</a>' in first
    assert '<a href="?page=1" rel="prev">Earlier</a>' in second
    assert "Newer" not in first + second
    assert "Older" not in first + second


def test_it_labels_the_log_pages_newer_and_older_as_it_runs_newest_first(
    organiser: Client, archive: Archive, organiser_user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(moderation_selectors, "LOG_PAGE_SIZE", 1)
    moderation.placement_hide(placement=archive.spam_placement, actor=organiser_user, reason="spam")
    moderation.placement_unhide(placement=archive.spam_placement, actor=organiser_user)

    first = organiser.get(_log_url()).content.decode()

    assert '<a href="?page=2" rel="next">Older</a>' in first


@pytest.mark.parametrize("page", ["-1", "0", "abc", "99999999999999999999", "1e9", ""])
def test_it_survives_bad_page_numbers(moderator: Client, archive: Archive, page: str) -> None:
    for url in (_moderate_url(archive.chat), _log_url()):
        assert moderator.get(url, {"page": page}).status_code == 200


def test_it_answers_404_for_a_chat_of_another_community_under_this_slug(
    moderator: Client, archive: Archive
) -> None:
    url = _moderate_url(archive.chat).replace(f"/{archive.chat.pk}/", f"/{archive.other_chat.pk}/")

    assert moderator.get(url).status_code == 404


# --- Authors' own posts ---------------------------------------------------------


def test_it_explains_to_members_without_a_verified_x_link_how_to_get_one(
    member: Client, member_user: User
) -> None:
    page = member.get(reverse("archive:my_posts")).content.decode()

    assert "connect it by logging in with X" in page
    assert member_user.get_absolute_url() in page


def test_it_lists_only_the_members_own_posts_with_remove_buttons(
    archive: Archive, make_user: Callable[..., User]
) -> None:
    ada = verified_author(make_user, ADA, "ada")
    client = Client()
    client.force_login(ada)

    page = client.get(reverse("archive:my_posts")).content.decode()

    assert "graphs connect what we know" in page
    assert "Buy followers" not in page
    assert reverse("archive:post_remove", kwargs={"pk": archive.shared.pk}) in page
    # Both archives it is in.
    assert "Catalogues" in page
    assert "Knowledge audits" in page


def test_it_removes_an_authors_post_from_every_chat_page(
    anonymous: Client, archive: Archive, make_user: Callable[..., User]
) -> None:
    ada = verified_author(make_user, ADA, "ada")
    client = Client()
    client.force_login(ada)

    response = client.post(reverse("archive:post_remove", kwargs={"pk": archive.shared.pk}))

    assert response.status_code == 302
    for chat in (archive.chat, archive.other_chat):
        assert "graphs connect" not in anonymous.get(chat.get_absolute_url()).content.decode()
    mine = client.get(reverse("archive:my_posts")).content.decode()
    assert reverse("archive:post_restore", kwargs={"pk": archive.shared.pk}) in mine
    assert "Your post is removed from every transcript." in mine


def test_it_lists_my_posts_in_the_same_number_of_queries_for_1_and_30_posts(
    archive: Archive, make_user: Callable[..., User]
) -> None:
    ada = verified_author(make_user, ADA, "ada")
    client = Client()
    client.force_login(ada)
    small = _queries(client, reverse("archive:my_posts"))
    tweets = [tweet(ADA, f"A{n} more #KMers #libchat", 10 + n) for n in range(29)]
    archive_tweets(tweets, users=USERS)

    assert _queries(client, reverse("archive:my_posts")) == small


def test_it_leaves_an_edit_replaced_version_out_of_my_posts(
    archive: Archive, make_user: Callable[..., User]
) -> None:
    ada = verified_author(make_user, ADA, "ada")
    Post.objects.filter(pk=archive.shared.pk).update(
        removed=True, removed_reason=Post.REMOVED_EDITED
    )
    client = Client()
    client.force_login(ada)

    page = client.get(reverse("archive:my_posts")).content.decode()

    assert "graphs connect" not in page


def test_it_asks_before_excluding_an_account_without_javascript(
    moderator: Client, archive: Archive
) -> None:
    exclude_url = reverse("archive:account_exclude", kwargs={"slug": "kmers", "pk": archive.ada.pk})
    chat_page = moderator.get(_moderate_url(archive.chat)).content.decode()
    assert f'href="{exclude_url}?next=' in chat_page
    assert f'action="{exclude_url}"' not in chat_page

    asked = moderator.get(exclude_url, {"next": _moderate_url(archive.chat)})

    assert asked.status_code == 200
    html = asked.content.decode()
    assert "Exclude @ada from this archive?" in html
    assert f'<form method="post" action="{exclude_url}"' in html
    assert f'value="{_moderate_url(archive.chat)}"' in html
    assert not ModerationAction.objects.exists()


def test_it_presets_no_reason_for_hiding_or_excluding(moderator: Client, archive: Archive) -> None:
    page = moderator.get(_moderate_url(archive.chat)).content.decode()

    assert '<option value="" selected disabled>Choose a reason…</option>' in page
    response = moderator.post(_hide_url(archive.placement), {"note": "no reason"})
    assert response.status_code == 400
    assert not PostPlacement.objects.get(pk=archive.placement.pk).hidden


def test_it_links_the_archive_status_page_from_the_manage_page(
    organiser: Client, community: Community
) -> None:
    page = organiser.get(reverse("chats:manage", kwargs={"slug": "kmers"})).content.decode()

    assert reverse("archive:archive_health", kwargs={"slug": "kmers"}) in page


def test_it_filters_a_chats_posts_by_author_and_text(moderator: Client, archive: Archive) -> None:
    by_spammer = moderator.get(_moderate_url(archive.chat), {"author": "@spammy"})
    by_words = moderator.get(_moderate_url(archive.chat), {"text": "buy FOLLOWERS"})

    spammer_posts = [p.post.author.handle for p in by_spammer.context["page"]]
    assert spammer_posts
    assert set(spammer_posts) == {"spammy"}
    assert [p.post.text for p in by_words.context["page"]] == [archive.spam.text]
    assert 'value="@spammy"' in by_spammer.content.decode()


def test_it_hides_the_selected_posts_at_once_for_one_reason(
    moderator: Client, archive: Archive
) -> None:
    url = reverse("archive:placements_hide", kwargs={"slug": "kmers"})
    chosen = [archive.placement.pk, archive.spam_placement.pk]

    response = moderator.post(
        url, {"placement": chosen, "reason": "off_topic", "next": _moderate_url(archive.chat)}
    )

    assert response["Location"] == _moderate_url(archive.chat)
    hidden = PostPlacement.objects.filter(pk__in=chosen, hidden=True, hidden_reason="off_topic")
    assert hidden.count() == 2
    assert ModerationAction.objects.count() == 2


def test_it_hides_nothing_in_bulk_without_a_reason_or_a_selection(
    moderator: Client, archive: Archive
) -> None:
    url = reverse("archive:placements_hide", kwargs={"slug": "kmers"})

    no_reason = moderator.post(url, {"placement": [archive.placement.pk]}, follow=True)
    no_selection = moderator.post(url, {"reason": "spam"}, follow=True)

    assert "Choose why these posts are hidden." in no_reason.content.decode()
    assert "Select the posts to hide first." in no_selection.content.decode()
    assert not PostPlacement.objects.filter(hidden=True).exists()


def test_it_never_hides_another_communitys_posts_in_bulk(
    moderator: Client, archive: Archive
) -> None:
    url = reverse("archive:placements_hide", kwargs={"slug": "kmers"})

    moderator.post(url, {"placement": [archive.other_placement.pk], "reason": "spam"})

    assert not PostPlacement.objects.filter(hidden=True).exists()
