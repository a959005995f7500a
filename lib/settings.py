"""All settings are read here: environment first, then .streamlit/secrets.toml.

st.secrets raises when there is no secrets file, so it is only ever touched here, where a
missing file means "not set". Whether there is one is asked once per process: without a
file, every st.secrets lookup searches the configured paths again under one lock, and the
settings are read several times in every page run — measured with 20 simulated users, over
half of the server's busy time went there."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lib.i18n import _

ROOT = Path(__file__).resolve().parent.parent
MIN_COOKIE_KEY_BYTES = 32
# Keys seen in tutorials and sample configs; a deployment that uses one is not secure.
KNOWN_DEFAULT_KEYS = frozenset(
    {"some_key", "some_signature_key", "random_signature_key", "abcdef", "secret", "changeme",
     "change-me", "change_me", "cookie_key"}
)


class ConfigurationError(RuntimeError):
    """A setting that makes it unsafe to start; the message is shown to the operator."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    demo_mode: bool
    data_dir: Path
    cookie_name: str
    cookie_expiry_days: float
    bcrypt_rounds: int
    # The login cookie's Secure flag: None means "when the request came over HTTPS".
    cookie_secure: bool | None
    # How long a downloaded file can be fetched again by the same login (a browser may ask
    # twice for one download) before it is dropped from the server's memory.
    download_seconds: float
    # Local accounts (username and password); a deployment with single sign-on can turn
    # them off.
    local_login: bool
    # Single sign-on: the provider's name under [auth] in secrets.toml (None: the [auth]
    # section itself), and the words on the sign-in button (None: the app's own).
    sso_provider: str | None
    sso_label: str | None
    # Production mode: the app refuses to start unless the production checklist holds
    # (lib.production).
    production: bool


@cache
def _secrets_file_found() -> bool:
    try:
        import streamlit as st

        return st.secrets.load_if_toml_exists()
    except Exception:  # not running under Streamlit
        return False


def _secret(name: str) -> str | None:
    if not _secrets_file_found():
        return None
    try:
        import streamlit as st

        value = st.secrets.get(name)
    except Exception:  # no secrets file, or not running under Streamlit
        return None
    return None if value is None else str(value)


def _read(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None:
        value = _secret(name.lower())
    return default if value in (None, "") else value


def _flag(name: str, default: bool) -> bool:
    value = _read(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "ja", "on"}


def _tristate(name: str) -> bool | None:
    value = (_read(name) or "auto").strip().lower()
    return None if value == "auto" else value in {"1", "true", "yes", "ja", "on"}


def load_settings() -> Settings:
    data_dir = Path(_read("AKTIV_DATA_DIR", str(ROOT / "data")))
    return Settings(
        database_url=_read("DATABASE_URL", f"sqlite:///{data_dir / 'aktiv.db'}"),
        demo_mode=_flag("AKTIV_DEMO", False),
        data_dir=data_dir,
        cookie_name=_read("AKTIV_COOKIE_NAME", "aktiv_uppfoljning_auth"),
        # Half a day: a login never outlives the working day.
        cookie_expiry_days=float(_read("AKTIV_COOKIE_EXPIRY_DAYS", "0.5")),
        bcrypt_rounds=int(_read("AKTIV_BCRYPT_ROUNDS", "12")),
        cookie_secure=_tristate("AKTIV_COOKIE_SECURE"),
        download_seconds=float(_read("AKTIV_DOWNLOAD_SECONDS", "30")),
        local_login=_flag("AKTIV_LOCAL_LOGIN", True),
        sso_provider=_read("AKTIV_SSO_PROVIDER"),
        sso_label=_read("AKTIV_SSO_LABEL"),
        production=_flag("AKTIV_PRODUCTION", False),
    )


@dataclass(frozen=True)
class MailSettings:
    """E-mail notices of alerts (lib.mail). No host: no mail is queued or sent."""

    host: str | None
    port: int
    user: str | None
    password: str | None
    sender: str
    starttls: bool  # STARTTLS after connecting; port 465 is TLS from the start instead
    timeout: float  # seconds per SMTP step in a send run
    public_url: str | None  # the app's address, for the link in the mail
    digest_hour: int  # the Swedish hour from which a day's digests are built


def load_mail_settings() -> MailSettings:
    host = _read("AKTIV_SMTP_HOST")
    return MailSettings(
        host=host,
        port=int(_read("AKTIV_SMTP_PORT", "587")),
        user=_read("AKTIV_SMTP_USER"),
        password=_read("AKTIV_SMTP_PASSWORD"),
        sender=_read("AKTIV_SMTP_FROM", f"aktiv-uppfoljning@{host or 'localhost'}"),
        starttls=_flag("AKTIV_SMTP_STARTTLS", True),
        timeout=float(_read("AKTIV_SMTP_TIMEOUT", "10")),
        public_url=(_read("AKTIV_PUBLIC_URL") or "").rstrip("/") or None,
        digest_hour=int(_read("AKTIV_MAIL_DIGEST_HOUR", "7")),
    )


def configured_cookie_key() -> str | None:
    """The signing key as set (None when unset; demo mode may generate one)."""
    return _read("AKTIV_COOKIE_KEY")


def auth_section() -> dict:
    """The [auth] section of secrets.toml, which Streamlit's st.login reads ({} without)."""
    if not _secrets_file_found():
        return {}
    try:
        import streamlit as st

        return dict(st.secrets.get("auth") or {})
    except Exception:  # no secrets file, or not running under Streamlit
        return {}


def sso_configured(settings: Settings, section: dict | None = None) -> bool:
    """Is single sign-on set up: an [auth] section with the provider's client?"""
    section = auth_section() if section is None else section
    provider = section.get(settings.sso_provider) if settings.sso_provider else section
    return bool(provider) and "client_id" in provider


def check_cookie_key(key: str | None) -> str:
    if not key:
        raise ConfigurationError(_(
            "Ingen nyckel för inloggningskakan är satt. Sätt AKTIV_COOKIE_KEY (minst 32 "
            "slumpmässiga byte) innan appen startas."
        ))
    if key.strip().lower() in KNOWN_DEFAULT_KEYS:
        raise ConfigurationError(_(
            "Nyckeln för inloggningskakan är ett känt standardvärde. Sätt en egen slumpmässig "
            "AKTIV_COOKIE_KEY."
        ))
    if len(key.encode()) < MIN_COOKIE_KEY_BYTES:
        raise ConfigurationError(_(
            "Nyckeln för inloggningskakan är för kort: minst {bytes} byte krävs."
        ).format(bytes=MIN_COOKIE_KEY_BYTES))
    return key


def cookie_key(settings: Settings) -> str:
    """The signing key. In demo mode one is generated once and kept beside the database."""
    key = configured_cookie_key()
    if key is None and settings.demo_mode:
        key = _demo_key(settings.data_dir / "cookie_key")
    return check_cookie_key(key)


def _demo_key(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)  # 48 random bytes
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
