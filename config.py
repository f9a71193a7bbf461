"""Configuration classes; the environment supplies secrets and the database URL."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tzlocal

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

# Keys that appear in docs and examples; a production server must never run with one of them.
PLACEHOLDER_SECRET_KEYS = {"", "dev", "change-me", "changeme", "secret", "testing"}
MIN_SECRET_KEY_LENGTH = 32


class ConfigError(RuntimeError):
    """The environment does not describe a usable configuration."""


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _env_list(name: str) -> list[str]:
    """A comma-separated variable as a list, without blanks."""
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def normalize_database_url(url: str) -> str:
    """Name the psycopg 3 driver for PostgreSQL URLs (hosts still hand out postgres://)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'quizapp.sqlite'}"
    return normalize_database_url(url)


def _machine_timezone() -> str:
    """This machine's own zone (a school's server or a teacher's laptop is set to the school's),
    or UTC where the machine does not tell it."""
    try:
        name = tzlocal.get_localzone_name()
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, TypeError, ValueError, OSError):
        return "UTC"
    return name


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = _database_url()
    QUESTION_BANKS_DIR = str(BASE_DIR / "question_banks")
    MIGRATIONS_DIR = str(BASE_DIR / "migrations")
    # The practice test a new student's home page suggests first (a shipped blueprint's id).
    FIRST_TEST = "medical-terminology-practice"
    # The time zone assignment times are entered and shown in (an IANA name: America/Chicago).
    TIMEZONE = os.environ.get("TIMEZONE") or _machine_timezone()

    # Uploads (question banks) larger than this are refused with a 413 page.
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 16 * 1024 * 1024)
    # An uploaded bank with more questions is refused (the parser stops there): previewing
    # 5,000 questions takes about a second and bench/imports.py keeps it within its budget.
    IMPORT_MAX_QUESTIONS = _env_int("IMPORT_MAX_QUESTIONS", 5_000)
    IMPORT_PREVIEW_PAGE_SIZE = 50

    # Sessions: a signed cookie, so app servers keep no state of their own.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    FORCE_HTTPS = False

    # CSRF tokens must outlive the longest exam (SECURITY.md rule 7): tie them to the session only.
    WTF_CSRF_TIME_LIMIT = None

    # Answers arriving this long after a deadline are still accepted (network latency);
    # later ones are refused and the attempt is graded (SECURITY.md rule 1).
    EXAM_GRACE_SECONDS = _env_int("EXAM_GRACE_SECONDS", 30)

    # Spaced review (docs/review.md): a question missed this many times is a leech, and a
    # student's FSRS parameters are refitted (flask review optimize) from this many reviews.
    REVIEW_LEECH_MISSES = _env_int("REVIEW_LEECH_MISSES", 4)
    REVIEW_OPTIMIZE_MIN_REVIEWS = _env_int("REVIEW_OPTIMIZE_MIN_REVIEWS", 400)

    # Failed-login throttling, per account and per client address.
    LOGIN_MAX_FAILURES = _env_int("LOGIN_MAX_FAILURES", 5)
    LOGIN_MAX_FAILURES_PER_ADDRESS = _env_int("LOGIN_MAX_FAILURES_PER_ADDRESS", 5)
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)

    # Password reset links.
    PASSWORD_RESET_MAX_AGE = timedelta(hours=24)
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 587)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "ma-exam-prep@localhost")
    # When true, mail is written to the application log instead of being sent.
    MAIL_TO_LOG = _env_bool("MAIL_TO_LOG", False)

    # Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
    TRUSTED_PROXY_COUNT = _env_int("TRUSTED_PROXY_COUNT", 0)
    # Where users reach the site (https://exam.school.edu, or with a path when the app is mounted
    # under one). Links that leave the server (reset mail, the admin's reset link) start with it,
    # never with the Host header, which the client chooses: a forged Host would otherwise put a
    # valid reset token into a link to the forger's site.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").strip().rstrip("/")
    # Host names this server answers to (comma-separated; ".school.edu" allows subdomains); a
    # request for any other host gets a 400. Unset: every host is served (Flask's default).
    TRUSTED_HOSTS = _env_list("TRUSTED_HOSTS") or None

    BOOTSTRAP_SERVE_LOCAL = True

    # JSON API: requests per token in each window (counted in the database, so every app
    # server shares the count); past it, 429 with Retry-After.
    API_RATE_LIMIT = _env_int("API_RATE_LIMIT", 120)
    API_RATE_WINDOW_SECONDS = _env_int("API_RATE_WINDOW_SECONDS", 60)

    @classmethod
    def validate(cls) -> None:
        """Raise ConfigError when the class cannot run."""
        parts = urlsplit(cls.PUBLIC_BASE_URL)
        if cls.PUBLIC_BASE_URL and (
            parts.scheme not in {"http", "https"} or not parts.netloc or parts.query
        ):
            raise ConfigError(
                f"PUBLIC_BASE_URL={cls.PUBLIC_BASE_URL!r} is not an http(s) address such as "
                "https://exam.school.edu"
            )
        try:
            ZoneInfo(cls.TIMEZONE)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"TIMEZONE={cls.TIMEZONE!r} is not a time zone name such as America/Chicago"
            ) from None


class DevelopmentConfig(Config):
    MAIL_TO_LOG = not Config.MAIL_SERVER or Config.MAIL_TO_LOG
    # `make run` passes the address it serves on; `flask run` alone serves here.
    PUBLIC_BASE_URL = Config.PUBLIC_BASE_URL or "http://127.0.0.1:5000"

    @classmethod
    def validate(cls) -> None:
        super().validate()
        if not cls.SECRET_KEY:
            raise ConfigError("SECRET_KEY is not set; `make run` creates one in instance/.")


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production-use"  # noqa: S105 (tests only)
    # `make test-pg` runs the same suite against PostgreSQL through TEST_DATABASE_URL.
    SQLALCHEMY_DATABASE_URI = normalize_database_url(
        os.environ.get("TEST_DATABASE_URL", "sqlite://")
    )
    WTF_CSRF_ENABLED = False
    MAIL_SERVER = ""
    MAIL_TO_LOG = False
    # Unlike the test client's own host (localhost), so tests see which one a link was built on.
    PUBLIC_BASE_URL = "https://exam.school.example"
    TRUSTED_HOSTS = None
    LOGIN_MAX_FAILURES = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 5
    TIMEZONE = "UTC"  # not the test machine's


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    FORCE_HTTPS = _env_bool("FORCE_HTTPS", False)
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def validate(cls) -> None:
        super().validate()
        key = cls.SECRET_KEY
        if key.strip().lower() in PLACEHOLDER_SECRET_KEYS or len(key) < MIN_SECRET_KEY_LENGTH:
            raise ConfigError(
                "SECRET_KEY must be set to a random value of at least "
                f"{MIN_SECRET_KEY_LENGTH} characters in production, for example the output of "
                '`python -c "import secrets; print(secrets.token_hex(32))"`.'
            )
        mail_on = cls.MAIL_SERVER or cls.MAIL_TO_LOG
        if mail_on and not (cls.PUBLIC_BASE_URL or cls.TRUSTED_HOSTS):
            raise ConfigError(
                "Mail is on, so set PUBLIC_BASE_URL to the address users reach the site at "
                "(https://exam.school.edu): reset links must not be built from the Host header "
                "a client sends. Setting TRUSTED_HOSTS also works: other hosts are then refused."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """Pick the config class named by QUIZAPP_ENV; production unless told otherwise."""
    name = os.environ.get("QUIZAPP_ENV", "production").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(
            f"QUIZAPP_ENV={name!r} is not one of: {', '.join(sorted(CONFIGS))}"
        ) from None
