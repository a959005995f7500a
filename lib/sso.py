"""Single sign-on: an identity from the municipality's identity provider (OpenID Connect,
through Streamlit's `st.login`) becomes a login of a user the administrator created.

The identity is matched on issuer + subject. The first time, a user is found by the
provider's *verified* e-mail, and the identity is bound to that user; from then on the
e-mail no longer matters. The user keeps the role and scope set in the app. An identity that
fits no active user is refused and the refusal is logged.

An identity is only good for a login if it was issued after the user's credentials last
changed and within the login lifetime: disabling the user, or changing their role or scope,
ends the login as for a local account, and the user must sign in at the provider again."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_models.codes import LoginMethod
from data_models.models import User
from lib.audit import log_event
from lib.auth import NewLogin, start_login
from lib.i18n import N_


class Refusal(enum.StrEnum):
    UNKNOWN = "unknown"  # no user has this identity or its verified e-mail
    DISABLED = "disabled"
    STALE = "stale"  # signed in at the provider before the account changed, or too long ago


REFUSALS = {
    Refusal.UNKNOWN: N_("Du är inloggad hos inloggningstjänsten, men det kontot har ingen "
                        "användare i Aktiv uppföljning. Be systemförvaltaren lägga upp dig "
                        "med den e-postadress inloggningstjänsten har för dig."),
    Refusal.DISABLED: N_("Ditt konto är avstängt. Kontakta systemförvaltaren."),
    Refusal.STALE: N_("Logga in igen: kontot har ändrats eller inloggningen är för gammal."),
}


@dataclass(frozen=True)
class Identity:
    issuer: str
    subject: str
    email: str | None  # only when the provider says it is verified
    issued_at: dt.datetime | None  # UTC, naive like every stored time


def identity_from(claims: Mapping) -> Identity | None:
    """The identity in the ID token's claims (`st.user`), or None without issuer and
    subject."""
    issuer, subject = claims.get("iss"), claims.get("sub")
    if not issuer or not subject:
        return None
    email = claims.get("email") if claims.get("email_verified") is True else None
    issued = claims.get("iat")
    issued_at = (dt.datetime.fromtimestamp(int(issued), dt.UTC).replace(tzinfo=None)
                 if isinstance(issued, int | float) else None)
    return Identity(str(issuer), str(subject),
                    str(email).strip().lower() if email else None, issued_at)


@dataclass(frozen=True)
class SsoLogin:
    user: User | None
    login: NewLogin | None
    refusal: Refusal | None


def log_in_with_identity(session: Session, identity: Identity, key: str, now: dt.datetime,
                         lifetime: dt.timedelta) -> SsoLogin:
    """Start a login for the identity's user, or refuse it; both are written to the audit
    log (a refusal with the identity, so that the administrator can add the person)."""
    user = _user_of(session, identity)
    refusal = _refusal(user, identity, now, lifetime)
    if refusal is not None:
        log_event(session, None, "login_failed", "user",
                  username=user.username if user else "",
                  note=f"SSO {refusal.value}: {identity.email or identity.subject} "
                       f"({identity.issuer})")
        return SsoLogin(None, None, refusal)
    if user.sso_subject is None:
        user.sso_issuer, user.sso_subject = identity.issuer, identity.subject
    login = start_login(session, user.id, key, now, lifetime, LoginMethod.SSO)
    log_event(session, None, "login", "user", username=user.username, note="SSO")
    return SsoLogin(user, login, None)


def _user_of(session: Session, identity: Identity) -> User | None:
    user = session.scalar(select(User).where(User.sso_issuer == identity.issuer,
                                             User.sso_subject == identity.subject))
    if user is not None or identity.email is None:
        return user
    # Bound once, by the verified e-mail, to a user who has no identity yet.
    matches = session.scalars(select(User).where(
        func.lower(User.email) == identity.email, User.sso_subject.is_(None))).all()
    return matches[0] if len(matches) == 1 else None


def _refusal(user: User | None, identity: Identity, now: dt.datetime,
             lifetime: dt.timedelta) -> Refusal | None:
    if user is None:
        return Refusal.UNKNOWN
    if not user.active:
        return Refusal.DISABLED
    issued = identity.issued_at
    # The token's time is in whole seconds.
    changed = user.credentials_changed_at.replace(microsecond=0)
    if issued is None or issued < changed or issued <= now - lifetime:
        return Refusal.STALE
    return None
