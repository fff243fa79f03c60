from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project itself, installed only for what it adds to Django: its system checks."""

    name = "config"
    verbose_name = "Hashtag Commons"

    def ready(self) -> None:
        from config import checks  # noqa: F401  (registers the deploy checks)
