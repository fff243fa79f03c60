"""Hashtag Commons settings: one module, configured from environment variables.

Local defaults are safe and need no server (SQLite, an in-process cache, a
filesystem Celery broker). Production sets DEBUG=false, SECRET_KEY,
ALLOWED_HOSTS, DATABASE_URL, REDIS_URL and EMAIL_URL; see .env.example.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-used-when-debug-is-off"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
# Earlier keys, newest first: sessions and encrypted fields made with them still read
# after a rotation (encrypted_fields derives its Fernet keys from every key and salt).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
# Salts for the members' encrypted OAuth tokens (django-fernet-encrypted-fields); a list,
# newest first, so a salt can rotate too.
SALT_KEY = env.list("FIELD_ENCRYPTION_SALT", default=["hashtag-commons-dev-salt"] if DEBUG else [])
if not SALT_KEY:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_SALT must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Links in emails and calendar files: by default the port `make run` serves (PORT).
PORT = env.int("PORT", default=8000)
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{PORT}")
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django.contrib.syndication",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.twitter_oauth2",
    "members",
    "community",
    "chats",
    "archive",
    "demo",
    "config",  # the project's own system checks (config/checks.py)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything that reads the path, the query or the session cookie.
    "common.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.site",
            ],
        },
    },
]

# --- Data -----------------------------------------------------------------
# Every file the local default writes at run time lives under var/ (ignored by git).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The demo's web server and worker share one SQLite file: wait, don't fail.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="hc"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -------------------------------------------------------------------
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
# allauth's rate limits are on by default; they live in the shared cache above. Wrong
# passwords lock the account they were tried on (the sign-in form says so), and every
# sign-in, the admin's included (config/urls.py), goes through them.
LOGIN_LOCK_FAILURES = 5
LOGIN_LOCK_MINUTES = 5
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": f"10/m/ip,{LOGIN_LOCK_FAILURES}/{LOGIN_LOCK_MINUTES}m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
ACCOUNT_FORMS = {"login": "members.forms.LoginForm"}
# The per-IP limits key on the client's address. Behind N proxies of ours that each append
# to X-Forwarded-For, it is the N-th entry from the right; with 0 (the default) the header
# is ignored and REMOTE_ADDR counts, since anyone reaching the site directly can write
# anything into it.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
SOCIALACCOUNT_ADAPTER = "members.adapters.SocialAccountAdapter"
# X returns no email address: X sign-ins are verified by X itself.
SOCIALACCOUNT_EMAIL_REQUIRED = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False

X_CLIENT_ID = env.str("X_CLIENT_ID", default="")
X_CLIENT_SECRET = env.str("X_CLIENT_SECRET", default="")
X_LOGIN_ENABLED = bool(X_CLIENT_ID and X_CLIENT_SECRET)
SOCIALACCOUNT_PROVIDERS = {
    "twitter_oauth2": {
        "APPS": (
            [{"client_id": X_CLIENT_ID, "secret": X_CLIENT_SECRET, "key": ""}]
            if X_LOGIN_ENABLED
            else []
        ),
        "OAUTH_PKCE_ENABLED": True,
        # Reading the profile, and posting for the member from the live page; offline.access
        # brings the refresh token that keeps posting working past the 2-hour access token.
        "SCOPE": ["tweet.read", "tweet.write", "users.read", "offline.access"],
    }
}
# Refresh a member's X token when it has less than this left (X's last 2 hours).
X_TOKEN_REFRESH_MARGIN = timedelta(seconds=env.int("X_TOKEN_REFRESH_MARGIN_SECONDS", default=300))

# Ingestion (used by the archive).
X_BEARER_TOKEN = env.str("X_BEARER_TOKEN", default="")
X_API_BASE_URL = env.str("X_API_BASE_URL", default="https://api.x.com")
# Bluesky search needs a logged-in account: a handle and an app password (Settings →
# Privacy and security → App passwords), never the account's own password. Empty: off.
BLUESKY_HANDLE = env.str("BLUESKY_HANDLE", default="")
BLUESKY_APP_PASSWORD = env.str("BLUESKY_APP_PASSWORD", default="")
BLUESKY_API_BASE_URL = env.str("BLUESKY_API_BASE_URL", default="https://bsky.social")

# Mastodon: members connect an account on any server (an OAuth app is registered per server
# on first use). The override sends every server's requests to one base URL (tests' fakes,
# a local stand-in); empty in production, where private and loopback hosts are refused.
MASTODON_API_BASE_URL_OVERRIDE = env.str("MASTODON_API_BASE_URL_OVERRIDE", default="")
MASTODON_CLIENT_NAME = env.str("MASTODON_CLIENT_NAME", default="Hashtag Commons")
# Seconds a Mastodon server may take to answer a member's request (connect, verify, post)
# before it counts as down.
MASTODON_REQUEST_TIMEOUT = env.float("MASTODON_REQUEST_TIMEOUT", default=10.0)
# Connect attempts a member may start per hour (each one calls the server they name).
MASTODON_CONNECT_ATTEMPTS_PER_HOUR = env.int("MASTODON_CONNECT_ATTEMPTS_PER_HOUR", default=10)
# Mastodon: a user access token per server that shows its hashtag timelines only to a
# login ("scholar.social=abc,example.social=def"); the other servers are read anonymously.
MASTODON_ACCESS_TOKENS: dict[str, str] = {
    server.strip().lower(): token
    for server, token in env.dict("MASTODON_ACCESS_TOKENS", default={}).items()
}
# How long a pull's request to a Mastodon server may take (seconds: a worker waits, not
# a member, so longer than MASTODON_REQUEST_TIMEOUT above), and how many statuses one
# deletion sweep checks at most (one request each; servers allow 300 per 5 minutes).
MASTODON_TIMEOUT = env.float("MASTODON_TIMEOUT", default=20)
MASTODON_SWEEP_LIMIT = env.int("MASTODON_SWEEP_LIMIT", default=200)

# --- Chats ------------------------------------------------------------------
# Series occurrences are generated this many weeks ahead.
CHAT_GENERATION_WEEKS = env.int("CHAT_GENERATION_WEEKS", default=8)
# The longest pre-/post-window a chat may have; bounds the overlap look-up.
CHAT_MAX_WINDOW = timedelta(hours=env.int("CHAT_MAX_WINDOW_HOURS", default=2))

# --- Archive ----------------------------------------------------------------
# Posts read per community per UTC day unless the community sets its own cap.
ARCHIVE_DAILY_READ_CAP = env.int("ARCHIVE_DAILY_READ_CAP", default=20000)
# Estimated price of one billed post (X bills a post once per UTC day however often it is
# read), in US dollars, for the organisers' cost view.
ARCHIVE_PRICE_PER_READ = env.float("ARCHIVE_PRICE_PER_READ", default=0.005)
# What X charges per post created from the site (pay-per-use, 2026): a post with a link
# costs more. Decimal strings: the posting caps compare money, not floats.
ARCHIVE_PRICE_PER_POST = env.str("ARCHIVE_PRICE_PER_POST", default="0.015")
ARCHIVE_PRICE_PER_POST_WITH_LINK = env.str("ARCHIVE_PRICE_PER_POST_WITH_LINK", default="0.20")
# X allows a member 100 posts per 15 minutes (POST /2/tweets, per user); the site
# refuses the 101st itself rather than spending a request on X's 429.
ARCHIVE_POSTS_PER_MEMBER = env.int("ARCHIVE_POSTS_PER_MEMBER", default=100)
ARCHIVE_POSTS_PER_MEMBER_WINDOW = timedelta(
    minutes=env.int("ARCHIVE_POSTS_PER_MEMBER_MINUTES", default=15)
)
# How far back a community's first between-chat sweep looks.
ARCHIVE_STREAM_BACKFILL = timedelta(hours=env.int("ARCHIVE_STREAM_BACKFILL_HOURS", default=24))

# X finalises edits 30 minutes after posting: sweep each chat once after that.
ARCHIVE_FINAL_SWEEP_DELAY = timedelta(minutes=env.int("ARCHIVE_FINAL_SWEEP_MINUTES", default=35))
# A pull holds its query's lock for a short lease, renewed while it runs: a worker killed
# mid-pull holds up the next pull for one lease. One that hangs stops renewing after the
# maximum hold, which outlasts the task's hard time limit.
ARCHIVE_PULL_TIME_LIMIT = env.int("ARCHIVE_PULL_TIME_LIMIT", default=300)
ARCHIVE_PULL_LOCK_SECONDS = env.int("ARCHIVE_PULL_LOCK_SECONDS", default=330)
ARCHIVE_PULL_LOCK_LEASE_SECONDS = env.float("ARCHIVE_PULL_LOCK_LEASE_SECONDS", default=20)
# How often X's own count of the posts it billed is fetched (GET /2/usage/tweets, 50
# requests per 15 minutes per app) to check the cost meter against.
ARCHIVE_USAGE_CHECK_SECONDS = env.int("ARCHIVE_USAGE_CHECK_SECONDS", default=900)
# The largest archive file an organiser may upload (bytes). It waits in the database for a
# worker (web and worker share no disk), so keep it within what PostgreSQL is happy to hold.
ARCHIVE_IMPORT_MAX_BYTES = env.int("ARCHIVE_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
# How often the connections between communities (shared posts and participants) are recounted.
CONNECTIONS_REFRESH_SECONDS = env.int("CONNECTIONS_REFRESH_SECONDS", default=3600)
# Vitality rollups: how often beat looks for communities whose ended chats changed, and
# the age at which a community's rollups are rebuilt anyway (posts between chats).
VITALITY_CHECK_SECONDS = env.int("VITALITY_CHECK_SECONDS", default=300)
VITALITY_MAX_AGE_SECONDS = env.int("VITALITY_MAX_AGE_SECONDS", default=6 * 3600)
# The vitality page's figures stay cached this long (seconds) unless the rollups change.
VITALITY_CACHE_SECONDS = env.int("VITALITY_CACHE_SECONDS", default=600)
# How often a live chat's page asks for new posts, and how long a finished chat's
# transcript stays in the cache (a late post or a moderation action replaces it sooner).
LIVE_POLL_MS = env.int("LIVE_POLL_MS", default=5000)
TRANSCRIPT_CACHE_SECONDS = env.int("TRANSCRIPT_CACHE_SECONDS", default=86400)

# --- Email ------------------------------------------------------------------
_EMAIL_OPTION_NAMES = {
    "EMAIL_HOST": "host",
    "EMAIL_PORT": "port",
    "EMAIL_HOST_USER": "username",
    "EMAIL_HOST_PASSWORD": "password",
    "EMAIL_USE_TLS": "use_tls",
    "EMAIL_USE_SSL": "use_ssl",
    "EMAIL_FILE_PATH": "file_path",
    "EMAIL_TIMEOUT": "timeout",
}


def _mailer(url: str) -> dict[str, object]:
    """Translate an EMAIL_URL (smtp+tls://, consolemail://, filemail://…) into MAILERS."""
    config = environ.Env.email_url_config(url)
    backend = config.pop("EMAIL_BACKEND")
    options = {
        _EMAIL_OPTION_NAMES[key]: value
        for key, value in config.items()
        if key in _EMAIL_OPTION_NAMES and value not in ("", None)
    }
    if backend == "django.core.mail.backends.console.EmailBackend":
        backend = "common.mail.ConsoleEmailBackend"
    if not backend.endswith("smtp.EmailBackend"):
        options = {k: v for k, v in options.items() if k == "file_path"}
    return {"BACKEND": backend, "OPTIONS": options}


MAILERS = {"default": _mailer(env.str("EMAIL_URL", default="consolemail://"))}
# config.E001 (config/checks.py) fails `check --deploy` on the console default instead,
# naming EMAIL_URL.
SILENCED_SYSTEM_CHECKS = ["mail.E001"]
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Hashtag Commons <hello@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------
# Without REDIS_URL the worker uses kombu's filesystem transport so that
# `make run` needs no server at all.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery-queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        # kombu's exchange tables; without it a control/ folder appears in the cwd.
        "control_folder": str(VAR_DIR / "celery-control"),
        "store_processed": False,
    }
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Unacknowledged tasks return to the queue after this long: longer than any pull.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900)
    }
# At-least-once delivery, for every task and set only here: a task is acknowledged
# only when done, a worker that dies hands its task back, and each worker process
# holds one task at a time. Every task must therefore be safe to run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_TASK_TIME_LIMIT = 600
# A worker that loses the broker keeps trying to reconnect, however long Redis is away.
# Celery's default gives up after 100 attempts (about 45 minutes of outage): the worker
# then exits with "Unrecoverable error" and archiving waits for a person (or a restart
# policy). A number here restores that limit.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = env.int("CELERY_BROKER_CONNECTION_MAX_RETRIES", default=None)
# A pull running when the broker connection drops finishes, and its late acknowledgement
# goes through once Redis is back (tests/archive/ingest/test_faults.py). Cancelling it
# (Celery 6's default) would throw away the pages still to come and leave its message to
# come back only after the visibility timeout.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "dispatch-pulls": {"task": "archive.tasks.dispatch_pulls", "schedule": 30.0},
    "generate-occurrences": {
        "task": "chats.tasks.generate_all_occurrences",
        "schedule": 3600.0,
    },
    "send-due-reminders": {"task": "chats.tasks.send_due_reminders", "schedule": 60.0},
    "reconcile-usage": {
        "task": "archive.tasks.reconcile_usage",
        "schedule": float(ARCHIVE_USAGE_CHECK_SECONDS),
        # A check queued behind a stopped worker is stale by the next one.
        "options": {"expires": ARCHIVE_USAGE_CHECK_SECONDS},
    },
    "refresh-connections": {
        "task": "archive.tasks.refresh_connections",
        "schedule": float(CONNECTIONS_REFRESH_SECONDS),
        "options": {"expires": CONNECTIONS_REFRESH_SECONDS},
    },
    "dispatch-vitality": {
        "task": "archive.tasks.dispatch_vitality",
        "schedule": float(VITALITY_CHECK_SECONDS),
        "options": {"expires": VITALITY_CHECK_SECONDS},
    },
}
# The demo's recorded chat, replayed as if live (`make run` turns it on).
ARCHIVE_DEMO_REPLAY = env.bool("ARCHIVE_DEMO_REPLAY", default=False)
if ARCHIVE_DEMO_REPLAY:
    CELERY_BEAT_SCHEDULE["replay-demo-chat"] = {
        "task": "demo.tasks.replay_demo_chat",
        "schedule": 15.0,
        "options": {"expires": 15},
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# --- Internationalisation ----------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security -----------------------------------------------------------------
# No inline script anywhere: page scripts are static files from our own origin.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "https:", "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    # Browsers apply form-action to redirects after a POST: "Log in with X" posts
    # to us and is redirected to X's authorize page.
    "form-action": [
        CSP.SELF,
        "https://x.com",
        "https://twitter.com",
        *env.list("CSP_FORM_ACTION_EXTRA", default=[]),
    ],
    "frame-ancestors": [CSP.NONE],
}
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Load balancers and container health checks probe over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are bound to this exact host over HTTPS.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# --- Logging ------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # tweepy's DEBUG lines carry each request's headers: the app's Bearer token and a
        # member's own X token. Never below INFO, whatever LOG_LEVEL says.
        "tweepy": {"level": "INFO"},
    },
}
