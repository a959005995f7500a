"""The demo's school support: the school where the demo's rector and counsellor work keeps
its own support (extra adaptations, special support, åtgärdsprogram) for most of its
flagged students this term, so that the student page, meeting mode and the visit pack have
something to show. Deterministic for a seed."""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_models.bulk import insert_rows
from data_models.codes import Role
from data_models.models import SchoolSupport, StudentTermSummary, Term, User, UserScope
from lib.clock import utcnow

SUPPORT_SHARE = 0.7  # of the school's students over 15 % this term
EXTRA_SHARE = 0.85  # of those: extra adaptations
SPECIAL_SHARE = 0.35  # special support, and of those PLAN_SHARE with an åtgärdsprogram
PLAN_SHARE = 0.7
WATCH = 0.15
# What a demo note says: invented, short and free of health details.
NOTES = ("Anpassat schema första lektionen.", "Studiestöd i matematik två gånger i veckan.",
         "Mentorn stämmer av planeringen varje måndag.", "Enskilt rum vid prov.",
         "Kortare uppgifter och skriftliga instruktioner.", "")


def seed_support(session: Session, rng_seed: int, today: dt.date) -> dict[str, int]:
    """Support records at the demo's school staff's school for its students over the watch
    level in the latest term begun by `today`, written by that school's staff."""
    rng = np.random.default_rng(rng_seed + 17)
    staff = session.execute(
        select(UserScope.school_id, func.min(User.id)).join(User)
        .where(User.role == Role.SCHOOL_STAFF.value, UserScope.school_id.is_not(None))
        .group_by(UserScope.school_id).order_by(UserScope.school_id)).first()
    term = session.scalars(select(Term).where(Term.start_date <= today)
                           .order_by(Term.start_date.desc()).limit(1)).first()
    if staff is None or term is None:
        return {"school_support": 0}
    school_id, author = staff
    summary = StudentTermSummary
    flagged = session.scalars(
        select(summary.student_id)
        .where(summary.term_id == term.id, summary.school_id == school_id,
               summary.absent >= summary.scheduled * WATCH, summary.scheduled > 0)
        .order_by(summary.student_id)).all()
    last = min(term.end_date, today)
    now = utcnow()
    rows = [_row(rng, student_id, school_id, author, term.start_date, last, now)
            for student_id in flagged if rng.random() < SUPPORT_SHARE]
    insert_rows(session, SchoolSupport.__table__,
                ["student_id", "school_id", "extra_adaptations", "special_support",
                 "support_plan", "support_plan_date", "note", "version", "updated_by",
                 "updated_at"], rows)
    return {"school_support": len(rows)}


def _row(rng, student_id: int, school_id: int, author: int, start: dt.date, last: dt.date,
         now: dt.datetime) -> tuple:
    special = bool(rng.random() < SPECIAL_SHARE)
    plan = special and bool(rng.random() < PLAN_SHARE)
    # The plan was decided some weeks into the term (never after today).
    day = min(start + dt.timedelta(days=int(rng.integers(14, 60))), last) if plan else None
    extra = bool(rng.random() < EXTRA_SHARE) or not special
    return (student_id, school_id, extra, special, plan, day,
            NOTES[int(rng.integers(len(NOTES)))], 1, author, now)
