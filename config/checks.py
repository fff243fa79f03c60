"""Deploy checks that name the environment variable to set, not the setting it feeds."""

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.checks.mail import NON_PRODUCTION_EMAIL_BACKENDS
from django.utils.module_loading import import_string


def _delivers_nothing(backend: str) -> bool:
    # Our readable console backend (common.mail) is Django's console backend underneath.
    try:
        backend_class = import_string(backend)
    except ImportError:
        return False
    return any(
        issubclass(backend_class, import_string(path)) for path in NON_PRODUCTION_EMAIL_BACKENDS
    )


@register(Tags.mail, deploy=True)
def check_email_url(app_configs: object, **kwargs: object) -> list[CheckMessage]:
    # Django's own mail.E001 (silenced in settings) says the same about MAILERS, which
    # operators never set: they set EMAIL_URL.
    backend = str(settings.MAILERS.get("default", {}).get("BACKEND", ""))
    if not _delivers_nothing(backend):
        return []
    return [
        Error(
            f"EMAIL_URL is not set to a mail server (the site would use {backend}): "
            "sign-up confirmations, password resets and chat reminders would never arrive.",
            hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.org:587 "
            "(see .env.example).",
            id="config.E001",
        )
    ]
