"""Summary tables, rebuilt inside the caller's transaction for whatever an absence write
touched: student × term, student × week, student × weekday and lesson start, school × week,
municipality × term. Dashboards read these, never the raw rows' totals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import and_, case, delete, exists, func, insert, literal, select, true, update
from sqlalchemy.orm import Session

from data_models.models import (
    AbsencePeriod,
    AbsenceRecord,
    Measure,
    Municipality,
    MunicipalityTermSummary,
    SchoolWeekSummary,
    Student,
    StudentSlotSummary,
    StudentTermSummary,
    StudentWeekSummary,
    Term,
)
from lib import analytics, clock, week_windows
from lib.access import absence_clause
from lib.frames import read_frame
from lib.week_windows import MIN_SCHEDULED_MINUTES

# MIN_SCHEDULED_MINUTES: the minimum enrolment (lib.week_windows, which needs it first).
CHUNK = 500  # ids per IN list, well inside every backend's parameter limit

MINUTES = ("scheduled", "absent", "valid", "invalid", "unreported", "known_scheduled")


def _minutes(table) -> dict:
    """The summed minutes of a raw table. A row whose file did not say how much time went
    unreported (NULL) counts in neither the unreported time nor the reporting rate's base."""
    unknown = table.unreported_minutes.is_(None)
    return {
        "scheduled": table.scheduled_minutes,
        "absent": table.absent_minutes,
        "valid": table.valid_minutes,
        "invalid": table.invalid_minutes,
        "unreported": func.coalesce(table.unreported_minutes, 0),
        "known_scheduled": case((unknown, 0), else_=table.scheduled_minutes),
    }


RAW = _minutes(AbsenceRecord)
PERIOD = _minutes(AbsencePeriod)


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def refresh(session: Session, term_ids: Iterable[int],
            student_ids: Iterable[int] | None = None) -> None:
    """Rebuild the summaries for these terms, for the given students or for everyone."""
    terms = sorted(set(term_ids))
    if not terms:
        return
    if student_ids is None:
        _refresh_students(session, terms, AbsenceRecord.term_id.in_(terms), None)
        _refresh_school_weeks(session, terms, None)
        _refresh_municipality_terms(session, terms, None)
        refresh_effects(session)
        return
    ids = sorted(set(student_ids))
    # Schools before and after: a write may have moved rows away from a school.
    schools = set(_schools_of(session, terms, ids))
    for chunk in _chunks(ids):
        _refresh_students(session, terms, AbsenceRecord.student_id.in_(chunk), chunk)
    schools |= set(_schools_of(session, terms, ids))
    _refresh_school_weeks(session, terms, sorted(schools))
    _refresh_municipality_terms(session, terms, _municipalities_of(session, ids))
    refresh_effects(session, ids)


def refresh_effects(session: Session, student_ids: Iterable[int] | None = None) -> None:
    """Each measure's absence share in the weeks before and after its start week, for the
    given students' measures (or all), from the weekly summary."""
    query = select(Measure.id, Measure.student_id, Measure.start_date)
    columns = ["id", "student_id", "start"]
    if student_ids is None:
        measures = read_frame(session, query, columns)
    else:
        ids = sorted(set(student_ids))
        if not ids:
            return
        measures = pd.concat([read_frame(session, query.where(Measure.student_id.in_(chunk)),
                                         columns) for chunk in _chunks(ids)],
                             ignore_index=True)
    if measures.empty:
        return
    week = StudentWeekSummary
    students = sorted(set(measures["student_id"].astype(int)))
    weekly = pd.concat([read_frame(session,
        select(week.student_id, week.iso_year, week.iso_week, func.sum(week.scheduled),
               func.sum(week.absent))
        .where(week.student_id.in_(chunk))
        .group_by(week.student_id, week.iso_year, week.iso_week),
        ["student_id", "iso_year", "iso_week", "scheduled", "absent"])
        for chunk in _chunks(students)], ignore_index=True)
    weekly["monday"] = analytics.mondays(weekly) if not weekly.empty else []
    windows = analytics.measure_windows(weekly, measures)
    session.execute(update(Measure), [
        {"id": int(i), "effect_before": None if pd.isna(b) else float(b),
         "effect_after": None if pd.isna(a) else float(a)}
        for i, b, a in zip(measures["id"], windows["before"], windows["after"], strict=True)])


def refresh_municipalities(session: Session, municipality_ids: Iterable[int]) -> None:
    """After a threshold change, or students moving between home municipalities: recount
    these municipalities' flagged students in every term."""
    terms = session.scalars(select(Term.id)).all()
    if terms:
        _refresh_municipality_terms(session, terms, sorted(set(municipality_ids)))


def _refresh_students(session, terms, raw_filter, chunk) -> None:
    for table in (StudentTermSummary, StudentWeekSummary, StudentSlotSummary):
        condition = table.term_id.in_(terms)
        if chunk is not None:
            condition = and_(condition, table.student_id.in_(chunk))
        session.execute(delete(table).where(condition))
    sums = [func.sum(RAW[m]).label(m) for m in MINUTES]
    where = and_(AbsenceRecord.term_id.in_(terms), raw_filter)
    session.execute(insert(StudentTermSummary).from_select(
        ["student_id", "school_id", "term_id", *MINUTES, "days"],
        select(AbsenceRecord.student_id, AbsenceRecord.school_id, AbsenceRecord.term_id, *sums,
               func.count(func.distinct(AbsenceRecord.date)))
        .where(where)
        .group_by(AbsenceRecord.student_id, AbsenceRecord.school_id, AbsenceRecord.term_id),
    ))
    _add_periods(session, terms, chunk)
    session.execute(insert(StudentWeekSummary).from_select(
        ["student_id", "school_id", "iso_year", "iso_week", "term_id", *MINUTES],
        select(AbsenceRecord.student_id, AbsenceRecord.school_id, AbsenceRecord.iso_year,
               AbsenceRecord.iso_week, func.min(AbsenceRecord.term_id), *sums)
        .where(where)
        .group_by(AbsenceRecord.student_id, AbsenceRecord.school_id, AbsenceRecord.iso_year,
                  AbsenceRecord.iso_week),
    ))
    slot = (AbsenceRecord.student_id, AbsenceRecord.school_id, AbsenceRecord.term_id,
            AbsenceRecord.weekday, AbsenceRecord.lesson_start)
    session.execute(insert(StudentSlotSummary).from_select(
        ["student_id", "school_id", "term_id", "weekday", "lesson_start", *MINUTES],
        select(*slot, *sums).where(where).group_by(*slot),
    ))
    _refresh_trends(session, terms, chunk)
    week_windows.refresh(session, terms, chunk)


TREND_SUMS = ("recent_scheduled", "recent_absent", "earlier_scheduled", "earlier_absent",
              "weeks")


def trend_sum_columns() -> list:
    """The student × term summary's trend-sum columns, to select beside a term row."""
    return [getattr(StudentTermSummary, name) for name in TREND_SUMS]


def _refresh_trends(session, terms, chunk) -> None:
    """Each student × school × term row's trend sums, from its weeks with scheduled time
    numbered from the end: the last TREND_WEEKS are recent, the ones before earlier. The
    week that is running as they are summed is no week of the trend: its rows hold a part
    of a week, and stay a part until a later import brings the rest (and sums again)."""
    week, summary = StudentWeekSummary, StudentTermSummary
    keys = (week.student_id, week.school_id, week.term_id)
    running_year, running_week = clock.running_week()
    scope = [week.term_id.in_(terms), week.scheduled > 0,
             ~and_(week.iso_year == running_year, week.iso_week == running_week)]
    if chunk is not None:
        scope.append(week.student_id.in_(chunk))
    numbered = (
        select(*keys, week.scheduled, week.absent,
               func.row_number().over(partition_by=keys,
                                      order_by=(week.iso_year.desc(), week.iso_week.desc()))
               .label("from_end"))
        .where(*scope)
        .subquery()
    )
    recent = numbered.c.from_end <= analytics.TREND_WEEKS

    def part(column, in_recent):
        return func.sum(case((recent if in_recent else ~recent, column), else_=0))

    n = numbered.c
    sums = (select(n.student_id, n.school_id, n.term_id,
                   part(n.scheduled, True).label("recent_scheduled"),
                   part(n.absent, True).label("recent_absent"),
                   part(n.scheduled, False).label("earlier_scheduled"),
                   part(n.absent, False).label("earlier_absent"),
                   func.count().label("weeks"))
            .group_by(n.student_id, n.school_id, n.term_id)
            .subquery())
    session.execute(update(summary).where(
        summary.student_id == sums.c.student_id, summary.school_id == sums.c.school_id,
        summary.term_id == sums.c.term_id,
    ).values({name: sums.c[name] for name in TREND_SUMS}))
    # Rows with no weeks (period exports only) are counted too: no trend.
    session.execute(update(summary).where(
        summary.term_id.in_(terms), summary.weeks.is_(None),
        true() if chunk is None else summary.student_id.in_(chunk),
    ).values(weeks=0))


def catch_up(session: Session) -> list[str]:
    """Count what a migration added to summaries built before it: the municipalities'
    fixed-level counts and the trend sums. What was counted, in Swedish."""
    done = []
    if recount_municipalities(session):
        done.append("Kommunernas indikatorer är omräknade.")
    terms = sorted(session.scalars(select(StudentTermSummary.term_id).distinct()
                                   .where(StudentTermSummary.weeks.is_(None))))
    if terms:
        _refresh_trends(session, terms, None)
        done.append("Elevernas trender är beräknade.")
    if week_windows.catch_up(session):
        done.append("Flaggade elever och veckofönster för åtgärdernas effekt är beräknade.")
    return done


def term_trends(session: Session, viewer, term_id: int, rows: pd.DataFrame) -> pd.Series:
    """Each student's trend in one term ("up", "down", "flat" or ""), from student × school
    rows that carry the trend sums (student_term_rows(..., with_trend=True)). A student with
    one row reads the sums kept in the summary; a student with several has their weeks in
    the viewer's scope summed across the schools and numbered again."""
    several = rows["student_id"].duplicated(keep=False)
    # A row whose weeks are not counted yet (NULL, until catch_up) has no trend.
    kept = analytics.classify_trends(
        rows.loc[~several, ["student_id", *TREND_SUMS]].set_index("student_id")
        .fillna({"weeks": 0}))
    if not several.any():
        return kept
    week = StudentWeekSummary
    ids = sorted(set(rows.loc[several, "student_id"].astype(int)))
    weekly = pd.concat([read_frame(session,
        select(week.student_id, week.iso_year, week.iso_week, func.sum(week.scheduled),
               func.sum(week.absent))
        .where(week.term_id == term_id, week.student_id.in_(chunk),
               absence_clause(viewer, week))
        .group_by(week.student_id, week.iso_year, week.iso_week),
        ["student_id", "iso_year", "iso_week", "scheduled", "absent"])
        for chunk in _chunks(ids)], ignore_index=True)
    summed = analytics.trends(weekly, clock.running_week()).reindex(ids).fillna("")
    return pd.concat([kept, summed]).rename("trend")


def term_rows_on(session: Session, viewer, school_id: int, term_id: int,
                 day: dt.date) -> pd.DataFrame:
    """The student × term rows of one school as they stood on `day`: minutes of the days
    up to and including it (and of the period exports that had ended by then), with the
    trend sums over the whole weeks before it (the week of `day` was running). Columns as
    school figures read them: student_id, scheduled, absent, valid, invalid, TREND_SUMS.
    For figures frozen at a meeting that is marked as held after later absence came in."""
    record = AbsenceRecord
    weekly = read_frame(session,
        select(record.student_id, record.iso_year, record.iso_week,
               *[func.sum(RAW[m]) for m in ("scheduled", "absent", "valid", "invalid")])
        .where(record.school_id == school_id, record.term_id == term_id, record.date <= day,
               absence_clause(viewer, record))
        .group_by(record.student_id, record.iso_year, record.iso_week),
        ["student_id", "iso_year", "iso_week", "scheduled", "absent", "valid", "invalid"])
    period = AbsencePeriod
    periods = read_frame(session,
        select(period.student_id, *[func.sum(PERIOD[m]) for m in
                                    ("scheduled", "absent", "valid", "invalid")])
        .where(period.school_id == school_id, period.term_id == term_id,
               period.end_date <= day, absence_clause(viewer, period))
        .group_by(period.student_id),
        ["student_id", "scheduled", "absent", "valid", "invalid"])
    minutes = ["scheduled", "absent", "valid", "invalid"]
    totals = (pd.concat([weekly[["student_id", *minutes]], periods])
              .groupby("student_id", as_index=False)[minutes].sum())
    sums = analytics.trend_sums(weekly, clock.week_of(day)).reindex(totals["student_id"])
    sums = sums.fillna(0).astype(int).reset_index(drop=True)
    return pd.concat([totals.reset_index(drop=True), sums[list(TREND_SUMS)]], axis=1)


def _add_periods(session, terms, chunk) -> None:
    """Period exports count in the term figures (they have no weeks or weekdays): add their
    minutes to the student × school × term rows, creating rows where there is no daily data."""
    period = AbsencePeriod
    scope = period.term_id.in_(terms)
    if chunk is not None:
        scope = and_(scope, period.student_id.in_(chunk))
    if session.scalar(select(period.id).where(scope).limit(1)) is None:
        return  # the common case: no periods, nothing to add
    summary = StudentTermSummary
    same = and_(period.student_id == summary.student_id, period.school_id == summary.school_id,
                period.term_id == summary.term_id)
    session.execute(update(summary).where(
        summary.term_id.in_(terms),
        true() if chunk is None else summary.student_id.in_(chunk),
        exists().where(same),
    ).values({m: getattr(summary, m) + select(func.coalesce(func.sum(PERIOD[m]), 0))
              .where(same).scalar_subquery() for m in MINUTES}))
    session.execute(insert(summary).from_select(
        ["student_id", "school_id", "term_id", *MINUTES, "days"],
        select(period.student_id, period.school_id, period.term_id,
               *[func.sum(PERIOD[m]) for m in MINUTES], literal(0))
        .where(scope, ~exists().where(same))
        .group_by(period.student_id, period.school_id, period.term_id),
    ))


def _schools_of(session, terms, ids) -> list[int]:
    found: set[int] = set()
    for chunk in _chunks(ids):
        found.update(session.scalars(
            select(StudentTermSummary.school_id).distinct()
            .where(StudentTermSummary.student_id.in_(chunk), StudentTermSummary.term_id.in_(terms))
        ))
    return sorted(found)


def _municipalities_of(session, ids) -> list[int]:
    found: set[int] = set()
    for chunk in _chunks(ids):
        found.update(session.scalars(
            select(Student.home_municipality_id).distinct().where(Student.id.in_(chunk))))
    return sorted(found)


def _refresh_school_weeks(session, terms, schools: list[int] | None) -> None:
    scope = true() if schools is None else SchoolWeekSummary.school_id.in_(schools)
    session.execute(delete(SchoolWeekSummary).where(SchoolWeekSummary.term_id.in_(terms), scope))
    weekly = StudentWeekSummary
    source_scope = true() if schools is None else weekly.school_id.in_(schools)
    session.execute(insert(SchoolWeekSummary).from_select(
        ["school_id", "iso_year", "iso_week", "term_id", "students", *MINUTES],
        select(weekly.school_id, weekly.iso_year, weekly.iso_week, func.min(weekly.term_id),
               func.count(), *[func.sum(getattr(weekly, m)) for m in MINUTES])
        .where(weekly.term_id.in_(terms), source_scope)
        .group_by(weekly.school_id, weekly.iso_year, weekly.iso_week),
    ))


def _refresh_municipality_terms(session, terms, municipalities: list[int] | None) -> None:
    target = MunicipalityTermSummary
    scope = true() if municipalities is None else target.municipality_id.in_(municipalities)
    session.execute(delete(target).where(target.term_id.in_(terms), scope))
    per_student = (
        select(Student.home_municipality_id.label("municipality_id"),
               StudentTermSummary.term_id,
               *[func.sum(getattr(StudentTermSummary, m)).label(m) for m in MINUTES])
        .join(Student, Student.id == StudentTermSummary.student_id)
        .where(StudentTermSummary.term_id.in_(terms),
               true() if municipalities is None
               else Student.home_municipality_id.in_(municipalities))
        .group_by(Student.home_municipality_id, StudentTermSummary.term_id,
                  StudentTermSummary.student_id)
        .having(func.sum(StudentTermSummary.scheduled) >= MIN_SCHEDULED_MINUTES)
        .subquery()
    )
    share = per_student.c.absent * 1.0 / per_student.c.scheduled
    invalid_share = per_student.c.invalid * 1.0 / per_student.c.scheduled

    def count_over(value, threshold):
        return func.sum(case((value >= threshold, 1), else_=0))

    session.execute(insert(target).from_select(
        ["municipality_id", "term_id", "students", "over_watch", "over_high",
         "invalid_over_watch", "invalid_over_high", "over_15", "over_20", "invalid_over_15",
         "invalid_over_20", *MINUTES],
        select(per_student.c.municipality_id, per_student.c.term_id, func.count(),
               count_over(share, Municipality.watch_threshold),
               count_over(share, Municipality.high_threshold),
               count_over(invalid_share, Municipality.watch_threshold),
               count_over(invalid_share, Municipality.high_threshold),
               count_over(share, 0.15), count_over(share, 0.20),
               count_over(invalid_share, 0.15), count_over(invalid_share, 0.20),
               *[func.sum(getattr(per_student.c, m)) for m in MINUTES])
        .join(Municipality, Municipality.id == per_student.c.municipality_id)
        .group_by(per_student.c.municipality_id, per_student.c.term_id,
                  Municipality.watch_threshold, Municipality.high_threshold),
    ))


def refresh_all(session: Session) -> None:
    refresh(session, session.scalars(select(Term.id)).all())


def is_stale(session: Session) -> bool:
    """Raw absence without any summary: a database migrated from before the summaries."""
    has_raw = session.scalar(select(AbsenceRecord.id).limit(1)) is not None
    has_summary = session.scalar(select(StudentTermSummary.student_id).limit(1)) is not None
    return has_raw and not has_summary


def recount_municipalities(session: Session) -> bool:
    """Municipality rows from before the fixed-level counts are counted again; True when
    there were any."""
    if session.scalar(select(MunicipalityTermSummary.term_id).where(
            MunicipalityTermSummary.over_15.is_(None)).limit(1)) is None:
        return False
    refresh_municipality_terms(session, session.scalars(select(Term.id)).all())
    return True


def refresh_municipality_terms(session: Session, term_ids: list[int]) -> None:
    """Recount every municipality's term rows from the student × term summary."""
    _refresh_municipality_terms(session, term_ids, None)


TERM_ROW_COLUMNS = ["student_id", "school_id", "scheduled", "absent", "valid", "invalid",
                    "unreported", "known_scheduled", "watch", "high"]


def student_term_rows(session: Session, viewer, term_id: int, school_id: int | None = None,
                      with_trend: bool = False) -> pd.DataFrame:
    """Student × school rows of one term in the viewer's scope, with the thresholds of each
    student's home municipality, and with `with_trend` the trend sums (for term_trends)."""
    summary = StudentTermSummary
    trend = trend_sum_columns() if with_trend else []
    query = (
        select(summary.student_id, summary.school_id, summary.scheduled, summary.absent,
               summary.valid, summary.invalid, summary.unreported, summary.known_scheduled,
               Municipality.watch_threshold, Municipality.high_threshold, *trend)
        .join(Student, Student.id == summary.student_id)
        .join(Municipality, Municipality.id == Student.home_municipality_id)
        .where(summary.term_id == term_id, summary.scheduled > 0,
               absence_clause(viewer, summary))
    )
    if school_id is not None:
        query = query.where(summary.school_id == school_id)
    return read_frame(session, query,
                      [*TERM_ROW_COLUMNS, *(TREND_SUMS if with_trend else ())])


def per_student(rows: pd.DataFrame) -> pd.DataFrame:
    """Sum a student's rows over schools; shares and flags by their own thresholds."""
    sums = rows.groupby("student_id", as_index=False).agg(
        scheduled=("scheduled", "sum"), absent=("absent", "sum"), valid=("valid", "sum"),
        invalid=("invalid", "sum"), watch=("watch", "first"), high=("high", "first"))
    return sums.assign(share=sums["absent"] / sums["scheduled"],
                       valid_share=sums["valid"] / sums["scheduled"],
                       invalid_share=sums["invalid"] / sums["scheduled"])
