"""A member who may post in a live chat: X's API and token endpoint faked on 127.0.0.1,
the member signed in with X earlier (their token kept encrypted), posting turned on."""

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from allauth.socialaccount.providers.twitter_oauth2.views import TwitterOAuth2Adapter
from pytest_django.fixtures import Settings

from archive.models import PostingPolicy
from chats.models import Chat
from community.models import Community
from members.models import User, XToken
from members.services import x_token_store
from tests.fakes.x_api import FakeXApi
from tests.fakes.x_oauth import FakeXOAuth, XIdentity

CLIENT_ID = "fake-x-client-id"
CLIENT_SECRET = "fake-x-client-secret"
SCOPE = "tweet.read tweet.write users.read offline.access"
POSTER = XIdentity(id="1456789012345678901", name="Ada Quillfeather", username="adaquill")


def _as_user(identity: XIdentity) -> dict[str, Any]:
    return {
        "id": identity.id,
        "username": identity.username,
        "name": identity.name,
        "profile_image_url": identity.profile_image_url,
    }


@pytest.fixture
def x_api(settings: Settings) -> Iterator[FakeXApi]:
    with FakeXApi() as api:
        settings.X_API_BASE_URL = api.base_url
        yield api


@pytest.fixture
def x_oauth(
    x_api: FakeXApi, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeXOAuth]:
    apps = [{"client_id": CLIENT_ID, "secret": CLIENT_SECRET, "key": ""}]
    providers = dict(settings.SOCIALACCOUNT_PROVIDERS)
    providers["twitter_oauth2"] = {**providers["twitter_oauth2"], "APPS": apps}
    settings.SOCIALACCOUNT_PROVIDERS = providers
    settings.X_LOGIN_ENABLED = True

    def tell_api(token: str, identity: XIdentity) -> None:
        x_api.authorize_user_token(token, _as_user(identity))

    with FakeXOAuth(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri="http://testserver/accounts/twitter_oauth2/login/callback/",
        identity=POSTER,
        on_token=tell_api,
    ) as fake:
        monkeypatch.setattr(TwitterOAuth2Adapter, "access_token_url", fake.token_url)
        monkeypatch.setattr(TwitterOAuth2Adapter, "profile_url", fake.profile_url)
        monkeypatch.setattr(TwitterOAuth2Adapter, "authorize_url", fake.authorize_url)
        yield fake


@pytest.fixture
def posting_on(community: Community) -> PostingPolicy:
    return PostingPolicy.objects.create(
        community=community, enabled=True, daily_post_cap=50, daily_spend_cap=Decimal("5")
    )


@pytest.fixture
def poster(member_user: User, x_oauth: FakeXOAuth) -> User:
    """The member, signed in with X earlier: their account linked, their token kept."""
    member_user.x_user_id, member_user.x_handle = POSTER.id, POSTER.username
    member_user.save()
    tokens = x_oauth.issue_tokens(SCOPE)
    x_token_store(
        user=member_user,
        x_user_id=POSTER.id,
        access_token=str(tokens["access_token"]),
        refresh_token=str(tokens["refresh_token"]),
        expires_at=None,
        scope=SCOPE,
    )
    return member_user


@pytest.fixture
def token_of() -> Callable[[User], XToken]:
    return lambda user: XToken.objects.get(user=user)


@pytest.fixture
def ready(poster: User, posting_on: PostingPolicy, live_chat: Chat, during_chat: object) -> Chat:
    """Everything in place: a live chat, posting on, a member with a token that may post."""
    return live_chat
