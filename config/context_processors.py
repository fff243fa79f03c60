from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    return {"x_login_enabled": settings.X_LOGIN_ENABLED}
