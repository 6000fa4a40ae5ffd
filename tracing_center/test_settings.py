"""Test overrides: fast hashing, eager Celery, no HTTPS redirect."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")

from tracing_center.settings import *  # noqa: E402

# A replica configured in the environment is not the tests' own: the tests that need one build a
# real standby (tests/replica/); the others read the test database, as without a replica.
DATABASES.pop("replica", None)  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
LANGUAGE_CODE = "fr"
# WhiteNoise serves collected files; tests never collect them.
WHITENOISE_AUTOREFRESH = True
# Tests choose their telephony: the log by default, the carrier simulator where they start it.
TELEPHONY_BACKEND = "calls.telephony.LogBackend"
CARRIER_SECRETS = {"sim": "test-carrier-secret"}
CARRIER_URL = "http://127.0.0.1:9"
