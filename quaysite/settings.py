"""Django settings: every value comes from quaysite.config (config.yaml plus environment)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from quaysite.config import BASE_DIR, ConfigError, database_from_url, load_config
from quaysite.web_security import web_security_settings

CONFIG = load_config()

DATA_DIR = Path(CONFIG["DATA_DIR"])
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if CONFIG["SECRET_KEY"]:
        return CONFIG["SECRET_KEY"]
    # Embedded default: one key per data directory, so restarts keep sessions valid.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = CONFIG["DEBUG"]
ALLOWED_HOSTS = CONFIG["ALLOWED_HOSTS"]
TRUSTED_PROXIES = [str(proxy) for proxy in CONFIG["TRUSTED_PROXIES"]]
METRICS_ALLOWED_NETWORKS = [str(network) for network in CONFIG["METRICS_ALLOWED_NETWORKS"]]
METRICS_SUPERUSER_ACCESS = CONFIG["METRICS_SUPERUSER_ACCESS"]
SERVER_HOSTNAME = CONFIG["SERVER_HOSTNAME"]
PREFERRED_URL_SCHEME = CONFIG["PREFERRED_URL_SCHEME"]

_WEB_SECURITY = web_security_settings(CONFIG)
CSRF_TRUSTED_ORIGINS = _WEB_SECURITY["CSRF_TRUSTED_ORIGINS"]
SESSION_COOKIE_SECURE = _WEB_SECURITY["SESSION_COOKIE_SECURE"]
CSRF_COOKIE_SECURE = _WEB_SECURITY["CSRF_COOKIE_SECURE"]
SECURE_HSTS_SECONDS = _WEB_SECURITY["SECURE_HSTS_SECONDS"]
SECURE_PROXY_SSL_HEADER = _WEB_SECURITY["SECURE_PROXY_SSL_HEADER"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_rq",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "orgs",
    "registry",
    "quota",
    "pruning",
    "mirroring",
    "builds",
    "builds.live",
    "secscan",
    "notifications",
]

MIDDLEWARE = [
    # First, so a request's time and status include every other middleware's.
    "quaysite.metrics_middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "registry.middleware.RegistryReadOnlyMiddleware",
    # Management actions' audit rows record the request's address and credential.
    "orgs.request_context.AuditRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# /v2/ paths end without a slash and must not be redirected.
APPEND_SLASH = False

ROOT_URLCONF = "quaysite.urls"
WSGI_APPLICATION = "quaysite.wsgi.application"
ASGI_APPLICATION = "quaysite.asgi.application"

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
                "orgs.web.context.site",
            ],
        },
    },
]

if CONFIG["DB_URI"]:
    DATABASES = {"default": database_from_url(CONFIG["DB_URI"])}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "registry.sqlite3",
            # Opening SQLite and applying the pragmas costs more than a manifest GET: keep it open.
            "CONN_MAX_AGE": None,
            # WAL lets readers go on while one process writes; the timeout rides out short locks.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

AUTH_USER_MODEL = "orgs.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/signin"
LOGIN_REDIRECT_URL = "/repositories/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
# The web UI's stylesheet and script: plain files, no build step.
STATICFILES_DIRS = [BASE_DIR / "static"]
# Built by collectstatic from the code, not data: it stays beside the code whatever DATA_DIR is.
STATIC_ROOT = BASE_DIR / "var" / "static"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Storage: Quay's format, {location: [DriverName, {options}]}, preference order first.
STORAGE_CONFIG = CONFIG["DISTRIBUTED_STORAGE_CONFIG"] or {
    "local": ["LocalStorage", {"storage_path": str(DATA_DIR / "storage")}]
}
STORAGE_PREFERENCE = CONFIG["DISTRIBUTED_STORAGE_PREFERENCE"] or [next(iter(STORAGE_CONFIG))]
STORAGE_PROXY = CONFIG["FEATURE_PROXY_STORAGE"]
# Geo-replication: every blob must reach these locations (and its namespaces' own, see
# registry.services.placement); the replication job copies it there.
STORAGE_DEFAULT_LOCATIONS = CONFIG["DISTRIBUTED_STORAGE_DEFAULT_LOCATIONS"]
STORAGE_REPLICATION = CONFIG["FEATURE_STORAGE_REPLICATION"]
REPLICATION_POLL_PERIOD = CONFIG["REPLICATION_POLL_PERIOD"]
REPLICATION_RETRY_SECONDS = CONFIG["REPLICATION_RETRY_SECONDS"]

REGISTRY_TOKEN_LIFETIME = CONFIG["REGISTRY_TOKEN_LIFETIME"]
REGISTRY_TOKEN_RECHECK_SECONDS = CONFIG["REGISTRY_TOKEN_RECHECK_SECONDS"]
REGISTRY_MAX_MANIFEST_SIZE = CONFIG["MAXIMUM_MANIFEST_SIZE"]
FEATURE_ANONYMOUS_ACCESS = CONFIG["FEATURE_ANONYMOUS_ACCESS"]
SUPER_USERS = CONFIG["SUPER_USERS"]
REGISTRY_TITLE = CONFIG["REGISTRY_TITLE"]
FEATURE_USER_CREATION = CONFIG["FEATURE_USER_CREATION"]
FEATURE_SUPERUSERS_FULL_ACCESS = CONFIG["FEATURE_SUPERUSERS_FULL_ACCESS"]
FEATURE_SUPERUSERS_ORG_CREATION_ONLY = CONFIG["FEATURE_SUPERUSERS_ORG_CREATION_ONLY"]
FEATURE_APP_SPECIFIC_TOKENS = CONFIG["FEATURE_APP_SPECIFIC_TOKENS"]
DEFAULT_TAG_EXPIRATION = CONFIG["DEFAULT_TAG_EXPIRATION"]
TAG_EXPIRATION_OPTIONS = CONFIG["TAG_EXPIRATION_OPTIONS"]
REGISTRY_STATE = CONFIG["REGISTRY_STATE"]
PERMANENTLY_DELETE_TAGS = CONFIG["PERMANENTLY_DELETE_TAGS"]
PUSH_TEMP_TAG_EXPIRATION_SEC = CONFIG["PUSH_TEMP_TAG_EXPIRATION_SEC"]
BLOBUPLOAD_DELETION_DATE_THRESHOLD = CONFIG["BLOBUPLOAD_DELETION_DATE_THRESHOLD"]
GARBAGE_COLLECTION_FREQUENCY = CONFIG["GARBAGE_COLLECTION_FREQUENCY"]
FEATURE_QUOTA_MANAGEMENT = CONFIG["FEATURE_QUOTA_MANAGEMENT"]
DEFAULT_SYSTEM_REJECT_QUOTA_BYTES = CONFIG["DEFAULT_SYSTEM_REJECT_QUOTA_BYTES"]
AUTO_PRUNING_POLL_PERIOD = CONFIG["AUTO_PRUNING_POLL_PERIOD"]
REPO_MIRROR_INTERVAL = CONFIG["REPO_MIRROR_INTERVAL"]
NOTIFICATION_FAILURE_LIMIT = CONFIG["NOTIFICATION_FAILURE_LIMIT"]
NOTIFICATION_DELIVERY_ATTEMPTS = CONFIG["NOTIFICATION_DELIVERY_ATTEMPTS"]
NOTIFICATION_RETRY_SECONDS = CONFIG["NOTIFICATION_RETRY_SECONDS"]
NOTIFICATION_SEND_TIMEOUT = CONFIG["NOTIFICATION_SEND_TIMEOUT"]
NOTIFICATION_POLL_PERIOD = CONFIG["NOTIFICATION_POLL_PERIOD"]
NOTIFICATION_ALLOW_PRIVATE_TARGETS = CONFIG["NOTIFICATION_ALLOW_PRIVATE_TARGETS"]
FEATURE_SECURITY_SCANNER = CONFIG["FEATURE_SECURITY_SCANNER"]
SECURITY_SCANNER_V4_ENDPOINT = CONFIG["SECURITY_SCANNER_V4_ENDPOINT"]
SECURITY_SCANNER_V4_PSK = CONFIG["SECURITY_SCANNER_V4_PSK"]
SECURITY_SCANNER_INDEXING_INTERVAL = CONFIG["SECURITY_SCANNER_INDEXING_INTERVAL"]
FEATURE_SECURITY_SCANNER_NOTIFY_ON_NEW_INDEX = CONFIG["FEATURE_SECURITY_SCANNER_NOTIFY_ON_NEW_INDEX"]
NOTIFICATION_MIN_SEVERITY_ON_NEW_INDEX = CONFIG["NOTIFICATION_MIN_SEVERITY_ON_NEW_INDEX"]
FEATURE_BUILD_SUPPORT = CONFIG["FEATURE_BUILD_SUPPORT"]
DEFAULT_NAMESPACE_MAXIMUM_BUILD_COUNT = CONFIG["DEFAULT_NAMESPACE_MAXIMUM_BUILD_COUNT"]
BUILD_EXECUTOR = CONFIG["BUILD_EXECUTOR"]
BUILD_TIMEOUT = CONFIG["BUILD_TIMEOUT"]
BUILD_HEARTBEAT_TIMEOUT = CONFIG["BUILD_HEARTBEAT_TIMEOUT"]
BUILD_MAX_ATTEMPTS = CONFIG["BUILD_MAX_ATTEMPTS"]
BUILD_ALLOW_LOCAL_SOURCES = CONFIG["BUILD_ALLOW_LOCAL_SOURCES"]
# Django's SMTP backend, configured by Quay's MAIL_* keys.
EMAIL_HOST = CONFIG["MAIL_SERVER"]
EMAIL_PORT = CONFIG["MAIL_PORT"]
EMAIL_USE_TLS = CONFIG["MAIL_USE_TLS"]
EMAIL_HOST_USER = CONFIG["MAIL_USERNAME"]
EMAIL_HOST_PASSWORD = CONFIG["MAIL_PASSWORD"]
DEFAULT_FROM_EMAIL = CONFIG["MAIL_DEFAULT_SENDER"]
EMAIL_TIMEOUT = CONFIG["NOTIFICATION_SEND_TIMEOUT"]
# With no key configured, the embedded default derives one from SECRET_KEY.
DATABASE_SECRET_KEY = CONFIG["DATABASE_SECRET_KEY"] or SECRET_KEY
DATABASE_SECRET_KEYS_OLD = CONFIG["DATABASE_SECRET_KEYS_OLD"]

# Background jobs: Redis + rq workers when configured, else a worker thread in this process.
REDIS_URL = CONFIG["REDIS_URL"]
JOBS_IN_PROCESS = not REDIS_URL
PERIODIC_JOBS_IN_SERVER = CONFIG["PERIODIC_JOBS_IN_SERVER"]
# django_rq knows only a real Redis; in-process queues are quaysite.jobs' own (same names).
# `manage.py rqworker` times each job for /metrics (quaysite.jobs.MeteredWorker).
RQ = {"WORKER_CLASS": "quaysite.jobs.MeteredWorker"}
RQ_QUEUES: dict[str, dict] = (
    {} if JOBS_IN_PROCESS else {name: {"URL": REDIS_URL} for name in ("default", "gc", "builds")}
)
if not JOBS_IN_PROCESS:
    # A local build runs inside its job on an rq worker: rq's 180 s default would kill it.
    RQ_QUEUES["builds"]["DEFAULT_TIMEOUT"] = BUILD_TIMEOUT + BUILD_HEARTBEAT_TIMEOUT

# Live build logs. With Redis, each stored line is pushed through channels-redis to the
# watchers on any instance; a watcher's channel holds a burst of lines (a full one drops
# messages, which the consumer notices by index and reads from the database instead). Without
# Redis the in-memory layer reaches no other process, so watchers poll the database.
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "capacity": 1000, "expiry": 60},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
BUILD_LOGS_PUSHED = bool(REDIS_URL)
# Seconds between a watcher's looks at the database: its only source without Redis, a safety
# net for a dropped message with it.
BUILD_LOGS_POLL_SECONDS = 5.0 if REDIS_URL else 0.5
WEBSOCKET_PORT = CONFIG["WEBSOCKET_PORT"]
KUBERNETES_EXECUTOR_CONFIG = CONFIG["KUBERNETES_EXECUTOR_CONFIG"]
LOGS_MODEL = CONFIG["LOGS_MODEL"]
LOGS_MODEL_CONFIG = CONFIG["LOGS_MODEL_CONFIG"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": CONFIG["LOG_LEVEL"]},
    # Clients meet 401 and 404 by design on every login and push; log only server errors.
    "loggers": {"django.request": {"level": "ERROR"}, "rq.worker": {"level": "WARNING"}},
}

# OAuth 2 for the API, with Quay's scopes; the authorization-code flow must use PKCE.
OAUTH2_PROVIDER: dict[str, Any] = {
    "SCOPES": {
        "repo:read": "View all visible repositories",
        "repo:write": "Read/Write to any accessible repositories",
        "repo:admin": "Administer Repositories",
        "repo:create": "Create Repositories",
        "user:read": "Read User Information",
        "user:admin": "Administer User",
        "org:admin": "Administer Organization",
        "super:user": "Super User Access",
    },
    "DEFAULT_SCOPES": ["repo:read"],
    "PKCE_REQUIRED": True,
    # Access and refresh tokens are kept as their SHA-256 only (RFC 9700): a copy of the
    # database holds no usable token. Lookups go by the toolkit's token_checksum column.
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
}
# Named, though it is the toolkit's default: orgs' migrations point at it as a swappable model.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"

# The REST API at /api/v1: the browser's session (with CSRF) or an OAuth 2 bearer token, whose
# scopes quaysite.oauth checks against the view's required_scopes; errors rendered in one place.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "quaysite.oauth.CsrfNamingSessionAuthentication",
        "quaysite.oauth.ScopedOAuth2Authentication",
    ],
    # Every API view needs a login unless it names AllowAny (tests/quaysite/test_anonymous_endpoints.py
    # lists those), so a new view is protected by default.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["quaysite.api_json.DepthBoundJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "quaysite.api_errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{REGISTRY_TITLE} API",
    "DESCRIPTION": "The registry's management API, on Quay's resource paths and JSON shapes.",
    "VERSION": "v1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's assets come from this server, not a CDN: registries often run without internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Tags start folded: with every one of 150-odd operations open at once, Swagger UI stopped
    # rendering part-way down the page (its first handful of operations, then nothing).
    "SWAGGER_UI_SETTINGS": {"docExpansion": "none"},
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "OAUTH2_FLOWS": ["authorizationCode"],
    "OAUTH2_AUTHORIZATION_URL": "/oauth/authorize",
    "OAUTH2_TOKEN_URL": "/oauth/token",
    # "namespace/name" keeps its slash in the path, which no OpenAPI pattern on one segment says.
    "PATH_CONVERTER_OVERRIDES": {
        "repopath": {"type": "string", "description": "The full path of the repository, e.g. namespace/name"}
    },
}

__all__ = ["ConfigError"]
