"""Mapping runs, an instrument and a class's weekly absence, built on the hand-built world
(tests/factories.py) for the analysis and group plan tests.

The instrument "Testkartläggning" v1 (published, scale 1–5) has two dimensions:
involvering (s1, and s2 which is reversed) and meningsfullhet (s3), and two guide topics.
The class NA1B at SB gets `students` new students of Alfa; its weekly absence is 20 % in
the four weeks before START and 10 % in the four weeks after."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from data_models.codes import InstrumentLevel
from data_models.models import (
    ConnectednessRun,
    Enrolment,
    Student,
)
from lib import summaries
from lib.clock import utcnow
from tests.connectedness_world import add_answers, build_instrument
from tests.factories import World, absence, personal_number

RUN_DATE = dt.date(2025, 9, 10)
NEXT_DATE = dt.date(2025, 12, 10)
START = dt.date(2025, 9, 29)  # a Monday: the plan's start week is in neither window
GROUP = "NA1B"


def add_instrument(session: Session, world: World) -> dict[str, int]:
    """The test instrument; the ids of it, its statements and its topics by code."""
    return build_instrument(
        session, world, name="Testkartläggning",
        scale=[(value, f"Steg {value}") for value in range(1, 6)],
        dimensions=[("inv", "Involvering", [("s1", False), ("s2", True)]),
                    ("men", "Meningsfullhet", [("s3", False)])],
        topics=[(title, f"Frågor om {title.lower()}")
                for title in ("Vad ser vi?", "Vad gör vi?")])


def add_run(session: Session, world: World, ids: dict[str, int], answers: list[dict],
            *, school: str = "SB", group: str = GROUP, date: dt.date = RUN_DATE,
            by: str = "staff_sb") -> int:
    """A class run with one anonymous response per dict of answers (statement code → value)."""
    run = ConnectednessRun(instrument_id=ids["instrument"], level=InstrumentLevel.CLASS,
                           school_id=world[school], group_name=group, date=date,
                           roster_size=max(len(answers), 1), note="", version=1,
                           created_by=world[f"user:{by}"], created_at=utcnow())
    session.add(run)
    session.flush()
    add_answers(session, run.id, ids, answers)
    return run.id


def same_answers(count: int, s1: int, s2: int, s3: int) -> list[dict]:
    return [{"s1": s1, "s2": s2, "s3": s3} for _ in range(count)]


def add_class(session: Session, world: World, students: int, first: int = 1) -> list[int]:
    """`students` new students of Alfa in NA1B at SB (numbered from `first`, born in July
    2008), with their weekly absence around START."""
    ids = []
    for day in range(first, first + students):
        student = Student(personal_number=personal_number(f"200807{day:02d}", 990),
                          first_name=f"Klass{day}", last_name="Testsson",
                          home_municipality_id=world["A"])
        session.add(student)
        session.flush()
        session.add(Enrolment(student_id=student.id, school_id=world["SB"], programme="NA",
                              class_name=GROUP, school_year=1, start_date=dt.date(2025, 8, 18)))
        ids.append(student.id)
    monday = START - dt.timedelta(days=START.weekday())
    for student_id in ids:
        for week in range(1, 5):
            session.add(absence(student_id, world["SB"], monday - dt.timedelta(weeks=week),
                                world["HT2025"], 100, 0, 20))
            session.add(absence(student_id, world["SB"], monday + dt.timedelta(weeks=week),
                                world["HT2025"], 100, 0, 10))
    session.flush()
    summaries.refresh_all(session)
    return ids
