from django.contrib import admin
from django.urls import include, path

from chats.views.exports import sitemap_xml

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("sitemap.xml", sitemap_xml, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("communities/", include("community.urls_communities")),
    path("", include("members.urls")),
    path("", include("chats.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
