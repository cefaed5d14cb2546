from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from thermodynasty.env import BASE_DIR, env, env_secret

SECRET_KEY = env_secret("SECRET_KEY", "dev-insecure-secret-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_results",
    "apps.core",
    "apps.tenants",
    "apps.ops",
    "apps.ledger",
    "apps.signals",
    "apps.marketplace",
    "apps.lab",
    "apps.dna",
    "apps.capsules",
    "apps.billing",
    "apps.bridge",
    "apps.portal",
]

MIDDLEWARE = [
    "apps.core.middleware.RequestIdMiddleware",
    "apps.core.middleware.ErrorShapeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.tenants.middleware.TenantMiddleware",
]

ROOT_URLCONF = "thermodynasty.urls"
WSGI_APPLICATION = "thermodynasty.wsgi.application"

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
                "apps.tenants.context_processors.tenant",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://thermo:thermo@127.0.0.1:54329/thermodynasty")}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# The role system contexts SET ROLE into (BYPASSRLS); the app's role holds it by membership (README "Database roles").
DATABASE_SYSTEM_ROLE = env("DATABASE_SYSTEM_ROLE", default="thermo_system")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:63799/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="thermo"),
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / ".data" / "media"))
MEDIA_URL = "media/"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Thermodynasty <no-reply@thermodynasty.local>")

# Telemetry batches of 10,000 points fit well inside this; larger bodies answer 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=4 * 1024 * 1024)

LOGIN_LOCKOUT_THRESHOLD = env.int("LOGIN_LOCKOUT_THRESHOLD", default=5)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=15 * 60)
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=600)
# Failed API-key authentications per client address per minute before that address gets 429 for the minute.
API_KEY_FAILURES_PER_MINUTE = env.int("API_KEY_FAILURES_PER_MINUTE", default=30)
# Reverse proxies in front of the app that each append the connecting address to TRUSTED_PROXY_HEADER. 0 (the
# default) trusts no header and uses the socket's address; never set it higher than the proxies really there,
# or a client can choose its own address (docs/security.md).
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=0)
TRUSTED_PROXY_HEADER = env("TRUSTED_PROXY_HEADER", default="X-Forwarded-For")
# An idempotency claim's lease outlives the longest request (gunicorn's --timeout 120 in scripts/run.sh), so only
# a dead request's claim is ever taken over; stored outcomes are kept for a day, then purged.
IDEMPOTENCY_LEASE_SECONDS = env.int("IDEMPOTENCY_LEASE_SECONDS", default=150)
IDEMPOTENCY_RECORD_TTL_SECONDS = env.int("IDEMPOTENCY_RECORD_TTL_SECONDS", default=24 * 3600)
if IDEMPOTENCY_RECORD_TTL_SECONDS <= IDEMPOTENCY_LEASE_SECONDS:
    raise ImproperlyConfigured("IDEMPOTENCY_RECORD_TTL_SECONDS must exceed IDEMPOTENCY_LEASE_SECONDS.")

# The MCP server (apps/bridge): its own process, `manage.py bridge_serve`. BRIDGE_PUBLIC_URL is what the portal's
# Integrations page tells partners to connect to; BRIDGE_ALLOWED_HOSTS turns on DNS-rebinding protection.
BRIDGE_HOST = env("BRIDGE_HOST", default="127.0.0.1")
BRIDGE_PORT = env.int("BRIDGE_PORT", default=8001)
BRIDGE_PUBLIC_URL = env("BRIDGE_PUBLIC_URL", default=f"http://127.0.0.1:{BRIDGE_PORT}/mcp/")
BRIDGE_ALLOWED_HOSTS = env.list("BRIDGE_ALLOWED_HOSTS", default=[])
# Threads per MCP server process that run the API calls (each holds its own database connection when kept).
BRIDGE_WORKER_THREADS = env.int("BRIDGE_WORKER_THREADS", default=16)
INVITATION_TTL_DAYS = 7

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

from .celery import *  # noqa: E402,F401,F403
from .drf import *  # noqa: E402,F401,F403
from .energy import *  # noqa: E402,F401,F403
from .metrics import *  # noqa: E402,F401,F403
from .neo4j import *  # noqa: E402,F401,F403

FORMS_URLFIELD_ASSUME_HTTPS = True

# Webhook targets inside private networks (loopback, RFC 1918, link-local, reserved) are refused everywhere, dev
# included (SSRF); only an operator may allow them, explicitly, e.g. for a receiver on the same host.
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
WEBHOOK_TIMEOUT_SECONDS = 5
WEBHOOK_MAX_ATTEMPTS = 8
WEBHOOK_MAX_ENDPOINTS_PER_TENANT = env.int("WEBHOOK_MAX_ENDPOINTS_PER_TENANT", default=10)
# Deliveries queued or in flight per endpoint, so one slow or dead receiver cannot fill the webhooks queue.
WEBHOOK_ENDPOINT_CONCURRENCY = env.int("WEBHOOK_ENDPOINT_CONCURRENCY", default=2)
WEBHOOK_PAUSE_AFTER_FAILURES = env.int("WEBHOOK_PAUSE_AFTER_FAILURES", default=20)
# Late telemetry: a point up to this many seconds before its stream's latest point is inserted in time order and
# the windows after it are recomputed (docs/signals.md "Late data"); older ones are refused row by row.
SIGNALS_LATENESS_SECONDS = env.int("SIGNALS_LATENESS_SECONDS", default=3600)
WEBHOOK_BACKOFF_BASE_SECONDS = 10
WEBHOOK_BACKOFF_MAX_SECONDS = 3600

STRIPE_SECRET_KEY = env_secret("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env_secret("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="https://api.stripe.com")
STRIPE_WEBHOOK_TOLERANCE = env.int("STRIPE_WEBHOOK_TOLERANCE", default=300)
CAPSULE_PARTNER_SHARE_BPS = env.int("CAPSULE_PARTNER_SHARE_BPS", default=7000)
# How long a caller waits for a market writer's answer before `sequencer_timeout` (docs/marketplace.md).
MARKET_SEQUENCER_TIMEOUT_S = env.float("MARKET_SEQUENCER_TIMEOUT_S", default=5.0)
# The ledger's sealer chains entries within milliseconds while a leader runs; a dead leader is replaced within about
# two seconds (beat). An entry unsealed for longer than this is a fault for `ledger_verify` (docs/ledger.md).
LEDGER_SEAL_BOUND_S = env.float("LEDGER_SEAL_BOUND_S", default=10.0)
