"""What operators rely on: health checks and production settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_it_reports_healthy_database_and_redis(anonymous: Client, settings) -> None:
    assert settings.REDIS_URL, "the suite runs against a real Redis"

    response = anonymous.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


@pytest.mark.django_db
def test_it_answers_503_when_redis_is_down(anonymous: Client, settings) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = anonymous.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "down"}


def _production_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_SALT"}
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="x7#Vq!" + "k2mZp9Lr4sTw8yBc1nHd6fJg3aQe5uXo0iWv" * 2,
        ALLOWED_HOSTS="commons.example.org",
        FIELD_ENCRYPTION_SALT="q3Zr8TyW1pLx",
        EMAIL_URL="smtp+tls://mailer:secret@smtp.example.org:587",
        **extra,
    )
    return env


def test_it_passes_the_deploy_checklist_with_production_settings() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=_production_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("email_url", [None, "consolemail://"])
def test_it_fails_the_deploy_checklist_until_email_url_names_a_mail_server(
    email_url: str | None,
) -> None:
    env = _production_env()
    del env["EMAIL_URL"]
    if email_url:
        env["EMAIL_URL"] = email_url

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode != 0
    assert "(config.E001) EMAIL_URL is not set to a mail server" in result.stderr
    assert "HINT: Set EMAIL_URL, e.g. smtp+tls://" in result.stderr


def test_it_refuses_to_start_in_production_without_a_secret_key() -> None:
    env = _production_env()
    del env["SECRET_KEY"]

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_refuses_to_start_in_production_without_a_salt_for_encrypted_tokens() -> None:
    env = _production_env()
    del env["FIELD_ENCRYPTION_SALT"]

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_SALT must be set" in result.stderr


@pytest.mark.django_db
def test_it_sends_a_content_security_policy_without_inline_script(anonymous: Client) -> None:
    response = anonymous.get(reverse("home"))

    policy = response["Content-Security-Policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert script_src.split() == ["script-src", "'self'"]
    assert "<script>" not in response.content.decode()
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
