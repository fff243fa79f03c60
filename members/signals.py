"""Keep the verified X handle in step with allauth's social accounts."""

from allauth.socialaccount.signals import social_account_added, social_account_updated
from django.dispatch import receiver

from .adapters import link_x_from_sociallogin


@receiver(social_account_added)
@receiver(social_account_updated)
def _link_x(sender: object, request: object, sociallogin: object, **kwargs: object) -> None:
    link_x_from_sociallogin(sociallogin)
