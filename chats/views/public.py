from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def schedule(request: HttpRequest) -> HttpResponse:
    return render(request, "chats/schedule.html")


def search(request: HttpRequest) -> HttpResponse:
    return render(request, "chats/search.html", {"q": request.GET.get("q", "")})
