from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from django.conf import settings
from django.http import Http404, HttpRequest

from members.models import User
from members.services import X_PROVIDER, member_link_x_account, x_token_store


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_app(
        self, request: HttpRequest, provider: str, client_id: str | None = None
    ) -> SocialApp:
        # Without X credentials the "Log in with X" URLs still exist: they lead nowhere.
        try:
            return super().get_app(request, provider, client_id)
        except SocialApp.DoesNotExist:
            raise Http404("This site has no sign-in with that network.") from None

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data: dict) -> User:
        user = super().populate_user(request, sociallogin, data)
        if sociallogin.account.provider == X_PROVIDER and data.get("username"):
            # Members who arrive through X keep their X handle as their name here.
            user.username = get_account_adapter().generate_unique_username([data["username"]])
        return user

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form=None) -> User:
        user = super().save_user(request, sociallogin, form)
        link_x_from_sociallogin(sociallogin)
        return user


def link_x_from_sociallogin(sociallogin: SocialLogin) -> None:
    account = sociallogin.account
    if account.provider != X_PROVIDER:
        return
    data = account.extra_data or {}
    member_link_x_account(
        user=sociallogin.user,
        x_user_id=str(account.uid),
        handle=data.get("username", ""),
        name=data.get("name", ""),
        avatar_url=data.get("profile_image_url", ""),
    )
    token = sociallogin.token
    if token is not None and token.token and sociallogin.user.pk:
        # allauth keeps no tokens (SOCIALACCOUNT_STORE_TOKENS off: its columns are plain
        # text); ours are encrypted. X grants every scope asked for, or none.
        provider_settings: dict[str, Any] = settings.SOCIALACCOUNT_PROVIDERS[X_PROVIDER]
        scope = provider_settings.get("SCOPE", [])
        x_token_store(
            user=sociallogin.user,
            x_user_id=str(account.uid),
            access_token=token.token,
            refresh_token=token.token_secret or "",
            expires_at=token.expires_at,
            scope=" ".join(scope),
        )
