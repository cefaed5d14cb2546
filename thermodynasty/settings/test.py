from __future__ import annotations

from .base import *  # noqa: F401,F403
from .base import BASE_DIR, DATABASES, env

# The suite logs in as the owner, which creates and migrates the test database, and then acts as the app role
# (DATABASE_ACT_AS_ROLE, set by tests/conftest.py once the database is ready), as production's app role would.
TEST_APP_ROLE, TEST_APP_PASSWORD = DATABASES["default"]["USER"], DATABASES["default"]["PASSWORD"]
if env("DATABASE_OWNER_URL", default=""):
    _owner = env.db("DATABASE_OWNER_URL")
    DATABASES["default"].update(USER=_owner["USER"], PASSWORD=_owner["PASSWORD"])

DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = str(BASE_DIR / ".data" / "test-media")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("REDIS_URL", default="redis://127.0.0.1:63799/0").rsplit("/", 1)[0] + "/1",
        "KEY_PREFIX": "thermo-test",
    }
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MIDDLEWARE = [m for m in MIDDLEWARE if "whitenoise" not in m]  # noqa: F405 (static files are not served in tests)
# No sealer process runs under the suite: tests seal inline where they check the chain, and a long test's entries
# must not turn into a fault meanwhile. The bound's own tests set it themselves.
LEDGER_SEAL_BOUND_S = 600.0
# API keys are looked up on every request in the suite (a test that deactivates a tenant expects the next call
# refused); the cache's own tests turn it on (tests/tenants/test_key_cache.py).
API_KEY_CACHE_SECONDS = 0.0
# Likewise brands by host (a test that gives a tenant a domain expects the next request to see it).
BRAND_CACHE_SECONDS = 0.0
