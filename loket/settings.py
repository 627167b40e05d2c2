"""Loket settings, read from ``LOKET_*`` environment variables (and an optional ``.env``).

The defaults are the embedded mode: SQLite in ``LOKET_DATA_DIR``, debug off, mail printed to
the console. ``LOKET_PRODUCTION=1`` refuses to start with unsafe values (see ``loket check``).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from loket.lib.deployconf import ConfigError, default_storage_config, redis_cache_config

BASE_DIR = Path(__file__).resolve().parent


def _load_dotenv(path: Path) -> None:
    if not path.is_file():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


_load_dotenv(Path.cwd() / ".env")


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"LOKET_{name}", default)


def env_bool(name: str, default: bool) -> bool:
    raw = env(name, "1" if default else "0").strip().lower()
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"LOKET_{name} must be a boolean (1/0/true/false), got {raw!r}")


def env_float(name: str, default: float) -> float:
    raw = env(name, str(default))
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"LOKET_{name} must be a number, got {raw!r}") from None


def env_int(name: str, default: int) -> int:
    raw = env(name, str(default))
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"LOKET_{name} must be a whole number, got {raw!r}") from None


# Under pytest the suite gets its own data directory and, when LOKET_TEST_DATABASE_URL is set,
# runs on that database (PostgreSQL in CI); otherwise on SQLite.
TESTING = "PYTEST_VERSION" in os.environ
if TESTING:
    os.environ["LOKET_DATABASE_URL"] = os.environ.get("LOKET_TEST_DATABASE_URL", "")
    os.environ.setdefault("LOKET_DATA_DIR", tempfile.mkdtemp(prefix="loket-test-"))

DATA_DIR = Path(env("DATA_DIR", str(Path.cwd() / "loket-data"))).resolve()
PRODUCTION = env_bool("PRODUCTION", False)
DEBUG = env_bool("DEBUG", False)


def _from_url(parse: Any, *args: Any) -> Any:
    """A ``loket.lib.deployconf`` parser's answer; its complaint stops the start."""
    try:
        return parse(*args)
    except ConfigError as exc:
        raise ImproperlyConfigured(str(exc)) from None


def _secret_key() -> str:
    configured = env("SECRET_KEY")
    if configured:
        return configured
    if PRODUCTION:
        raise ImproperlyConfigured("LOKET_SECRET_KEY must be set when LOKET_PRODUCTION=1")
    # Embedded mode: one random key per data directory, kept next to the database.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
# Old keys, comma-separated, still accepted when rotating (signatures, sealed mailbox secrets).
SECRET_KEY_FALLBACKS = [k.strip() for k in env("SECRET_KEY_FALLBACKS").split(",") if k.strip()]
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")]
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o]
# An agent keeps reading the tickets they worked on after these left their team (e.g. they
# escalated it): read-only, through the one access check (loket/tickets/access.py).
AGENT_HISTORY_ACCESS = env_bool("AGENT_HISTORY_ACCESS", True)
SITE_NAME = env("SITE_NAME", "Loket")
BASE_URL = env("BASE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "loket.accounts",
    "loket.tickets",
    "loket.jobs",
    "loket.portal",
    "loket.api",
    "ninja",  # serves the API docs' scripts from our origin (the CSP allows no CDN)
    "loket.mail",
    "loket.kb",
    "loket.sla",
    "loket.rota",
    "loket.monitor",
    "loket.live",
    "loket.csat",
    "loket.webhooks",
    "loket.chat",
    "loket.messengers",
    "loket.reports",
    "loket.setup",
    "loket.assist",
    "loket.rules",
    "loket.training",
]

MIDDLEWARE = [
    "loket.lib.bodylimit.BodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "loket.lib.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "loket.chat.cors.ChatCorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "loket.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "axes.middleware.AxesMiddleware",
    "loket.accounts.middleware.MfaEnrolmentMiddleware",
    "loket.api.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "loket.urls"
WSGI_APPLICATION = "loket.wsgi.application"
ASGI_APPLICATION = "loket.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "loket.tickets.context.desk",
                "loket.monitor.context.incident_banner",
                "loket.live.context.live",
            ],
        },
    }
]


def _database() -> dict[str, Any]:
    url = env("DATABASE_URL")
    if url:
        # Connections are kept for a minute and checked before each reuse: after a database
        # restart a process reconnects by itself instead of failing its next requests. While
        # the database is away a connection attempt gives up after a few seconds (a clear 503,
        # see loket.lib.overload), never a hang. Web processes (loket.asgi) keep none: under
        # ASGI each request runs in a thread of its own, so a kept connection is never reused
        # and only piles up (Django's advice; PgBouncer pools them, docs/scaling.md).
        config: dict[str, Any] = dict(
            dj_database_url.parse(
                url,
                conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
                conn_health_checks=True,
            )
        )
        if config["ENGINE"] == "django.db.backends.postgresql":
            config.setdefault("OPTIONS", {})["connect_timeout"] = env_int(
                "DATABASE_CONNECT_TIMEOUT", 5
            )
    else:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "loket.sqlite3"}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web server read while a worker writes; IMMEDIATE takes the write lock
        # at BEGIN so two writers queue on the busy timeout instead of failing mid-transaction.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": env_float("SQLITE_BUSY_TIMEOUT", 20),
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;"
            ),
        }
    if env("TEST_DB_NAME"):
        # Lets parallel test runs on one PostgreSQL server use separate test databases.
        config["TEST"] = {"NAME": env("TEST_DB_NAME")}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:  # fast hashing keeps fixtures cheap; production keeps Django's default
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env("EMAIL_VERIFICATION", "optional")
ACCOUNT_ADAPTER = "loket.accounts.adapter.AccountAdapter"
# Sign-up answers alike for a new and a known address (the owner of a known one gets a mail);
# see loket/accounts/signup.py for why that needs our own form with "optional" verification.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_FORMS = {"signup": "loket.accounts.signup.SignupForm"}
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
# Failed sign-ins, in three layers (README, "Sign-in protection"):
# - per account, from any address (allauth, "key"): at most 5 wrong passwords in 5 minutes, so
#   guessing one account's password from many addresses stays slow;
# - per address, over all accounts (allauth, "ip"): 10 a minute, against password spraying;
# - lockout per account AND address (axes): after LOKET_LOGIN_FAILURE_LIMIT failures that
#   address may not sign in to that account for 15 minutes, even with the right password.
#   Other people behind the same address, and the owner elsewhere, are not locked out.
# Every one of them asks loket.lib.clientip for the address (proxies: LOKET_TRUSTED_PROXIES).
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key", "signup": "20/h/ip"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
MFA_TOTP_TOLERANCE = 1  # one 30-second step either way: phone clocks drift
MFA_ADAPTER = "loket.accounts.mfa.MfaAdapter"


def _mfa_required_roles() -> frozenset[str]:
    known = {"customer", "agent", "manager", "admin"}
    roles = frozenset(
        r.strip().lower()
        for r in env("MFA_REQUIRED_ROLES", "admin,manager").split(",")
        if r.strip()
    )
    if roles - known:
        raise ImproperlyConfigured(
            f"LOKET_MFA_REQUIRED_ROLES: unknown role(s) {', '.join(sorted(roles - known))}; "
            f"use some of {', '.join(sorted(known))}"
        )
    return roles


# Roles that must sign in with a second factor; they are sent to set one up until they do.
MFA_REQUIRED_ROLES = _mfa_required_roles()


def _secrets_reveal_roles() -> frozenset[str]:
    known = {"agent", "manager", "admin"}
    raw = env("SECRETS_REVEAL_ROLES", "admin,manager")
    roles = frozenset(r.strip().lower() for r in raw.split(",") if r.strip())
    if roles - known:
        raise ImproperlyConfigured(
            f"LOKET_SECRETS_REVEAL_ROLES: unknown or customer role(s) "
            f"{', '.join(sorted(roles - known))}; use some of {', '.join(sorted(known))}"
        )
    return roles


# Staff roles that may reveal masked secrets (card numbers, IBANs, passwords, keys) in
# messages; each reveal is an event on the ticket (loket.assist.actions_secrets).
SECRETS_REVEAL_ROLES = _secrets_reveal_roles()

AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# allauth passes the address as ``email`` (its form field is ``login``); the callable reads
# whichever the sign-in path used, so the lockout is never keyed on an empty name.
AXES_USERNAME_CALLABLE = "loket.accounts.lockout.login_name"
AXES_CLIENT_IP_CALLABLE = "loket.lib.clientip.client_ip"
AXES_LOCKOUT_CALLABLE = "loket.accounts.lockout.locked_out"
AXES_RESET_ON_SUCCESS = True  # the owner's typos do not add up to a lockout over the day
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_VERBOSE = False  # no banner on every start


def _trusted_proxies() -> list[str]:
    import ipaddress

    entries = [p.strip() for p in env("TRUSTED_PROXIES").split(",") if p.strip()]
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"LOKET_TRUSTED_PROXIES: {entry!r} is not an address or network"
            ) from None
    return entries


# Reverse proxies whose X-Forwarded-For is believed (loket/lib/clientip.py). Empty: none is,
# and REMOTE_ADDR is the client.
TRUSTED_PROXIES = _trusted_proxies()

LANGUAGE_CODE = env("LANGUAGE_CODE", "en")  # for texts written with no person to ask (worker)
LANGUAGES = [("en", _("English")), ("nl", _("Dutch")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = DATA_DIR / "attachments"
STORAGE_URL = env("STORAGE_URL")
STORAGES = {
    # Attachments, raw mail and article files live outside every served directory under
    # generated names (local disk, or S3 with LOKET_STORAGE_URL: loket/lib/deployconf.py);
    # they are only ever streamed through an access-checked view.
    "default": _from_url(
        default_storage_config,
        STORAGE_URL,
        MEDIA_ROOT,
        env("STORAGE_ACCESS_KEY"),
        env("STORAGE_SECRET_KEY"),
    ),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MAX_ATTACHMENT_BYTES = env_int("MAX_ATTACHMENT_MB", 25) * 1024 * 1024
# How long a reply from the ticket page can be undone, unless the desk's settings say
# otherwise (loket.tickets.actions.undo); 0: replies go out at once.
REPLY_UNDO_SECONDS = env_int("REPLY_UNDO_SECONDS", 10)
# Request bodies: capped per route by loket.lib.bodylimit (413 before the body is read).
# Uploads (these routes) may carry one attachment; everything else MAX_REQUEST_BYTES.
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_KB", 1024) * 1024
UPLOAD_ROUTES = {
    "multipart": [
        r"^/desk/new/$",
        r"^/desk/call/$",
        r"^/desk/tickets/\d+/(reply|note)/$",
        r"^/desk/tickets/\d+/draft/images/$",
        r"^/desk/kb/articles/\d+/files/$",
        r"^/portal/new/$",
        r"^/portal/tickets/\d+/$",
        r"^/me/$",
        r"^/admin/",
        r"^/api/chat/[A-Za-z0-9_-]+/sessions/\d+/attachments$",
    ],
    # The API's attachments come base64-encoded in JSON (a third larger).
    "base64": [r"^/api/tickets$", r"^/api/tickets/\d+/(reply|notes)$"],
}
# Django's own cap would refuse the API's attachments (base64 in JSON) over about 3.7 MB;
# the per-route caps above are the limit instead.
DATA_UPLOAD_MAX_MEMORY_SIZE = None
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
UNANSWERED_ALARM_MINUTES = env_int("UNANSWERED_ALARM_MINUTES", 60)
# Staff notification mail: at most one mail per agent per this many minutes; what comes in
# meanwhile goes into one digest mail (loket/sla/mailing.py).
NOTIFY_MAIL_MINUTES = env_float("NOTIFY_MAIL_MINUTES", 5)
# "Still working on it": remind the assignee after this many hours without a public update,
# and optionally send the customer a short progress note.
STILL_WORKING_HOURS = env_int("STILL_WORKING_HOURS", 24)
STILL_WORKING_CUSTOMER_NOTE = env_bool("STILL_WORKING_CUSTOMER_NOTE", False)
CONTACT_FORM_RATE = env("CONTACT_FORM_RATE", "5/h")
CONTACT_CONFIRM_DAYS = env_int("CONTACT_CONFIRM_DAYS", 7)  # the contact form's confirm link
INVITATION_DAYS = env_int("INVITATION_DAYS", 7)  # an organisation's invitation link
# Satisfaction surveys (loket/csat): sent this long after a ticket is solved, rated good/bad
# ("good_bad") or 1-5 ("five"), at most one per customer per THROTTLE_DAYS; the signed links
# (and so the time a customer may change their rating) last LINK_DAYS.
CSAT_ENABLED = env_bool("CSAT_ENABLED", True)
CSAT_DELAY_MINUTES = env_int("CSAT_DELAY_MINUTES", 60)
CSAT_SCALE = env("CSAT_SCALE", "good_bad")
if CSAT_SCALE not in ("good_bad", "five"):
    raise ImproperlyConfigured(f"LOKET_CSAT_SCALE must be good_bad or five, got {CSAT_SCALE!r}")
CSAT_THROTTLE_DAYS = env_int("CSAT_THROTTLE_DAYS", 30)
CSAT_LINK_DAYS = env_int("CSAT_LINK_DAYS", 14)
# Tickets carrying one of these tags (closed as spam) get no survey.
CSAT_SKIP_TAGS = [t.strip().lower() for t in env("CSAT_SKIP_TAGS", "spam").split(",") if t.strip()]

# The weekly management report (loket/reports/weekly.py), mailed on Monday from this hour on.
WEEKLY_REPORT = env_bool("WEEKLY_REPORT", True)
WEEKLY_REPORT_HOUR = env_int("WEEKLY_REPORT_HOUR", 8)
if not 0 <= WEEKLY_REPORT_HOUR <= 23:
    raise ImproperlyConfigured("LOKET_WEEKLY_REPORT_HOUR must be an hour, 0 to 23")

# Without a mail server configured, outgoing mail is written to files (one per message) in
# the data directory: the demo's mail can be read there without flooding the console.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env("SMTP_HOST")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = str(DATA_DIR / "outbox")
EMAIL_HOST = env("SMTP_HOST", "localhost")
EMAIL_PORT = env_int("SMTP_PORT", 25)
EMAIL_HOST_USER = env("SMTP_USER")
EMAIL_HOST_PASSWORD = env("SMTP_PASSWORD")
EMAIL_USE_TLS = env_bool("SMTP_STARTTLS", False)
DEFAULT_FROM_EMAIL = env("FROM_EMAIL", "support@loket.localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

TASKS = {
    "default": {
        "BACKEND": env("TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "mail", "monitors", "notify", "webhooks"],
    }
}

# Background workers (loket/jobs/worker.py): a heartbeat row per worker process, backoff on
# database errors, and what /healthz and /desk/health/ call a dead worker or a stuck queue.
WORKER_HEARTBEAT_SECONDS = env_float("WORKER_HEARTBEAT_SECONDS", 10)
WORKER_BACKOFF_CAP_SECONDS = env_float("WORKER_BACKOFF_CAP_SECONDS", 30)
HEALTH_WORKER_SECONDS = env_float("HEALTH_WORKER_SECONDS", 60)
HEALTH_QUEUE_STUCK_SECONDS = env_float("HEALTH_QUEUE_STUCK_SECONDS", 300)
# ``loket run``: how long children get to finish their task on shutdown before being forced;
# ``loket web``: how long a web node finishes its requests on SIGTERM.
SHUTDOWN_GRACE_SECONDS = env_float("SHUTDOWN_GRACE_SECONDS", 30)
# How often each worker ticks the scheduler, and how often the stale-task sweep (which puts a
# dead worker's RUNNING task back in the queue) is due.
SCHEDULER_TICK_SECONDS = env_float("SCHEDULER_TICK_SECONDS", 5)
STALE_TASK_SWEEP_SECONDS = env_int("STALE_TASK_SWEEP_SECONDS", 60)
# ``loket web``: server processes per node (gunicorn workers running uvicorn).
WEB_PROCESSES = env_int("WEB_PROCESSES", 2)

# Outgoing HTTP (monitors, webhooks): see loket/lib/http.py. Private networks stay closed unless
# listed here; cloud metadata addresses stay closed whatever is listed.
HTTP_ALLOWED_NETWORKS = [n.strip() for n in env("HTTP_ALLOWED_NETWORKS").split(",") if n.strip()]
HTTP_CA_BUNDLE = env("HTTP_CA_BUNDLE")
HTTP_MAX_RESPONSE_BYTES = env_int("HTTP_MAX_RESPONSE_KB", 2048) * 1024
# Outgoing webhooks (loket/webhooks, docs/webhooks.md): per-request deadline, retries with
# exponential backoff (base, doubling, capped at 6 hours), and how many failed attempts in a row
# switch a webhook off (the admins get a notice). The delivery log keeps this many attempts.
WEBHOOK_TIMEOUT_SECONDS = env_float("WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8)
WEBHOOK_RETRY_BASE_SECONDS = env_float("WEBHOOK_RETRY_BASE_SECONDS", 30)
WEBHOOK_DISABLE_AFTER = env_int("WEBHOOK_DISABLE_AFTER", 15)
WEBHOOK_LOG_KEEP = env_int("WEBHOOK_LOG_KEEP", 50)
WEBHOOK_KEEP_DAYS = env_int("WEBHOOK_KEEP_DAYS", 30)


def env_api_base(name: str, default: str) -> str:
    raw = env(name, default).strip().rstrip("/")
    if not raw.startswith(("https://", "http://")):
        raise ImproperlyConfigured(f"LOKET_{name} must be an http(s) URL, got {raw!r}")
    return raw


# Messengers (loket/messengers): the APIs' base URLs (tests point them at loopback servers).
TELEGRAM_API_BASE = env_api_base("TELEGRAM_API_BASE", "https://api.telegram.org")
WHATSAPP_API_BASE = env_api_base("WHATSAPP_API_BASE", "https://graph.facebook.com/v20.0")
MESSENGER_TIMEOUT_SECONDS = env_float("MESSENGER_TIMEOUT_SECONDS", 15)
MONITOR_RAW_DAYS = env_int("MONITOR_RAW_DAYS", 2)
MONITOR_HOURLY_DAYS = env_int("MONITOR_HOURLY_DAYS", 35)
MONITOR_DAILY_DAYS = env_int("MONITOR_DAILY_DAYS", 400)
MONITOR_SETTLE_SECONDS = env_int("MONITOR_SETTLE_SECONDS", 300)
MONITOR_CONCURRENCY = env_int("MONITOR_CONCURRENCY", 500)
MONITOR_CLAIM_GRACE_SECONDS = env_int("MONITOR_CLAIM_GRACE_SECONDS", 30)

# Live updates (loket/live): server-sent events to the desk. Limits are per web process.
LIVE_POLL_MS = env_int("LIVE_POLL_MS", 100)  # SQLite: how often each web process looks for changes
LIVE_KEEPALIVE_SECONDS = env_int("LIVE_KEEPALIVE_SECONDS", 15)
LIVE_MAX_STREAMS = env_int("LIVE_MAX_STREAMS", 5000)
LIVE_MAX_STREAMS_PER_USER = env_int("LIVE_MAX_STREAMS_PER_USER", 10)
LIVE_MAX_AGE_SECONDS = env_int("LIVE_MAX_AGE_SECONDS", 1800)  # then the browser reconnects
LIVE_RETRY_MS = env_int("LIVE_RETRY_MS", 2000)  # the browser's wait before reconnecting

# Website chat (loket/chat): rate limits of the visitor API ("count/unit", unit s, m, h, d).
CHAT_SESSION_RATE = env("CHAT_SESSION_RATE", "10/h")  # new conversations per client address
CHAT_IP_RATE = env("CHAT_IP_RATE", "120/m")  # visitor API calls per client address
CHAT_VISITOR_RATE = env("CHAT_VISITOR_RATE", "20/m")  # messages per conversation
CHAT_CHANNEL_RATE = env("CHAT_CHANNEL_RATE", "3000/m")  # visitor API calls per channel
CHAT_MAX_BODY = env_int("CHAT_MAX_BODY", 16_384)  # bytes of a visitor API request body
CHAT_FILE_RATE = env("CHAT_FILE_RATE", "10/h")  # files per conversation
CHAT_TRANSCRIPT_RATE = env("CHAT_TRANSCRIPT_RATE", "3/h")  # transcripts mailed per conversation
# An agent's chat reply is mailed only if the visitor has not read it in the chat this long
# after it was sent (they left the page).
CHAT_REPLY_MAIL_DELAY_SECONDS = env_int("CHAT_REPLY_MAIL_DELAY_SECONDS", 180)

KB_SEMANTIC = env_bool("KB_SEMANTIC", False)  # meaning-based search (pip install loket[semantic])
# Threads of the embedding engine per process: 1 keeps a question fast on a busy machine (its
# OpenMP threads wait by spinning); more speed up embedding on an otherwise idle one.
KB_SEMANTIC_THREADS = env_int("KB_SEMANTIC_THREADS", 1)
KB_SEMANTIC_REFRESH_SECONDS = 1.0  # how stale a process's article vectors may be

# The cache holds rate limits and sign-in throttling: it must be shared by every web process.
# The database's (default) is; LOKET_REDIS_URL moves it (and a copy of the sessions) to Redis.
REDIS_URL = env("REDIS_URL")
CACHES = {
    "default": _from_url(redis_cache_config, REDIS_URL, env("CACHE_PREFIX", "loket"))
    or {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "loket_cache"}
}
# Sessions stay in the database (every node reads them); with Redis they are cached there too.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# With LOKET_SSL_REDIRECT a proxy or orchestrator still probes the nodes over plain HTTP on the
# inside network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # one line per task state change is noise on a console; failures still show
        "django_tasks": {"level": env("TASK_LOG_LEVEL", "WARNING")},
        # httpx logs every request's URL at INFO, and the Telegram Bot API carries the bot's
        # token in its URLs: no secrets in logs
        "httpx": {"level": "WARNING"},
    },
}
