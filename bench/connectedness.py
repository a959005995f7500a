"""The school page with mapping results at region scale (`python -m bench.connectedness`, and
part of `make bench`).

Adds to the region set (bench/region.db) the example class instrument
(data/instruments/exempel-skolanknytning-klass.csv, loaded and published as an administrator
would) and two class runs a term apart for every class of every school, each answered by
most of the class's roster (at most RESPONDENTS) on every statement. The answers are written
in bulk in one transaction. Then times lib.connectedness_school.school_connectedness for the
largest school, without and with a class, as the school's staff and as a coach, and the
whole school page's data (lib.dashboards.school_page, the heatmap and the mapping section)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

import numpy as np
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from data_models.bulk import insert_rows
from data_models.codes import InstrumentLevel
from data_models.engine import analyze, make_engine, unit_of_work
from data_models.migrate import upgrade
from data_models.models import (
    ConnectednessAnswer,
    ConnectednessResponse,
    ConnectednessRun,
    Enrolment,
    Instrument,
    InstrumentStatement,
    Role,
    Student,
    StudentTermSummary,
    Term,
    User,
)
from lib.access import Viewer, load_viewer
from lib.clock import utcnow
from lib.connectedness_school import school_connectedness
from lib.dashboards import Filters, heatmap_page, school_page
from lib.instruments import load_instrument, publish, read_instrument_file

HERE = Path(__file__).resolve().parent
INSTRUMENT_FILE = HERE.parent / "data" / "instruments" / "exempel-skolanknytning-klass.csv"
# Two runs a term apart: one in the autumn term, one in the spring term of the set.
RUN_DATES = (dt.date(2025, 10, 15), dt.date(2026, 3, 18))
RESPONDENTS = 25  # a class's respondents at most
ANSWERING = 0.9  # the share of the roster that answers


def ensure_connectedness(url: str, seed: int = 16) -> float | None:
    """Load the instrument and the runs into the region set when it has none; the seconds
    it took, or None when they were there."""
    import time

    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        if session.scalar(select(func.count()).select_from(ConnectednessRun)):
            engine.dispose()
            return None
    started = time.perf_counter()
    with unit_of_work(engine, write=True) as session:
        admin = load_viewer(session, session.scalar(select(User).where(
            User.username == "admin")))
        instrument_id = _published_instrument(session, admin)
        _seed_runs(session, instrument_id, admin.user_id, np.random.default_rng(seed))
        analyze(session)
    engine.dispose()
    return time.perf_counter() - started


def _published_instrument(session: Session, admin: Viewer) -> int:
    draft = read_instrument_file(INSTRUMENT_FILE.read_bytes(), INSTRUMENT_FILE.name)
    instrument_id = load_instrument(session, admin, draft)
    session.flush()
    publish(session, admin, instrument_id, session.get(Instrument, instrument_id).revision)
    session.flush()
    return instrument_id


def _rosters(session: Session, day: dt.date) -> list[tuple[int, str, int]]:
    """(school, class, students enrolled on the day) for every class of every school."""
    return session.execute(
        select(Enrolment.school_id, Enrolment.class_name, func.count())
        .where(Enrolment.class_name.is_not(None), Enrolment.start_date <= day,
               or_(Enrolment.end_date.is_(None), Enrolment.end_date >= day))
        .group_by(Enrolment.school_id, Enrolment.class_name)
        .order_by(Enrolment.school_id, Enrolment.class_name)).all()


def _seed_runs(session: Session, instrument_id: int, author: int,
               rng: np.random.Generator) -> None:
    """Two runs of every class, answered in bulk: each class leans to its own level, and
    the second run a little above or below the first."""
    statements = session.scalars(select(InstrumentStatement.id).where(
        InstrumentStatement.instrument_id == instrument_id)
        .order_by(InstrumentStatement.id)).all()
    next_run = (session.scalar(select(func.max(ConnectednessRun.id))) or 0) + 1
    next_response = (session.scalar(select(func.max(ConnectednessResponse.id))) or 0) + 1
    runs, responses, answers = [], [], []
    now = utcnow()
    lean: dict[tuple[int, str], float] = {}
    for round_, day in enumerate(RUN_DATES):
        for school_id, class_name, roster in _rosters(session, day):
            level = lean.setdefault((school_id, class_name), rng.normal(3.4, 0.5))
            level += round_ * rng.normal(0.1, 0.3)
            runs.append((next_run, instrument_id, InstrumentLevel.CLASS.value, school_id,
                         class_name, None, day, roster, "", 1, author, now))
            count = min(RESPONDENTS, max(1, round(ANSWERING * roster)))
            values = np.clip(np.rint(rng.normal(level, 1.0, (count, len(statements)))), 1, 5)
            for row in values.astype(int).tolist():
                responses.append((next_response, next_run))
                answers.extend(zip([next_response] * len(statements), statements, row,
                                   strict=True))
                next_response += 1
            next_run += 1
    insert_rows(session, ConnectednessRun.__table__,
                ["id", "instrument_id", "level", "school_id", "group_name", "student_id",
                 "date", "roster_size", "note", "version", "created_by", "created_at"], runs)
    insert_rows(session, ConnectednessResponse.__table__, ["id", "run_id"], responses)
    insert_rows(session, ConnectednessAnswer.__table__,
                ["response_id", "statement_id", "value"], answers)
    _reset_sequences(session)


def _reset_sequences(session: Session) -> None:
    """On PostgreSQL the ids given above move the tables' sequences past them."""
    if session.connection().dialect.name != "postgresql":
        return
    from sqlalchemy import text

    for table in ("connectedness_run", "connectedness_response"):
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"(SELECT MAX(id) FROM {table}))"))


def connectedness_calls(session: Session, term: Term) -> tuple[dict, str]:
    """The timed calls, by figure name; and a line saying what they run on."""
    summary = StudentTermSummary
    school_id = session.scalar(
        select(summary.school_id).where(summary.term_id == term.id)
        .group_by(summary.school_id).order_by(func.count().desc()).limit(1))
    # The school's class with the most respondents in its latest run.
    class_name = session.scalar(
        select(ConnectednessRun.group_name)
        .join(ConnectednessResponse, ConnectednessResponse.run_id == ConnectednessRun.id)
        .where(ConnectednessRun.school_id == school_id, ConnectednessRun.date <= term.end_date)
        .group_by(ConnectednessRun.id, ConnectednessRun.group_name)
        .order_by(ConnectednessRun.date.desc(), func.count().desc()).limit(1))
    # The coach of the municipality most of the school's students come from.
    municipality = session.scalar(
        select(Student.home_municipality_id)
        .join(summary, summary.student_id == Student.id)
        .where(summary.school_id == school_id, summary.term_id == term.id)
        .group_by(Student.home_municipality_id).order_by(func.count().desc()).limit(1))
    staff = Viewer(0, "bench", "Bench", Role.SCHOOL_STAFF, school_ids=frozenset({school_id}))
    coach = Viewer(0, "bench", "Bench", Role.COACH, municipality_ids=frozenset({municipality}))

    def section(viewer, chosen=None):
        return school_connectedness(session, viewer, school_id, term.id, chosen)

    def whole_page(viewer, chosen=None):
        page = school_page(session, viewer, school_id, term.id, Filters(class_name=chosen))
        heatmap_page(session, viewer, school_id, term.id, page.table["id"].tolist(), 0)
        section(viewer, chosen)

    calls = {
        "connectedness_school_ms": lambda: section(staff),
        "connectedness_class_ms": lambda: section(staff, class_name),
        "connectedness_school_coach_ms": lambda: section(coach),
        "connectedness_class_coach_ms": lambda: section(coach, class_name),
        "school_page_with_mapping_ms": lambda: whole_page(staff),
        "school_page_with_mapping_class_ms": lambda: whole_page(staff, class_name),
        "school_page_with_mapping_coach_ms": lambda: whole_page(coach),
    }
    classes = len(section(staff))
    runs = session.scalar(select(func.count()).select_from(ConnectednessRun))
    answers = session.scalar(select(func.count()).select_from(ConnectednessAnswer))
    return calls, (f"mapping: {runs} class runs, {answers} answers; school {school_id} with "
                   f"{classes} classes mapped, class {class_name}")


def main(argv: list[str] | None = None) -> int:
    from bench.run import timed

    parser = argparse.ArgumentParser(prog="python -m bench.connectedness")
    parser.add_argument("--url", default=f"sqlite:///{HERE / 'region.db'}")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    seeded = ensure_connectedness(args.url)
    engine = make_engine(args.url)
    results = {}
    with unit_of_work(engine) as session:
        term = session.scalar(select(Term).order_by(Term.start_date.desc()).limit(1))
        calls, described = connectedness_calls(session, term)
        for name, call in calls.items():
            median, p95 = timed(call, args.runs)
            results[name] = {"value": round(median, 1), "unit": "ms"}
            results[name.replace("_ms", "_p95_ms")] = {"value": round(p95, 1), "unit": "ms"}
        session.rollback()  # the audit events written by the services are not kept
    if seeded is not None:
        results["seed_connectedness_s"] = {"value": round(seeded, 1), "unit": "s"}
    engine.dispose()
    stored = HERE / "results.json"
    merged = {**(json.loads(stored.read_text()) if stored.exists() else {}), **results}
    stored.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
    print(described)
    for name, value in results.items():
        print(f"  {name:36s} {value['value']:>10} {value['unit']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
