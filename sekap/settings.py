"""SEKAP settings, read from the environment.

Two runtime modes (DESIGN.md §4): the embedded default (SQLite, eager Celery, local-memory
cache, files and secrets in ``var/``, console mail) and production, switched on by
``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` (broker, results, cache, locks).
"""

from __future__ import annotations

import secrets
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

VAR_DIR = Path(env.str("SEKAP_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
SEKAP_VAR_DIR = VAR_DIR


def _local_secret(name: str, nbytes: int = 50) -> str:
    """Return a secret kept in ``var/``, generating it on first use (never committed)."""
    path = VAR_DIR / name
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(nbytes))
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret("secret_key")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public address written into receipts and e-mails (sekap/site.py). Production must set it
# (a system check refuses to start without it); the embedded default uses the address served.
SITE_URL = env.str("SITE_URL", default="")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_otp",
    "sekap.accounts.apps.OTPTOTPConfig",  # django_otp.plugins.otp_totp, named in Polish
    "sekap.accounts.apps.AxesConfig",  # axes, named in Polish
    "sekap.accounts",
    "sekap.audit",
    "sekap.operations",
    "sekap.outbox",
    "sekap.nodelogin",
    "offices",
    "forms_platform",
    "signatures",
    "certauth",
    "payments",
    "documents",
    "portal",
    "portal.helpdesk",
    "django_prometheus",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "sekap.audit.middleware.RequestContextMiddleware",
    "sekap.site.ServedAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sekap.accounts.middleware.OTPMiddleware",  # django_otp's, the device read prepared
    "sekap.accounts.middleware.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "sekap.urls"
WSGI_APPLICATION = "sekap.wsgi.application"

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
                "csp.context_processors.nonce",
            ],
            "libraries": {"sekap_chrome": "sekap.chrome", "sekap_dates": "sekap.datetimes"},
        },
    },
]

# --- database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'sekap.sqlite3'}"),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use an in-memory database unless a file is asked for (a worker process needs one).
    if env.str("SEKAP_TEST_SQLITE_FILE", default=""):
        DATABASES["default"]["TEST"] = {"NAME": env.str("SEKAP_TEST_SQLITE_FILE")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
IS_POSTGRESQL = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
# A production deployment says so (docker-compose does). The production engines alone
# (DATABASE_URL, REDIS_URL: CI's second pass, a developer's PostgreSQL) are not a deployment.
PRODUCTION = env.bool("PRODUCTION", default=False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker, results, cache, locks ---------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "sekap.cache.RedisCache",  # one redis.Redis per pool (sekap/cache.py)
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "sekap",
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = "Europe/Warsaw"
CELERY_BEAT_SCHEDULE: dict = {
    "audit-verify-chain": {"task": "sekap.audit.tasks.audit_verify_chain", "schedule": 6 * 3600},
    "audit-anchor-heads": {"task": "sekap.audit.tasks.audit_anchor_heads", "schedule": 24 * 3600},
    "operations-nightly-backup": {
        "task": "sekap.operations.tasks.nightly_backup",
        "schedule": 24 * 3600,
    },
    "operations-documents-collect": {
        "task": "sekap.operations.tasks.documents_collect",
        "schedule": 24 * 3600,
    },
    "operations-storage-usage": {
        "task": "sekap.operations.tasks.storage_usage_measure",
        "schedule": 15 * 60,
    },
    "certauth-refresh-crls": {"task": "certauth.tasks.refresh_crls", "schedule": 15 * 60},
    "certauth-refresh-ocsp": {"task": "certauth.tasks.refresh_ocsp", "schedule": 5 * 60},
    "documents-intake-sweep": {"task": "documents.tasks.intake_sweep", "schedule": 60},
    "documents-deadlines-sweep": {"task": "documents.tasks.deadlines_sweep", "schedule": 600},
    "documents-delivery-sweep": {"task": "documents.tasks.delivery_sweep", "schedule": 5 * 60},
    "documents-decisions-sweep": {"task": "documents.tasks.decisions_sweep", "schedule": 15 * 60},
    "documents-supplement-reminders": {
        "task": "documents.tasks.supplement_reminders",
        "schedule": 3600,
    },
    "portal-unconfirmed-accounts-purge": {
        "task": "portal.tasks.unconfirmed_accounts_purge",
        "schedule": 3600,
    },
    "outbox-sweep": {"task": "sekap.outbox.tasks.outbox_sweep", "schedule": 60},
    "documents-destruction-due-notice": {
        "task": "documents.tasks.destruction_due_notice",
        "schedule": 24 * 3600,
    },
    "portal-drafts-retention": {"task": "portal.tasks.drafts_retention", "schedule": 6 * 3600},
    "accounts-sessions-clear-expired": {
        "task": "sekap.accounts.tasks.sessions_clear_expired",
        "schedule": 6 * 3600,
    },
    "accounts-inactive-retention": {
        "task": "sekap.accounts.tasks.inactive_accounts_retention",
        "schedule": 24 * 3600,
    },
    "payments-poll-pending": {"task": "payments.tasks.poll_pending", "schedule": 5 * 60},
    "payments-overdue-sweep": {"task": "payments.tasks.overdue_sweep", "schedule": 3600},
    "documents-scans-recheck": {"task": "documents.tasks.scans_recheck", "schedule": 15 * 60},
    "documents-fee-calls-delivery": {
        "task": "documents.tasks.fee_calls_delivery_update",
        "schedule": 3600,
    },
    "nodelogin-metadata-refresh": {
        "task": "sekap.nodelogin.tasks.node_metadata_refresh",
        "schedule": 6 * 3600,
    },
    "nodelogin-records-purge": {
        "task": "sekap.nodelogin.tasks.login_records_purge",
        "schedule": 3600,
    },
    # hourly: an administrator's membership that ended yesterday loses its privileges soon after
    # midnight, one that starts today gains them (offices.privileges)
    "offices-staff-privileges-refresh": {
        "task": "offices.tasks.staff_privileges_refresh",
        "schedule": crontab(minute=1),
    },
    "signatures-resume-stale-batches": {
        "task": "signatures.tasks.resume_stale_batches",
        "schedule": 10 * 60,
    },
}

# --- auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "sekap.accounts.backends.ModelBackend",  # Django's, the session's user read prepared
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = env.list(
    "PASSWORD_HASHERS",
    default=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.ScryptPasswordHasher",
    ],
)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"  # the login form field (the value is an e-mail)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

OTP_TOTP_ISSUER = "SEKAP"
# The admin never shows a TOTP secret or its QR code after the device exists.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Path prefixes that only staff with a verified second factor may enter.
SEKAP_SECOND_FACTOR_PREFIXES = ("/admin/", "/backoffice/")
# Where staff land after the second factor when they did not ask for a staff page.
SEKAP_STAFF_HOME = "/backoffice/"
# Self-registered accounts whose e-mail address is not confirmed within this time are removed
# (portal.tasks.unconfirmed_accounts_purge); the confirmation link is valid as long.
SEKAP_UNCONFIRMED_ACCOUNT_HOURS = env.int("SEKAP_UNCONFIRMED_ACCOUNT_HOURS", default=48)
# Retention (docs/operations.md): drafts never sent are deleted after PORTAL_DRAFT_KEEP_DAYS
# without a save, the owner told PORTAL_DRAFT_NOTICE_DAYS before; citizens' and businesses'
# accounts unused for ACCOUNTS_INACTIVE_YEARS are deactivated ACCOUNTS_INACTIVE_NOTICE_DAYS
# after a notice.
# Apps beside the portal that hold data about a person give their share of the data export
# (callables ``(*, user) -> dict``) and erase it with the account (``(*, user) -> int``).
SEKAP_SUBJECT_DATA = ["portal.helpdesk.selectors.subject_tickets"]
SEKAP_SUBJECT_ERASERS = ["portal.helpdesk.services.subject_tickets_erase"]
# When a member of staff leaves (``offices.leavers.staff_deactivate``), in its transaction:
# callables ``(*, user, actor) -> int`` that hand the person's work back (how many items).
SEKAP_LEAVER_HANDLERS = ["documents.services.assignment.cases_release_of_leaver"]
PORTAL_DRAFT_KEEP_DAYS = env.int("PORTAL_DRAFT_KEEP_DAYS", default=90)
PORTAL_DRAFT_NOTICE_DAYS = env.int("PORTAL_DRAFT_NOTICE_DAYS", default=14)
ACCOUNTS_INACTIVE_YEARS = env.int("ACCOUNTS_INACTIVE_YEARS", default=3)
ACCOUNTS_INACTIVE_NOTICE_DAYS = env.int("ACCOUNTS_INACTIVE_NOTICE_DAYS", default=30)
# The platform's operator, named in the privacy notice (GDPR art. 13) as the controller of the
# account data; each office is the controller of the data in its own cases.
SEKAP_OPERATOR = {
    "name": env.str("SEKAP_OPERATOR_NAME", default="Województwo Śląskie"),
    "address": env.str(
        "SEKAP_OPERATOR_ADDRESS",
        default="Urząd Marszałkowski Województwa Śląskiego, ul. Ligonia 46, 40-037 Katowice",
    ),
    "email": env.str("SEKAP_OPERATOR_EMAIL", default=""),
    "dpo_email": env.str("SEKAP_OPERATOR_DPO_EMAIL", default=""),
}

GUARDIAN_RAISE_403 = True
ANONYMOUS_USER_NAME = None

# --- transport ------------------------------------------------------------------------------
# HTTPS (default: on in PRODUCTION; docker-compose sets both) turns on what a public HTTPS
# deployment needs: redirect to HTTPS, HSTS, secure cookies. X-Forwarded-Proto, X-Forwarded-For
# and X-Request-ID count only when they come from TRUSTED_PROXIES (addresses or networks;
# sekap.audit.middleware drops them from anyone else), so the proxy-SSL header is safe to
# honour behind the proxy.
HTTPS = env.bool("HTTPS", default=PRODUCTION)
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 60 * 60 * 8
# A production deployment (Redis shared by every web process) reads sessions from the cache and
# writes them through to the database: a page no longer reads its session row; a logout and a
# session ended by the national node delete both (Django's store). Elsewhere the database alone
# (a per-process memory cache would keep a deleted session alive in the other processes).
# Both keep the id of the session's user beside it (accounts.UserSession), so that a leaver's
# sessions end by one query; another engine fails the system check accounts.E001.
SESSION_ENGINE = env.str(
    "SESSION_ENGINE",
    default="sekap.accounts.session_" + ("cached_db" if PRODUCTION and REDIS_URL else "db"),
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz"]  # the container health check speaks plain HTTP
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if env.bool("SECURE_PROXY_SSL", default=HTTPS):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
AXES_CLIENT_IP_CALLABLE = "sekap.audit.middleware.client_ip"

# Content-Security-Policy on every response (django-csp): no inline script or style without
# the per-request nonce ({{ request.csp_nonce }}), nothing from other origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "pl"
LANGUAGES = [("pl", _("Polish")), ("en", _("English")), ("uk", _("Ukrainian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Warsaw"
USE_TZ = True
FORMAT_MODULE_PATH = ["sekap.formats"]  # dd.mm.rrrr gg:mm in Polish, also in the admin

# --- files, static, mail --------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

# --- backups (sekap/operations/backups.py, docs/operations.md) ----------------------------------
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(VAR_DIR / "backups")))
BACKUP_KEEP_DAYS = env.int("BACKUP_KEEP_DAYS", default=14)
# What must hold after a restore: each callable yields one line per problem found.
BACKUP_VERIFIERS = [
    "sekap.audit.services.chain_problems",
    "sekap.storage.stored_document_problems",
    "documents.integrity.stored_document_problems",
]
# Stored documents (submissions, receipts, letters, scans: sekap/storage.py) and uploads go
# through the default storage: files under MEDIA_ROOT on the embedded default, an S3-compatible
# bucket (MinIO in docker-compose) when OBJECT_STORAGE_URL is set. Every document read is
# checked against the SHA-256 its key names.
OBJECT_STORAGE_URL = env.str("OBJECT_STORAGE_URL", default="")
# Object storage is a network call: a document written inside a database transaction is
# refused ("refuse") or logged as an error with the writer's stack ("log"). "log" until the
# receipts (UPO/UPD) are stored before their transactions too; then "refuse" everywhere.
DOCUMENT_STORE_IN_TRANSACTION = env.str("DOCUMENT_STORE_IN_TRANSACTION", default="log")
OBJECT_STORAGE_BUCKET = env.str("OBJECT_STORAGE_BUCKET", default="sekap")
if OBJECT_STORAGE_URL:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "endpoint_url": OBJECT_STORAGE_URL,
            "bucket_name": OBJECT_STORAGE_BUCKET,
            "access_key": env.str("OBJECT_STORAGE_ACCESS_KEY", default=""),
            "secret_key": env.str("OBJECT_STORAGE_SECRET_KEY", default=""),
            "region_name": env.str("OBJECT_STORAGE_REGION", default="us-east-1"),
            "location": env.str("OBJECT_STORAGE_PREFIX", default=""),
            "addressing_style": "path",
            "signature_version": "s3v4",
            "default_acl": None,
            "file_overwrite": True,  # content-addressed: the same name holds the same bytes
            "querystring_auth": True,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Anchors of the audit chain: must live off the database host (a mounted remote directory,
    # or an object-storage backend configured here); see docs/security/audit.md.
    "audit_anchors": {
        "BACKEND": env.str(
            "AUDIT_ANCHOR_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": {
            "location": env.str("AUDIT_ANCHOR_DIR", default=str(VAR_DIR / "audit-anchors"))
        },
    },
}
WHITENOISE_USE_FINDERS = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
# The whole request body the reverse proxy lets through (deploy/nginx.conf client_max_body_size):
# the form data limit above plus room for multipart framing.
REQUEST_BODY_MAX_BYTES = 32 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="SEKAP <no-reply@sekap.example>")
# Helpdesk e-mails are answered at this address plus a per-ticket tag (pomoc+<n>-<mac>@…);
# the mail server pipes those to ``manage.py helpdesk_mail_in`` (docs/operations.md).
HELPDESK_REPLY_ADDRESS = env.str("HELPDESK_REPLY_ADDRESS", default="pomoc@sekap.example")

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "sekap.accounts.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "EXCEPTION_HANDLER": "sekap.api.problem_exception_handler",
    # Client IPs come from REMOTE_ADDR, set from X-Forwarded-For by sekap.proxy only when the
    # request came through a trusted proxy: DRF must not read the header itself.
    "NUM_PROXIES": 0,
}

# --- rate limits (sekap/ratelimits.py): {"group": "N/s|m|h|d"}; override per group ------------
SEKAP_RATE_LIMITS = env.dict("SEKAP_RATE_LIMITS", default={})
RATELIMIT_USE_CACHE = "default"
RATELIMIT_CACHE_PREFIX = "rl:"
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
SPECTACULAR_SETTINGS = {
    "TITLE": "SEKAP API",
    "DESCRIPTION": "Public and business API of the SEKAP e-government platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- logging --------------------------------------------------------------------------------
# One line per record with the request id (sekap/logs.py): JSON in production, text on the
# embedded default; the Celery worker logs through the same configuration.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if REDIS_URL else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "sekap.logs.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s %(process)d",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,
        },
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- apps -----------------------------------------------------------------------------------
DOCUMENTS_SUPPLEMENT_REMINDER_DAYS = env.int("DOCUMENTS_SUPPLEMENT_REMINDER_DAYS", default=3)
# e-Doręczenia: "fake" (the local fake operator, in-process) or the https base URL of the
# service's User Agent API (the specification's server path, e.g. https://…/api/v1)
DOCUMENTS_EDORECZENIA_PROVIDER = env.str("DOCUMENTS_EDORECZENIA_PROVIDER", default="fake")
# The operator's OAuth 2.0 token endpoint; the office logs in by mutual TLS with its seal
# certificate (RFC 8705), its client id being its electronic delivery address.
DOCUMENTS_EDORECZENIA_TOKEN_URL = env.str("DOCUMENTS_EDORECZENIA_TOKEN_URL", default="")
# PEM file of the CA(s) that issue the operator's server certificates ("": the system roots)
DOCUMENTS_EDORECZENIA_CA_BUNDLE = env.str("DOCUMENTS_EDORECZENIA_CA_BUNDLE", default="")
DOCUMENTS_EDORECZENIA_POLL_MINUTES = env.int("DOCUMENTS_EDORECZENIA_POLL_MINUTES", default=15)
# Malware scanning of uploads (sekap/antivirus.py): a Unix socket, or a host and port.
CLAMD_SOCKET = env.str("CLAMD_SOCKET", default="")
CLAMD_HOST = env.str("CLAMD_HOST", default="")
CLAMD_PORT = env.int("CLAMD_PORT", default=3310)
CLAMD_TIMEOUT = env.float("CLAMD_TIMEOUT", default=30.0)
# /healthz/details answers only with "Authorization: Bearer <HEALTH_TOKEN>" (off when empty).
HEALTH_TOKEN = env.str("HEALTH_TOKEN", default="")
# /metrics (Prometheus) answers only with "Authorization: Bearer <METRICS_TOKEN>" (404 when empty).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Gauges of the apps above sekap, computed at each scrape (sekap/monitoring/collectors.py).
MONITORING_SOURCES = [
    "documents.selectors.monitoring.pipeline_samples",
    "certauth.selectors.expiry_samples",
    "sekap.monitoring.storage.storage_samples",
]
MONITORING_CELERY_QUEUES = ["celery"]
HEALTH_MIN_FREE_BYTES = env.int("HEALTH_MIN_FREE_BYTES", default=1024**3)

# The certificate authority asks office roles through this policy (certauth sits below offices).
CERTAUTH_RA_POLICY = "offices.pki.OfficesRaPolicy"

# The signature validator trusts the SEKAP CA through these providers, without importing it.
SIGNATURES_TRUST_ANCHORS_PROVIDER = "certauth.selectors.root_certificates_der"
SIGNATURES_EXTRA_CERTIFICATES_PROVIDER = "certauth.selectors.intermediate_certificates_der"
# OCSP answers, CRLs and CA certificates of the SEKAP CA are answered in-process (never over HTTP
# to the platform itself); other addresses are fetched over HTTP.
SIGNATURES_LOCAL_PKI_PROVIDER = "certauth.local_pki.local_pki_response"
# The platform seal (SEKAP personal signatures) is issued at run time: ask certauth for it.
SIGNATURES_TRUSTED_PROFILE_SEALS_PROVIDER = "certauth.services.seals.platform_seal_fingerprints"
# The audit chain head is time-stamped by the platform's own TSA, in-process (sekap.audit knows
# no other app, so both ends are named here).
AUDIT_TIMESTAMPER = "certauth.tsa.timestamp"
AUDIT_TIMESTAMP_VERIFIER = "signatures.tsp.verify_token"
# B-T time-stamps come from the platform's own TSA, called in-process (never over HTTP to
# itself); set SIGNATURES_TSA_URL to use an external RFC 3161 TSA instead.
SIGNATURES_TSA_URL = env.str("SIGNATURES_TSA_URL", default="")
SIGNATURES_TSA_PROVIDER = "certauth.tsa.respond"
# Validator limits against CPU amplification by anonymous callers (see signatures/work.py).
SIGNATURES_MAX_SIGNATURES = env.int("SIGNATURES_MAX_SIGNATURES", default=6)
SIGNATURES_MAX_REFERENCES = env.int("SIGNATURES_MAX_REFERENCES", default=12)
SIGNATURES_MAX_CANONICAL_BYTES = env.int("SIGNATURES_MAX_CANONICAL_BYTES", default=64 * 1024 * 1024)
SIGNATURES_MAX_CPU_SECONDS = env.float("SIGNATURES_MAX_CPU_SECONDS", default=10.0)

# --- payments --------------------------------------------------------------------------------
# Days after filing before an unpaid fee brings the call to pay, and the days that call gives
# (KPA art. 261 § 1: 7 days); both are law-bound numbers an operator may correct.
PAYMENTS_DUE_DAYS = env.int("PAYMENTS_DUE_DAYS", default=3)
PAYMENTS_CALL_TO_PAY_DAYS = env.int("PAYMENTS_CALL_TO_PAY_DAYS", default=7)
# Gateways offered to payers, by adapter name (payments.gateways.ADAPTERS) with their options.
# The embedded sandbox bank is on unless PAYMENTS_SANDBOX is false; Autopay and PayU are on
# when their credentials are set.
PAYMENTS_GATEWAYS: dict[str, dict] = {}
if env.bool("PAYMENTS_SANDBOX", default=not PRODUCTION):
    PAYMENTS_GATEWAYS["sandbox"] = {
        "secret": env.str("PAYMENTS_SANDBOX_SECRET", default="") or _local_secret("sandbox_bank")
    }
if env.str("AUTOPAY_SERVICE_ID", default=""):
    PAYMENTS_GATEWAYS["autopay"] = {
        "base_url": env.str("AUTOPAY_URL", default="https://pay-accept.bm.pl"),
        "service_id": env.str("AUTOPAY_SERVICE_ID"),
        "shared_key": env.str("AUTOPAY_SHARED_KEY"),
    }
if env.str("PAYU_POS_ID", default=""):
    PAYMENTS_GATEWAYS["payu"] = {
        "base_url": env.str("PAYU_URL", default="https://secure.snd.payu.com"),
        "pos_id": env.str("PAYU_POS_ID"),
        "client_id": env.str("PAYU_CLIENT_ID"),
        "client_secret": env.str("PAYU_CLIENT_SECRET"),
        "second_key": env.str("PAYU_SECOND_KEY"),
    }
PAYMENTS_DEFAULT_GATEWAY = env.str("PAYMENTS_DEFAULT_GATEWAY", default="sandbox")

# Login through the national node (login.gov.pl), sekap/nodelogin. The embedded default and the
# tests use the local fake node; production names the node's metadata (a URL or a file) and the
# certificate that signs it, and may name the platform's own SP key files (else generated into
# var/nodelogin/). NODELOGIN_FAKE may be set in production only on purpose (a test instance).
NODELOGIN_FAKE = env.bool("NODELOGIN_FAKE", default=not PRODUCTION)
NODELOGIN_NODE_METADATA_URL = env.str("NODELOGIN_NODE_METADATA_URL", default="")
NODELOGIN_NODE_METADATA_FILE = env.str("NODELOGIN_NODE_METADATA_FILE", default="")
NODELOGIN_NODE_METADATA_CERT = env.str("NODELOGIN_NODE_METADATA_CERT", default="")
NODELOGIN_SP_ENTITY_ID = env.str("NODELOGIN_SP_ENTITY_ID", default="")
NODELOGIN_SP_KEY_FILE = env.str("NODELOGIN_SP_KEY_FILE", default="")
NODELOGIN_SP_CERT_FILE = env.str("NODELOGIN_SP_CERT_FILE", default="")
NODELOGIN_LOA = env.str("NODELOGIN_LOA", default="substantial")
# Generated keys: "ec" (P-256, ECDSA-SHA256, ECDH-ES as the national node uses) or "rsa".
NODELOGIN_KEY_ALGORITHM = env.str("NODELOGIN_KEY_ALGORITHM", default="ec")
# ConcatKDF's OtherInfo from ConcatKDFParams: "node" (as the national node does) or "xmlenc11".
NODELOGIN_KDF_FIXED_INFO = env.str("NODELOGIN_KDF_FIXED_INFO", default="node")
# Our single logout at the node: "soap" (back channel) or "post" (front channel, HTTP-POST).
NODELOGIN_SLO_BINDING = env.str("NODELOGIN_SLO_BINDING", default="soap")
NODELOGIN_CLOCK_SKEW_SECONDS = env.int("NODELOGIN_CLOCK_SKEW_SECONDS", default=60)
NODELOGIN_SOAP_TIMEOUT = env.float("NODELOGIN_SOAP_TIMEOUT", default=10.0)
