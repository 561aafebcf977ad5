"""Configuration from the environment: SAMEN_ENV, DATABASE_URL, SECRET_KEY.

Production is the default so that forgetting to set SAMEN_ENV never runs a debug server or a
throw-away secret in front of real users.
"""

import os
import secrets
from pathlib import Path

ENVIRONMENTS = ("development", "production", "testing")


class ConfigurationError(RuntimeError):
    """The app refuses to start with an unsafe or incomplete configuration."""


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    overrides = dict(overrides or {})
    env = overrides.pop("SAMEN_ENV", None) or os.environ.get("SAMEN_ENV", "production")
    if env not in ENVIRONMENTS:
        raise ConfigurationError(
            f"SAMEN_ENV={env!r} is ongeldig; kies uit {', '.join(ENVIRONMENTS)}"
        )
    instance = Path(instance_path)
    config = {
        "SAMEN_ENV": env,
        "TESTING": env == "testing",
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL")
        or f"sqlite:///{instance / 'samen.sqlite'}",
        # Instead of pool_pre_ping's round trip per request: see portal.db.ping_after_idle.
        "DATABASE_PING_AFTER_IDLE": 10.0,
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "API_MAX_PER_PAGE": 1000,
        # Responses kept per worker process until the data changes (portal.response_cache); 0: off
        "RESPONSE_CACHE_BYTES": int(os.environ.get("SAMEN_RESPONSE_CACHE_MB", "32")) * 2**20,
        # The scheduler drafts next year's invoices on this date (MM-DD), for finance to review.
        "BILLING_RUN_DATE": os.environ.get("SAMEN_BILLING_RUN_DATE", "11-15"),
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,  # uploads (bank statements, CSV) up to 10 MB
        # Failed logins only (see portal.auth.views); storage per process unless set to redis://
        "LOGIN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
        "LOGIN_LIMIT_PER_ADDRESS": "30 per 15 minutes",
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": False,
        "PROXY_COUNT": int(os.environ.get("SAMEN_PROXY_COUNT", "0")),
        # E-invoices: "si-ubl" (SI-UBL 2.0) or "peppol" (Peppol BIS Billing 3.0). Validation
        # against the official rules (SAMEN_EINVOICE_RULES, default ../shared/validation):
        # "required" refuses to finalise without them, "if-available" checks when present.
        "EINVOICE_PROFILE": os.environ.get("SAMEN_EINVOICE_PROFILE", "si-ubl"),
        "EINVOICE_VALIDATION": os.environ.get("SAMEN_EINVOICE_VALIDATION", "if-available"),
        # Outbox: "smtp" (MAIL_* settings) or "folder" (writes .eml files, for development).
        "MAIL_BACKEND": os.environ.get(
            "SAMEN_MAIL_BACKEND", "smtp" if env == "production" else "folder"
        ),
        "MAIL_FOLDER": os.environ.get("SAMEN_MAIL_FOLDER", str(instance / "outbox")),
        "MAIL_SERVER": os.environ.get("SAMEN_MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(os.environ.get("SAMEN_MAIL_PORT", "587")),
        "MAIL_USE_TLS": os.environ.get("SAMEN_MAIL_USE_TLS", "1") == "1",
        "MAIL_USERNAME": os.environ.get("SAMEN_MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("SAMEN_MAIL_PASSWORD", ""),
        "MAIL_SENDER": os.environ.get("SAMEN_MAIL_SENDER", "facturen@samen.example"),
    }
    config.update(overrides)
    if "SECRET_KEY" not in config:
        config["SECRET_KEY"] = _secret_key(env, instance)
    _check(config)
    return config


def _secret_key(env: str, instance: Path) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if env == "production":
        raise ConfigurationError("SECRET_KEY ontbreekt: productie start niet zonder eigen sleutel")
    if env == "testing":
        return "testing-only-secret"
    # Development: generated once and kept, so sessions survive a restart.
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


#: Settings with a fixed set of values: a typo must stop the start, not switch a check off.
CHOICES = {
    "EINVOICE_PROFILE": ("si-ubl", "peppol"),
    "EINVOICE_VALIDATION": ("if-available", "required", "off"),
    "MAIL_BACKEND": ("smtp", "folder"),
}


def _check(config: dict) -> None:
    if config["SAMEN_ENV"] == "production" and config.get("DEBUG"):
        raise ConfigurationError("debugmodus is niet toegestaan in productie")
    if config["SAMEN_ENV"] == "production" and len(config["SECRET_KEY"]) < 32:
        raise ConfigurationError("SECRET_KEY is te kort (minimaal 32 tekens) voor productie")
    for key, allowed in CHOICES.items():
        if config.get(key) not in allowed:
            raise ConfigurationError(
                f"{key}={config.get(key)!r} is ongeldig; kies uit {', '.join(allowed)}"
            )
