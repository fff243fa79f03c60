"""Request types for views that only members reach."""

from django.http import HttpRequest

from members.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a @login_required view: its user is a member, never anonymous."""

    user: User
