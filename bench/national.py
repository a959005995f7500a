"""A national-scale set for the indicator benchmark: 350 000 students in 290 municipalities
and 21 regions, three terms of student × term summaries, weekly summaries for the students
the indicators look at week by week (those with a measure, and the flagged ones without),
and contacts and measures. No raw daily rows: the indicators never read them, and 60 M of
them would take an hour to generate. Kept in bench/national.db."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
from sqlalchemy import func, select

from data_models.bulk import insert_rows
from data_models.engine import analyze, make_engine, unit_of_work
from data_models.migrate import upgrade
from data_models.models import (
    Contact,
    Measure,
    Municipality,
    Region,
    School,
    Student,
    StudentTermSummary,
    StudentWeekSummary,
    Term,
    User,
)
from lib import summaries
from lib.clock import utcnow

STUDENTS = 350_000
REGIONS = 21
MUNICIPALITIES = 290
SCHOOLS = 1_300
TERMS = [("HT", 2024, dt.date(2024, 8, 19), dt.date(2024, 12, 20)),
         ("VT", 2025, dt.date(2025, 1, 8), dt.date(2025, 6, 13)),
         ("HT", 2025, dt.date(2025, 8, 18), dt.date(2025, 12, 19))]
WEEKS = 18


def ensure_national(url: str, seed: int = 350) -> float | None:
    """Seed the national set into an empty database; the seconds it took, or None."""
    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(engine, write=True) as session:
        seeded = session.scalar(select(func.count()).select_from(Student))
        summaries.catch_up(session)  # a set seeded before the effect windows gets them
        analyze(session)  # a set seeded before the planner statistics gets them
    if seeded:
        return None
    started = time.perf_counter()
    with unit_of_work(engine, write=True) as session:
        _seed(session, np.random.default_rng(seed))
        analyze(session)
    engine.dispose()
    return time.perf_counter() - started


def _seed(session, rng: np.random.Generator) -> None:
    now = utcnow()
    insert_rows(session, Region.__table__, ["id", "name"],
                [(i, f"Region {i}") for i in range(1, REGIONS + 1)])
    insert_rows(session, Municipality.__table__, ["id", "code", "name", "region_id",
                                                  "watch_threshold", "high_threshold"],
                [(i, f"{1000 + i}", f"Kommun {i}", 1 + i % REGIONS, 0.15, 0.20)
                 for i in range(1, MUNICIPALITIES + 1)])
    school_home = rng.integers(1, MUNICIPALITIES + 1, SCHOOLS)
    insert_rows(session, School.__table__, ["id", "unit_code", "name", "municipality_id"],
                [(i, f"{10_000_000 + i}", f"Skola {i}", int(school_home[i - 1]))
                 for i in range(1, SCHOOLS + 1)])
    insert_rows(session, Term.__table__, ["id", "code", "kind", "year", "start_date",
                                          "end_date"],
                [(i, f"{k}{y}", k, y, s, e) for i, (k, y, s, e) in enumerate(TERMS, 1)])
    session.add(User(username="admin", display_name="Admin", role="admin",
                     password_hash="-", active=True,
                     credentials_changed_at=now, created_at=now))
    session.flush()
    # Municipality sizes vary like Sweden's: a few large, many small.
    weights = rng.pareto(1.2, MUNICIPALITIES) + 0.05
    homes = rng.choice(np.arange(1, MUNICIPALITIES + 1), STUDENTS, p=weights / weights.sum())
    insert_rows(session, Student.__table__, ["id", "personal_number", "first_name",
                                             "last_name", "home_municipality_id",
                                             "protected_identity"],
                [(i, f"20{i:010d}", "Elev", f"{i}", int(homes[i - 1]), False)
                 for i in range(1, STUDENTS + 1)])
    schools = rng.integers(1, SCHOOLS + 1, STUDENTS)
    risk = rng.beta(1.3, 9.0, STUDENTS)  # a student's absence level, about 12 % on average
    rows = []
    for term_id in range(1, len(TERMS) + 1):
        share = np.clip(risk + rng.normal(0, 0.03, STUDENTS), 0, 0.95)
        scheduled = rng.integers(15_000, 21_000, STUDENTS)
        absent = (scheduled * share).astype(int)
        invalid = (absent * rng.uniform(0.1, 0.7, STUDENTS)).astype(int)
        unreported = (scheduled * 0.01).astype(int)
        rows += [(i + 1, int(schools[i]), term_id, int(scheduled[i]), int(absent[i]),
                  int(absent[i] - invalid[i]), int(invalid[i]), int(unreported[i]),
                  int(scheduled[i]), 80)
                 for i in range(STUDENTS)]
    insert_rows(session, StudentTermSummary.__table__,
                ["student_id", "school_id", "term_id", "scheduled", "absent", "valid",
                 "invalid", "unreported", "known_scheduled", "days"], rows)
    summaries.refresh_municipality_terms(session, [1, 2, 3])
    _follow_up(session, rng, risk, schools)
    # The rows above were written directly, not through summaries.refresh: count the trend
    # sums, the flagged students and the week windows the same way a migrated set is.
    summaries.catch_up(session)


def _follow_up(session, rng, risk, schools) -> None:
    """HT2025: contacts for half the students over 15 %, measures for a third of them, and
    weekly summaries for everyone over 15 %."""
    now = utcnow()
    flagged = np.flatnonzero(risk >= 0.15) + 1
    contacted = flagged[rng.random(len(flagged)) < 0.5]
    measured = flagged[rng.random(len(flagged)) < 0.33]
    start = TERMS[2][2]
    insert_rows(session, Contact.__table__,
                ["student_id", "kind", "date", "note", "user_id", "created_at"],
                [(int(s), "talk", start + dt.timedelta(days=30), "", 1, now)
                 for s in contacted])
    insert_rows(session, Measure.__table__,
                ["student_id", "kind", "description", "owner_kind", "owner_name",
                 "start_date", "follow_up_date", "status", "stop_reason", "outcome",
                 "version", "created_by", "created_at"],
                [(int(s), ["mi", "structure", "action_plan", "bup"][int(s) % 4], "", "coach",
                  "", start + dt.timedelta(weeks=8), start + dt.timedelta(weeks=12),
                  "ongoing", "", "", 1, 1, now) for s in measured])
    weekly = []
    for student in flagged:
        level = float(risk[student - 1])
        for week in range(WEEKS):
            monday = start + dt.timedelta(weeks=week)
            iso = monday.isocalendar()
            absent = int(1000 * min(0.95, max(0.0, level + rng.normal(0, 0.05))))
            weekly.append((int(student), int(schools[student - 1]), iso.year, iso.week, 3,
                           1000, absent, absent // 2, absent - absent // 2, 10, 1000))
    insert_rows(session, StudentWeekSummary.__table__,
                ["student_id", "school_id", "iso_year", "iso_week", "term_id", "scheduled",
                 "absent", "valid", "invalid", "unreported", "known_scheduled"], weekly)
    summaries.refresh_effects(session)
