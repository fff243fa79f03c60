"""The site's URLs: the site-wide pages here, then each app once, under its namespace.

Apps mount at the root and spell out their own prefixes (communities/<slug>/ once per
app), so that every public URL stays what feeds, sitemaps and exported transcripts
already link to.
"""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from config import views

# The admin's own login form checks passwords without allauth's rate limits: staff sign
# in on the site's sign-in page like everyone else, and the admin's form sends them there.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", views.sitemap_xml, name="sitemap"),
    path("", include("members.urls")),
    path("", include("community.urls")),
    path("", include("chats.urls")),
    path("", include("archive.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
