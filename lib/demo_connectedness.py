"""The demo's mapping runs: at the school where the demo's rector works, two runs a term
apart for its largest classes, answered anonymously (drawn with a seeded generator), never
more respondents than the class had students; the first class answers better the second
time in most dimensions. Deterministic for a seed."""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from data_models.codes import Role
from data_models.models import (
    ConnectednessAnswer,
    ConnectednessResponse,
    ConnectednessRun,
    Enrolment,
    InstrumentScaleStep,
    InstrumentStatement,
    User,
    UserScope,
)
from lib.clock import utcnow

CLASSES = 3
TERM_APART = dt.timedelta(days=150)
ANSWERED = 0.8  # of the class answers
SEED = 2026


def seed_connectedness(session: Session, instrument_id: int, today: dt.date) -> dict:
    """Two class runs for CLASSES classes of the demo rector's school: one about a term
    before `today` and one two weeks before it."""
    rng = np.random.default_rng(SEED + 31)
    staff = session.execute(
        select(UserScope.school_id, User.id).join(User)
        .where(User.role == Role.SCHOOL_STAFF.value, UserScope.school_id.is_not(None))
        .order_by(User.id).limit(1)).first()
    if staff is None:
        return {"connectedness_runs": 0}
    school_id, author = staff
    later = today - dt.timedelta(days=14)
    dates = (later - TERM_APART, later)
    classes = _largest_classes(session, school_id, dates[0])
    statements = session.execute(select(InstrumentStatement.id, InstrumentStatement.reversed)
                                 .where(InstrumentStatement.instrument_id == instrument_id)
                                 .order_by(InstrumentStatement.id)).all()
    values = sorted(session.scalars(select(InstrumentScaleStep.value).where(
        InstrumentScaleStep.instrument_id == instrument_id)))
    runs = responses = 0
    for number, (group, _size) in enumerate(classes):
        for turn, date in enumerate(dates):
            roster = _roster(session, school_id, group, date)
            run = ConnectednessRun(instrument_id=instrument_id, level="class",
                                   school_id=school_id, group_name=group, date=date,
                                   roster_size=roster or None, note="", version=1,
                                   created_by=author, created_at=utcnow())
            session.add(run)
            session.flush()
            centre = 3.0 + (0.8 if number == 0 and turn == 1 else 0.0)
            count = int(roster * ANSWERED)
            responses += _answers(session, rng, run.id, count, statements, values, centre)
            runs += 1
    return {"connectedness_runs": runs, "connectedness_responses": responses}


def _largest_classes(session: Session, school_id: int, on: dt.date) -> list[tuple[str, int]]:
    return session.execute(
        select(Enrolment.class_name, func.count())
        .where(Enrolment.school_id == school_id, Enrolment.class_name.is_not(None),
               Enrolment.start_date <= on,
               or_(Enrolment.end_date.is_(None), Enrolment.end_date >= on))
        .group_by(Enrolment.class_name)
        .order_by(func.count().desc(), Enrolment.class_name).limit(CLASSES)).all()


def _roster(session: Session, school_id: int, group: str, on: dt.date) -> int:
    return session.scalar(
        select(func.count(func.distinct(Enrolment.student_id)))
        .where(Enrolment.school_id == school_id, Enrolment.class_name == group,
               Enrolment.start_date <= on,
               or_(Enrolment.end_date.is_(None), Enrolment.end_date >= on))) or 0


def _answers(session, rng, run_id, count, statements, values, centre) -> int:
    low, high = values[0], values[-1]
    for _ in range(count):
        response = ConnectednessResponse(run_id=run_id)
        session.add(response)
        session.flush()
        for statement_id, reversed_ in statements:
            if rng.random() < 0.05:
                continue  # left unanswered
            value = int(np.clip(round(rng.normal(centre, 0.9)), low, high))
            if reversed_:
                value = low + high - value
            session.add(ConnectednessAnswer(response_id=response.id,
                                            statement_id=statement_id, value=value))
    session.flush()
    return count
