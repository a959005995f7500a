"""The agenda of a review meeting: which of the municipality's students at the school come
up, why (over the high or watch level, rising, a measure due), in that order, with the
figures they had; and the school's figures the agenda is drawn from."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from data_models.codes import AgendaField, AgendaReason, MeasureStatus, Trend
from data_models.models import (
    AgendaItem,
    Enrolment,
    Measure,
    Meeting,
    Municipality,
    School,
    Student,
    StudentTermSummary,
    Term,
)
from lib import analytics
from lib.access import (
    AccessDenied,
    Viewer,
    absence_clause,
    meeting_clause,
    require_individual_access,
    school_clause,
    student_clause,
)
from lib.clock import local_today, utcnow
from lib.cycle import cycle_table, with_cycle
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.personal_number import mask
from lib.shared_reads import shared
from lib.students import format_name
from lib.summaries import TREND_SUMS, term_rows_on, term_trends, trend_sum_columns

REASON_RANK = {reason: rank for rank, reason in enumerate(AgendaReason)}  # agenda order
MEETING_NOT_FOUND = N_("Mötet finns inte, eller så har du inte behörighet att se det.")


def school_figures(session: Session, viewer: Viewer, school_id: int, term_id: int,
                   municipality_id: int | None = None, on: dt.date | None = None,
                   as_of: dt.date | None = None) -> pd.DataFrame:
    """Per student at this school this term (enrolled, or with absence recorded there):
    minutes, shares, trend, flag and whether a measure is due for follow-up by `on`.
    With `as_of`, the absence as it stood on that day (see summaries.term_rows_on).
    Only students of `municipality_id` when it is given."""
    _require_school(session, viewer, school_id)
    term = session.get(Term, term_id)
    enrolled = (select(Enrolment.student_id).where(
        Enrolment.school_id == school_id, Enrolment.start_date <= term.end_date,
        or_(Enrolment.end_date.is_(None), Enrolment.end_date >= term.start_date)))
    recorded = select(StudentTermSummary.student_id).where(
        StudentTermSummary.school_id == school_id, StudentTermSummary.term_id == term_id)
    students = (select(Student.id, Student.first_name, Student.last_name,
                       Student.personal_number, Student.protected_identity,
                       Municipality.watch_threshold, Municipality.high_threshold)
                .join(Municipality, Municipality.id == Student.home_municipality_id)
                .where(or_(Student.id.in_(enrolled), Student.id.in_(recorded)),
                       student_clause(viewer)))
    if municipality_id is not None:
        students = students.where(Student.home_municipality_id == municipality_id)
    frame = read_frame(session, students, ["student_id", "first", "last", "number",
                                           "protected", "watch", "high"])
    summary = StudentTermSummary
    if as_of is not None:
        minutes = term_rows_on(session, viewer, school_id, term_id, as_of)
    else:
        minutes = read_frame(session,
            select(summary.student_id, summary.scheduled, summary.absent, summary.valid,
                   summary.invalid, *trend_sum_columns())
            .where(summary.school_id == school_id, summary.term_id == term_id,
                   absence_clause(viewer, summary)),
            ["student_id", "scheduled", "absent", "valid", "invalid", *TREND_SUMS])
    trend = term_trends(session, viewer, term_id, minutes)  # one row per student here
    frame = frame.merge(minutes.drop(columns=list(TREND_SUMS)), on="student_id", how="left")
    for column in ("scheduled", "absent", "valid", "invalid"):
        frame[column] = frame[column].fillna(0).astype(int)
    scheduled = frame["scheduled"].where(frame["scheduled"] > 0)
    frame["share"] = frame["absent"] / scheduled
    frame["valid_share"] = frame["valid"] / scheduled
    frame["invalid_share"] = frame["invalid"] / scheduled
    frame["trend"] = trend.reindex(
        frame["student_id"]).fillna("").to_numpy()
    frame["due"] = frame["student_id"].isin(_due_students(session, frame["student_id"],
                                                          on or term.end_date))
    frame["reason"] = [_reason(s, w, h, t, d) for s, w, h, t, d in zip(
        frame["share"], frame["watch"], frame["high"], frame["trend"], frame["due"],
        strict=True)]
    return _ordered(frame)


def _require_school(session: Session, viewer: Viewer, school_id: int) -> None:
    """A school the viewer's students attend, or where the viewer has a meeting."""
    listed = select(School.id).where(School.id == school_id, school_clause(viewer))
    met = select(Meeting.school_id).where(Meeting.school_id == school_id, meeting_clause(viewer))
    if session.scalar(listed) is None and session.scalar(met.limit(1)) is None:
        raise AccessDenied(_("Skolan finns inte, eller så har du inte behörighet att se den."),
                           viewer=viewer, what="school", what_id=school_id)


def _due_students(session, student_ids: pd.Series, on: dt.date) -> set[int]:
    if student_ids.empty:
        return set()
    return set(session.scalars(select(Measure.student_id).where(
        Measure.student_id.in_(student_ids.astype(int).tolist()),
        Measure.status.in_((MeasureStatus.PLANNED, MeasureStatus.ONGOING)),
        Measure.follow_up_date <= on)))


def _reason(share, watch, high, trend, due) -> AgendaReason:
    level = analytics.flag(None if pd.isna(share) else share, watch, high)
    if level in (AgendaReason.HIGH, AgendaReason.WATCH):
        return AgendaReason(level)
    if trend == Trend.UP:
        return AgendaReason.RISING
    return AgendaReason.DUE if due else AgendaReason.NONE


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """Flagged first (high, watch, rising, due), then by absence, then by name."""
    rank = frame["reason"].map(REASON_RANK)
    ordered = frame.assign(_rank=rank, _share=frame["share"].fillna(-1.0))
    ordered = ordered.sort_values(["_rank", "_share", "last", "first"],
                                  ascending=[True, False, True, True])
    return ordered.drop(columns=["_rank", "_share"]).reset_index(drop=True)


def generate_agenda(session: Session, viewer: Viewer, meeting_id: int) -> int:
    """Put every student of the meeting's municipality at the school on the agenda, with
    their figures frozen as of now. Students already on it keep what was recorded; their
    figures are frozen again. Returns the number of students on the agenda."""
    meeting = meeting_in_scope(session, viewer, meeting_id)
    # As they stood on the meeting's day, even when it is marked as held later, after
    # more absence was read in: the visit pack compares today's figures with these.
    figures = school_figures(session, viewer, meeting.school_id, meeting.term_id,
                             meeting.municipality_id, on=meeting.date,
                             as_of=min(meeting.date, local_today()))
    existing = {item.student_id: item for item in session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting_id))}
    now = utcnow()
    for position, row in enumerate(figures.itertuples(), start=1):
        item = existing.get(row.student_id) or AgendaItem(meeting_id=meeting_id,
                                                          student_id=int(row.student_id))
        item.position, item.reason, item.trend, item.frozen_at = position, row.reason, \
            row.trend, now
        item.scheduled, item.absent = int(row.scheduled), int(row.absent)
        item.valid, item.invalid = int(row.valid), int(row.invalid)
        if item.id is None:
            session.add(item)
    session.flush()
    return len(figures)


def meeting_in_scope(session: Session, viewer: Viewer, meeting_id: int) -> Meeting:
    require_individual_access(viewer)
    meeting = session.scalars(select(Meeting).where(Meeting.id == meeting_id,
                                                    meeting_clause(viewer))).first()
    if meeting is None:
        raise AccessDenied(_(MEETING_NOT_FOUND), viewer=viewer, what="meeting",
                           what_id=meeting_id)
    return meeting


def list_agenda(session: Session, viewer: Viewer, meeting_id: int) -> pd.DataFrame:
    """The agenda in order: item id, student, frozen figures, reason (AgendaReason), trend
    (Trend), whether anything has been recorded yet, and where the student is in the
    follow-up cycle of the meeting's term (lib.cycle: `cycle`, `next_step`)."""
    meeting = meeting_in_scope(session, viewer, meeting_id)
    return shared(session, viewer, "agenda", (meeting_id,),
                  lambda: _agenda(session, viewer, meeting_id, meeting.term_id),
                  follow_up=True)


def _agenda(session: Session, viewer: Viewer, meeting_id: int, term_id: int) -> pd.DataFrame:
    columns = ["id", "student_id", "student", "personal_number", "reason", "absence", "valid",
               "invalid", "trend", "recorded"]
    rows = session.execute(
        select(AgendaItem, Student.first_name, Student.last_name, Student.personal_number,
               Student.protected_identity)
        .join(Student, Student.id == AgendaItem.student_id)
        .where(AgendaItem.meeting_id == meeting_id, student_clause(viewer))
        .order_by(AgendaItem.position)
        .execution_options(populate_existing=True)).all()
    records = []
    for item, first, last, number, protected in rows:
        shares = item_shares(item)
        records.append([item.id, item.student_id, format_name(item.student_id, first, last,
                                                               protected),
                        mask(number, protected), item.reason, *shares, item.trend,
                        any(getattr(item, f) for f in AgendaField)])
    agenda = pd.DataFrame(records, columns=columns)
    return with_cycle(agenda, cycle_table(session, viewer, agenda["student_id"], term_id))


def item_shares(item: AgendaItem) -> tuple[float | None, float | None, float | None]:
    if not item.scheduled:
        return None, None, None
    return (item.absent / item.scheduled, item.valid / item.scheduled,
            item.invalid / item.scheduled)
