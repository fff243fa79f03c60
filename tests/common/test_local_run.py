"""`make run` on a fresh checkout: runtime files under var/, links on its port, readable mail."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from django.core.mail import EmailMessage

from common.mail import ConsoleEmailBackend

ROOT = Path(__file__).resolve().parents[2]

SETTINGS_SCRIPT = """
import json
from django.conf import settings
print(json.dumps({
    "site_url": settings.SITE_URL,
    "database": str(settings.DATABASES["default"]["NAME"]),
    "broker": settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    "mailer": settings.MAILERS["default"]["BACKEND"],
}))
"""


def _local_settings(**env: str) -> dict[str, object]:
    unset = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SITE_URL", "EMAIL_URL", "PORT")
    child_env = {k: v for k, v in os.environ.items() if k not in unset}
    child_env |= {"DJANGO_SETTINGS_MODULE": "config.settings", **env}
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(){SETTINGS_SCRIPT}"],
        cwd=ROOT, env=child_env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.splitlines()[-1])


def test_it_keeps_every_runtime_file_of_the_local_default_under_var() -> None:
    local = _local_settings()

    var = str(ROOT / "var")
    assert local["database"] == f"{var}/db.sqlite3"
    broker = local["broker"]
    assert isinstance(broker, dict)
    assert broker["control_folder"].startswith(var)
    assert all(str(folder).startswith(var) for folder in broker.values() if "/" in str(folder))


def test_it_links_emails_and_calendars_to_the_port_served_when_site_url_is_unset() -> None:
    assert _local_settings(PORT="8731")["site_url"] == "http://127.0.0.1:8731"
    assert _local_settings()["site_url"] == "http://127.0.0.1:8000"
    assert (
        _local_settings(PORT="8731", SITE_URL="https://x.example")["site_url"]
        == "https://x.example"
    )


def test_it_prints_console_emails_with_links_whole() -> None:
    link = "http://127.0.0.1:8731/accounts/confirm-email/MQ:1vRa3b:" + "x" * 80 + "/"
    stream = io.StringIO()

    ConsoleEmailBackend(stream=stream).send_messages(
        [EmailMessage("Confirm your address", f"Héllo, open {link} to confirm.", to=["a@b.org"])]
    )

    printed = stream.getvalue()
    assert _local_settings()["mailer"] == "common.mail.ConsoleEmailBackend"
    assert "quoted-printable" not in printed
    assert f"Héllo, open {link} to confirm." in printed
