"""Settings of the minimal claim endpoint: Django + DRF token authentication, nothing else.

Served by gunicorn with the app's options next to the app in `make bench`
(bench/ceiling_load.py), on the same database: DATABASE_URL, with the same psycopg pool settings
(DB_POOL_MIN, DB_POOL_MAX) as tracing_center/settings.py. No middleware, no template, no
session, no i18n: what any Django + DRF endpoint costs at the least.
"""

import os

import dj_database_url

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "rest_framework.authtoken",
]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "ceiling.urls"
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_db = dj_database_url.parse(os.environ["DATABASE_URL"])
_db["CONN_MAX_AGE"] = 0
_db.setdefault("OPTIONS", {})["pool"] = {
    "min_size": int(os.environ.get("DB_POOL_MIN", 2)),
    "max_size": int(os.environ.get("DB_POOL_MAX", 20)),
    "timeout": 10,
}
DATABASES = {"default": _db}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
