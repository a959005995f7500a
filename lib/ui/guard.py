"""The guard every page file calls first: page config, login, role check, sidebar.

Streamlit can run a deep-linked file in pages/ without running app.py, so the guard is
the only gate; app.py is not trusted to have run.

A login is a row on the server (lib.auth). This browser tab holds its id in the session
state; the browser holds a login cookie for new tabs and reloads, written by the app's own
route (lib.web) when the browser fetches it with a one-time ticket. The ticket is offered on
every run until the cookie has been written, so a page that reruns at once (a meeting link
adding the student to the address) cannot cut the cookie off. streamlit-authenticator draws
the login form; the password check, the lockout and the cookie are the app's own. With single
sign-on set up (lib.sso, lib.ui.single_sign_on), the login screen offers the municipality's
identity provider too, and the local form can be turned off."""

from __future__ import annotations

import datetime as dt
import hashlib
import html

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.models import cookie_model
from streamlit_authenticator.utilities.exceptions import LoginError

from lib import auth, i18n, plain
from lib.access import Viewer
from lib.clock import utcnow
from lib.db import session_scope
from lib.i18n import N_, _
from lib.navigation import PAGE_BY_KEY, may_open, pages_for
from lib.preferences import choose_language
from lib.settings import ConfigurationError, Settings, cookie_key, load_settings, sso_configured
from lib.ui import single_sign_on
from lib.ui.language import KEY as LANGUAGE_KEY
from lib.ui.language import use_tab_language
from lib.ui.web import LOGIN_COOKIE_PATH, LOGOUT_COOKIE_PATH

APP_TITLE = "Aktiv uppföljning"
LOGIN_FIELDS = {
    "Form name": N_("Logga in"),
    "Username": N_("Användarnamn"),
    "Password": N_("Lösenord"),
    "Login": N_("Logga in"),
    "Captcha": N_("Kontrollkod"),
}
WRONG_PASSWORD = N_("Fel användarnamn eller lösenord.")
# The language picker's label is in both languages, so that anyone finds it.
LANGUAGE_LABEL = "Språk · Language"
_LOGIN = "aktiv_login"  # this tab's login: the LoginSession id
_TICKET = "aktiv_cookie_ticket"  # until the browser has fetched its login cookie
_COOKIE_TRIED = "aktiv_cookie_tried"  # a digest of the cookie this tab has tried already
_ATTEMPT = "aktiv_login_attempt"  # the lock, in seconds, after a failed attempt
_LOGOUT_REQUESTED = "aktiv_logout_requested"
_SWITCH = "aktiv_open_page"  # a page to open, asked for by a callback (open_page)
_CLEAR_COOKIE = "aktiv_clear_cookie"
# Why the last login ended. Kept across reruns so that the message is read before it goes.
_NOTICE = "aktiv_notice"
# Tables are exported through the audited Excel export, which escapes formulas; the grid's
# own CSV button (no option turns it off in Streamlit 1.67) is hidden. A static rule: no
# user text ever goes into it.
_HIDE_GRID_DOWNLOAD = ('[data-testid="stElementToolbar"] '
                       'button[aria-label="Download as CSV"] {display: none;}')
# Room below the last element of a page, so that a select box at the end opens its list
# inside the page. Streamlit's select box (React Aria's combobox) closes its list when the
# page scrolls, and the list scrolls the page to show itself when it reaches past the end:
# a select box at the end of a page opened and closed at once.
_ROOM_BELOW = '[data-testid="stMainBlockContainer"] {padding-bottom: 50vh;}'
_STYLE = f"<style>{_HIDE_GRID_DOWNLOAD}\n{_ROOM_BELOW}</style>"


class _NoCookieComponent:
    """Stands in for the cookie component the library draws on every login screen. The
    cookie is the app's own (lib.web), and the component's first report reran the login
    screen: a click on "Logga in" during that rerun was seen lost on a loaded machine."""

    def __init__(self, *_args, **_kwargs) -> None:
        self.cookies: dict = {}

    def get(self, *_args, **_kwargs) -> None:
        return None

    def set(self, *_args, **_kwargs) -> None:
        return None

    def delete(self, *_args, **_kwargs) -> None:
        return None


cookie_model.stx = type("NoCookieComponents", (), {"CookieManager": _NoCookieComponent})


def guard(page_key: str, title: str, sidebar: str = "auto") -> Viewer:
    """Return the logged-in viewer allowed on this page, or stop the script. `sidebar`:
    "collapsed" where the page needs the whole width (meeting mode on a projector)."""
    use_tab_language()
    _page_config(title, sidebar)
    st.html(_STYLE)
    settings = load_settings()
    try:
        key = cookie_key(settings)
    except ConfigurationError as error:
        st.error(str(error))
        st.stop()
    if st.session_state.pop(_LOGOUT_REQUESTED, False):
        _log_out()
    check = _this_tabs_login(settings, key)
    if check.viewer is None:
        check = _log_in_with_form(settings, key, check.notice, page_key)
    if check.viewer.language != i18n.current():  # the user's own choice, from now on
        st.session_state[LANGUAGE_KEY] = i18n.set_language(check.viewer.language)
        _page_config(title, sidebar)
    _deliver_cookie(check, key)
    switch = st.session_state.pop(_SWITCH, None)
    if switch is not None:  # asked for by a widget's callback (open_page)
        st.switch_page(switch[0], query_params=switch[1])
    _sidebar(check.viewer)
    if not may_open(check.viewer.role, page_key):
        st.error(_("Du har inte behörighet till den här sidan."))
        st.stop()
    return check.viewer


def open_page(path: str, query_params: dict[str, str]) -> None:
    """From a widget's callback: open another page as the run that follows begins, once
    the login is checked and before this page computes anything (a plain st.switch_page
    in the page would first run it up to that widget). The page opened guards itself."""
    st.session_state[_SWITCH] = (path, query_params)


def _page_config(title: str, sidebar: str) -> None:
    # An emoji icon is drawn in the browser; a ":material/…:" one would be fetched from a
    # font service, telling it who uses the app and when.
    st.set_page_config(page_title=f"{_(title)} · {APP_TITLE}", page_icon="🎓",
                       layout="wide", initial_sidebar_state=sidebar)


def _this_tabs_login(settings: Settings, key: str) -> auth.LoginCheck:
    """The login this tab holds, or the one the browser's cookie carries in."""
    now = utcnow()
    login_id = st.session_state.get(_LOGIN)
    if login_id is not None:
        with session_scope() as session:
            check = auth.check_login(session, login_id, now)
        if check.viewer is None:
            _forget_this_tab(check.notice)
        return check
    secret = st.context.cookies.get(settings.cookie_name)
    if not isinstance(secret, str) or not secret:
        return auth.LoginCheck(None, None, None)
    # The cookie of this connection stays the same until a reload: try it once per tab,
    # so that after a logout the old cookie does not log the tab straight back in.
    tried = hashlib.sha256(secret.encode()).hexdigest()
    if st.session_state.get(_COOKIE_TRIED) == tried:
        return auth.LoginCheck(None, None, None)
    st.session_state[_COOKIE_TRIED] = tried
    with session_scope() as session:
        check = auth.resume_login(session, secret, key, now)
    if check.viewer is not None:
        st.session_state[_LOGIN] = check.login_id
    return check


def _log_in_with_form(settings: Settings, key: str, notice: str | None,
                      page_key: str) -> auth.LoginCheck:
    if notice:
        st.session_state[_NOTICE] = notice
    if st.session_state.pop(_CLEAR_COOKIE, False):
        _hidden_request(LOGOUT_COOKIE_PATH)
    _login_language()
    sso = sso_configured(settings)  # reads the secrets once for the whole screen
    if sso:
        login = single_sign_on.log_in(settings, key, _this_page(page_key),
                                      st.session_state.get(_NOTICE))
        if login is not None:
            st.session_state[_LOGIN], st.session_state[_TICKET] = login.login_id, login.ticket
            _continue_where_the_sign_in_began(page_key)
    if settings.local_login and st.session_state.get(_LOGIN) is None:
        _password_form(settings, key)
    if not settings.local_login and not sso:
        st.error(_("Ingen inloggning är inställd: lokala konton är avstängda och "
                   "inloggningstjänsten saknas. Kontakta systemförvaltaren."))
    if st.session_state.get(_LOGIN) is None:
        # Kept until the next attempt: a rerun must not wipe the message before it is read.
        locked_for = st.session_state.get(_ATTEMPT)
        if locked_for is not None:
            st.error(_failure_message(locked_for))
        elif _NOTICE in st.session_state:
            st.info(_(st.session_state[_NOTICE]))
        st.stop()
    st.session_state.pop(_NOTICE, None)
    st.session_state.pop(_ATTEMPT, None)
    with session_scope() as session:
        return auth.check_login(session, st.session_state[_LOGIN], utcnow())


def _this_page(page_key: str) -> single_sign_on.Page | None:
    page = PAGE_BY_KEY.get(page_key)
    return None if page is None else single_sign_on.Page(page.path, st.query_params.to_dict())


def _continue_where_the_sign_in_began(page_key: str) -> None:
    """Back from the identity provider on the home page: on to the page the person had
    opened (a deep link), which checks its own access as always."""
    page = single_sign_on.page_to_return_to()
    here = PAGE_BY_KEY.get(page_key)
    if page is not None and (here is None or here.path != page.path):
        st.switch_page(page.path, query_params=page.query)


def _password_form(settings: Settings, key: str) -> None:
    authenticator = _authenticator(settings, key)
    try:
        authenticator.login(location="main", fields={k: _(v) for k, v in LOGIN_FIELDS.items()},
                            key="aktiv_login_form")
    except LoginError:
        st.session_state["authentication_status"] = False


def _login_language() -> None:
    """A choice of language above the login form; it starts as the browser's."""
    current = i18n.current()
    chosen = st.selectbox(LANGUAGE_LABEL, list(i18n.LANGUAGES),
                          index=list(i18n.LANGUAGES).index(current),
                          format_func=i18n.LANGUAGES.get, key="aktiv_login_language")
    if chosen != current:
        st.session_state[LANGUAGE_KEY] = chosen
        st.rerun()


def _authenticator(settings: Settings, key: str) -> stauth.Authenticate:
    """The library's login form, with the app's own password check: it starts the login
    on the server, so the login is in place before anything else can happen in the run."""
    authenticator = stauth.Authenticate({"usernames": {}}, settings.cookie_name, key,
                                        settings.cookie_expiry_days, auto_hash=False,
                                        login_sleep_time=0)
    # The cookie is the app's own (lib.web); the library neither reads nor writes one.
    authenticator.cookie_controller.get_cookie = lambda: None
    authenticator.cookie_controller.set_cookie = lambda: None
    model = authenticator.authentication_controller.authentication_model
    model.check_credentials = _password_check(settings, key, model.credentials)
    return authenticator


def _password_check(settings: Settings, key: str, credentials: dict):
    def check(username: str, password: str) -> bool:
        now = utcnow()
        lifetime = dt.timedelta(days=settings.cookie_expiry_days)
        with session_scope(write=True) as session:
            outcome = auth.log_in_with_password(session, username, password, key, now,
                                                lifetime, settings.bcrypt_rounds)
        if outcome.login is None:
            st.session_state[_ATTEMPT] = outcome.locked_for
            return False
        user, login = outcome.user, outcome.login
        st.session_state[_LOGIN], st.session_state[_TICKET] = login.login_id, login.ticket
        # What the library reads about the user once the check has passed.
        credentials["usernames"][user.username] = {
            "name": user.display_name, "email": user.email or "", "roles": [user.role]}
        return True
    return check


def _failure_message(locked_for: int) -> str:
    """The same words for a wrong password and an unknown username."""
    if not locked_for:
        return _(WRONG_PASSWORD)
    minutes, seconds = divmod(locked_for, 60)
    wait = f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
    return _(WRONG_PASSWORD) + " " + _(
        "Inloggningen är tillfälligt spärrad efter flera misslyckade försök. "
        "Försök igen om {wait}.").format(wait=wait)


def _deliver_cookie(check: auth.LoginCheck, key: str) -> None:
    """Offer the one-time ticket until the browser has fetched its login cookie."""
    if check.cookie_written:
        st.session_state.pop(_TICKET, None)
        return
    if check.ticket_expired or _TICKET not in st.session_state:
        with session_scope(write=True) as session:
            st.session_state[_TICKET] = auth.new_ticket(session, check.login_id, key,
                                                        utcnow())
    _hidden_request(f"{LOGIN_COOKIE_PATH}?t={st.session_state[_TICKET]}")


def _hidden_request(path: str) -> None:
    """A request of the browser's own to the app's route: an invisible image."""
    st.html(f'<img src="{html.escape(path)}" alt="" width="0" height="0" '
            'style="position:absolute" aria-hidden="true">')


def still_logged_in() -> Viewer | None:
    """The viewer, if this tab's login is still good (for views that refresh themselves,
    such as the live meeting): None when it was ended elsewhere."""
    login_id = st.session_state.get(_LOGIN)
    if login_id is None:
        return None
    with session_scope() as session:
        return auth.check_login(session, login_id, utcnow()).viewer


def _log_out() -> None:
    login_id = st.session_state.get(_LOGIN)
    if login_id is not None:
        with session_scope(write=True) as session:
            auth.log_out(session, login_id, utcnow())
    _forget_this_tab(N_("Du är utloggad."))
    st.session_state[_CLEAR_COOKIE] = True
    single_sign_on.sign_out()


def _forget_this_tab(notice: str | None) -> None:
    """Clear everything this tab held, except the cookie it has tried and why it ended."""
    kept = {name: st.session_state[name] for name in (_COOKIE_TRIED, *single_sign_on.KEEP)
            if name in st.session_state}
    for name in list(st.session_state.keys()):
        del st.session_state[name]
    st.session_state.update(kept)
    if notice:
        st.session_state[_NOTICE] = notice


def _request_logout() -> None:
    st.session_state[_LOGOUT_REQUESTED] = True


def _sidebar(viewer: Viewer) -> None:
    with st.sidebar:
        st.markdown(f"**{APP_TITLE}**")
        for page in pages_for(viewer.role):
            st.page_link(page.path, label=_(page.label), icon=page.icon)
        st.divider()
        st.caption(f"{plain.markdown(viewer.name)} · {viewer.role_label}")
        languages = list(i18n.LANGUAGES)
        st.selectbox(LANGUAGE_LABEL, languages, index=languages.index(i18n.current()),
                     format_func=i18n.LANGUAGES.get, key="aktiv_language_choice",
                     on_change=_choose_language, args=(viewer,))
        st.button(_("Logga ut"), key="aktiv_logout", on_click=_request_logout,
                  icon=":material/logout:")


def _choose_language(viewer: Viewer) -> None:
    """Stored on the user, so that every tab and the next login follow it."""
    chosen = st.session_state["aktiv_language_choice"]
    with session_scope(write=True) as session:
        choose_language(session, viewer, chosen)
    st.session_state[LANGUAGE_KEY] = chosen
