"""The demo's collaborations: every municipality with a coach has an agreement with most of
the schools its students attend this term (one or two reviews a term), has only contacted a
few, and has not yet contacted a few; the agreed and contacted schools have contact persons.
The rector and counsellor accounts are the contact persons at their own school. Where an
agreement asks for two reviews, some schools have the next one planned, so that the cadence
on the overview has both kinds of line. Every person is invented; phone numbers are from the
range set aside for fiction (08-465 004 00–99), addresses end in .example."""

from __future__ import annotations

import datetime as dt
import unicodedata

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_models.bulk import insert_rows
from data_models.codes import CollaborationStatus, ContactRole, Role
from data_models.models import Collaboration, SchoolContact, Term, User, UserScope
from lib.access import load_viewer
from lib.cadence import pair_table
from lib.clock import utcnow
from lib.meetings import plan_meeting

AGREED_SHARE = 0.75
CONTACTED_SHARE = 0.12  # the rest are not contacted yet (no record)
TWO_REVIEWS_SHARE = 0.35  # of the agreements
PLANNED_SHARE = 0.5  # of the schools behind: the next review planned
FORUMS = ["Genomgång med rektor och elevhälsan", "Möte med SYV och mentorerna",
          "Elevhälsomöte på skolan", "Genomgång med kurator och rektor"]
# Invented staff names (kept here: lib.demo calls this module, so it does not import it).
FIRST_NAMES = ["Anna", "Lena", "Karin", "Maria", "Eva", "Sara", "Johan", "Per", "Lars",
               "Mikael", "Anders", "Helena", "Åsa", "Jonas", "Ulrika", "Peter", "Linda",
               "Mattias", "Sofia", "Fredrik"]
LAST_NAMES = ["Lindqvist", "Berg", "Holm", "Sjöberg", "Nordin", "Lund", "Strand", "Ek",
              "Forsberg", "Wikström", "Dahl", "Öberg", "Hedlund", "Norberg", "Sundberg"]
STAFF_ROLES = {"rektor": ContactRole.PRINCIPAL, "kurator": ContactRole.WELFARE_OFFICER}


def seed_collaboration(session: Session, rng_seed: int, today: dt.date) -> dict[str, int]:
    """Collaborations and contact persons for the coaches' municipalities at the schools
    their students attend in the latest term begun by `today`. Returns the counts made."""
    rng = np.random.default_rng(rng_seed + 17)
    admin = session.scalars(select(User).where(User.role == Role.ADMIN.value)).first()
    term = session.scalars(select(Term).where(Term.start_date <= today)
                           .order_by(Term.start_date.desc())).first()
    if admin is None or term is None:
        return {"collaborations": 0, "school_contacts": 0}
    coaches = dict(session.execute(
        select(UserScope.municipality_id, User.id).join(User, User.id == UserScope.user_id)
        .where(User.role == Role.COACH.value, UserScope.municipality_id.is_not(None))).all())
    pairs = pair_table(session, load_viewer(session, admin), term.id, today)
    pairs = pairs[pairs["municipality_id"].isin(list(coaches))]
    rows, now = [], utcnow()
    for pair in pairs.itertuples():
        draw = rng.random()
        if draw >= AGREED_SHARE + CONTACTED_SHARE:
            continue  # not contacted yet
        contacted = today - dt.timedelta(days=int(rng.integers(60, 400)))
        agreed = draw < AGREED_SHARE
        rows.append(Collaboration(
            municipality_id=int(pair.municipality_id), school_id=int(pair.school_id),
            status=CollaborationStatus.AGREED if agreed else CollaborationStatus.CONTACTED,
            contacted_on=contacted,
            agreed_on=min(today, contacted + dt.timedelta(days=int(rng.integers(7, 45))))
            if agreed else None,
            approved_by=f"{_person(rng)}, rektor" if agreed else "",
            forum=str(rng.choice(FORUMS)) if agreed else "",
            reviews_per_term=2 if agreed and rng.random() < TWO_REVIEWS_SHARE else 1,
            notes="", version=1, updated_by=coaches[int(pair.municipality_id)],
            updated_at=now))
    session.add_all(rows)
    session.flush()
    contacts = _contacts(session, rng, rows, now)
    planned = _planned_reviews(session, rng, term, today, rows, coaches)
    return {"collaborations": len(rows), "school_contacts": contacts,
            "planned_reviews": planned}


def _person(rng) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _contacts(session: Session, rng, collaborations: list[Collaboration], now) -> int:
    """One or two external contact persons per collaboration; at the school of the demo's
    rector and counsellor accounts, those two."""
    staff = session.execute(
        select(User.id, User.username, User.display_name, UserScope.school_id)
        .join(UserScope, UserScope.user_id == User.id)
        .where(User.username.in_(list(STAFF_ROLES)))).all()
    rows = []
    for collaboration in collaborations:
        users = [s for s in staff if s.school_id == collaboration.school_id]
        if users:
            for user in users:
                rows.append((collaboration.id, user.id, user.display_name,
                             STAFF_ROLES[user.username].value, _phone(rng), "", now))
            continue
        roles = [ContactRole.PRINCIPAL] + ([rng.choice([ContactRole.CAREER_COUNSELLOR,
                                                        ContactRole.WELFARE_OFFICER,
                                                        ContactRole.MENTOR])]
                                          if rng.random() < 0.6 else [])
        for role in roles:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            rows.append((collaboration.id, None, f"{first} {last}", ContactRole(role).value,
                         _phone(rng), f"{_ascii(first)}.{_ascii(last)}@skola.example", now))
    insert_rows(session, SchoolContact.__table__,
                ["collaboration_id", "user_id", "name", "role", "phone", "email",
                 "created_at"], rows)
    return len(rows)


def _phone(rng) -> str:
    return f"08-465 004 {int(rng.integers(0, 100)):02d}"


def _planned_reviews(session: Session, rng, term: Term, today: dt.date,
                     collaborations: list[Collaboration], coaches: dict[int, int]) -> int:
    """The next review planned, two to five weeks ahead within the term, at some of the
    schools whose agreement asks for two."""
    made = 0
    for collaboration in collaborations:
        if collaboration.reviews_per_term != 2 or rng.random() >= PLANNED_SHARE:
            continue
        day = today + dt.timedelta(weeks=int(rng.integers(2, 6)))
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        if day > term.end_date or day <= today:
            continue
        coach = load_viewer(session, session.get(User, coaches[collaboration.municipality_id]))
        plan_meeting(session, coach, school_id=collaboration.school_id, term_id=term.id,
                     municipality_id=collaboration.municipality_id, date=day)
        made += 1
    return made
