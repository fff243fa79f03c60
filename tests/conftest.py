"""Personas and shared fixtures. Tests run on real PostgreSQL and Redis."""

from collections.abc import Callable
from uuid import uuid4

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.test import Client
from hypothesis import settings as hypothesis_settings

from community.models import Community, Membership
from community.services import community_create
from members.models import User

PASSWORD = "correct horse battery staple"

# The same examples on every run (CI must not turn red by luck) and no example database
# left in the checkout; `--hypothesis-seed` explores further when wanted.
hypothesis_settings.register_profile("hashtag_commons", derandomize=True, database=None)
hypothesis_settings.load_profile("hashtag_commons")


@pytest.fixture(autouse=True)
def _isolated_cache() -> None:
    # Each test gets its own namespace in the shared Redis cache, so allauth's
    # rate limits and cached values never leak between tests or xdist workers.
    cache.key_prefix = f"test-{uuid4().hex}"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: object) -> None:
    # Personas get passwords but no test is about hashing strength: PBKDF2 would
    # cost most of a second per user on this machine.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(username: str, *, verified: bool = True, **fields: object) -> User:
        email = f"{username}@example.org"
        user = User.objects.create_user(username=username, email=email, password=PASSWORD, **fields)
        EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
        return user

    return make


@pytest.fixture
def community_data() -> dict[str, str]:
    return {
        "name": "Knowledge Managers",
        "hashtag": "KMers",
        "description": "We talk about *knowledge*.",
        "rules": "Be kind.",
        "time_zone": "America/New_York",
        "website": "https://kmers.example.org",
    }


@pytest.fixture
def organiser_user(make_user: Callable[..., User]) -> User:
    return make_user("olga", display_name="Olga Organiser")


@pytest.fixture
def community(organiser_user: User, community_data: dict[str, str]) -> Community:
    return community_create(creator=organiser_user, data=community_data)


@pytest.fixture
def member_user(make_user: Callable[..., User], community: Community) -> User:
    user = make_user("mona", display_name="Mona Member")
    Membership.objects.create(community=community, member=user)
    return user


@pytest.fixture
def moderator_user(make_user: Callable[..., User], community: Community) -> User:
    user = make_user("milo", display_name="Milo Moderator")
    Membership.objects.create(community=community, member=user, role=Membership.Role.MODERATOR)
    return user


@pytest.fixture
def outsider_user(make_user: Callable[..., User]) -> User:
    return make_user("oscar", display_name="Oscar Outsider")


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def organiser(organiser_user: User) -> Client:
    return _client_for(organiser_user)


@pytest.fixture
def member(member_user: User) -> Client:
    return _client_for(member_user)


@pytest.fixture
def moderator(moderator_user: User) -> Client:
    return _client_for(moderator_user)


@pytest.fixture
def outsider(outsider_user: User) -> Client:
    return _client_for(outsider_user)


@pytest.fixture
def anonymous() -> Client:
    return Client()


@pytest.fixture
def other_community(make_user: Callable[..., User], community_data: dict[str, str]) -> Community:
    """#libchat, founded by Otto: its people have no rights over #KMers."""
    return community_create(
        creator=make_user("otto", display_name="Otto Other"),
        data={**community_data, "name": "Librarians", "hashtag": "libchat"},
    )


@pytest.fixture
def other_moderator(make_user: Callable[..., User], other_community: Community) -> Client:
    """A moderator of #libchat, and of nothing else."""
    user = make_user("maxine", display_name="Maxine Moderator")
    Membership.objects.create(
        community=other_community, member=user, role=Membership.Role.MODERATOR
    )
    return _client_for(user)
