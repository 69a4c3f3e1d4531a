"""Django settings, read from the environment (12-factor).

Every setting a deployment changes comes from an environment variable. The
defaults serve a first run on a laptop:

* no ``DATABASE_URL``: an SQLite file inside the project directory;
* no ``REDIS_URL``: Celery runs tasks eagerly in the web process and the cache
  is in memory (the log says so once at start-up);
* ``DEBUG`` is off unless set, and with ``DEBUG`` off ``SECRET_KEY`` has no
  default: a production process without one refuses to start.

Scorecard reminders (``assessments.send_scorecard_reminders``, run by Celery
beat every ``SCORECARD_REMINDER_SWEEP_MINUTES``): an interviewer without a
submitted scorecard is emailed ``SCORECARD_REMINDER_FIRST_DELAY_MINUTES`` after
the interview ends, then once a working day (Mon-Fri, UTC) for
``SCORECARD_REMINDER_WORKING_DAYS`` more days. Links in emails start with
``SITE_URL``.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, *, default: bool) -> bool:
    """A boolean from the environment; anything but a clear yes/no is a configuration error."""
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_int(name: str, *, default: int) -> int:
    """An integer from the environment; a non-number is a configuration error."""
    raw = env.str(name, default=None)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer; got {raw!r}.") from None


def env_networks(name: str) -> list[str]:
    """Comma-separated CIDR networks (``10.0.0.0/8,fd00::/8``); a bad one is a configuration error."""
    import ipaddress

    networks = []
    for raw in env.list(name, default=[]):
        try:
            networks.append(str(ipaddress.ip_network(raw.strip(), strict=False)))
        except ValueError:
            raise ImproperlyConfigured(f"{name} must list CIDR networks; got {raw!r}.") from None
    return networks


DEBUG = env_bool("DEBUG", default=False)

# A development key is fine only while DEBUG is on; production fails loudly.
_DEV_SECRET_KEY = "django-insecure-dev-only-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
# Rotating: the new key in SECRET_KEY, the old ones here (comma-separated) until what they signed
# has expired: sessions, password resets and the partner keys' callbacks keep working meanwhile.
SECRET_KEY_FALLBACKS = [key.strip() for key in env.list("SECRET_KEY_FALLBACKS", default=[]) if key.strip()]

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "config.apps.ConfigAppConfig",
    "integrations",
    "hiring",
    "assessments",
    "scoring",
    "takehomes",
    "review",
]

MIDDLEWARE = [
    # Outermost, so its query count includes the other middleware's; out of the chain unless SERVER_TIMING.
    "config.server_timing.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ApiBodySizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.security.FailedAuthorisationAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # A lost database connection in a view answers 503 with Retry-After, not a 500 page.
    "config.middleware.DatabaseUnavailableMiddleware",
    # Last, so it sees the sign-in views' answers and replaces them when a client is locked out.
    "axes.middleware.AxesMiddleware",
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
            ],
        },
    },
]

# Database ---------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: a new PostgreSQL connection per request costs 7-10 ms, which under
# load was most of the p95 (make load: 1349 ms with 0, 394 ms with 60). Health checks (below)
# replace a connection the server dropped before it is used.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: Celery broker, result backend and cache --------------------------

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="assess"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery (read by config/celery.py with namespace="CELERY").
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 60 * 60 * 24
# Grading runs candidates' models (a minute each at worst): its own queue, so a burst of
# take-homes never delays scoring. `make worker` consumes both; compose runs a grader.
CELERY_TASK_ROUTES = {"takehomes.take_home_grade": {"queue": "grading"}}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", default=15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", default=14 * 60)
# Redis redelivers an unacknowledged task after the visibility timeout; keep
# it well above the longest task so a slow task is not run twice at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", default=60 * 60),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Celery's Django fixup closes every database connection before and after each task unless this
# is set (it then closes them every this-many tasks): each task connected afresh, a PostgreSQL
# backend started and stopped per task. Workers keep their connections for CONN_MAX_AGE instead,
# tidied around each task as Django does around each request (config.celery).
CELERY_DB_REUSE_MAX = 1_000_000

# Scorecard reminders: the first one this long after the interview ends, then
# one per working day for this many days; beat sweeps this often.
SCORECARD_REMINDER_FIRST_DELAY_MINUTES = env_int("SCORECARD_REMINDER_FIRST_DELAY_MINUTES", default=60)
SCORECARD_REMINDER_WORKING_DAYS = env_int("SCORECARD_REMINDER_WORKING_DAYS", default=5)
SCORECARD_REMINDER_SWEEP_MINUTES = env_int("SCORECARD_REMINDER_SWEEP_MINUTES", default=15)
if SCORECARD_REMINDER_FIRST_DELAY_MINUTES < 0:
    raise ImproperlyConfigured("SCORECARD_REMINDER_FIRST_DELAY_MINUTES must be 0 or more.")
if SCORECARD_REMINDER_WORKING_DAYS < 0:
    raise ImproperlyConfigured("SCORECARD_REMINDER_WORKING_DAYS must be 0 or more.")
if SCORECARD_REMINDER_SWEEP_MINUTES < 1:
    raise ImproperlyConfigured("SCORECARD_REMINDER_SWEEP_MINUTES must be 1 or more.")

SCORES_SWEEP_MINUTES = env_int("SCORES_SWEEP_MINUTES", default=5)
if SCORES_SWEEP_MINUTES < 1:
    raise ImproperlyConfigured("SCORES_SWEEP_MINUTES must be 1 or more.")

# Recomputes coalesce (scoring.coalescing): after a run starts, the next waits this long, so the
# scorecards of a busy second are recomputed together. 0: every run starts at once.
SCORES_RECOMPUTE_INTERVAL_MS = env_int("SCORES_RECOMPUTE_INTERVAL_MS", default=500)
if not 0 <= SCORES_RECOMPUTE_INTERVAL_MS <= 60_000:
    raise ImproperlyConfigured("SCORES_RECOMPUTE_INTERVAL_MS must be between 0 and 60000.")

# Interviewer calibration (scoring.calibration): beat looks every CALIBRATION_SWEEP_SECONDS and
# recalibrates a rubric with new ratings once none has arrived for CALIBRATION_QUIET_SECONDS, and in
# any case once the oldest uncalibrated rating is CALIBRATION_MAX_STALENESS_MINUTES old.
CALIBRATION_SWEEP_SECONDS = env_int("CALIBRATION_SWEEP_SECONDS", default=60)
# With tasks in-process (no REDIS_URL, as in make run) no beat runs: every recompute checks instead,
# with no quiet period.
CALIBRATION_QUIET_SECONDS = env_int("CALIBRATION_QUIET_SECONDS", default=60 if REDIS_URL else 0)
CALIBRATION_MAX_STALENESS_MINUTES = env_int("CALIBRATION_MAX_STALENESS_MINUTES", default=10)
if CALIBRATION_SWEEP_SECONDS < 1 or CALIBRATION_QUIET_SECONDS < 0 or CALIBRATION_MAX_STALENESS_MINUTES < 1:
    raise ImproperlyConfigured(
        "CALIBRATION_SWEEP_SECONDS and CALIBRATION_MAX_STALENESS_MINUTES must be 1 or more, "
        "CALIBRATION_QUIET_SECONDS 0 or more."
    )
if CALIBRATION_QUIET_SECONDS > CALIBRATION_MAX_STALENESS_MINUTES * 60:
    raise ImproperlyConfigured("CALIBRATION_QUIET_SECONDS must not exceed CALIBRATION_MAX_STALENESS_MINUTES.")

CELERY_BEAT_SCHEDULE: dict = {
    "calibration-sweep": {
        "task": "scoring.calibration_sweep",
        "schedule": timedelta(seconds=CALIBRATION_SWEEP_SECONDS),
        "options": {"expires": CALIBRATION_SWEEP_SECONDS},
    },
    # Recomputes applications whose scores are older than their newest scorecard.
    "stale-scores-sweep": {
        "task": "scoring.stale_scores_sweep",
        "schedule": timedelta(minutes=SCORES_SWEEP_MINUTES),
        "options": {"expires": SCORES_SWEEP_MINUTES * 60},
    },
    "scorecard-reminders": {
        "task": "assessments.send_scorecard_reminders",
        "schedule": timedelta(minutes=SCORECARD_REMINDER_SWEEP_MINUTES),
        # A sweep still queued when the next one is due is dropped, so a worker
        # that was down does not come back to a pile of identical sweeps.
        "options": {"expires": SCORECARD_REMINDER_SWEEP_MINUTES * 60},
    },
    # Sends webhook deliveries that are due but whose message was lost (broker outage, worker crash).
    "webhook-deliveries-sweep": {
        "task": "integrations.webhook_deliveries_sweep",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 60},
    },
    # Sends assessment partners' completion callbacks that are due but whose message was lost.
    "partner-callbacks-sweep": {
        "task": "takehomes.partner_callbacks_sweep",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 60},
    },
    "idempotency-records-purge": {
        "task": "integrations.idempotency_records_purge",
        "schedule": timedelta(hours=1),
        "options": {"expires": 3600},
    },
}

# Webhooks: targets resolving to private, loopback, link-local or other non-public
# addresses are refused unless inside one of these networks (e.g. "10.20.0.0/16"
# for a receiver on the company network). Cloud metadata addresses are always refused.
WEBHOOK_ALLOWED_NETWORKS = env_networks("WEBHOOK_ALLOWED_NETWORKS")

# Auth -----------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The sign-in throttle (django-axes) comes first: it refuses locked-out clients before
# any password is checked. Calls without a request (the shell, the test client's
# login()) are not throttled; see config.security.LoginThrottleBackend.
AUTHENTICATION_BACKENDS = [
    "config.security.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
# Signing in lands on each role's own start page (config.views.after_login), or on a safe ``next``.
LOGIN_REDIRECT_URL = "after-login"
LOGOUT_REDIRECT_URL = "login"

# Reverse proxies in front of the app that append to X-Forwarded-For (0: clients connect directly).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")

# Sign-in throttle (django-axes, through config.security.LoginThrottleHandler), counted in the
# cache (Redis in production, shared by every web process). Two counts, each locking for
# LOGIN_COOLOFF_MINUTES from the failure that reached its limit; refused attempts during a
# lockout neither count nor extend it:
# * LOGIN_FAILURE_LIMIT failures for one username from one client address lock that pair only,
#   so a stranger cannot lock someone out and one user's typos lock out no one else behind
#   the same address. A successful sign-in clears the pair's count.
# * LOGIN_ADDRESS_FAILURE_LIMIT failures from one address within LOGIN_COOLOFF_MINUTES, over
#   any usernames, lock the address (password spraying). A sign-in does not clear it.
# Covers the admin sign-in too.
AXES_HANDLER = "config.security.LoginThrottleHandler"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", default=15))
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", default=50)
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME <= timedelta(0):
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_COOLOFF_MINUTES must be 1 or more.")
if LOGIN_ADDRESS_FAILURE_LIMIT < AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured("LOGIN_ADDRESS_FAILURE_LIMIT must be at least LOGIN_FAILURE_LIMIT.")
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "config.security.client_address"
AXES_LOCKOUT_CALLABLE = "config.security.login_locked_out"
AXES_ENABLE_ADMIN = False  # the counts live in the cache, not in axes' tables
if not REDIS_URL:
    # Without Redis the counts are per process, which is right for the one-process dev server.
    SILENCED_SYSTEM_CHECKS = ["axes.W001"]

# Refusals anyone can provoke without credentials (401s to a presented token, anonymous 403s,
# sign-ins refused during a lockout) get one audit row per client address and reason per
# window, counting the rest (integrations.audit.audit_record_repeated).
AUDIT_REJECTION_WINDOW = timedelta(minutes=env_int("AUDIT_REJECTION_WINDOW_MINUTES", default=15))
if AUDIT_REJECTION_WINDOW <= timedelta(0):
    raise ImproperlyConfigured("AUDIT_REJECTION_WINDOW_MINUTES must be 1 or more.")

# REST framework: deny by default; each view names the scope each method needs.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "integrations.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["config.permissions.HasScope"],
    "DEFAULT_RENDERER_CLASSES": ["integrations.api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "integrations.api.pagination.CursorPage",
    "DEFAULT_SCHEMA_CLASS": "integrations.api.schema.ScopedAutoSchema",
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # OPTIONS answers 405: the OpenAPI schema is the description of every operation.
    "DEFAULT_METADATA_CLASS": None,
    # Client addresses for throttling: the address the nearest trusted proxy saw, never a
    # client-supplied X-Forwarded-For (0 proxies: the socket's address).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# Requests per minute per integration token (or signed-in user, or client address
# for failed sign-ins), e.g. "600/min".
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="600/min")
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", default=200)
# Request bodies above this many bytes get 413 before anything reads them.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", default=1024 * 1024)
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)
# A Server-Timing header on every answer (queries, database, CPU and wall time; config.server_timing),
# for make load. It tells clients how long the server worked on their request: off in production.
SERVER_TIMING = env_bool("SERVER_TIMING", default=False)
# Which API roles (integrations.scopes.ApiRole) a signed-in person holds: the hiring app keeps
# the groups and committees, and integrations, which imports no app, asks it through this path.
API_PERSON_ROLES = "hiring.roles.api_roles"

# Self-reported groups smaller than this are suppressed in the adverse-impact analysis.
ADVERSE_IMPACT_MIN_GROUP = env_int("ADVERSE_IMPACT_MIN_GROUP", default=5)
if ADVERSE_IMPACT_MIN_GROUP < 1:
    raise ImproperlyConfigured("ADVERSE_IMPACT_MIN_GROUP must be 1 or more.")

SPECTACULAR_SETTINGS = {
    "TITLE": "Data-role scorecards API",
    "DESCRIPTION": (
        "Structured interview scoring for Data Scientist, ML Engineer and Full-stack Data Scientist "
        "hiring. Applicant tracking systems push candidates, applications, interviews and scorecards in, "
        "and read fit scores, shortlists and decisions out. Authenticate with `Authorization: Bearer "
        "<token>`; every operation names the scope it needs. Errors are `{code, detail, field?, fields?}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No deep links: Swagger UI draws each as a link inside the operation's toggle button,
    # a control nested in a control that screen readers and keyboards cannot reach.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # An opening's status appears in several request bodies (create, update, upsert): one enum.
    "ENUM_NAME_OVERRIDES": {"OpeningStatusEnum": "hiring.models.Opening.Status"},
}

# Internationalisation ------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# Static files -------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
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

# Evaluators that are programs, not people: the scoring model takes their severity as known
# (0) rather than estimating it. The take-home grader records its grades as this user.
AUTOMATED_EVALUATORS = ("take-home-grader",)

# Take-home data and candidates' uploads: private files, never static, served only by views
# that check who asks. The file system by default; for scale, django-storages' S3 backend
# (see README, "Take-home assessments").
TAKEHOMES_ROOT = env.path("TAKEHOMES_ROOT", default=BASE_DIR / "var" / "takehomes")
STORAGES["takehomes"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(TAKEHOMES_ROOT), "base_url": None},
}

# Email: console by default; set EMAIL_URL (smtp://user:pass@host:587) to send.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="scorecards@localhost")
# Absolute links in emails (no request to build them from): scheme, host, no trailing slash.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Security -----------------------------------------------------------------
# Secure by default when DEBUG is off; a TLS-terminating proxy sets
# X-Forwarded-Proto, which SECURE_PROXY_SSL_HEADER trusts.

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy on every answer (django-csp): scripts and styles only from our
# own files, never inline; no framing, no plugins, forms post only to us.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Logging: one line per record to stderr; level from LOG_LEVEL. Tokens, webhook secrets,
# passwords, session ids and Authorization headers are masked in every record as it is
# created, whichever handler writes it (config.redaction, installed when the apps are ready).

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
    },
}
