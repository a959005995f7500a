"""The guard every page file calls first: page config, login, role check, sidebar.

Streamlit can run a deep-linked file in pages/ without running app.py, so the guard is
the only gate; app.py is not trusted to have run."""

from __future__ import annotations

import time

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities.exceptions import LoginError

from lib import auth
from lib.access import Viewer
from lib.audit import log_event
from lib.clock import utcnow
from lib.db import session_scope
from lib.navigation import may_open, pages_for
from lib.settings import ConfigurationError, cookie_key, load_settings

APP_TITLE = "Aktiv uppföljning"
LOGIN_FIELDS = {
    "Form name": "Logga in",
    "Username": "Användarnamn",
    "Password": "Lösenord",
    "Login": "Logga in",
    "Captcha": "Kontrollkod",
}
_LOGIN_AT = "aktiv_login_at"
_LOGOUT_REQUESTED = "aktiv_logout_requested"
# Why the last login ended. Kept across reruns: deleting the cookie triggers one, which
# would otherwise wipe the message before anyone has read it.
_NOTICE = "aktiv_notice"
# Tables are exported through the audited Excel export, which escapes formulas; the grid's
# own CSV button (no option turns it off in Streamlit 1.67) is hidden. A static rule: no
# user text ever goes into it.
_HIDE_GRID_DOWNLOAD = ('<style>[data-testid="stElementToolbar"] '
                       'button[aria-label="Download as CSV"] {display: none;}</style>')


def guard(page_key: str, title: str) -> Viewer:
    """Return the logged-in viewer allowed on this page, or stop the script."""
    st.set_page_config(page_title=f"{title} · {APP_TITLE}", page_icon=":material/school:",
                       layout="wide")
    st.html(_HIDE_GRID_DOWNLOAD)
    settings = load_settings()
    try:
        key = cookie_key(settings)
    except ConfigurationError as error:
        st.error(str(error))
        st.stop()
    authenticator, credentials = _authenticator(settings, key)
    if st.session_state.get(_LOGOUT_REQUESTED):
        _end_session(authenticator, "Du är utloggad.")
    viewer = _login(authenticator, credentials, settings)
    _sidebar(viewer)
    if not may_open(viewer.role, page_key):
        st.error("Du har inte behörighet till den här sidan.")
        st.stop()
    return viewer


def _authenticator(settings, key: str) -> tuple[stauth.Authenticate, dict]:
    with session_scope() as session:
        credentials = auth.build_credentials(session, utcnow())
    extra = {}
    if settings.login_sleep_seconds is not None:
        extra["login_sleep_time"] = settings.login_sleep_seconds
    authenticator = stauth.Authenticate(credentials, settings.cookie_name, key,
                                        settings.cookie_expiry_days, auto_hash=False, **extra)
    return authenticator, credentials


def _login(authenticator: stauth.Authenticate, credentials: dict, settings) -> Viewer:
    try:
        authenticator.login(location="main", fields=LOGIN_FIELDS, key="aktiv_login")
    except LoginError:
        st.session_state["authentication_status"] = False
    failed = auth.failed_usernames(credentials)
    if failed:
        _record_failures(failed)
    if not st.session_state.get("authentication_status"):
        if st.session_state.get("authentication_status") is False and not failed:
            st.error("Fel användarnamn eller lösenord.")
        elif _NOTICE in st.session_state:
            st.info(st.session_state[_NOTICE])
        st.stop()
    st.session_state.pop(_NOTICE, None)
    username = st.session_state["username"]
    if _LOGIN_AT not in st.session_state:
        st.session_state[_LOGIN_AT] = _login_started_at(authenticator, settings)
        with session_scope(write=True) as session:
            auth.record_successful_login(session, username)
            log_event(session, None, "login", "user", username=username)
    with session_scope() as session:
        check = auth.check_login(session, username, st.session_state[_LOGIN_AT])
    if check.viewer is None:
        _end_session(authenticator, check.reason)
        st.info(check.reason)
        st.stop()
    return check.viewer


def still_logged_in() -> Viewer | None:
    """The viewer, if this browser's login is still valid (for views that refresh
    themselves, such as the live meeting): None when it was ended elsewhere."""
    username = st.session_state.get("username")
    started = st.session_state.get(_LOGIN_AT)
    if not username or started is None:
        return None
    with session_scope() as session:
        return auth.check_login(session, username, started).viewer


def _login_started_at(authenticator: stauth.Authenticate, settings) -> float:
    """When a login began: now for the form, the cookie's issue time for a cookie login,
    so that a password change ends logins that a cookie would otherwise carry on."""
    token = authenticator.cookie_controller.cookie_model.token
    if isinstance(token, dict) and "exp_date" in token:
        return float(token["exp_date"]) - settings.cookie_expiry_days * 86400
    return time.time()


def _record_failures(usernames: list[str]) -> None:
    locked_for = 0
    with session_scope(write=True) as session:
        for username in usernames:
            locked_for = max(locked_for, auth.record_failed_login(session, username, utcnow()))
            log_event(session, None, "login_failed", "user", username=username)
    if locked_for:
        minutes, seconds = divmod(locked_for, 60)
        wait = f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
        st.error(f"Fel användarnamn eller lösenord. Kontot är tillfälligt spärrat efter flera "
                 f"misslyckade försök. Försök igen om {wait}.")
    else:
        st.error("Fel användarnamn eller lösenord.")


def _end_session(authenticator: stauth.Authenticate, notice: str) -> None:
    """Log out: delete the cookie and clear everything this browser session held."""
    username = st.session_state.get("username")
    authenticator.cookie_controller.delete_cookie()
    for name in list(st.session_state.keys()):
        del st.session_state[name]
    # Tells the authenticator not to log straight back in from a cookie still in flight.
    st.session_state["logout"] = True
    st.session_state[_NOTICE] = notice
    if username:
        with session_scope(write=True) as session:
            log_event(session, None, "logout", "user", username=username)


def _request_logout() -> None:
    st.session_state[_LOGOUT_REQUESTED] = True


def _sidebar(viewer: Viewer) -> None:
    with st.sidebar:
        st.markdown(f"**{APP_TITLE}**")
        for page in pages_for(viewer.role):
            st.page_link(page.path, label=page.label, icon=page.icon)
        st.divider()
        st.caption(f"{viewer.name} · {viewer.role_label}")
        st.button("Logga ut", key="aktiv_logout", on_click=_request_logout,
                  icon=":material/logout:")
