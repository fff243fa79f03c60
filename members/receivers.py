"""Keep the verified X handle in step with allauth's social accounts."""

from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.signals import (
    social_account_added,
    social_account_removed,
    social_account_updated,
)
from django.dispatch import receiver

from members.adapters import X_PROVIDER, link_x_from_sociallogin
from members.services import member_unlink_x_account, x_token_clear


@receiver(social_account_added)
@receiver(social_account_updated)
def _link_x(sender: object, request: object, sociallogin: object, **kwargs: object) -> None:
    link_x_from_sociallogin(sociallogin)


@receiver(social_account_removed)
def _unlink_x(sender: object, request: object, socialaccount: SocialAccount, **kw: object) -> None:
    if socialaccount.provider == X_PROVIDER:
        member_unlink_x_account(user=socialaccount.user, x_user_id=str(socialaccount.uid))
        x_token_clear(user=socialaccount.user)
