"""`make run`'s promise: on the embedded default (SQLite, no Redis) the demo serves every page.

The rest of the suite runs on PostgreSQL; this test runs the real commands in a child
process against a fresh SQLite file, so the SQLite code paths (search, exports, the
archive) are exercised as a newcomer's first `make run` would.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Run inside `manage.py shell`: every public archive page of the demo answers 200.
PAGES_SCRIPT = """
from django.test import Client
from django.urls import reverse
from chats.models import Chat

client = Client(HTTP_HOST="127.0.0.1")
archived = Chat.objects.get(title__contains="(demo archive)")
live = Chat.objects.get(title__contains="(live demo)")
slug = archived.community.slug

def transcript(chat, **query):
    url = reverse("archive:transcript", kwargs={"slug": slug, "pk": chat.pk})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")

pages = {
    reverse("home"): "Recent transcripts",
    live.get_absolute_url(): "updating live",
    reverse("archive:chat_posts", kwargs={"slug": slug, "pk": live.pk}): "post-",
    transcript(archived): "Q1",
    transcript(archived, view="time"): "In time order",
    transcript(archived, view="participant", handle="kmers_chat"): "kmers_chat",
    reverse("archive:transcript_export", kwargs={"slug": slug, "pk": archived.pk, "fmt": "csv"}):
        "post_id,url,created_at_utc",
    reverse("archive:transcript_export", kwargs={"slug": slug, "pk": archived.pk, "fmt": "md"}):
        "## Q1",
    reverse("archive:transcript_export", kwargs={"slug": slug, "pk": archived.pk, "fmt": "json"}):
        '"posts"',
    reverse("archive:transcript_print", kwargs={"slug": slug, "pk": archived.pk}): "Q1",
    reverse("archive:stream", kwargs={"slug": slug}): "post-",
    reverse("archive:search") + "?q=wiki": "<mark>",
    reverse("archive:search") + "?q=%23" + slug: "post-",
    reverse("archive:site_feed"): "<feed",
    "/sitemap.xml": "<urlset",
}
for url, expected in pages.items():
    response = client.get(url)
    body = b"".join(response) if response.streaming else response.content
    assert response.status_code == 200, (url, response.status_code)
    assert expected in body.decode(), (url, expected)
print("demo pages ok:", len(pages))
"""


@pytest.mark.xdist_group("embedded-demo")
def test_it_serves_the_demo_archive_on_sqlite_without_redis(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}", "DEBUG": "true"}
    manage = [sys.executable, str(ROOT / "manage.py")]

    def run(*args: str) -> str:
        done = subprocess.run(
            [*manage, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    run("migrate", "--noinput", "-v", "0")
    assert "Demo data ready" in run("seed_demo")
    assert "demo pages ok: 15" in run("shell", "-c", PAGES_SCRIPT)
