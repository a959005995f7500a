"""Passwords, lockout and logins, all kept in the database.

A login is a row on the server (`LoginSession`). The browser's login cookie holds only a
random secret; the row holds its keyed hash. Every run checks the row, so a logout, a new
password, a changed role or scope, or a disabled account ends the login everywhere, for every
copy of the cookie. The lockout is a growing delay per typed username, known or not, so that
nobody can lock a member of staff out for good, and the login form answers alike whether an
account exists or not."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import cache

import bcrypt
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from data_models.codes import LoginEndReason, LoginMethod
from data_models.models import LoginAttempt, LoginSession, User
from lib.access import Viewer, load_viewer
from lib.audit import log_event
from lib.clock import utcnow
from lib.i18n import N_, _
from lib.versioning import InputError

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_BYTES = 72  # bcrypt uses no more than 72 bytes
MAX_USERNAME_CHARS = 60
FREE_ATTEMPTS = 5
FIRST_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 15 * 60
# How long the browser has to fetch its login cookie with the one-time ticket.
TICKET_SECONDS = 300
# Rows of failed attempts that have not been touched for this long are forgotten.
ATTEMPT_MEMORY = dt.timedelta(days=1)

ENDED_BY_LOGOUT = LoginEndReason.LOGOUT
ENDED_BY_CHANGE = LoginEndReason.CREDENTIALS
ENDED_BY_DISABLING = LoginEndReason.DISABLED
_END_NOTICES = {
    ENDED_BY_LOGOUT: N_("Du är utloggad."),
    ENDED_BY_CHANGE: N_("Din inloggning har avslutats eftersom kontot har ändrats. "
                        "Logga in igen."),
    ENDED_BY_DISABLING: N_("Ditt konto är avstängt. Kontakta systemförvaltaren."),
}
EXPIRED_NOTICE = N_("Inloggningen har gått ut. Logga in igen.")  # shown with _() by the guard


class PasswordPolicyError(InputError):
    """The message is meant for the user, in the run's language."""


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise PasswordPolicyError(_("Lösenordet måste ha minst {chars} tecken.").format(
            chars=MIN_PASSWORD_CHARS))
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise PasswordPolicyError(
            _("Lösenordet är för långt: högst {limit} byte (å, ä och ö räknas som två byte "
              "var).").format(limit=MAX_PASSWORD_BYTES)
        )
    if password != password.strip():
        # The login form trims what is typed, so such a password could never be used.
        raise PasswordPolicyError(_("Lösenordet får inte börja eller sluta med mellanslag."))


def hash_password(password: str, rounds: int = 12) -> str:
    validate_password(password)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=rounds)).decode()


def normalize_username(username: str) -> str:
    return username.strip().lower()[:MAX_USERNAME_CHARS]


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == normalize_username(username)))


# --- Lockout ------------------------------------------------------------------------------

def lock_delay_seconds(failed_attempts: int) -> int:
    """0 for the first attempts, then 30 s doubling per failure, at most 15 minutes."""
    if failed_attempts < FREE_ATTEMPTS:
        return 0
    return min(FIRST_DELAY_SECONDS * 2 ** (failed_attempts - FREE_ATTEMPTS), MAX_DELAY_SECONDS)


def lock_remaining_seconds(attempt: LoginAttempt | None, now: dt.datetime) -> int:
    if attempt is None or attempt.locked_until is None or attempt.locked_until <= now:
        return 0
    return int((attempt.locked_until - now).total_seconds()) + 1


@dataclass(frozen=True)
class PasswordCheck:
    user_id: int | None  # set when the password was right
    locked_for: int  # seconds the typed username is locked for; 0 when it is not


@cache
def _stand_in_hash(rounds: int) -> bytes:
    """A hash of the same cost as the real ones, checked when there is no account or the
    username is locked, so that the answer takes as long either way."""
    return bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(rounds=rounds))


def check_password(session: Session, username: str, password: str, now: dt.datetime,
                   rounds: int = 12) -> PasswordCheck:
    """Check a typed username and password, and count a failure against the username.
    Attempts during a lock are not counted, so the delay cannot be pushed up by them, and a
    locked username fails even with the right password."""
    name = normalize_username(username)
    attempt = session.get(LoginAttempt, name)
    user = session.scalar(select(User).where(User.username == name, User.active.is_(True)))
    locked = lock_remaining_seconds(attempt, now)
    typed = password.encode("utf-8")[:MAX_PASSWORD_BYTES]
    if locked or user is None:
        bcrypt.checkpw(typed, _stand_in_hash(rounds))
        right = False
    else:
        right = bcrypt.checkpw(typed, user.password_hash.encode())
    if locked:
        return PasswordCheck(None, locked)
    if right:
        if attempt is not None:
            session.delete(attempt)
        return PasswordCheck(user.id, 0)
    return PasswordCheck(None, _count_failure(session, attempt, name, now))


def _count_failure(session: Session, attempt: LoginAttempt | None, name: str,
                   now: dt.datetime) -> int:
    if attempt is None:
        attempt = LoginAttempt(username=name, failed_attempts=0)
        session.add(attempt)
    attempt.failed_attempts += 1
    attempt.last_attempt_at = now
    delay = lock_delay_seconds(attempt.failed_attempts)
    attempt.locked_until = now + dt.timedelta(seconds=delay) if delay else None
    # Guesses at made-up usernames must not fill the table.
    session.execute(delete(LoginAttempt).where(LoginAttempt.last_attempt_at < now - ATTEMPT_MEMORY,
                                               LoginAttempt.username != name))
    return delay


def clear_lock(session: Session, username: str) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == normalize_username(
        username)))


# --- Logins --------------------------------------------------------------------------------

def _digest(key: str, secret: str) -> str:
    """The keyed hash stored in place of a cookie secret or ticket: a copy of the database
    alone cannot be turned into a working cookie."""
    return hmac.new(key.encode(), secret.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class NewLogin:
    login_id: int
    ticket: str  # redeemed once by the browser for its login cookie


def start_login(session: Session, user_id: int, key: str, now: dt.datetime,
                lifetime: dt.timedelta, method: LoginMethod = LoginMethod.PASSWORD) -> NewLogin:
    ticket = secrets.token_urlsafe(32)
    login = LoginSession(user_id=user_id, method=method, created_at=now,
                         expires_at=now + lifetime, ticket_hash=_digest(key, ticket),
                         ticket_expires_at=now + dt.timedelta(seconds=TICKET_SECONDS))
    session.add(login)
    session.flush()
    return NewLogin(login.id, ticket)


def new_ticket(session: Session, login_id: int, key: str, now: dt.datetime) -> str:
    """A fresh ticket for a login whose cookie has not reached the browser in time."""
    ticket = secrets.token_urlsafe(32)
    session.execute(update(LoginSession).where(LoginSession.id == login_id,
                                               LoginSession.cookie_written_at.is_(None))
                    .values(ticket_hash=_digest(key, ticket),
                            ticket_expires_at=now + dt.timedelta(seconds=TICKET_SECONDS)))
    return ticket


@dataclass(frozen=True)
class LoginCookie:
    secret: str
    max_age: int  # seconds


def redeem_ticket(session: Session, ticket: str, key: str,
                  now: dt.datetime) -> LoginCookie | None:
    """The login cookie for a valid, unused ticket; None otherwise. The secret is made
    here and only its hash is kept, so it exists in the browser alone."""
    login = session.scalar(select(LoginSession).where(
        LoginSession.ticket_hash == _digest(key, ticket), LoginSession.ended_at.is_(None),
        LoginSession.cookie_written_at.is_(None), LoginSession.ticket_expires_at > now,
        LoginSession.expires_at > now))
    if login is None:
        return None
    secret = secrets.token_urlsafe(32)
    login.token_hash, login.cookie_written_at = _digest(key, secret), now
    login.ticket_hash = login.ticket_expires_at = None
    return LoginCookie(secret, int((login.expires_at - now).total_seconds()))


@dataclass(frozen=True)
class LoginCheck:
    login_id: int | None
    viewer: Viewer | None
    notice: str | None  # shown (with _()) when the login has been ended
    cookie_written: bool = False
    ticket_expired: bool = False


_ENDED = LoginCheck(None, None, None)


def check_login(session: Session, login_id: int, now: dt.datetime) -> LoginCheck:
    """Is this browser tab's login still good? Checked on every run."""
    login = session.get(LoginSession, login_id)
    return _checked(session, login, now)


def resume_login(session: Session, secret: str, key: str, now: dt.datetime) -> LoginCheck:
    """The login a cookie carries into a new tab or a reload, if it is still good."""
    login = session.scalar(select(LoginSession).where(
        LoginSession.token_hash == _digest(key, secret)))
    return _checked(session, login, now)


def _checked(session: Session, login: LoginSession | None, now: dt.datetime) -> LoginCheck:
    if login is None:
        return _ENDED
    if login.ended_at is not None:
        return LoginCheck(None, None, _END_NOTICES.get(login.end_reason or ""))
    if login.expires_at <= now:
        return LoginCheck(None, None, EXPIRED_NOTICE)
    user = session.get(User, login.user_id)
    if user is None or not user.active:
        return LoginCheck(None, None, _END_NOTICES[ENDED_BY_DISABLING])
    if user.credentials_changed_at > login.created_at:
        return LoginCheck(None, None, _END_NOTICES[ENDED_BY_CHANGE])
    expired = login.cookie_written_at is None and (login.ticket_expires_at is None
                                                   or login.ticket_expires_at <= now)
    return LoginCheck(login.id, load_viewer(session, user), None,
                      cookie_written=login.cookie_written_at is not None,
                      ticket_expired=expired)


def end_login(session: Session, login_id: int, reason: LoginEndReason,
              now: dt.datetime) -> str | None:
    """End one login; returns its user's username (None when it had already ended)."""
    login = session.get(LoginSession, login_id)
    if login is None or login.ended_at is not None:
        return None
    login.ended_at, login.end_reason = now, reason
    user = session.get(User, login.user_id)
    return user.username if user else None


def touch_credentials(session: Session, user: User,
                      reason: LoginEndReason = ENDED_BY_CHANGE) -> None:
    """End every login of this user now: their open tabs on the next rerun, and every copy
    of their cookies."""
    now = utcnow()
    user.credentials_changed_at = now
    session.execute(update(LoginSession).where(LoginSession.user_id == user.id,
                                               LoginSession.ended_at.is_(None))
                    .values(ended_at=now, end_reason=reason))


@dataclass(frozen=True)
class PasswordLogin:
    """The outcome of a login with a password: the user and the new login, or the lock in
    seconds (0: try again at once) after a failure."""
    user: User | None
    login: NewLogin | None
    locked_for: int


def log_in_with_password(session: Session, username: str, password: str, key: str,
                         now: dt.datetime, lifetime: dt.timedelta,
                         rounds: int) -> PasswordLogin:
    """Check the password (with the lock after failures), start the login, and write the
    attempt to the audit log: once per login, a failure by the user it names, or as an
    unknown username (never the name typed, which may be someone's password)."""
    result = check_password(session, username, password, now, rounds)
    user = find_user(session, username)
    if result.user_id is None:
        log_event(session, None, "login_failed", "user", username=user.username if user else "",
                  note=None if user else "Okänt användarnamn")
        return PasswordLogin(None, None, result.locked_for)
    login = start_login(session, result.user_id, key, now, lifetime)
    log_event(session, None, "login", "user", username=user.username)
    return PasswordLogin(user, login, 0)


def log_out(session: Session, login_id: int, now: dt.datetime) -> None:
    """End the login at the user's request, and write the logout to the audit log."""
    username = end_login(session, login_id, ENDED_BY_LOGOUT, now)
    if username is not None:
        log_event(session, None, "logout", "user", username=username)
