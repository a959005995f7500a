"""The coach's *prioriterad* marker: one of the students the coach meets first. Only the
coach of the student's home municipality sets or clears it; everyone who sees the student
sees it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_models.codes import AuditAction, AuditEntity, Role
from data_models.models import PriorityMark
from lib.access import AccessDenied, Viewer, require_student
from lib.audit import log_event
from lib.i18n import N_

ONLY_THE_COACH = N_("Bara coachen i elevens hemkommun kan markera eleven som prioriterad.")


def _coached_student(session: Session, viewer: Viewer, student_id: int) -> None:
    """The student, when the viewer is the coach of their home municipality. A student the
    viewer does not see is answered as missing; one they see but do not coach, refused."""
    student = require_student(session, viewer, student_id)
    if viewer.role != Role.COACH or student.home_municipality_id not in viewer.municipality_ids:
        raise AccessDenied(ONLY_THE_COACH, viewer=viewer, what=AuditEntity.PRIORITY_MARK,
                           what_id=student_id)


def mark_priority(session: Session, viewer: Viewer, student_id: int, today: dt.date) -> None:
    """Mark the student as prioritised from `today`; a student already marked keeps the
    day they were first marked."""
    _coached_student(session, viewer, student_id)
    if session.get(PriorityMark, student_id) is not None:
        return
    session.add(PriorityMark(student_id=student_id, user_id=viewer.user_id, marked_on=today))
    log_event(session, viewer, AuditAction.CREATE, AuditEntity.PRIORITY_MARK, student_id,
              student_id=student_id, after={"marked_on": today.isoformat()})


def clear_priority(session: Session, viewer: Viewer, student_id: int) -> None:
    """Take the marker off the student (nothing happens when there is none)."""
    _coached_student(session, viewer, student_id)
    mark = session.get(PriorityMark, student_id)
    if mark is None:
        return
    before = {"marked_on": mark.marked_on.isoformat(), "user_id": mark.user_id}
    session.delete(mark)
    log_event(session, viewer, AuditAction.DELETE, AuditEntity.PRIORITY_MARK, student_id,
              student_id=student_id, before=before)


def is_priority(session: Session, viewer: Viewer, student_id: int) -> bool:
    """Whether the student carries the marker; a student the viewer does not see is
    answered as missing."""
    require_student(session, viewer, student_id)
    return session.scalar(select(PriorityMark.student_id).where(
        PriorityMark.student_id == student_id)) is not None
