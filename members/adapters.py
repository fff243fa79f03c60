from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.http import HttpRequest

from .models import User
from .services import member_link_x_account

X_PROVIDER = "twitter_oauth2"


class AccountAdapter(DefaultAccountAdapter):
    pass


class SocialAccountAdapter(DefaultSocialAccountAdapter):
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
