"""The single sign-on part of the login screen (lib.sso does the matching).

Streamlit's `st.login` sends the browser to the identity provider and back; `st.user` then
holds the ID token's claims for this browser tab's session. Each identity (one sign-in at the
provider) starts at most one login in a tab: after that login has ended (a logout, a changed
account, the end of the day) the tab asks the person to sign in at the provider again,
rather than starting a new login from the same old sign-in."""

from __future__ import annotations

import datetime as dt
import hashlib

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


def signed_in() -> bool:
    return bool(st.user.is_logged_in)


def sign_out() -> None:
    """End the sign-in at the provider too (its end-session page), when there is one."""
    if signed_in():
        st.logout()


def log_in(settings: Settings, key: str) -> NewLogin | None:
    """Draw the sign-in button, or start the login of the identity the provider gave."""
    claims = st.user.to_dict() if signed_in() else {}
    identity = sso.identity_from(claims)
    if identity is None:
        _sign_in_button(settings, SIGN_IN)
        return None
    used = _digest(claims)
    if st.session_state.get(_USED) == used:
        _show_refusal(settings)
        return None
    st.session_state[_USED] = used
    lifetime = dt.timedelta(days=settings.cookie_expiry_days)
    with session_scope(write=True) as session:
        outcome = sso.log_in_with_identity(session, identity, key, utcnow(), lifetime)
        login = outcome.login
    if login is None:
        st.session_state[_REFUSAL] = outcome.refusal.value
        _show_refusal(settings)
    return login


def _show_refusal(settings: Settings) -> None:
    refusal = st.session_state.get(_REFUSAL)
    if refusal is not None:
        st.warning(_(sso.REFUSALS[sso.Refusal(refusal)]))
    if refusal in (sso.Refusal.UNKNOWN, sso.Refusal.DISABLED):
        if st.button(_(SIGN_OUT), key="aktiv_sso_sign_out"):
            st.logout()
        return
    _sign_in_button(settings, N_("Logga in igen med kommunens konto"))


def _sign_in_button(settings: Settings, label: str) -> None:
    text = settings.sso_label or _(label)
    if st.button(text, key="aktiv_sso_sign_in", type="primary", icon=":material/login:"):
        st.session_state.pop(_REFUSAL, None)
        if settings.sso_provider:
            st.login(settings.sso_provider)
        else:
            st.login()


def _digest(claims: dict) -> str:
    text = "|".join(str(claims.get(name, "")) for name in ("iss", "sub", "iat"))
    return hashlib.sha256(text.encode()).hexdigest()
