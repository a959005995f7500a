"""Passwords, lockout and login sessions, stored in the database.

The lockout is a growing delay rather than a permanent lock, so that nobody can lock a
member of staff out for good by guessing at their username."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import bcrypt
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_models.models import User
from lib.access import Viewer, load_viewer
from lib.clock import epoch, utcnow

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_BYTES = 72  # bcrypt uses no more than 72 bytes
FREE_ATTEMPTS = 5
FIRST_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 15 * 60


class PasswordPolicyError(ValueError):
    """The message is Swedish and meant for the user."""


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise PasswordPolicyError(f"Lösenordet måste ha minst {MIN_PASSWORD_CHARS} tecken.")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise PasswordPolicyError(
            f"Lösenordet är för långt: högst {MAX_PASSWORD_BYTES} byte (å, ä och ö räknas "
            "som två byte var)."
        )
    if password != password.strip():
        # The login form trims what is typed, so such a password could never be used.
        raise PasswordPolicyError("Lösenordet får inte börja eller sluta med mellanslag.")


def hash_password(password: str, rounds: int = 12) -> str:
    validate_password(password)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=rounds)).decode()


@cache
def _unmatchable_hash() -> str:
    """Stands in for a locked account's hash: no typed password can match it."""
    import secrets

    return bcrypt.hashpw(secrets.token_bytes(32), bcrypt.gensalt(rounds=4)).decode()


def lock_delay_seconds(failed_attempts: int) -> int:
    """0 for the first attempts, then 30 s doubling per failure, at most 15 minutes."""
    if failed_attempts < FREE_ATTEMPTS:
        return 0
    return min(FIRST_DELAY_SECONDS * 2 ** (failed_attempts - FREE_ATTEMPTS), MAX_DELAY_SECONDS)


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip().lower()))


def lock_remaining_seconds(user: User, now: dt.datetime) -> int:
    if user.locked_until is None or user.locked_until <= now:
        return 0
    return int((user.locked_until - now).total_seconds()) + 1


def record_failed_login(session: Session, username: str, now: dt.datetime) -> int:
    """Count a wrong password; returns the seconds the account is now locked for.
    Attempts while locked are not counted, so the delay cannot be pushed up by them."""
    user = find_user(session, username)
    if user is None or not user.active:
        return 0
    remaining = lock_remaining_seconds(user, now)
    if remaining:
        return remaining
    user.failed_attempts += 1
    delay = lock_delay_seconds(user.failed_attempts)
    user.locked_until = now + dt.timedelta(seconds=delay) if delay else None
    return delay


def record_successful_login(session: Session, username: str) -> None:
    user = find_user(session, username)
    if user is not None:
        user.failed_attempts = 0
        user.locked_until = None


def build_credentials(session: Session, now: dt.datetime) -> dict:
    """The streamlit-authenticator credentials, rebuilt from the users table on every run.
    Disabled users are left out; locked users get a hash that nothing matches."""
    users = session.scalars(select(User).where(User.active.is_(True))).all()
    return {
        "usernames": {
            u.username: {
                "name": u.display_name,
                "email": u.email or "",
                "password": _unmatchable_hash() if lock_remaining_seconds(u, now)
                else u.password_hash,
                "roles": [u.role],
                "failed_login_attempts": 0,
            }
            for u in users
        }
    }


def failed_usernames(credentials: dict) -> list[str]:
    """The usernames whose password check failed in this run: the authenticator counts
    failures in the very dictionaries that build_credentials handed it."""
    return [
        name for name, entry in credentials["usernames"].items()
        if entry.get("failed_login_attempts", 0) > 0
    ]


@dataclass(frozen=True)
class SessionCheck:
    viewer: Viewer | None
    reason: str | None  # Swedish text shown when the login has been ended


def check_login(session: Session, username: str, login_at: float) -> SessionCheck:
    """Is a login that began at `login_at` (epoch seconds) still good?"""
    user = find_user(session, username)
    if user is None or not user.active:
        return SessionCheck(None, "Ditt konto är avstängt. Kontakta systemförvaltaren.")
    if epoch(user.credentials_changed_at) > login_at:
        return SessionCheck(None, "Din inloggning har avslutats eftersom kontot har ändrats. "
                                  "Logga in igen.")
    return SessionCheck(load_viewer(session, user), None)



def touch_credentials(user: User) -> None:
    """End every existing login of this user on their next rerun."""
    user.credentials_changed_at = utcnow()
