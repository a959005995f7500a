"""`make bench`: the service calls behind each page on a region-scale data set.

Seeds bench/region.db (60 000 students, one school year of daily rows) on first use, then
times each page's service calls: median and p95 over repeated runs, peak memory, the
estimated browser payload of the school page, the summary refresh after an import, and a
naive baseline (pandas groupby over the raw daily rows) for the region indicators.
Writes bench/results.json as {metric: {"value": number, "unit": "ms" | "s" | "MB"}}."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select, text

from bench.connectedness import connectedness_calls, ensure_connectedness
from bench.importing import import_seconds
from bench.national import ensure_national
from data_models.engine import analyze, make_engine, unit_of_work
from data_models.migrate import upgrade
from data_models.models import (
    ActionPlan,
    Enrolment,
    KaaContact,
    KaaEpisode,
    Measure,
    Municipality,
    Role,
    Student,
    StudentTermSummary,
    StudyInterruption,
    Term,
    User,
)
from lib import charts, summaries
from lib.access import Viewer, load_viewer
from lib.clock import utcnow
from lib.cycle import follow_up_cycle
from lib.dashboards import heatmap_page, school_page, watch_list
from lib.demo import SMALL_CODE, DemoSpec, seed_demo, seed_follow_up
from lib.indicators import region_indicators
from lib.kaa import kaa_list
from lib.measure_effects import effect_of_measures
from lib.overview import municipality_overview, scope_overview
from lib.plan_changes import student_plan_follow_ups
from lib.plans import deciding_meetings, list_plans, student_plan_goals
from lib.student_absence import student_absence
from lib.students import get_student
from lib.talk_indicators import talk_indicators
from lib.talks import list_talks, read_talks, support_choices
from lib.transition_indicators import transition_indicators
from lib.transitions import incoming_students
from lib.visit_pack import build_student_follow_up

HERE = Path(__file__).resolve().parent
# One full school year, so that the set does not change with the day it is built.
END_DATE = dt.date(2026, 6, 12)


def timed(call: Callable[[], object], runs: int) -> tuple[float, float]:
    """(median, p95) in milliseconds, after one warm-up call."""
    call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.95 * len(samples)))]


def ensure_region(url: str, students: int) -> float | None:
    """Seed the region-scale set when the database is empty. Returns the seconds seeding
    took, now or when the set was made (kept in bench/seed.json), if known."""
    upgrade(url)
    engine = make_engine(url)
    record = HERE / "seed.json"
    with unit_of_work(engine) as session:
        if session.scalar(select(func.count()).select_from(User)):
            return json.loads(record.read_text())["seconds"] if record.exists() else None
    started = time.perf_counter()
    with unit_of_work(engine, write=True) as session:
        seed_demo(session, DemoSpec(students=students, terms=2, end_date=END_DATE,
                                    bcrypt_rounds=4))
    seconds = time.perf_counter() - started
    record.write_text(json.dumps({"seconds": round(seconds, 1), "students": students}))
    return seconds


def ensure_follow_up(url: str) -> None:
    """A set seeded before the demo had follow-up (contacts, measures, meetings) gets it."""
    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(engine, write=True) as session:
        summaries.catch_up(session)
        analyze(session)
        if not session.scalar(select(func.count()).select_from(Measure)):
            seed_follow_up(session, DemoSpec().seed, END_DATE)
    engine.dispose()


KAA_EPISODES = 300  # the largest municipality's open KAA cases, a few years' worth
KAA_RESULTS = ("no_answer", "message_left", "no_answer", "reached")


def ensure_kaa(url: str) -> None:
    """The largest municipality's activity responsibility: KAA_EPISODES cases opened over
    the school year, each with up to three contact attempts. The enrolments are left as they
    are, so that no other figure changes."""
    engine = make_engine(url)
    with unit_of_work(engine, write=True) as session:
        if session.scalar(select(func.count()).select_from(KaaEpisode)):
            engine.dispose()
            return
        largest = session.scalar(
            select(Student.home_municipality_id).group_by(Student.home_municipality_id)
            .order_by(func.count().desc()).limit(1))
        enrolments = session.execute(
            select(Enrolment.id, Enrolment.student_id, Enrolment.school_id)
            .join(Student, Student.id == Enrolment.student_id)
            .where(Student.home_municipality_id == largest)
            .order_by(Enrolment.id).limit(KAA_EPISODES)).all()
        author = session.scalar(select(User.id).where(User.username == "admin"))
        now = utcnow()
        for n, (enrolment_id, student_id, school_id) in enumerate(enrolments):
            day = END_DATE - dt.timedelta(days=7 + n % 250)
            interruption = StudyInterruption(
                student_id=student_id, enrolment_id=enrolment_id, school_id=school_id,
                date=day, reason="interrupted", source="list", created_at=now)
            session.add(interruption)
            session.flush()
            episode = KaaEpisode(student_id=student_id, municipality_id=largest,
                                 interruption_id=interruption.id, opened_on=day,
                                 occupation="unknown", version=1, created_at=now)
            session.add(episode)
            session.flush()
            session.add_all([KaaContact(episode_id=episode.id,
                                        date=day + dt.timedelta(days=3 + 10 * k),
                                        channel=("letter", "phone", "sms")[k],
                                        result=KAA_RESULTS[(n + k) % 4], note="",
                                        next_step="", author_id=author, created_at=now)
                             for k in range(n % 4)])
    engine.dispose()


def viewers(session):
    def by_name(username):
        return load_viewer(session, session.scalar(select(User).where(User.username == username)))
    return {name: by_name(name) for name in ("coach", "projektledare", "admin")}


def student_page_services(session, viewer: Viewer, student_id: int, term_id: int) -> None:
    """Every service call of the student page: the student and the absence, the follow-up
    (measures, meetings, feedback, contacts), the cycle, the talks and the plans with their
    follow-ups and changes."""
    get_student(session, viewer, student_id)
    student_absence(session, viewer, student_id)
    build_student_follow_up(session, viewer, student_id, END_DATE)
    follow_up_cycle(session, viewer, student_id, term_id)
    list_talks(session, viewer, student_id)
    read_talks(session, viewer, student_id)
    support_choices(session, viewer, student_id)
    list_plans(session, viewer, student_id)
    student_plan_goals(session, viewer, student_id)
    student_plan_follow_ups(session, viewer, student_id)
    deciding_meetings(session, viewer, student_id)


def payload_mb(page, matrix) -> float:
    """What one rerun of the school page sends: its figures as JSON and tables as Arrow."""
    from streamlit.dataframe_util import convert_pandas_df_to_arrow_bytes

    figures = [charts.distribution(page.table["absence"]), charts.weekly_trend(page.weekly_lines),
               charts.pattern(page.weekday, "v"), charts.pattern(page.lessons, "l"),
               charts.heatmap(matrix)]
    size = sum(len(f.to_json()) for f in figures)
    size += len(convert_pandas_df_to_arrow_bytes(page.table))
    return size / 1e6


def naive_region_indicators(session, term_id: int) -> pd.DataFrame:
    """The baseline: read the raw daily rows and group them in pandas."""
    raw = pd.read_sql(text(
        "SELECT a.student_id, s.home_municipality_id, a.scheduled_minutes, a.absent_minutes "
        "FROM absence_record a JOIN student s ON s.id = a.student_id WHERE a.term_id = :term"),
        session.connection(), params={"term": term_id})
    per_student = raw.groupby(["home_municipality_id", "student_id"])[
        ["scheduled_minutes", "absent_minutes"]].sum()
    share = per_student["absent_minutes"] / per_student["scheduled_minutes"]
    return share.groupby(level=0).agg(students="size", over_high=lambda s: (s >= 0.2).sum())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--url", default=f"sqlite:///{HERE / 'region.db'}")
    parser.add_argument("--students", type=int, default=60_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--national-url", default=f"sqlite:///{HERE / 'national.db'}")
    args = parser.parse_args(argv)

    seeded = ensure_region(args.url, args.students)
    ensure_follow_up(args.url)
    ensure_kaa(args.url)
    mapping_seeded = ensure_connectedness(args.url)
    national_seeded = ensure_national(args.national_url)
    engine = make_engine(args.url)
    results: dict[str, dict] = {}

    def record(name: str, value: float, unit: str) -> None:
        results[name] = {"value": round(value, 3 if unit == "s" else 1), "unit": unit}

    with unit_of_work(engine) as session:
        people = viewers(session)
        term = session.scalar(select(Term).order_by(Term.start_date.desc()).limit(1))
        term_id, term_code = term.id, term.code
        rows = session.scalar(text("SELECT COUNT(*) FROM absence_record"))
        students = session.scalar(text("SELECT COUNT(*) FROM student"))
        # The largest school of the term, seen by its own staff; and the coaches of the
        # small municipality (the source project's case) and of the largest one.
        by_size = session.scalars(
            select(StudentTermSummary.school_id).where(StudentTermSummary.term_id == term_id)
            .group_by(StudentTermSummary.school_id).order_by(func.count().desc())).all()
        school_id, typical_id = by_size[0], by_size[len(by_size) // 2]
        rector = Viewer(0, "bench", "Bench", Role.SCHOOL_STAFF, school_ids=frozenset({school_id}))
        typical = Viewer(0, "bench", "Bench", Role.SCHOOL_STAFF,
                         school_ids=frozenset({typical_id}))
        largest = session.scalar(
            select(Student.home_municipality_id).group_by(Student.home_municipality_id)
            .order_by(func.count().desc()).limit(1))
        big_coach = Viewer(0, "bench", "Bench", Role.COACH,
                           municipality_ids=frozenset({largest}))
        kaa_officer = Viewer(0, "bench", "Bench", Role.KAA_OFFICER,
                             municipality_ids=frozenset({largest}))
        # The new students of the school year: those of its autumn term.
        autumn = session.scalar(select(Term.id).where(Term.kind == "HT")
                                .order_by(Term.start_date.desc()).limit(1))
        student_id = session.scalar(
            select(Student.id)
            .join(Municipality, Municipality.id == Student.home_municipality_id)
            .join(StudentTermSummary, StudentTermSummary.student_id == Student.id)
            .where(Municipality.code == SMALL_CODE, StudentTermSummary.term_id == term.id)
            .limit(1))
        # A student of the small municipality with talks and a plan (the demo's share).
        followed_id = session.scalar(
            select(ActionPlan.student_id)
            .join(Student, Student.id == ActionPlan.student_id)
            .join(Municipality, Municipality.id == Student.home_municipality_id)
            .where(Municipality.code == SMALL_CODE).order_by(ActionPlan.id.desc()).limit(1))
        coach = people["coach"]
        admin = people["admin"]

        def school(viewer=rector, chosen=school_id) -> None:
            page = school_page(session, viewer, chosen, term.id)
            heatmap_page(session, viewer, chosen, term.id, page.table["id"].tolist(), 0)

        calls = {
            "coach_overview_ms": lambda: scope_overview(session, coach, term.id),
            "large_coach_overview_ms": lambda: scope_overview(session, big_coach, term.id),
            "school_page_ms": school,
            "typical_school_page_ms": lambda: school(typical, typical_id),
            "student_page_ms": lambda: (get_student(session, coach, student_id),
                                        student_absence(session, coach, student_id)),
            "student_page_with_follow_up_ms": lambda: student_page_services(
                session, coach, followed_id, term.id),
            "watchlist_ms": lambda: watch_list(session, coach, term.id),
            "large_watchlist_ms": lambda: watch_list(session, big_coach, term.id),
            "region_indicators_ms": lambda: region_indicators(
                session, people["projektledare"], term.id),
            "region_effect_of_measures_ms": lambda: effect_of_measures(
                session, people["projektledare"], term.id),
            "region_overview_ms": lambda: municipality_overview(
                session, people["projektledare"], term.id),
            "region_talk_indicators_ms": lambda: talk_indicators(
                session, people["projektledare"], term.id),
            "kaa_list_largest_ms": lambda: kaa_list(session, kaa_officer, END_DATE),
            "new_students_largest_school_ms": lambda: incoming_students(
                session, rector, school_id, autumn, END_DATE),
            "region_transition_indicators_ms": lambda: transition_indicators(
                session, people["projektledare"], autumn, END_DATE),
            "region_page_ms": lambda: (
                region_indicators(session, people["projektledare"], term.id),
                talk_indicators(session, people["projektledare"], term.id),
                effect_of_measures(session, people["projektledare"], term.id),
                transition_indicators(session, people["projektledare"], term.id, END_DATE)),
            # The school page's mapping section and the whole page with it (bench.connectedness).
            **connectedness_calls(session, term)[0],
        }
        medians = {}
        for name, call in calls.items():
            median, p95 = timed(call, args.runs)
            medians[name] = median
            record(name, median, "ms")
            record(name.replace("_ms", "_p95_ms"), p95, "ms")
        page = school_page(session, rector, school_id, term.id)
        matrix = heatmap_page(session, rector, school_id, term.id, page.table["id"].tolist(), 0)
        record("school_page_payload_mb", payload_mb(page, matrix), "MB")
        school_students = page.table["id"].tolist()
        baseline, _ = timed(lambda: naive_region_indicators(session, term.id), 3)
        record("baseline_region_indicators_ms", baseline, "ms")
        # The baseline computes the shares per municipality: compare it with the same view.
        record("baseline_ratio", baseline / medians["region_overview_ms"], "x")
        session.rollback()  # the audit events written by the services above are not kept

    # The refresh an import of one school's term triggers, in a transaction rolled back.
    with unit_of_work(engine) as session:
        started = time.perf_counter()
        summaries.refresh(session, [term_id], school_students)
        record("summary_refresh_s", time.perf_counter() - started, "s")
        session.rollback()
    # A 50 000-row lesson export of the largest school, read, checked and committed.
    seconds, first, imported, parts = import_seconds(engine, admin, school_id, term_id)
    record("import_50k_rows_s", seconds, "s")  # the median of three runs
    record("import_50k_first_run_s", first, "s")
    for name, value in parts.items():
        record(f"import_50k_{name}", value, "s")
    if seeded is not None:
        record("seed_region_s", seeded, "s")
    if mapping_seeded is not None:
        record("seed_connectedness_s", mapping_seeded, "s")
    # National scale: every municipality, as an administrator sees them.
    national = make_engine(args.national_url)
    with unit_of_work(national) as session:
        everyone = load_viewer(session, session.scalar(select(User).where(
            User.username == "admin")))
        latest = session.scalar(select(Term.id).order_by(Term.start_date.desc()).limit(1))
        national_students = session.scalar(select(func.count()).select_from(Student))
        for name, call in (
                ("national_indicators_ms", lambda: region_indicators(session, everyone, latest)),
                ("national_effect_of_measures_ms",
                 lambda: effect_of_measures(session, everyone, latest))):
            median, p95 = timed(call, max(5, args.runs // 3))
            record(name, median, "ms")
            record(name.replace("_ms", "_p95_ms"), p95, "ms")
    if national_seeded is not None:
        record("seed_national_s", national_seeded, "s")
    record("peak_memory_mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "MB")

    (HERE / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"{students} students, {rows} absence rows, term {term_code}, school of "
          f"{len(school_students)} students, {imported} rows imported; national set "
          f"{national_students} students")
    for name, value in results.items():
        print(f"  {name:32s} {value['value']:>10} {value['unit']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
