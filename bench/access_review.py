"""The access review's benchmark (`python -m bench.access_review`): four weeks of the region
set's audit log, first as it is stored, then with a busy region's views added in a
transaction that is rolled back: a coach for every municipality and two staff for every
school, each opening VIEWS_A_DAY students (mostly flagged ones) and LISTS_A_DAY lists every
weekday, some of them in the evening. Prints the median and p95 of
lib.access_review.access_review."""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from data_models.engine import AFTERWARDS, make_engine, unit_of_work
from data_models.models import (
    AuditEvent,
    Role,
    Student,
    StudentTermSummary,
    Term,
    User,
    UserScope,
)
from lib.access import load_viewer
from lib.access_review import access_review
from lib.clock import utc_start_of, utcnow

HERE = Path(__file__).resolve().parent
WEEKS = 4
VIEWS_A_DAY = 30  # students opened by one user on a weekday
LISTS_A_DAY = 5  # school pages, watch lists, visit packs
EVENING = 0.05  # the share of views after working hours
FLAGGED = 0.9  # the share of students opened that are over the watch level (the rest: any)


def _people(session: Session, term_id: int) -> list[tuple[int, str, list[int], list[int]]]:
    """(user id, username, the students the user follows, those over the watch level) for a
    coach of every municipality and two staff of every school, added as users."""
    summary = StudentTermSummary
    rows = session.execute(select(
        summary.student_id, summary.school_id, Student.home_municipality_id,
        summary.absent >= 0.15 * summary.scheduled)
        .join(Student, Student.id == summary.student_id)
        .where(summary.term_id == term_id, summary.scheduled > 0)).all()
    scopes: dict[tuple[str, int], tuple[set, set]] = {}
    for student_id, school_id, municipality_id, over in rows:
        for key in (("municipality_id", municipality_id), ("school_id", school_id)):
            followed, flagged = scopes.setdefault(key, (set(), set()))
            followed.add(student_id)
            if over:
                flagged.add(student_id)
    # A coach per municipality; two staff per school, each seeing the whole school.
    users = [item for item in sorted(scopes.items())
             for _ in range(1 if item[0][0] == "municipality_id" else 2)]
    now, added = utcnow(), []
    for n, ((column, scope_id), (followed, flagged)) in enumerate(users):
        role = Role.COACH if column == "municipality_id" else Role.SCHOOL_STAFF
        user = User(username=f"bench.review.{n}", display_name=f"Användare {n}", role=role,
                    password_hash="-", credentials_changed_at=now, created_at=now)
        user.scopes = [UserScope(**{column: scope_id})]
        session.add(user)
        session.flush()
        added.append((user.id, user.username, sorted(followed), sorted(flagged)))
    return added


def add_busy_log(session: Session, last_day: dt.date, term_id: int) -> int:
    """A busy region's four weeks of views up to `last_day`; the number of events."""
    rng = random.Random(18)
    days = [last_day - dt.timedelta(days=d) for d in range(WEEKS * 7)]
    rows = []
    for user_id, username, followed, flagged in _people(session, term_id):
        for day in (d for d in days if d.weekday() < 5):
            start = utc_start_of(day) + dt.timedelta(hours=8)
            for n in range(VIEWS_A_DAY + LISTS_A_DAY):
                hours = 12 if rng.random() < EVENING else rng.random() * 8
                rows.append({"at": start + dt.timedelta(hours=hours, seconds=n),
                             "user_id": user_id, "username": username,
                             **({"action": "view_student", "entity": "student",
                                 "student_id": rng.choice(
                                     flagged if flagged and rng.random() < FLAGGED else
                                     followed)} if n < VIEWS_A_DAY else
                                {"action": "view_school", "entity": "school",
                                 "student_id": None})})
    session.execute(insert(AuditEvent), rows)
    return len(rows)


def timed_review(session: Session, viewer, last_day: dt.date, runs: int) -> tuple[float, ...]:
    """(median, p95) milliseconds, and the rows of the weekly and the flagged table."""
    from bench.run import timed

    first = last_day - dt.timedelta(days=WEEKS * 7 - 1)
    review = access_review(session, viewer, first, last_day)
    median, p95 = timed(lambda: access_review(session, viewer, first, last_day), runs)
    session.info.pop(AFTERWARDS, None)  # the readings are not written to the set's log
    return median, p95, len(review.weekly), len(review.flagged)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.access_review")
    parser.add_argument("--url", default=f"sqlite:///{HERE / 'region.db'}")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    engine = make_engine(args.url)
    with unit_of_work(engine) as session:  # a read: everything added is rolled back
        admin = load_viewer(session, session.scalar(select(User).where(
            User.username == "admin")))
        stored = session.scalar(select(func.max(AuditEvent.at)))
        if stored is not None:
            median, p95, weekly, flagged = timed_review(session, admin, stored.date(),
                                                        args.runs)
            print(f"stored log, 4 weeks to {stored:%Y-%m-%d}: {weekly} user-weeks, "
                  f"{flagged} flagged; median {median:.0f} ms, p95 {p95:.0f} ms")
        term = session.scalar(select(Term).order_by(Term.start_date.desc()).limit(1))
        events = add_busy_log(session, term.end_date, term.id)
        median, p95, weekly, flagged = timed_review(session, admin, term.end_date, args.runs)
        print(f"busy region, {events} events in 4 weeks to {term.end_date}: {weekly} "
              f"user-weeks, {flagged} flagged; median {median:.0f} ms, p95 {p95:.0f} ms")
        session.rollback()
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
