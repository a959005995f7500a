"""The single sign-on part of the login screen (lib.sso does the matching).

Streamlit's `st.login` sends the browser to the identity provider and back; `st.user` then
holds the ID token's claims for this browser tab's session. Each identity (one sign-in at the
provider) starts at most one login in a tab: after that login has ended (a logout, a changed
account, the end of the day) the tab asks the person to sign in at the provider again,
rather than starting a new login from the same old sign-in.

The provider sends the browser back to the home page. The page the person had opened (a
deep link) is remembered on the server for ten minutes, under a digest of the token in the
browser's XSRF cookie, which Streamlit sets on the first page and keeps across the round
trip; the login then continues there. Kept in the process's memory: behind a load
balancer, the browser's requests stay with one process (deploy/)."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from dataclasses import dataclass

import streamlit as st

from lib import sso
from lib.auth import NewLogin
from lib.clock import utcnow
from lib.db import session_scope
from lib.i18n import N_, _
from lib.settings import Settings

SIGN_IN = N_("Logga in med kommunens konto")
SIGN_OUT = N_("Logga ut från inloggningstjänsten")
_USED = "aktiv_sso_used"  # the identity (one sign-in) that this tab has used or refused
_REFUSAL = "aktiv_sso_refusal"
KEEP = (_USED, _REFUSAL)  # kept when the tab forgets its login
RETURN_SECONDS = 600
_XSRF_COOKIE = "_streamlit_xsrf"


@dataclass(frozen=True)
class Page:
    path: str  # the page file, relative to app.py
    query: dict[str, str]


_RETURNS: dict[str, tuple[float, Page]] = {}  # browser digest → (until, page)
_RETURNS_LOCK = threading.Lock()


def signed_in() -> bool:
    """Does this session hold an identity from the provider? (st.user has no is_logged_in
    at all in some sessions without [auth], hence the dictionary.)"""
    return bool(st.user.to_dict().get("is_logged_in"))


def sign_out() -> None:
    """End the sign-in at the provider too (its end-session page), when there is one."""
    if signed_in():
        st.logout()


def log_in(settings: Settings, key: str, here: Page | None,
           notice: str | None = None) -> NewLogin | None:
    """Draw the sign-in button, or start the login of the identity the provider gave.
    `here`: the page this is, to come back to after the provider (None: the home page);
    `notice`: why the last login ended, which the login screen shows (a refusal that says
    the same is not shown twice)."""
    claims = st.user.to_dict() if signed_in() else {}
    identity = sso.identity_from(claims)
    if identity is None:
        _sign_in_button(settings, SIGN_IN, here)
        return None
    used = _digest(claims)
    if st.session_state.get(_USED) == used:
        _show_refusal(settings, notice, here)
        return None
    st.session_state[_USED] = used
    lifetime = dt.timedelta(days=settings.cookie_expiry_days)
    with session_scope(write=True) as session:
        outcome = sso.log_in_with_identity(session, identity, key, utcnow(), lifetime)
        login = outcome.login
    if login is None:
        st.session_state[_REFUSAL] = outcome.refusal.value
        _show_refusal(settings, notice, here)
    return login


def page_to_return_to() -> Page | None:
    """The page the browser had opened before it went to the provider, once."""
    browser = _browser()
    if browser is None:
        return None
    with _RETURNS_LOCK:
        until, page = _RETURNS.pop(browser, (0.0, None))
    return page if until > time.monotonic() else None


def _remember(here: Page | None) -> None:
    browser = _browser()
    if browser is None or here is None:
        return
    now = time.monotonic()
    with _RETURNS_LOCK:
        for stale in [b for b, (until, _page) in _RETURNS.items() if until <= now]:
            del _RETURNS[stale]
        _RETURNS[browser] = (now + RETURN_SECONDS, here)


def _browser() -> str | None:
    """The XSRF cookie's token: its text is masked anew on every response, the token
    stays the browser's."""
    from streamlit.web.server.starlette.starlette_app_utils import decode_xsrf_token_string

    xsrf = st.context.cookies.get(_XSRF_COOKIE)
    if not xsrf:
        return None
    try:
        token, _issued = decode_xsrf_token_string(xsrf)
    except Exception:  # a cookie Streamlit did not write
        return None
    return hashlib.sha256(token).hexdigest() if token else None


def _show_refusal(settings: Settings, notice: str | None, here: Page | None) -> None:
    refusal = st.session_state.get(_REFUSAL)
    if refusal is not None and sso.REFUSALS[sso.Refusal(refusal)] != notice:
        st.warning(_(sso.REFUSALS[sso.Refusal(refusal)]))
    if refusal in (sso.Refusal.UNKNOWN, sso.Refusal.DISABLED):
        if st.button(_(SIGN_OUT), key="aktiv_sso_sign_out"):
            st.logout()
        return
    _sign_in_button(settings, N_("Logga in igen med kommunens konto"), here)


def _sign_in_button(settings: Settings, label: str, here: Page | None) -> None:
    text = settings.sso_label or _(label)
    if st.button(text, key="aktiv_sso_sign_in", type="primary", icon=":material/login:"):
        st.session_state.pop(_REFUSAL, None)
        _remember(here)
        if settings.sso_provider:
            st.login(settings.sso_provider)
        else:
            st.login()


def _digest(claims: dict) -> str:
    text = "|".join(str(claims.get(name, "")) for name in ("iss", "sub", "iat"))
    return hashlib.sha256(text.encode()).hexdigest()
