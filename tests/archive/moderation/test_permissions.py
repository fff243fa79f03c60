"""Every moderation URL × every persona: organisers and moderators of THIS community act
on its archive; an author, verified, on their own posts; everyone else is refused and
nothing changes."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from archive.models import PostPlacement
from archive.services import moderation
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

Request = tuple[str, str, dict]


def _placement_url(name: str, placement: PostPlacement) -> str:
    return reverse(name, kwargs={"slug": "kmers", "pk": placement.pk})


MODERATOR_REQUESTS: dict[str, Callable[[Archive], Request]] = {
    "moderate_chat get": lambda a: (
        "get", reverse("archive:moderate_chat", kwargs={"slug": "kmers", "pk": a.chat.pk}), {}
    ),
    "moderate_stream get": lambda a: (
        "get", reverse("archive:moderate_stream", kwargs={"slug": "kmers"}), {}
    ),
    "moderation_log get": lambda a: (
        "get", reverse("archive:moderation_log", kwargs={"slug": "kmers"}), {}
    ),
    "placement_hide post": lambda a: (
        "post", _placement_url("archive:placement_hide", a.spam_placement), {"reason": "spam"}
    ),
    "placements_hide post": lambda a: (
        "post", reverse("archive:placements_hide", kwargs={"slug": "kmers"}),
        {"placement": [a.spam_placement.pk], "reason": "spam"},
    ),
    "placement_unhide post": lambda a: (
        "post", _placement_url("archive:placement_unhide", a.spam_placement), {}
    ),
    "account_exclude get": lambda a: (
        "get", reverse("archive:account_exclude", kwargs={"slug": "kmers", "pk": a.spammer.pk}),
        {},
    ),
    "account_exclude post": lambda a: (
        "post", reverse("archive:account_exclude", kwargs={"slug": "kmers", "pk": a.spammer.pk}),
        {"reason": "spam", "note": "Ads only."},
    ),
    "account_include post": lambda a: (
        "post", reverse("archive:account_include", kwargs={"slug": "kmers", "pk": a.spammer.pk}),
        {},
    ),
}  # fmt: skip


def _prepare(archive: Archive, name: str, actor: User) -> None:
    # Unhiding and lifting mean something only once something is hidden or excluded.
    if name == "placement_unhide post":
        moderation.placement_hide(placement=archive.spam_placement, actor=actor, reason="spam")
    if name == "account_include post":
        moderation.account_exclude(
            community=archive.chat.community, account=archive.spammer, actor=actor, reason="spam"
        )


def _send(client: Client, request: Request):
    method, url, data = request
    return getattr(client, method)(url, data)


@pytest.mark.parametrize("name", MODERATOR_REQUESTS)
@pytest.mark.parametrize("persona", ["organiser", "moderator"])
def test_it_lets_organisers_and_moderators_use_every_moderation_url(
    request: pytest.FixtureRequest, archive: Archive, organiser_user: User, persona: str, name: str
) -> None:
    client: Client = request.getfixturevalue(persona)
    _prepare(archive, name, organiser_user)
    before = snapshot()

    response = _send(client, MODERATOR_REQUESTS[name](archive))

    if name.endswith("get"):
        assert response.status_code == 200
    else:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert not response["Location"].startswith(reverse("account_login"))
        assert snapshot() != before


@pytest.mark.parametrize("name", MODERATOR_REQUESTS)
@pytest.mark.parametrize("persona", ["member", "outsider", "other_moderator", "author"])
def test_it_forbids_everyone_else_every_moderation_url(
    request: pytest.FixtureRequest,
    archive: Archive,
    organiser_user: User,
    make_user: Callable[..., User],
    persona: str,
    name: str,
) -> None:
    if persona == "author":  # a verified author moderates nothing but their own posts
        client = Client()
        client.force_login(verified_author(make_user, ADA, "ada"))
    else:
        client = request.getfixturevalue(persona)
    _prepare(archive, name, organiser_user)
    before = snapshot()

    response = _send(client, MODERATOR_REQUESTS[name](archive))

    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("name", MODERATOR_REQUESTS)
def test_it_sends_anonymous_visitors_to_sign_in(
    anonymous: Client, archive: Archive, organiser_user: User, name: str
) -> None:
    _prepare(archive, name, organiser_user)
    before = snapshot()

    response = _send(anonymous, MODERATOR_REQUESTS[name](archive))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert snapshot() == before


@pytest.mark.parametrize(
    "name",
    [n for n in MODERATOR_REQUESTS if n.endswith("post") and n != "account_exclude post"]
    + ["my_posts post"],
)
def test_it_answers_405_to_a_get_on_an_action(
    organiser: Client, archive: Archive, name: str
) -> None:
    if name == "my_posts post":
        url = reverse("archive:post_remove", kwargs={"pk": archive.shared.pk})
    else:
        _, url, _ = MODERATOR_REQUESTS[name](archive)
    before = snapshot()

    response = organiser.get(url)

    assert response.status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize("name", ["placement_hide post", "placement_unhide post"])
def test_it_answers_404_for_a_placement_of_another_community_under_this_slug(
    organiser: Client, archive: Archive, organiser_user: User, name: str
) -> None:
    _prepare(archive, name, organiser_user)
    if name == "placement_unhide post":
        PostPlacement.objects.filter(pk=archive.other_placement.pk).update(
            hidden=True, hidden_reason="spam"
        )
    before = snapshot()
    method, _, data = MODERATOR_REQUESTS[name](archive)
    url = _placement_url(f"archive:{name.removesuffix(' post')}", archive.other_placement)

    response = getattr(organiser, method)(url, data)

    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("name", ["account_exclude", "account_include"])
def test_it_answers_404_for_an_account_that_never_posted_here(
    organiser: Client, archive: Archive, name: str
) -> None:
    librarian = make_x_user("libby")
    archive_tweets([tweet(librarian, "Only #libchat here", 7)], users=[*USERS, librarian])
    account = PostPlacement.objects.get(post__text__startswith="Only").post.author
    before = snapshot()

    response = organiser.post(
        reverse(f"archive:{name}", kwargs={"slug": "kmers", "pk": account.pk}), {"reason": "spam"}
    )

    assert response.status_code == 404
    assert snapshot() == before


AUTHOR_ACTIONS = ["archive:post_remove", "archive:post_restore"]


def _prepare_author(archive: Archive, name: str, author: User) -> None:
    if name == "archive:post_restore":
        moderation.post_author_remove(post=archive.shared, member=author)


@pytest.mark.parametrize("name", AUTHOR_ACTIONS)
def test_it_lets_the_verified_author_remove_and_restore_their_post(
    archive: Archive, make_user: Callable[..., User], name: str
) -> None:
    ada = verified_author(make_user, ADA, "ada")
    _prepare_author(archive, name, ada)
    client = Client()
    client.force_login(ada)
    before = snapshot()

    response = client.post(reverse(name, kwargs={"pk": archive.shared.pk}))

    assert response.status_code == 302
    assert response["Location"] == reverse("archive:my_posts")
    assert snapshot() != before


@pytest.mark.parametrize("name", AUTHOR_ACTIONS)
@pytest.mark.parametrize(
    "persona", ["organiser", "moderator", "member", "outsider", "other_moderator", "unverified"]
)
def test_it_answers_404_to_anyone_but_the_verified_author(
    request: pytest.FixtureRequest,
    archive: Archive,
    make_user: Callable[..., User],
    persona: str,
    name: str,
) -> None:
    ada = verified_author(make_user, ADA, "ada")
    _prepare_author(archive, name, ada)
    if persona == "unverified":  # still linked to the account, no longer verified
        User.objects.filter(pk=ada.pk).update(x_verified_at=None)
        client = Client()
        client.force_login(ada)
    else:
        client = request.getfixturevalue(persona)
    before = snapshot()

    response = client.post(reverse(name, kwargs={"pk": archive.shared.pk}))

    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("name", AUTHOR_ACTIONS)
def test_it_sends_anonymous_authors_to_sign_in(
    anonymous: Client, archive: Archive, make_user: Callable[..., User], name: str
) -> None:
    _prepare_author(archive, name, verified_author(make_user, ADA, "ada"))
    before = snapshot()

    response = anonymous.post(reverse(name, kwargs={"pk": archive.shared.pk}))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert snapshot() == before


def test_it_sends_anonymous_visitors_of_my_posts_to_sign_in(anonymous: Client) -> None:
    response = anonymous.get(reverse("archive:my_posts"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_it_refuses_a_moderation_post_without_its_csrf_token(
    organiser_user: User, archive: Archive
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(organiser_user)
    before = snapshot()

    response = client.post(
        _placement_url("archive:placement_hide", archive.spam_placement), {"reason": "spam"}
    )

    assert response.status_code == 403
    assert snapshot() == before
