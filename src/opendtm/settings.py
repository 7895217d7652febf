"""Django settings, all read from the environment with safe defaults for a single-user laptop.

OPENDTM_HOME   folder for the embedded database, uploads and generated files (default ./var)
DATABASE_URL   postgresql://user:pass@host:5432/name selects PostgreSQL instead of SQLite
OPENDTM_SECRET_KEY, OPENDTM_DEBUG, OPENDTM_ALLOWED_HOSTS, OPENDTM_SUPPRESSION_THRESHOLD: see README.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
HOME = Path(os.environ.get("OPENDTM_HOME", "var")).resolve()


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """A per-installation key kept in OPENDTM_HOME, so a laptop needs no configuration."""
    if key := os.environ.get("OPENDTM_SECRET_KEY"):
        return key
    path = HOME / "secret_key"
    if path.exists():
        return path.read_text().strip()
    HOME.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _database() -> dict[str, object]:
    url = os.environ.get("DATABASE_URL", "")
    if os.environ.get("OPENDTM_TEST_DB") == "postgres":
        url = os.environ["OPENDTM_TEST_POSTGRES_URL"]
    if url:
        database = dict(dj_database_url.parse(url, conn_max_age=60))
        if os.environ.get("OPENDTM_TEST_DB") == "postgres":
            # A test's query that runs away (a plan gone wrong) fails with its SQL, not a hang.
            database["OPTIONS"] = {"options": "-c statement_timeout=120000"}
        return database
    HOME.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(HOME / "opendtm.sqlite3"),
        # Kept open across requests: opening one (and its PRAGMAs) cost more than a cached API
        # answer (docs/performance.md, "API under load").
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            # WAL lets readers (web) run beside a writer (import); IMMEDIATE avoids
            # upgrade deadlocks when two writers meet.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA busy_timeout=10000; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
            ),
            "transaction_mode": "IMMEDIATE",
        },
        "TEST": {"NAME": str(HOME / "test-opendtm.sqlite3")}
        if _env_bool("OPENDTM_TEST_FILE_DB")
        else {},
    }


SECRET_KEY = _secret_key()
DEBUG = _env_bool("OPENDTM_DEBUG")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("OPENDTM_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
    if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "opendtm.core",
    "opendtm.accounts",
    "opendtm.gazetteer",
    "opendtm.operations",
    "opendtm.forms",
    "opendtm.ingest",
    "opendtm.mobility",
    "opendtm.figures",
    "opendtm.needs",
    "opendtm.events",
    "opendtm.mcof",
    "opendtm.portfolio",
    "opendtm.flows",
    "opendtm.api",
    "ninja",  # its Swagger UI files, served locally (no CDN)
    "django_htmx",
    "opendtm.reports",
    "django_tasks",  # Django's tasks framework (backport): imports run as queued tasks
    "django_tasks_db",  # its database backend: the queue is a table, no extra server
    "axes",  # login throttling per account and per address
    "opendtm.web",
]

MIDDLEWARE = [
    # Published answers replayed while nothing they depend on changed (api/replay.py)
    "opendtm.api.replay.AnswerReplayMiddleware",
    # Cached API answers, sent through the header-setting middleware below only (api/fastpath.py)
    "opendtm.api.fastpath.CachedAnswerMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.gzip.GZipMiddleware",  # pages (chart data) travel compressed
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "opendtm.web.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "opendtm.web.language.UserLanguageMiddleware",  # a logged-in user's own choice wins
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "opendtm.web.errors.ErrorPageMiddleware",  # project errors -> 400/403/404 pages
    "axes.middleware.AxesMiddleware",  # a locked-out login answers 429 (after the others)
]

# Axes first: it refuses a locked-out account or address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "opendtm.urls"
WSGI_APPLICATION = "opendtm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

DATABASES = {"default": _database()}

# Passwords set through OpenDTM's services (`opendtm user create|password`) are checked here.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

from opendtm.core.languages import LANGUAGES as PAGE_LANGUAGES  # noqa: E402

LANGUAGE_CODE = "en"
# The languages of the pages, each named in itself (the switcher lists them so). Dari is
# `fa-af` (Django's Persian formats and its own catalogue as a fallback; right to left).
LANGUAGES = PAGE_LANGUAGES
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
# Number formats Django does not ship (Dari: Western digits grouped by three).
FORMAT_MODULE_PATH = ["opendtm.web.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = HOME / "static"
# Plotly's bundled JS is served from the installed package, never from a CDN or the repository.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "opendtm.web.staticfinders.PlotlyFinder",
]
# `opendtm serve` collects into STATIC_ROOT with hashed, compressed names (a manifest); until a
# collection exists (tests, `opendtm manage`), pages name the files plainly.
STATIC_MANIFEST = "whitenoise.storage.CompressedManifestStaticFilesStorage"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": STATIC_MANIFEST
        if (STATIC_ROOT / "staticfiles.json").exists()
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_MAX_AGE = 31536000  # hashed names: a repeat visit downloads no static file again
LOCALE_PATHS = [BASE_DIR / "web" / "locale"]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
UPLOAD_ROOT = HOME / "uploads"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

SESSION_COOKIE_SECURE = _env_bool("OPENDTM_HTTPS")
CSRF_COOKIE_SECURE = _env_bool("OPENDTM_HTTPS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("OPENDTM_LOG_LEVEL", "WARNING")},
}

# Published outputs hide any count below this threshold (docs/domain.md §9).
OPENDTM_SUPPRESSION_THRESHOLD = int(os.environ.get("OPENDTM_SUPPRESSION_THRESHOLD", "5"))

# The response cache of published figures (opendtm.api.cache): local memory, one per server
# process (docs/decisions/0003-figures-response-cache.md). Keys name the snapshot an answer
# came from, so entries never go stale; TIMEOUT and MAX_ENTRIES only bound the memory.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "figures": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "opendtm-figures",
        "TIMEOUT": 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 1000, "CULL_FREQUENCY": 4},
    },
}

# The task queue (docs/web.md, "The worker"): tasks are rows of the database, on SQLite and
# PostgreSQL alike; `opendtm worker` runs them (`opendtm serve` starts one beside the web).
TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
}
# Dry runs and imports running at once, over every worker (each reads a file in memory).
OPENDTM_IMPORTS_AT_ONCE = int(os.environ.get("OPENDTM_IMPORTS_AT_ONCE", "2"))
# A running job's worker renews its heartbeat this often; a job whose heartbeat is older than
# OPENDTM_JOB_STALE_SECONDS (or whose worker process on this machine is gone) is failed.
OPENDTM_JOB_HEARTBEAT_SECONDS = float(os.environ.get("OPENDTM_JOB_HEARTBEAT_SECONDS", "5"))
OPENDTM_JOB_STALE_SECONDS = float(os.environ.get("OPENDTM_JOB_STALE_SECONDS", "300"))
# PDF reports asked for in the browser (reports.tasks): a render waiting longer than STALE is
# taken for one whose worker died; a reader has at most PENDING_MAX waiting; renders are kept
# KEEP seconds for downloading again.
OPENDTM_REPORT_STALE_SECONDS = float(os.environ.get("OPENDTM_REPORT_STALE_SECONDS", "600"))
OPENDTM_REPORT_PENDING_MAX = int(os.environ.get("OPENDTM_REPORT_PENDING_MAX", "4"))
OPENDTM_REPORT_KEEP_SECONDS = float(os.environ.get("OPENDTM_REPORT_KEEP_SECONDS", "86400"))
# A snapshot build running longer than this is taken for one whose worker died, and queued again.
OPENDTM_SNAPSHOT_STALE_SECONDS = float(os.environ.get("OPENDTM_SNAPSHOT_STALE_SECONDS", "3600"))
# Bytes of uploads one operation may keep at once (files not yet cleaned up), and the age in
# days after which the worker removes the files of failed, cancelled and imported uploads.
OPENDTM_UPLOAD_QUOTA_BYTES = int(os.environ.get("OPENDTM_UPLOAD_QUOTA_BYTES", str(2 << 30)))
OPENDTM_UPLOAD_KEEP_DAYS = float(os.environ.get("OPENDTM_UPLOAD_KEEP_DAYS", "7"))

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins of one account (from
# any address) or from one address (to any account), further logins are refused for
# AXES_COOLOFF_TIME hours; each lockout is recorded in the audit log (accounts.signals).
AXES_FAILURE_LIMIT = int(os.environ.get("OPENDTM_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("OPENDTM_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_VERBOSE = False
