"""One student's absence over all terms in the viewer's view, for the student page and the
student in focus in meeting mode: weekly, daily, patterns, courses and months, read from the
raw rows (the only page that does), shared by the people of one scope (lib.shared_reads)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_models.models import AbsenceRecord, Municipality, Student
from lib import analytics, clock
from lib.access import (
    STUDENT_NOT_FOUND,
    AccessDenied,
    Viewer,
    absence_clause,
    require_individual_access,
    student_clause,
)
from lib.frames import read_frame
from lib.i18n import _
from lib.shared_reads import shared


@dataclass(frozen=True)
class StudentAbsence:
    weekly: pd.DataFrame  # iso_year, iso_week, scheduled, valid_share, invalid_share, share,
    #                       running (the week that is not over yet)
    daily: pd.DataFrame  # date, term_id, scheduled, absent, share
    weekday: pd.DataFrame
    lessons: pd.DataFrame
    courses: pd.DataFrame
    months: pd.DataFrame
    longest_run: int
    watch: float
    high: float

    def days_in(self, term_id: int) -> pd.DataFrame:
        """One term's days, for a calendar of that term."""
        return self.daily[self.daily["term_id"] == term_id].reset_index(drop=True)


def student_absence(session: Session, viewer: Viewer, student_id: int) -> StudentAbsence:
    """A student's absence over all terms in the viewer's view: weekly, daily, patterns,
    courses (where the school reports lessons) and the longest run of absent days."""
    require_individual_access(viewer)
    found = session.execute(
        select(Municipality.watch_threshold, Municipality.high_threshold)
        .join(Student, Student.home_municipality_id == Municipality.id)
        .where(Student.id == student_id, student_clause(viewer))
    ).first()
    if found is None:
        raise AccessDenied(_(STUDENT_NOT_FOUND), viewer=viewer, what="student",
                           what_id=student_id)
    return shared(session, viewer, "student_absence", (student_id,),
                  lambda: _student_absence(session, viewer, student_id, *found))


def _student_absence(session: Session, viewer: Viewer, student_id: int, watch: float,
                     high: float) -> StudentAbsence:
    raw = read_frame(session,
        select(AbsenceRecord.date, AbsenceRecord.term_id, AbsenceRecord.lesson_start,
               AbsenceRecord.course, AbsenceRecord.iso_year, AbsenceRecord.iso_week,
               AbsenceRecord.scheduled_minutes, AbsenceRecord.absent_minutes,
               AbsenceRecord.valid_minutes, AbsenceRecord.invalid_minutes)
        .where(AbsenceRecord.student_id == student_id, absence_clause(viewer)),
        ["date", "term_id", "lesson_start", "course", "iso_year", "iso_week", "scheduled",
         "absent", "valid", "invalid"])
    weekly = raw.groupby(["iso_year", "iso_week"], as_index=False)[
        ["scheduled", "absent", "valid", "invalid"]].sum().sort_values(["iso_year", "iso_week"])
    weekly = weekly[weekly["scheduled"] > 0]
    weekly = weekly.assign(valid_share=weekly["valid"] / weekly["scheduled"],
                           invalid_share=weekly["invalid"] / weekly["scheduled"],
                           share=weekly["absent"] / weekly["scheduled"],
                           running=analytics.is_week(weekly, clock.running_week()))
    # A day belongs to one term (the terms do not overlap).
    daily = raw.groupby(["date", "term_id"], as_index=False)[["scheduled", "absent"]].sum()
    daily = daily[daily["scheduled"] > 0]
    daily = daily.assign(share=daily["absent"] / daily["scheduled"])
    return StudentAbsence(
        weekly=weekly.reset_index(drop=True), daily=daily.reset_index(drop=True),
        weekday=analytics.weekday_pattern(raw), lessons=analytics.lesson_pattern(raw),
        courses=_courses(raw), months=_months(raw),
        longest_run=analytics.longest_absent_run(raw),
        watch=watch, high=high,
    )


def _months(raw: pd.DataFrame) -> pd.DataFrame:
    """Per calendar month, newest first; `month` is its first day (a MONTH column)."""
    columns = ["month", "absence", "valid", "invalid"]
    if raw.empty:
        return pd.DataFrame(columns=columns)
    shares = analytics.monthly_shares(raw).sort_index(ascending=False)
    return pd.DataFrame({
        "month": [p.to_timestamp().date() for p in shares.index],
        "absence": shares["share"].to_numpy(), "valid": shares["valid_share"].to_numpy(),
        "invalid": shares["invalid_share"].to_numpy(),
    }, columns=columns)


def _courses(raw: pd.DataFrame) -> pd.DataFrame:
    lessons = raw.dropna(subset=["course"])
    columns = ["course", "lessons", "scheduled_hours", "absence", "invalid"]
    if lessons.empty:
        return pd.DataFrame(columns=columns)
    sums = lessons.groupby("course").agg(lessons=("scheduled", "size"),
                                         scheduled=("scheduled", "sum"),
                                         absent=("absent", "sum"), invalid=("invalid", "sum"))
    table = pd.DataFrame({
        "course": sums.index, "lessons": sums["lessons"].to_numpy(),
        "scheduled_hours": (sums["scheduled"] / 60).to_numpy(),
        "absence": (sums["absent"] / sums["scheduled"]).to_numpy(),
        "invalid": (sums["invalid"] / sums["scheduled"]).to_numpy(),
    })
    return table.sort_values("absence", ascending=False).reset_index(drop=True)
