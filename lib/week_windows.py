"""The tables kept beside the summaries for the effect of measures (data_models/windows.py):
the students flagged each term and their week windows. Refreshed with the student × term
summaries (lib.summaries); read by lib.indicators."""

from __future__ import annotations

from sqlalchemy import and_, delete, func, insert, select, true
from sqlalchemy.orm import Session

from data_models.bulk import insert_rows
from data_models.models import StudentTermSummary, StudentWeekSummary, Term
from data_models.windows import StudentTermFlag, StudentWeekWindow
from lib import analytics
from lib.frames import read_frame

# A student counts in a municipality's term figures with at least this much scheduled
# time (10 hours) in the term, at one school or several: the minimum enrolment (also
# lib.summaries.MIN_SCHEDULED_MINUTES).
MIN_SCHEDULED_MINUTES = 600
FIXED_WATCH = 0.15  # the regional indicators' fixed watch level (lib.indicators)


def refresh(session: Session, terms, chunk) -> None:
    """The flags of these terms and the windows of these students (None: everyone)."""
    _refresh_flags(session, terms, chunk)
    _refresh_windows(session, chunk)


def catch_up(session: Session) -> bool:
    """Fill both tables for a database summarised before migration 0015: no flags beside
    term summaries (or nobody is at 15 %, and counting again costs one query). The windows
    come with the flags: an empty window table can be right (nobody flagged has weeks on
    both sides)."""
    flags = session.scalar(select(StudentTermFlag.term_id).limit(1))
    if flags is not None or session.scalar(select(StudentTermSummary.term_id).limit(1)) is None:
        return False
    refresh(session, session.scalars(select(Term.id)).all(), None)
    return True


def _refresh_flags(session, terms, chunk) -> None:
    """The students counted in the regional indicators and at or over the fixed watch level,
    per term (StudentTermFlag), from the student × term summary: what the funnel and the
    comparison group of the effect of measures start from."""
    flag, summary = StudentTermFlag, StudentTermSummary
    condition = flag.term_id.in_(terms)
    scope = summary.term_id.in_(terms)
    if chunk is not None:
        condition = and_(condition, flag.student_id.in_(chunk))
        scope = and_(scope, summary.student_id.in_(chunk))
    session.execute(delete(flag).where(condition))
    session.execute(insert(flag).from_select(
        ["term_id", "student_id"],
        select(summary.term_id, summary.student_id).where(scope)
        .group_by(summary.term_id, summary.student_id)
        .having(and_(func.sum(summary.scheduled) >= MIN_SCHEDULED_MINUTES,
                     func.sum(summary.absent) * 1.0 >= func.sum(summary.scheduled) * FIXED_WATCH)),
    ))


def _refresh_windows(session, chunk) -> None:
    """The week windows of these students (or of everyone), over all their weeks (a window
    near a term's edge reaches into the term before or after), kept for the weeks of the
    terms they are flagged in: the only ones the comparison group reads. After the flags."""
    window, week, flag = StudentWeekWindow, StudentWeekSummary, StudentTermFlag
    session.execute(delete(window).where(
        true() if chunk is None else window.student_id.in_(chunk)))
    flagged = read_frame(session,
        select(flag.student_id, Term.start_date, Term.end_date)
        .join(Term, Term.id == flag.term_id)
        .where(true() if chunk is None else flag.student_id.in_(chunk)),
        ["student_id", "start", "end"])
    if flagged.empty:
        return
    ids = sorted(set(flagged["student_id"].astype(int)))
    weekly = read_frame(session,
        select(week.student_id, week.iso_year, week.iso_week, func.sum(week.scheduled),
               func.sum(week.absent))
        .where(true() if chunk is None else week.student_id.in_(ids))
        .group_by(week.student_id, week.iso_year, week.iso_week),
        ["student_id", "iso_year", "iso_week", "scheduled", "absent"])
    windows = analytics.week_windows(weekly)
    windows = windows[analytics.in_spans(windows, flagged)]
    if not windows.empty:
        columns = list(windows.columns)
        insert_rows(session, window.__table__, columns,
                    list(zip(*(windows[c].tolist() for c in columns), strict=True)))
