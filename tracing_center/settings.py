"""Settings for Tracing Center, read from the environment (see .env.example and the README)."""

import json
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from tracing_center.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "axes",
    "csp",
    "agents",
    "cases",
    "calls",
    "intake",
    "supervision",
    "workforce",
    "integrity",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tracing_center.middleware.FrenchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "common.middleware.NoStoreMiddleware",
    "agents.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that it sees the outcome of the authentication attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracing_center.urls"
WSGI_APPLICATION = "tracing_center.wsgi.application"
ASGI_APPLICATION = "tracing_center.asgi.application"

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
                "django.template.context_processors.i18n",
                "agents.context_processors.staff",
                "supervision.context_processors.alert_badge",
                "supervision.context_processors.jobs_heartbeat",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# PostgreSQL through psycopg 3 with Django's connection pool when DATABASE_URL is set; an
# embedded SQLite file otherwise, so that a newcomer needs nothing installed.
DATABASE_URL = env_str("DATABASE_URL")
# A streaming replica of the primary for reports (common/reporting.py); none by default.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
# Past this lag, a report reads the primary instead, and says so (docs/deployment.md).
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 60, minimum=0)
# A report waits this long for the replica before reading the primary (libpq's minimum is 2).
REPLICA_CONNECT_TIMEOUT = env_int("REPLICA_CONNECT_TIMEOUT", 2, minimum=2)


def postgres_database(url: str, *, replica: bool = False) -> dict:
    """Return the settings of a PostgreSQL alias: psycopg 3 with Django's connection pool (the
    replica tests build their aliases with it too)."""
    db = dj_database_url.parse(url)
    if db["ENGINE"] != "django.db.backends.postgresql":
        name = "DATABASE_REPLICA_URL" if replica else "DATABASE_URL"
        raise ImproperlyConfigured(f"{name} must be a postgres:// URL")
    options = db.setdefault("OPTIONS", {})
    if env_bool("DB_POOL", True):
        # The pool replaces persistent connections: Django requires CONN_MAX_AGE = 0 with it.
        db["CONN_MAX_AGE"] = 0
        options["pool"] = {
            "min_size": env_int("DB_POOL_MIN", 2, minimum=1),
            "max_size": env_int("DB_POOL_MAX", 20, minimum=1),
            "timeout": REPLICA_CONNECT_TIMEOUT if replica else 10,
        }
    else:
        db["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60, minimum=0)
    if replica:
        # A replica that is down must not hold a report for long: it then reads the primary.
        options["connect_timeout"] = REPLICA_CONNECT_TIMEOUT
        # Under test, the replica is the test database itself (tests that want a real standby
        # build one: tests/replica/).
        db["TEST"] = {"MIRROR": "default"}
    return db


if DATABASE_URL:
    DATABASES = {"default": postgres_database(DATABASE_URL)}
    if DATABASE_REPLICA_URL:
        DATABASES["replica"] = postgres_database(DATABASE_REPLICA_URL, replica=True)
elif DATABASE_REPLICA_URL:
    raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL: a replica of what?")
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two claims never interleave;
                # WAL lets the web server, the worker and beat read while one writes.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Reads inside reporting() go to the replica when there is one; everything else to the primary.
DATABASE_ROUTERS = ["common.reporting.ReportsRouter"]

# --- Redis: broker and cache ----------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")


def redis_cache(url: str, *, timeout: float) -> dict:
    """Return the settings of a cache in Redis (the tests' own Redis use them too).

    django-redis rather than Django's own RedisCache for IGNORE_EXCEPTIONS: a connection error or
    a timeout reads as a miss, and every reader of the cache already computes what it misses.
    """
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "OPTIONS": {
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": timeout,
            "SOCKET_TIMEOUT": timeout,
        },
    }


def redis_broker_options(*, timeout: float) -> dict:
    """Return kombu's options for a broker in Redis: a publish (after commit: the SMS outbox)
    that finds Redis down gives up after one quick retry instead of holding the request for
    broker_connection_timeout; the outbox's sweep publishes it later."""
    return {
        "socket_connect_timeout": timeout,
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": timeout,
        "interval_max": timeout,
    }


# Logged (with the error) each time, so that an operator sees Redis down in the web's output.
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
# Redis down, floor up (docs/deployment.md): a Redis that is down or unreachable costs a request at
# most REDIS_TIMEOUT seconds per attempt, and the cache then reads as empty.
REDIS_TIMEOUT = env_int("REDIS_TIMEOUT_MS", 500, minimum=50) / 1000
# One quick retry of a publish, not Celery's four: the outbox's sweep publishes it later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": REDIS_TIMEOUT,
    "interval_max": REDIS_TIMEOUT,
}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = redis_broker_options(timeout=REDIS_TIMEOUT)
    CACHES = {"default": redis_cache(REDIS_URL, timeout=REDIS_TIMEOUT)}
else:
    # Embedded mode: a real worker and beat on kombu's filesystem transport, and a file cache
    # that the web server and the worker share.
    _broker_dir = VAR_DIR / "celery-broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    # kombu's transport, writing each message whole before a consumer can see it
    # (common/kombu_filesystem.py): a half-written message killed the worker.
    CELERY_BROKER_TRANSPORT = "common.kombu_filesystem:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Broadcasts (worker remote control) go here, not into the current directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    # Board snapshots are a few keys per territory: Django's default cap of 300 entries would
    # silently evict them.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 10000},
        }
    }

# Queue health extrapolates a rate of calls per active hour only from this much of today's work.
QUEUE_HEALTH_MIN_CALLS = env_int("QUEUE_HEALTH_MIN_CALLS", 5, minimum=1)
QUEUE_HEALTH_MIN_ACTIVE_MINUTES = env_int("QUEUE_HEALTH_MIN_ACTIVE_MINUTES", 15, minimum=1)
# The projection of misses runs each territory's backlog through the queue simulator
# (supervision.services.projection) in a job every this many seconds, for the territories whose
# calls or agents changed; the page reads the result.
QUEUE_HEALTH_PROJECTION_SECONDS = env_int("QUEUE_HEALTH_PROJECTION_SECONDS", 60, minimum=5)

# --- Composition of the apps ---------------------------------------------------------------
# The plateau board (supervision) shows who is rostered and absent from the workforce's rota;
# the two apps stand side by side and do not import each other: the roof wires them here. A
# callable (territories=, now=) -> {territory_id: {"rota_today": bool, "now": {agent_id:
# {starts_at, ends_at}}}} (one query for all the territories); empty: no roster on the board.
SUPERVISION_ROSTER_SOURCE = env_str(
    "SUPERVISION_ROSTER_SOURCE", "workforce.selectors.rota.rosters_for_board"
)

# --- Celery (DESIGN.md §4) ------------------------------------------------------------------
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 50
CELERY_TASK_TIME_LIMIT = 60
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Europe/Paris"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")


# Every job runs at an interval, so none is pinned inside the 02:00-03:00 clock change. A sweep
# message not started within its interval expires: the next one does the same work, so a busy
# worker never piles them up.
def _every(task: str, seconds: int) -> dict:
    return {"task": task, "schedule": timedelta(seconds=seconds), "options": {"expires": seconds}}


CELERY_BEAT_SCHEDULE = {
    "purge-expired-personal-data": _every("cases.tasks.purge_expired_personal_data", 30 * 60),
    "forget-purged-notes": _every("supervision.tasks.forget_purged_notes", 30 * 60),
    "forget-purged-finding-notes": _every("integrity.tasks.forget_purged_notes", 30 * 60),
    "expire-leases": _every("calls.tasks.expire_leases", 30),
    "release-callbacks": _every("calls.tasks.release_callbacks", 30),
    # Due retries back in the fresh queue: the claim never walks past those not due yet.
    "rejoin-due-retries": _every("calls.tasks.rejoin_due_retries", 30),
    "flag-at-risk": _every("calls.tasks.flag_at_risk", 60),
    "fallback-at-deadline": _every("calls.tasks.fallback_at_deadline", 30),
    "escalate-overdue": _every("calls.tasks.escalate_overdue", 60),
    "close-reached-duplicates": _every("calls.tasks.close_reached_duplicates", 60),
    "set-absent-agents-offline": _every("calls.tasks.set_absent_agents_offline", 60),
    "close-unanswered-candidates": _every("agents.tasks.close_unanswered_candidates", 15 * 60),
    "alert-contract-ends": _every("agents.tasks.alert_contract_ends", 15 * 60),
    "end-expired-contracts": _every("agents.tasks.end_expired_contracts", 60),
    "open-started-contracts": _every("agents.tasks.open_started_contracts", 60),
    # The SMS outbox: (re)publish what is queued and due, and what a lost worker left sending.
    "republish-sms": _every("calls.tasks.republish_sms", 60),
    # Beat and a worker are alive: supervisors' pages say so when this row is older than
    # JOBS_STALE_AFTER.
    "heartbeat": _every("calls.tasks.heartbeat", 30),
    # Contact imports whose worker stopped are queued again once, then failed (issue 13).
    "sweep-contact-imports": _every("intake.tasks.sweep_contact_imports", 60),
    # Integrity (issue 14): calls outside their duration policy, the flags on agents' days.
    "detect-duration-findings": _every("integrity.tasks.detect_duration_findings", 5 * 60),
    "detect-day-flags": _every("integrity.tasks.detect_day_flags", 15 * 60),
    "reconcile-carrier": _every("integrity.tasks.reconcile_carrier", 10 * 60),
    # Quality review: last week's sample of calls to score (idempotent per agent and week).
    "draw-qa-sample": _every("integrity.tasks.draw_qa_sample", 60 * 60),
    # Clusters (issue 16): detection at every place of recent exposures (an intake's own task
    # may have been lost), and the hand-off e-mails to (re)send.
    "sweep-clusters": _every("cases.tasks.sweep_clusters", 5 * 60),
    # Identity across cases (issue 16): the persons of the last days an intake's search missed.
    "sweep-duplicate-candidates": _every("cases.tasks.sweep_duplicate_candidates", 15 * 60),
}
# A contact import (a background job) may run this many seconds; one still "running" and silent
# for CONTACT_IMPORT_STALE_MINUTES (longer than the limit) lost its worker.
CONTACT_IMPORT_TIME_LIMIT = env_int("CONTACT_IMPORT_TIME_LIMIT", 270, minimum=60)
CONTACT_IMPORT_STALE_MINUTES = env_int(
    "CONTACT_IMPORT_STALE_MINUTES", 5, minimum=CONTACT_IMPORT_TIME_LIMIT // 60 + 1
)
# Clusters (docs/clusters.md): only exposures of the last CLUSTER_DETECTION_DAYS days count.
# A hand-off e-mail that fails is tried again after CLUSTER_HANDOFF_RETRY_BACKOFF seconds, doubled
# each time, up to CLUSTER_HANDOFF_MAX_ATTEMPTS tries; then it is shown as failed on the cluster's
# page. One still "sending" CLUSTER_HANDOFF_SENDING_TIMEOUT seconds after a worker took it was
# lost with that worker.
CLUSTER_DETECTION_DAYS = env_int("CLUSTER_DETECTION_DAYS", 28, minimum=7)
CLUSTER_HANDOFF_MAX_ATTEMPTS = 5
CLUSTER_HANDOFF_RETRY_BACKOFF = 60
CLUSTER_HANDOFF_SENDING_TIMEOUT = 5 * 60
# Supervisors and CPAM admins see "automatic jobs stopped since HH:MM" past this many seconds.
JOBS_STALE_AFTER = env_int("JOBS_STALE_AFTER", 3 * 60, minimum=30)

# --- Authentication, sessions, security -----------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # The README's demo password and common French ones, which Django's English list misses.
    {"NAME": "common.passwords.FrenchCommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "agents:home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
# Each alone: a username is locked whatever the address it is tried from, and an address whatever
# the usernames tried from it.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Behind N trusted reverse proxies the client is the Nth address from the right of
# X-Forwarded-For; with 0 (no proxy) it is REMOTE_ADDR and X-Forwarded-For is ignored.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "common.client_ip.client_ip"
# A working day, as a session: an API token older than this is refused and deleted.
API_TOKEN_HOURS = env_int("API_TOKEN_HOURS", 10, minimum=1)
AXES_RESET_ON_SUCCESS = True
# A page in the site's layout saying for how long (JSON for the API), still 429.
AXES_LOCKOUT_CALLABLE = "common.lockout.lockout_response"

# Sessions in the database, never in the cache: logins work with Redis down.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# A working day: a téléconseiller logs in once per shift.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 10 * 3600, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# A load balancer probes its nodes in plain HTTP: a redirect would read as a dead node.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Trusted only when a proxy is said to set X-Forwarded-Proto (and strip the client's own):
# otherwise any client could claim HTTPS.
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- E-mail (password resets) ---------------------------------------------------------------
# The console by default, so that a newcomer sees the reset link in the web process's output.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Tracing Center <no-reply@tracing-center.local>")
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3 * 3600, minimum=60)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Numbers on pages grouped by thousands as the language writes them (« 12 345 » in French).
# Templates unlocalize what a machine reads (ids in attributes and URLs, input values); CSV
# exports use common.csv_files.csv_number; JSON is never localized.
USE_THOUSAND_SEPARATOR = True
TIME_ZONE = "Europe/Paris"
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- API ------------------------------------------------------------------------------------
# Bounds of the dates typed (common/bounds.py): samples, onsets and exposures are recent; a time
# planned ahead (a callback) is not years away.
RECENT_DATE_MAX_AGE_DAYS = env_int("RECENT_DATE_MAX_AGE_DAYS", 180, minimum=14)
FUTURE_MAX_DAYS = env_int("FUTURE_MAX_DAYS", 60, minimum=1)

# Bounds of an API body: larger answers 413, deeper answers 400 (docs/api.md, "Input bounds").
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 1024 * 1024, minimum=1024)
API_MAX_JSON_DEPTH = env_int("API_MAX_JSON_DEPTH", 32, minimum=4)
# Pages' form posts (the CSV uploads are files, streamed to disk past FILE_UPLOAD_MAX_MEMORY_SIZE).
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES

REST_FRAMEWORK = {
    "DEFAULT_PARSER_CLASSES": ["common.parsers.BoundedJSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an anonymous call gets 401 with WWW-Authenticate, not 403.
        "agents.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "common.renderers.SafeJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tracing Center API",
    "DESCRIPTION": "Public API v1 of Tracing Center: intake, queue and supervision.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # An agent's status appears in several components (their own status, the supervision list).
    "ENUM_NAME_OVERRIDES": {
        "AgentStatusEnum": "agents.models.Agent.Status",
        "CandidateStageEnum": "workforce.models.recruitment.Candidate.Stage",
        "ContractKindEnum": "workforce.models.contracts.Contract.Kind",
        "ClusterStatusEnum": "cases.models.Cluster.Status",
    },
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Business rules -------------------------------------------------------------------------
# Every contact must be reached within this many hours of being identified.
CONTACT_DEADLINE_HOURS = env_int("CONTACT_DEADLINE_HOURS", 24, minimum=1)
# A patient zéro must be interviewed within this many hours of registration.
INDEX_CASE_DEADLINE_HOURS = env_int("INDEX_CASE_DEADLINE_HOURS", 24, minimum=1)
# Identifying data is purged after this many days; aggregate figures survive.
RETENTION_DAYS = env_int("RETENTION_DAYS", 90, minimum=1)
# How long a claimed task stays with an agent before it goes back to the queue.
LEASE_MINUTES = env_int("LEASE_MINUTES", 20, minimum=1)
# The claim's two reads as server-side prepared statements (calls.services.dispatch); turn off
# behind a transaction-mode PgBouncer older than 1.21 (docs/deployment.md).
CLAIM_PREPARED_STATEMENTS = env_bool("CLAIM_PREPARED_STATEMENTS", True)
# The desk beats this often while it is open; an agent whose desk (or API client) has given no
# sign of life for AGENT_ABSENT_AFTER_MINUTES is set offline, their period closed when last seen.
DESK_HEARTBEAT_SECONDS = env_int("DESK_HEARTBEAT_SECONDS", 60, minimum=5)
# While visible, the desk asks this often whether a supervisor changed something (released its
# call, paused or logged out its agent), so that the agent learns it within seconds.
DESK_POLL_SECONDS = env_int("DESK_POLL_SECONDS", 3, minimum=1)
# The most a call's draft (what the agent typed on its card, kept as she types) may weigh.
DESK_DRAFT_MAX_BYTES = env_int("DESK_DRAFT_MAX_BYTES", 64 * 1024, minimum=1024)
# A supervisor may give a held call back to the queue only once it has been held this long.
RELEASE_AFTER_SECONDS = env_int("RELEASE_AFTER_SECONDS", 120, minimum=0)
AGENT_ABSENT_AFTER_MINUTES = env_int("AGENT_ABSENT_AFTER_MINUTES", 5, minimum=1)
# Default calling hours for a new territory (each territory can change its own).
DEFAULT_CALLING_HOURS = (
    env_str("CALLING_HOURS_START", "08:30"),
    env_str("CALLING_HOURS_END", "19:00"),
)
# The number people are asked to call back, in SMS texts.
CALLBACK_NUMBER = env_str("CALLBACK_NUMBER", "09 74 75 76 78")
# A task is "at risk" this many hours before its deadline: raised in priority, listed for
# supervisors.
AT_RISK_HOURS = env_int("AT_RISK_HOURS", 4, minimum=1)
# Past its deadline a call stays in the queue this many hours (after the calls still in time),
# then goes to the supervisors' escalations.
LATE_CALLABLE_HOURS = env_int("LATE_CALLABLE_HOURS", 48, minimum=1)

# --- Workforce --------------------------------------------------------------------------------
# A candidate we have not heard from for this many days is closed as "no answer".
CANDIDATE_NO_ANSWER_DAYS = env_int("CANDIDATE_NO_ANSWER_DAYS", 30, minimum=1)
# CPAM admins are alerted this many days before a contract ends without a renewal.
CONTRACT_END_ALERT_DAYS = env_int("CONTRACT_END_ALERT_DAYS", 14, minimum=1)
# Opening hours given to a new territory, every day of the week and on public holidays.
DEFAULT_OPENING_HOURS = (
    env_str("OPENING_HOURS_START", "08:30"),
    env_str("OPENING_HOURS_END", "17:30"),
)

# --- Boundaries: SMS provider and telephony ---------------------------------------------------
SMS_BACKEND = env_str("SMS_BACKEND", "calls.sms.ConsoleBackend")
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL")
SMS_GATEWAY_KEY = env_str("SMS_GATEWAY_KEY")
# The outbox: a failed send is tried again after SMS_RETRY_BACKOFF seconds, doubled each time,
# up to SMS_MAX_ATTEMPTS tries; then it is failed and shown on the escalations page. A message
# still "sending" SMS_SENDING_TIMEOUT seconds after a worker took it was lost with that worker
# (longer than CELERY_TASK_TIME_LIMIT), and is sent again under the same client reference.
SMS_MAX_ATTEMPTS = 5
SMS_RETRY_BACKOFF = 60
SMS_SENDING_TIMEOUT = 5 * 60
if SMS_BACKEND == "calls.sms.HttpGatewayBackend" and not (SMS_GATEWAY_URL and SMS_GATEWAY_KEY):
    raise ImproperlyConfigured(
        "SMS_BACKEND=calls.sms.HttpGatewayBackend needs SMS_GATEWAY_URL and SMS_GATEWAY_KEY"
    )
# Under `make run` (DEBUG) calls go through the carrier simulator of Procfile.dev
# (carrier_simulator/, docs/telephony.md); production says which carrier, or logs the call and
# lets the agent dial with the softphone (`tel:`).
TELEPHONY_BACKEND = env_str(
    "TELEPHONY_BACKEND",
    "calls.telephony.CarrierBackend" if DEBUG else "calls.telephony.LogBackend",
)
# The carrier the CarrierBackend dials through, its API and the secrets its webhooks are signed
# with ({"carrier": "secret"}, JSON; one per carrier that posts events or is dialled).
CARRIER_NAME = env_str("CARRIER_NAME", "sim")
CARRIER_URL = env_str("CARRIER_URL", "http://127.0.0.1:8025" if DEBUG else "")
try:
    CARRIER_SECRETS: dict[str, str] = json.loads(
        env_str("CARRIER_SECRETS") or ('{"sim": "dev-carrier-secret"}' if DEBUG else "{}")
    )
except ValueError as exc:
    raise ImproperlyConfigured("CARRIER_SECRETS must be a JSON object") from exc
if not isinstance(CARRIER_SECRETS, dict) or not all(
    isinstance(v, str) and v for v in CARRIER_SECRETS.values()
):
    raise ImproperlyConfigured('CARRIER_SECRETS must be a JSON object {"carrier": "secret"}')
# A webhook signed more than this many seconds ago (or ahead) is refused as a replay.
CARRIER_WEBHOOK_TOLERANCE = env_int("CARRIER_WEBHOOK_TOLERANCE", 300, minimum=1)
CARRIER_TIMEOUT = 5
if TELEPHONY_BACKEND == "calls.telephony.CarrierBackend" and not (
    CARRIER_URL and CARRIER_SECRETS.get(CARRIER_NAME)
):
    raise ImproperlyConfigured(
        "TELEPHONY_BACKEND=calls.telephony.CarrierBackend needs CARRIER_URL and a secret for "
        "CARRIER_NAME in CARRIER_SECRETS"
    )

# --- Supervision (DESIGN.md §5) -------------------------------------------------------------
# Colours and flags of the plateau board, in seconds in the current status (settings, not code).
SUPERVISION_THRESHOLDS = {
    "ready_notice": env_int("BOARD_READY_NOTICE_SECONDS", 60, minimum=1),  # pale amber
    "ready_alert": env_int("BOARD_READY_ALERT_SECONDS", 300, minimum=1),  # strong amber, idle
    "paused_notice": env_int(
        "BOARD_PAUSED_NOTICE_SECONDS", 600, minimum=1
    ),  # yellow; strong red past the reason's limit
    "on_call_alert": env_int("BOARD_ON_CALL_ALERT_SECONDS", 2700, minimum=1),  # purple
    # Logged in (not offline) with no call for this long: flagged.
    "no_call": env_int("BOARD_NO_CALL_SECONDS", 1800, minimum=60),
    # A share of short calls above this, over at least `short_calls_min_calls` calls: flagged.
    "short_call_share_percent": env_int("BOARD_SHORT_CALL_SHARE_PERCENT", 30, minimum=1),
    "short_calls_min_calls": env_int("BOARD_SHORT_CALLS_MIN_CALLS", 10, minimum=1),
}
# How often boards are recomputed into the cache, and how often pages poll it.
BOARD_REFRESH_SECONDS = env_int("BOARD_REFRESH_SECONDS", 5, minimum=1)
BOARD_POLL_SECONDS = env_int("BOARD_POLL_SECONDS", 5, minimum=1)
# Honest activity (issue 14, part 5): rates per agent and day, and the thresholds that flag them.
ACTIVITY_THRESHOLDS = {
    # Fewer connected calls per active hour than this: flagged on the board and in the report.
    "calls_per_active_hour_min": env_int("ACTIVITY_CALLS_PER_ACTIVE_HOUR_MIN", 4, minimum=0),
    # A smaller share (percent) of logged-in time on calls than this: flagged.
    "on_call_share_percent_min": env_int("ACTIVITY_ON_CALL_SHARE_PERCENT_MIN", 30, minimum=0),
    # A full day: logged in at least this long. Under `low_output_calls` connected calls on such
    # a day is a low-output finding (the floor is built against agents making 10 calls a day).
    "full_day_seconds": env_int("ACTIVITY_FULL_DAY_SECONDS", 6 * 3600, minimum=3600),
    "low_output_calls": env_int("ACTIVITY_LOW_OUTPUT_CALLS", 10, minimum=1),
    # ...unless the day had this much conversation: nine patients zéro interviewed for half an
    # hour each is a full day's work, not low output.
    "low_output_talk_seconds": env_int("ACTIVITY_LOW_OUTPUT_TALK_SECONDS", 2 * 3600, minimum=0),
}
# The flags on an agent's day (integrity.services.detection.detect_day_flags): what turns a day's
# figures, or repeated findings on its calls, into a judgement a supervisor must look at.
INTEGRITY_FLAGS = {
    # Wrap-up past its limits (calls.DurationRule) adding up to this many minutes in a day.
    "wrap_up_over_minutes": env_int("INTEGRITY_WRAP_UP_OVER_MINUTES", 30, minimum=1),
    # A day judged on its share of time on calls (ACTIVITY_THRESHOLDS["on_call_share_percent_min"])
    # once the agent worked this long (logged in, less the pauses a supervisor confirmed).
    "low_activity_after_seconds": env_int(
        "INTEGRITY_LOW_ACTIVITY_AFTER_SECONDS", 4 * 3600, minimum=3600
    ),
    # Calls shorter than their outcome allows: this many in a day, and this share of the day's
    # connected calls (one hurried call is a finding, a habit is a flag).
    "short_calls_min": env_int("INTEGRITY_SHORT_CALLS_MIN", 5, minimum=1),
    "short_calls_percent": env_int("INTEGRITY_SHORT_CALLS_PERCENT", 20, minimum=1),
    # Conversation outcomes the carrier never saw answered: this many in a day.
    "unanswered_outcomes_min": env_int("INTEGRITY_UNANSWERED_OUTCOMES_MIN", 2, minimum=1),
}
# How far back the integrity detection looks (hours): it is idempotent, so it may overlap.
INTEGRITY_LOOKBACK_HOURS = env_int("INTEGRITY_LOOKBACK_HOURS", 72, minimum=24)
# Reconciliation with the carrier (issue 14, part 3): a call is judged this many minutes after it
# ended, so that late webhooks (or the daily CDR file) have arrived; the talk time recorded may
# differ from the carrier's billed seconds by max(seconds, percent of the billed) at most.
INTEGRITY_CARRIER_GRACE_MINUTES = env_int("INTEGRITY_CARRIER_GRACE_MINUTES", 60, minimum=1)
INTEGRITY_TALK_TOLERANCE_SECONDS = env_int("INTEGRITY_TALK_TOLERANCE_SECONDS", 15, minimum=0)
INTEGRITY_TALK_TOLERANCE_PERCENT = env_int("INTEGRITY_TALK_TOLERANCE_PERCENT", 10, minimum=0)
# Calls are expected to go through a carrier: an attempt with no carrier call id was dialled by
# hand (the `tel:` fallback) and is flagged "unproven". Off with the LogBackend, where every call
# is dialled by hand by design.
INTEGRITY_EXPECT_CARRIER = env_bool(
    "INTEGRITY_EXPECT_CARRIER", TELEPHONY_BACKEND == "calls.telephony.CarrierBackend"
)
# Quality review (issue 14, part 7): how many connected calls per agent and week are sampled.
QA_SAMPLE_PER_AGENT = env_int("QA_SAMPLE_PER_AGENT", 3, minimum=1)
# Provider invoices (issue 14, part 6): a line is disputed on its own when it bills more than the
# evidence proves by more than this many minutes, or this many calls.
INVOICE_TOLERANCE_MINUTES = env_int("INVOICE_TOLERANCE_MINUTES", 15, minimum=0)
INVOICE_TOLERANCE_CALLS = env_int("INVOICE_TOLERANCE_CALLS", 2, minimum=0)
CELERY_BEAT_SCHEDULE["refresh-boards"] = {
    "task": "supervision.tasks.refresh_boards",
    "schedule": timedelta(seconds=BOARD_REFRESH_SECONDS),
    "options": {"expires": BOARD_REFRESH_SECONDS},
}
CELERY_BEAT_SCHEDULE["roll-up-sla"] = {
    "task": "supervision.tasks.roll_up_sla",
    "schedule": timedelta(minutes=5),
    "options": {"expires": 300},
}
# The queue-health chart's counters: the hours over, and the last few again for late outcomes.
CELERY_BEAT_SCHEDULE["count-hourly-calls"] = _every("supervision.tasks.count_hourly_calls", 5 * 60)
# Queue health's projected misses (supervision.services.projection), read by the page.
CELERY_BEAT_SCHEDULE["project-queues"] = _every(
    "supervision.tasks.project_queues", QUEUE_HEALTH_PROJECTION_SECONDS
)
