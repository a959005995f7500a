"""Production mode (AKTIV_PRODUCTION=1): the app refuses to start until every item of the
README's production checklist holds. Checked by serve.py before the server takes a
request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lib.i18n import N_, _
from lib.settings import (
    ConfigurationError,
    Settings,
    auth_section,
    check_cookie_key,
    configured_cookie_key,
    sso_configured,
)

REFUSED = N_("Aktiv uppföljning startar inte i produktionsläge:")
# The importer refuses files over 20 MB (lib.importing); the upload limit is the same.
UPLOAD_MB = 20


def problems(settings: Settings, option: Callable[[str], Any],
             auth: dict | None = None) -> list[str]:
    """Every checklist item that does not hold, in the run's language. `option` reads a
    Streamlit config option (streamlit.config.get_option); `auth` is secrets.toml's [auth]
    section (read from the secrets when not given)."""
    auth = auth_section() if auth is None else auth
    found = _cookie_key_problems()
    if settings.demo_mode:
        found.append(_("Demoläget är på (AKTIV_DEMO): stäng av det i produktion."))
    if not settings.database_url.startswith("postgresql"):
        found.append(_("Produktionsdatabasen är PostgreSQL: sätt DATABASE_URL till en "
                       "postgresql+psycopg://-adress."))
    if settings.cookie_secure is False:
        found.append(_("Inloggningskakan måste vara Secure bakom HTTPS: ta bort "
                       "AKTIV_COOKIE_SECURE=false."))
    sso = sso_configured(settings, auth)
    if not sso and not settings.local_login:
        found.append(_("Ingen inloggning är inställd: konfigurera [auth] i secrets.toml "
                       "eller slå på lokala konton (AKTIV_LOCAL_LOGIN)."))
    if sso:
        found += _sso_problems(auth)
    found += _option_problems(option)
    return found


def _cookie_key_problems() -> list[str]:
    try:
        check_cookie_key(configured_cookie_key())
    except ConfigurationError as error:
        return [str(error)]
    return []


def _sso_problems(auth: dict) -> list[str]:
    found = []
    if not str(auth.get("redirect_uri", "")).startswith("https://"):
        found.append(_("Inloggningstjänstens redirect_uri i [auth] måste vara en "
                       "https://-adress."))
    if len(str(auth.get("cookie_secret", "")).encode()) < 32:
        found.append(_("cookie_secret i [auth] måste vara minst 32 slumpmässiga byte."))
    return found


# (option, the value it must have, what is wrong otherwise)
_OPTIONS = [
    ("server.enableXsrfProtection", True,
     N_("server.enableXsrfProtection måste vara på (skydd mot förfalskade anrop).")),
    ("server.maxUploadSize", UPLOAD_MB,
     N_("server.maxUploadSize måste vara {mb} (importens gräns i MB).")),
    ("client.showErrorDetails", "none",
     N_("client.showErrorDetails måste vara \"none\": fel visas utan detaljer.")),
    ("server.fileWatcherType", "none",
     N_("server.fileWatcherType måste vara \"none\" i drift.")),
]


def _option_problems(option: Callable[[str], Any]) -> list[str]:
    found = [_(message).format(mb=UPLOAD_MB) for name, wanted, message in _OPTIONS
             if _normal(option(name)) != wanted]
    if str(option("logger.level")).lower() == "debug":
        found.append(_("logger.level får inte vara \"debug\" i drift: felsökningsloggen kan "
                       "innehålla personuppgifter."))
    return found


def _normal(value: Any) -> Any:
    """showErrorDetails accepts False for "none"."""
    return "none" if value is False else value
