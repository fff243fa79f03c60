"""Requests no page of ours can answer, turned away before they reach a view."""

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse

NUL = "\x00"


class RejectNulMiddleware:
    """Answer 400 to a NUL byte in the path; ignore a cookie that holds one.

    PostgreSQL cannot store or compare a string with NUL in it: psycopg2 raises ValueError
    before the query leaves, so a slug or username carrying one, looked up before any form
    could refuse it, would end in a 500. No path of ours has a use for it. Query values go
    through forms, which refuse NUL next to the field they belong to. Cookies are read
    before the session middleware looks up its key (`"\\000"` in a quoted cookie decodes to
    NUL): such a cookie is treated as never sent.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.COOKIES = {
            name: value
            for name, value in request.COOKIES.items()
            if NUL not in name and NUL not in value
        }
        if NUL in request.path:
            raise BadRequest("A NUL character in the address.")
        return self.get_response(request)
