"""Administration: users, roles and scopes, passwords, and the organisation (regions,
municipalities, schools, terms). Administrators only; every change is audited."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

import bcrypt
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_models.models import Municipality, Region, Role, School, Term, User, UserScope
from lib import summaries
from lib.access import Viewer, require_role
from lib.audit import log_event
from lib.auth import (
    ENDED_BY_CHANGE,
    ENDED_BY_DISABLING,
    clear_lock,
    find_user,
    hash_password,
    touch_credentials,
)
from lib.clock import utcnow
from lib.i18n import _
from lib.versioning import InputError

USERNAME = re.compile(r"^[a-z0-9._-]{3,60}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SCOPE_KIND = {  # the kind of scope each role takes
    Role.ADMIN: None,
    Role.COACH: "municipality",
    Role.SCHOOL_STAFF: "school",
    Role.PROJECT_LEADER: "region",
    Role.KAA_OFFICER: "municipality",
}


class AdminError(InputError):
    """A message for the administrator, in the run's language; nothing was saved."""


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    display_name: str
    title: str | None
    role: Role
    active: bool
    scope_ids: tuple[int, ...]
    email: str | None = None
    sso_bound: bool = False  # signs in through the identity provider (lib.sso)
    handles_kaa: bool = False  # a coach who also handles the activity responsibility


def _require_admin(viewer: Viewer) -> None:
    require_role(viewer, Role.ADMIN)


def list_users(session: Session, viewer: Viewer) -> list[UserRow]:
    _require_admin(viewer)
    users = session.scalars(select(User).order_by(User.username)).all()
    scopes = session.scalars(select(UserScope)).all()
    by_user: dict[int, list[int]] = {}
    for scope in scopes:
        target = scope.region_id or scope.municipality_id or scope.school_id
        by_user.setdefault(scope.user_id, []).append(target)
    return [UserRow(u.id, u.username, u.display_name, u.title, Role(u.role), u.active,
                    tuple(sorted(by_user.get(u.id, []))), u.email, u.sso_subject is not None,
                    bool(u.handles_kaa))
            for u in users]


USER_COLUMNS = ["id", "username", "name", "title", "email", "role", "active", "scope_count",
                "sso_bound"]


def users_table(rows: Iterable[UserRow]) -> pd.DataFrame:
    """The users as a table (lib.columns): role a code, scope the number of places."""
    return pd.DataFrame(
        [(r.id, r.username, r.display_name, r.title or "", r.email or "", str(r.role),
          r.active, len(r.scope_ids), r.sso_bound) for r in rows],
        columns=USER_COLUMNS,
    )


def _set_scopes(user: User, role: Role, scope_ids: Iterable[int]) -> None:
    kind = SCOPE_KIND[role]
    ids = sorted(set(scope_ids))
    if kind is None:
        ids = []
    elif not ids:
        raise AdminError(_("Välj minst en kommun, skola eller region för rollen."))
    user.scopes = [UserScope(**{f"{kind}_id": target}) for target in ids]


def create_user(session: Session, viewer: Viewer, *, username: str, display_name: str,
                role: Role, password: str, scope_ids: Iterable[int] = (),
                title: str | None = None, email: str | None = None,
                bcrypt_rounds: int = 12, sso_only: bool = False,
                handles_kaa: bool = False) -> int:
    """`sso_only`: the user signs in through the identity provider only, and an empty
    password gives no local password at all."""
    _require_admin(viewer)
    scope_ids = sorted(set(scope_ids))
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise AdminError(_("Användarnamnet ska ha 3–60 tecken: a–z, siffror, punkt, "
                           "bindestreck eller understreck."))
    if not display_name.strip():
        raise AdminError(_("Namn måste fyllas i."))
    if find_user(session, username) is not None:
        raise AdminError(_("Användarnamnet finns redan."))
    now = utcnow()
    user = User(username=username, display_name=display_name.strip(), title=title or None,
                email=_email(email), role=role.value, active=True,
                password_hash=_password_hash(password, bcrypt_rounds, sso_only),
                handles_kaa=bool(handles_kaa) and role == Role.COACH,
                credentials_changed_at=now, created_at=now)
    _set_scopes(user, role, scope_ids)
    session.add(user)
    session.flush()
    log_event(session, viewer, "create", "user", user.id,
              after={"username": username, "role": role.value, "scopes": scope_ids})
    return user.id


def _email(email: str | None) -> str | None:
    """Kept in lower case: single sign-on matches it against the provider's (lib.sso)."""
    email = (email or "").strip().lower()
    if email and not EMAIL.match(email):
        raise AdminError(_("E-postadressen ser inte ut som en e-postadress."))
    return email or None


def _password_hash(password: str, rounds: int, sso_only: bool) -> str:
    if sso_only and not password:
        # A hash of a random secret that nobody knows: no password logs this user in.
        return bcrypt.hashpw(secrets.token_bytes(32), bcrypt.gensalt(rounds=rounds)).decode()
    return hash_password(password, rounds)


def update_user(session: Session, viewer: Viewer, user_id: int, *, role: Role,
                scope_ids: Iterable[int], active: bool, display_name: str,
                title: str | None = None, email: str | None = None,
                unbind_sso: bool = False, handles_kaa: bool = False) -> None:
    """`unbind_sso`: the identity provider's account no longer signs in as this user; the
    next sign-in binds by the verified e-mail again (lib.sso)."""
    _require_admin(viewer)
    scope_ids = sorted(set(scope_ids))
    user = _get_user(session, user_id)
    if user.id == viewer.user_id and (not active or role != Role.ADMIN):
        raise AdminError(_("Du kan inte stänga av eller ta bort administratörsrollen från "
                           "ditt eget konto."))
    if not display_name.strip():
        raise AdminError(_("Namn måste fyllas i."))
    before = _user_state(user)
    kaa = bool(handles_kaa) and role == Role.COACH
    access_changed = user.role != role.value or user.active != active or \
        sorted(before["scopes"]) != scope_ids or bool(user.handles_kaa) != kaa
    user.role, user.active, user.handles_kaa = role.value, active, kaa
    user.display_name, user.title, user.email = display_name.strip(), title or None, _email(
        email)
    _set_scopes(user, role, scope_ids)
    if unbind_sso and user.sso_subject is not None:
        user.sso_issuer = user.sso_subject = None
        access_changed = True
    if access_changed:  # a new role or scope starts with a new login
        touch_credentials(session, user, ENDED_BY_CHANGE if active else ENDED_BY_DISABLING)
    session.flush()
    log_event(session, viewer, "update", "user", user.id, before=before, after=_user_state(user))


def reset_password(session: Session, viewer: Viewer, user_id: int, password: str,
                   bcrypt_rounds: int = 12) -> None:
    _require_admin(viewer)
    user = _get_user(session, user_id)
    user.password_hash = hash_password(password, bcrypt_rounds)
    clear_lock(session, user.username)
    touch_credentials(session, user)
    log_event(session, viewer, "reset_password", "user", user.id)


def _get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise AdminError(_("Användaren finns inte."))
    return user


def _user_state(user: User) -> dict:
    return {
        "role": user.role, "active": user.active, "display_name": user.display_name,
        "email": user.email, "sso_bound": user.sso_subject is not None,
        "handles_kaa": bool(user.handles_kaa),
        "scopes": [s.region_id or s.municipality_id or s.school_id for s in user.scopes],
    }


# --- Organisation -------------------------------------------------------------------------

def list_thresholds(session: Session, viewer: Viewer) -> pd.DataFrame:
    _require_admin(viewer)
    rows = session.execute(select(Municipality.id, Municipality.name,
                                  Municipality.watch_threshold, Municipality.high_threshold)
                           .order_by(Municipality.name)).all()
    return pd.DataFrame(rows, columns=["id", "municipality", "watch_level", "high_level"])


def set_thresholds(session: Session, viewer: Viewer, municipality_id: int, watch: float,
                   high: float) -> None:
    """Flag levels for a municipality's students, as fractions (0.15 = 15 %)."""
    _require_admin(viewer)
    if not 0 < watch < high < 1:
        raise AdminError(_("Nivån för bevakning måste vara större än 0 % och lägre än nivån "
                           "för hög frånvaro, som måste vara under 100 %."))
    municipality = session.get(Municipality, municipality_id)
    if municipality is None:
        raise AdminError(_("Kommunen finns inte."))
    before = {"watch": municipality.watch_threshold, "high": municipality.high_threshold}
    municipality.watch_threshold, municipality.high_threshold = watch, high
    session.flush()
    summaries.refresh_municipalities(session, [municipality_id])
    log_event(session, viewer, "update", "municipality", municipality_id, before=before,
              after={"watch": watch, "high": high})


def create_region(session: Session, viewer: Viewer, name: str) -> int:
    _require_admin(viewer)
    name = name.strip()
    if not name:
        raise AdminError(_("Regionens namn måste fyllas i."))
    if session.scalar(select(Region.id).where(Region.name == name)):
        raise AdminError(_("Regionen finns redan."))
    region = Region(name=name)
    session.add(region)
    session.flush()
    log_event(session, viewer, "create", "region", region.id, after={"name": name})
    return region.id


def create_municipality(session: Session, viewer: Viewer, code: str, name: str,
                        region_id: int) -> int:
    _require_admin(viewer)
    code, name = code.strip(), name.strip()
    if not re.fullmatch(r"\d{4}", code):
        raise AdminError(_("Kommunkoden ska vara fyra siffror (SCB:s kod, t.ex. 2305)."))
    if not name:
        raise AdminError(_("Kommunens namn måste fyllas i."))
    if session.scalar(select(Municipality.id).where(Municipality.code == code)):
        raise AdminError(_("Det finns redan en kommun med den koden."))
    if session.get(Region, region_id) is None:
        raise AdminError(_("Välj en region."))
    municipality = Municipality(code=code, name=name, region_id=region_id)
    session.add(municipality)
    session.flush()
    log_event(session, viewer, "create", "municipality", municipality.id,
              after={"code": code, "name": name, "region_id": region_id})
    return municipality.id


def create_school(session: Session, viewer: Viewer, unit_code: str, name: str,
                  municipality_id: int) -> int:
    _require_admin(viewer)
    unit_code, name = unit_code.strip(), name.strip()
    if not re.fullmatch(r"\d{8}", unit_code):
        raise AdminError(_("Skolenhetskoden ska vara åtta siffror."))
    if not name:
        raise AdminError(_("Skolans namn måste fyllas i."))
    if session.scalar(select(School.id).where(School.unit_code == unit_code)):
        raise AdminError(_("Det finns redan en skola med den skolenhetskoden."))
    if session.get(Municipality, municipality_id) is None:
        raise AdminError(_("Välj en kommun."))
    school = School(unit_code=unit_code, name=name, municipality_id=municipality_id)
    session.add(school)
    session.flush()
    log_event(session, viewer, "create", "school", school.id,
              after={"unit_code": unit_code, "name": name, "municipality_id": municipality_id})
    return school.id


def create_term(session: Session, viewer: Viewer, kind: str, year: int, start: dt.date,
                end: dt.date) -> int:
    _require_admin(viewer)
    if kind not in ("HT", "VT"):
        raise AdminError(_("Terminen ska vara HT eller VT."))
    if end < start:
        raise AdminError(_("Slutdatum kan inte ligga före startdatum."))
    if (kind == "HT") != (start.month >= 7) or start.year != year:
        raise AdminError(_("Startdatumet passar inte terminen (HT börjar juli–december, VT "
                           "januari–juni, samma år)."))
    code = f"{kind}{year}"
    if session.scalar(select(Term.id).where(Term.code == code)):
        raise AdminError(_("Terminen {term} finns redan.").format(term=code))
    overlapping = session.scalar(select(Term.code).where(Term.start_date <= end,
                                                         Term.end_date >= start))
    if overlapping:
        raise AdminError(_("Datumen överlappar terminen {term}.").format(term=overlapping))
    term = Term(code=code, kind=kind, year=year, start_date=start, end_date=end)
    session.add(term)
    session.flush()
    log_event(session, viewer, "create", "term", term.id,
              after={"code": code, "start": start.isoformat(), "end": end.isoformat()})
    return term.id
