"""Where a student's absence at a school gathers in a term: on which weekday and at which
lesson start, as one line for meeting mode and the visit pack ("mest frånvaro: måndagar
(40 %) och första lektionen, kl. 08:15 (55 %)"). Read from the slot summary
(StudentSlotSummary: per student, school, term, weekday and lesson start), a few rows per
student, never from the raw absence rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_models.models import Student, StudentSlotSummary
from lib import formats
from lib.access import (
    Viewer,
    absence_clause,
    require_individual_access,
    require_student,
    student_clause,
)
from lib.i18n import N_, _
from lib.shared_reads import shared

# A weekday or lesson start is named when its absence share is at least STAND_OUT times the
# student's share over the whole week and at least MIN_POINTS above it; one with less than
# MIN_TIME of the student's scheduled time (a lesson that fell on an odd day) never is.
STAND_OUT = 1.3
MIN_POINTS = 0.05
MIN_TIME = 0.05
WEEKDAYS_PLURAL = (N_("måndagar"), N_("tisdagar"), N_("onsdagar"), N_("torsdagar"),
                   N_("fredagar"))


@dataclass(frozen=True)
class PatternSummary:
    """The weekday and the lesson start where the absence stands out (None where none
    does), with their shares, and the share over the whole week (None: no scheduled
    time)."""

    share: float | None
    weekday: int | None = None  # 0 = Monday
    weekday_share: float | None = None
    lesson_start: dt.time | None = None
    lesson_share: float | None = None
    first_lesson: bool = False  # the earliest lesson start in the student's week

    @property
    def line(self) -> str:
        """The summary as one line in the run's language."""
        if self.share is None:
            return _("inget schema registrerat")
        if self.share == 0:
            return _("ingen frånvaro")
        day, lesson = self._day(), self._lesson()
        if day and lesson:
            return _("mest frånvaro: {day} och {lesson}").format(day=day, lesson=lesson)
        if day or lesson:
            return _("mest frånvaro: {where}").format(where=day or lesson)
        return _("ingen veckodag eller lektion sticker ut")

    def _day(self) -> str | None:
        if self.weekday is None:
            return None
        share = formats.percent(self.weekday_share, 0)
        return f"{_(WEEKDAYS_PLURAL[self.weekday])} ({share})"

    def _lesson(self) -> str | None:
        if self.lesson_start is None:
            return None
        start = _("kl. {time}").format(time=f"{self.lesson_start:%H:%M}")
        lesson = (_("första lektionen, {start}") if self.first_lesson
                  else _("lektionen {start}")).format(start=start)
        return f"{lesson} ({formats.percent(self.lesson_share, 0)})"


# One slot: weekday (0 = Monday), lesson start (None for a whole-day report), scheduled and
# absent minutes.
Slot = tuple[int, dt.time | None, int, int]


def summarise(slots: Iterable[Slot]) -> PatternSummary:
    """The summary of one student's slots. Plain Python: a student has a few dozen slots,
    and pandas' overhead per student was most of the visit pack's time."""
    days: dict[int, list[int]] = {}
    starts: dict[dt.time, list[int]] = {}
    scheduled = absent = 0
    for weekday, start, minutes, missed in slots:
        scheduled, absent = scheduled + minutes, absent + missed
        for sums, key in ((days, weekday if weekday < 5 else None), (starts, start)):
            if key is not None:
                total = sums.setdefault(key, [0, 0])
                total[0] += minutes
                total[1] += missed
    if scheduled <= 0:
        return PatternSummary(share=None)
    share = absent / scheduled
    day = _standing_out(days, share, scheduled)
    lesson = _standing_out(starts, share, scheduled)
    return PatternSummary(
        share=share,
        weekday=None if day is None else day[0], weekday_share=None if day is None else day[1],
        lesson_start=None if lesson is None else lesson[0],
        lesson_share=None if lesson is None else lesson[1],
        first_lesson=lesson is not None and lesson[0] == min(
            start for start, (minutes, _missed) in starts.items() if minutes > 0))


def _standing_out(sums: dict, share: float, scheduled: int) -> tuple[object, float] | None:
    """The category (weekday or lesson start) with the highest absence share, and that
    share, when it stands out from `share` (see STAND_OUT); None otherwise. Of equal ones
    the earlier day or lesson."""
    shares = {key: missed / minutes for key, (minutes, missed) in sorted(sums.items())
              if minutes > 0 and minutes >= MIN_TIME * scheduled}
    if not shares:
        return None
    top = max(shares, key=shares.get)  # max keeps the first of equals
    if shares[top] < STAND_OUT * share or shares[top] - share < MIN_POINTS:
        return None
    return top, shares[top]


def _slots(session: Session, viewer: Viewer, student_ids: list[int], term_id: int,
           school_id: int) -> dict[int, list[Slot]]:
    """The students' slots at the school in the term, by student, as far as the viewer may
    see both the student and their absence there."""
    slot = StudentSlotSummary
    seen = select(Student.id).where(Student.id.in_(student_ids), student_clause(viewer))
    found: dict[int, list[Slot]] = {}
    for student_id, *row in session.execute(
            select(slot.student_id, slot.weekday, slot.lesson_start, func.sum(slot.scheduled),
                   func.sum(slot.absent))
            .where(slot.term_id == term_id, slot.school_id == school_id,
                   slot.student_id.in_(seen), absence_clause(viewer, slot))
            .group_by(slot.student_id, slot.weekday, slot.lesson_start)):
        found.setdefault(student_id, []).append(tuple(row))
    return found


def student_pattern(session: Session, viewer: Viewer, student_id: int, term_id: int,
                    school_id: int) -> PatternSummary:
    """One student's pattern at a school in a term (meeting mode: read on every step, a
    few indexed rows; shared by the people of one scope until the data changes). A
    student the viewer does not see is answered as missing."""
    require_student(session, viewer, student_id)
    return shared(session, viewer, "student_pattern", (student_id, term_id, school_id),
                  lambda: summarise(_slots(session, viewer, [student_id], term_id,
                                           school_id).get(student_id, [])))


def student_patterns(session: Session, viewer: Viewer, student_ids: list[int], term_id: int,
                     school_id: int) -> dict[int, PatternSummary]:
    """The patterns of many students at a school in a term (the visit pack's flagged
    students), in one query; a student the viewer may not see gets no summary."""
    require_individual_access(viewer)
    ids = [int(i) for i in student_ids]
    if not ids:
        return {}
    return {student_id: summarise(rows)
            for student_id, rows in _slots(session, viewer, ids, term_id, school_id).items()}
