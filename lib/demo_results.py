"""The demo's school organisers (huvudman) and the coaches' priority marks, so that the
results per school organiser and the prioritised students on the Region page have something
to show. A municipal school's organiser is its municipality; a few schools belong to
invented independent organisers."""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_models.bulk import insert_rows
from data_models.codes import Role
from data_models.models import (
    Municipality,
    PriorityMark,
    School,
    Student,
    StudentTermSummary,
    Term,
    User,
    UserScope,
)
from lib.indicators import HIGH
from lib.week_windows import MIN_SCHEDULED_MINUTES

INDEPENDENT_SHARE = 0.25  # of the schools: an independent organiser
INDEPENDENT = ["Fjällgymnasiet AB", "Stiftelsen Norrlandsskolan", "Utbildning Mitt AB"]
PRIORITY_SHARE = 0.3  # of each coach's students at or over 20 % in the latest term
MOST_MARKS = 20  # per coach


def seed_results(session: Session, rng_seed: int, today: dt.date) -> dict[str, int]:
    """Organisers for the schools without one, and priority marks from each coach on some of
    their municipality's students at or over 20 % in the latest term begun by `today`.
    Returns the counts made."""
    rng = np.random.default_rng(rng_seed + 29)
    organisers = _organisers(session, rng)
    term = session.scalars(select(Term).where(Term.start_date <= today)
                           .order_by(Term.start_date.desc())).first()
    marks = _marks(session, rng, term, today) if term is not None else 0
    return {"organisers": organisers, "priority_marks": marks}


def _organisers(session: Session, rng) -> int:
    schools = session.execute(
        select(School, Municipality.name).join(Municipality,
                                               Municipality.id == School.municipality_id)
        .where(School.organiser.is_(None)).order_by(School.id)).all()
    for school, municipality in schools:
        independent = rng.random() < INDEPENDENT_SHARE
        school.organiser = str(rng.choice(INDEPENDENT)) if independent else municipality
    return len(schools)


def _marks(session: Session, rng, term: Term, today: dt.date) -> int:
    coaches = session.execute(
        select(UserScope.municipality_id, func.min(User.id))
        .join(User, User.id == UserScope.user_id)
        .where(User.role == Role.COACH.value, UserScope.municipality_id.is_not(None))
        .group_by(UserScope.municipality_id).order_by(UserScope.municipality_id)).all()
    marked = set(session.scalars(select(PriorityMark.student_id)))
    last = min(term.end_date, today)
    rows = []
    for municipality_id, coach_id in coaches:
        high = [s for s in _high(session, term, municipality_id) if s not in marked]
        count = min(MOST_MARKS, round(len(high) * PRIORITY_SHARE))
        for student_id in rng.choice(high, size=count, replace=False) if count else []:
            days = max((last - term.start_date).days, 0)
            day = term.start_date + dt.timedelta(days=int(rng.integers(0, days + 1)))
            rows.append((int(student_id), coach_id, day))
    return insert_rows(session, PriorityMark.__table__,
                       ["student_id", "user_id", "marked_on"], rows)


def _high(session: Session, term: Term, municipality_id: int) -> list[int]:
    """The municipality's students at or over 20 % in the term, as the indicators count."""
    summary = StudentTermSummary
    return list(session.scalars(
        select(summary.student_id).join(Student, Student.id == summary.student_id)
        .where(summary.term_id == term.id, Student.home_municipality_id == municipality_id)
        .group_by(summary.student_id)
        .having(func.sum(summary.scheduled) >= MIN_SCHEDULED_MINUTES,
                func.sum(summary.absent) * 1.0 / func.sum(summary.scheduled) >= HIGH)
        .order_by(summary.student_id)))
