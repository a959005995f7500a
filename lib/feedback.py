"""Feedback both ways between a municipality's coach and a school: per meeting or per
student. The receiving side acknowledges it (read) and may answer."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from data_models.codes import FeedbackDirection
from data_models.models import (
    Enrolment,
    Feedback,
    Meeting,
    Municipality,
    School,
    Student,
    StudentTalk,
    User,
)
from lib.access import (
    AccessDenied,
    Role,
    Viewer,
    feedback_clause,
    meeting_clause,
    require_individual_access,
    require_student,
    school_clause,
    student_clause,
)
from lib.audit import log_event, log_view
from lib.clock import utcnow
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.meetings import Entry, get_entry
from lib.students import format_name
from lib.versioning import InputError, clean_text, save_versioned

# lib.access says the same by default, in Swedish only.
DENIED = N_("Du har inte behörighet till det här.")
RECEIVES = {Role.COACH: FeedbackDirection.TO_COACH, Role.SCHOOL_STAFF: FeedbackDirection.TO_SCHOOL}


def direction_for(viewer: Viewer) -> FeedbackDirection:
    """Coaches write to schools, school staff to coaches."""
    if viewer.role == Role.COACH:
        return FeedbackDirection.TO_SCHOOL
    if viewer.role == Role.SCHOOL_STAFF:
        return FeedbackDirection.TO_COACH
    raise AccessDenied(_("Återkoppling skrivs av ungdomscoacher och skolpersonal."),
                       viewer=viewer, what="feedback")


def send_feedback(session: Session, viewer: Viewer, text: str, *,
                  meeting_id: int | None = None, student_id: int | None = None,
                  school_id: int | None = None, municipality_id: int | None = None) -> int:
    """Feedback about a meeting (school and municipality from the meeting) or about a
    student (the municipality is the student's home)."""
    direction = direction_for(viewer)
    text = clean_text(N_("Återkopplingen"), text, required=True)
    if meeting_id is not None:
        meeting = session.scalars(select(Meeting).where(Meeting.id == meeting_id,
                                                        meeting_clause(viewer))).first()
        if meeting is None:
            raise AccessDenied(
                _("Mötet finns inte, eller så har du inte behörighet att se det."),
                viewer=viewer, what="meeting", what_id=meeting_id)
        school_id, municipality_id = meeting.school_id, meeting.municipality_id
    if student_id is not None:
        municipality_id = require_student(session, viewer, student_id).home_municipality_id
    if school_id is None or municipality_id is None:
        raise InputError(_("Välj skola och elev eller möte för återkopplingen."))
    if viewer.role == Role.COACH and municipality_id not in viewer.municipality_ids:
        raise AccessDenied(_(DENIED), viewer=viewer, what="municipality",
                           what_id=municipality_id)
    if viewer.role == Role.SCHOOL_STAFF and school_id not in viewer.school_ids:
        raise AccessDenied(_(DENIED), viewer=viewer, what="school", what_id=school_id)
    if meeting_id is None and student_id is not None and not _attended(session, student_id,
                                                                      school_id):
        # Nobody at a school the student never attended would read it.
        raise InputError(_("Eleven är inte och har inte varit inskriven på den skolan. Välj "
                           "en skola där eleven går eller har gått."))
    item = Feedback(direction=direction, school_id=school_id, municipality_id=municipality_id,
                    meeting_id=meeting_id, student_id=student_id, text=text,
                    author_id=viewer.user_id, created_at=utcnow(), answer="", version=1)
    session.add(item)
    session.flush()
    log_event(session, viewer, "create", "feedback", item.id, student_id=student_id)
    return item.id


def _attended(session: Session, student_id: int, school_id: int) -> bool:
    return session.scalar(select(Enrolment.id).where(
        Enrolment.student_id == student_id, Enrolment.school_id == school_id).limit(1)
    ) is not None


def feedback_schools(session: Session, viewer: Viewer, student_id: int,
                     today: dt.date) -> list[tuple[int, str]]:
    """The schools that feedback about the student can go to, as (id, name): those where
    the student is or was enrolled, that the viewer writes to (school staff: their own).
    The school the student attends on `today` comes first, then the latest ones."""
    require_student(session, viewer, student_id)
    rows = session.execute(
        select(School.id, School.name, Enrolment.start_date, Enrolment.end_date)
        .join(Enrolment, Enrolment.school_id == School.id)
        .where(Enrolment.student_id == student_id, school_clause(viewer))).all()

    def latest_first(row) -> tuple:
        current = row.start_date <= today and (row.end_date is None or row.end_date >= today)
        return (not current, -(row.end_date or dt.date.max).toordinal(),
                -row.start_date.toordinal(), row.name)

    schools: dict[int, str] = {}
    for row in sorted(rows, key=latest_first):
        schools.setdefault(row.id, row.name)
    return list(schools.items())


def send_agenda_feedback(session: Session, viewer: Viewer, item_id: int) -> int:
    """Send what is saved under "Återkoppling" for a student in a meeting to the other
    side's inbox, as feedback about that student in that meeting. The same text is sent
    once."""
    direction_for(viewer)  # coaches and school staff only
    entry = get_entry(session, viewer, item_id)
    text = entry.texts["feedback"].strip()
    if not text:
        raise InputError(_("Skriv och spara en återkoppling för eleven först."))
    if agenda_feedback_sent(session, viewer, entry) is not None:
        raise InputError(_("Den här återkopplingen är redan skickad."))
    return send_feedback(session, viewer, text, meeting_id=entry.meeting_id,
                         student_id=entry.student_id)


def agenda_feedback_sent(session: Session, viewer: Viewer,
                         entry: Entry) -> dt.datetime | None:
    """When the agenda item's saved "Återkoppling", as it stands, was sent from the
    viewer's side; None if it was not."""
    text = entry.texts["feedback"].strip()
    if not text:
        return None
    return session.scalar(select(Feedback.created_at).where(
        Feedback.meeting_id == entry.meeting_id, Feedback.student_id == entry.student_id,
        Feedback.direction == direction_for(viewer), Feedback.text == text)
        .order_by(Feedback.created_at.desc()).limit(1))


FEEDBACK_COLUMNS = ["id", "version", "student_id", "direction", "author", "school",
                    "municipality", "student", "meeting_date", "talk_date", "feedback",
                    "sent_at", "acknowledged_at", "acknowledged_by", "answer"]


def list_feedback(session: Session, viewer: Viewer, **filters) -> pd.DataFrame:
    """The feedback pages' list (feedback_rows), with the view in the audit log."""
    table = feedback_rows(session, viewer, **filters)
    log_view(session, viewer, "view_feedback", "feedback",
             note=f"{len(table)} återkopplingar, {table['student_id'].notna().sum()} om elever")
    return table


def feedback_rows(session: Session, viewer: Viewer, *, inbox: bool = False,
                  unread_only: bool = False, student_id: int | None = None,
                  meeting_id: int | None = None, school_id: int | None = None,
                  limit: int | None = None) -> pd.DataFrame:
    """Feedback in scope, newest first. `inbox`: only what was sent to the viewer's side.
    Feedback about a student the viewer may not see is left out. student and meeting_date
    are missing for feedback about no student or no meeting, talk_date unless it is the
    summary of a student talk (lib.talks); acknowledged_at is NaT
    until it is read. For services that show it as part of a view they log themselves."""
    require_individual_access(viewer)
    author, reader = aliased(User), aliased(User)
    query = (select(Feedback.id, Feedback.version, Feedback.direction, author.display_name,
                    School.name, Municipality.name, Feedback.student_id, Student.first_name,
                    Student.last_name, Student.protected_identity, Meeting.date,
                    StudentTalk.date, Feedback.text, Feedback.created_at, Feedback.acknowledged_at,
                    reader.display_name, Feedback.answer)
             .join(author, author.id == Feedback.author_id)
             .outerjoin(reader, reader.id == Feedback.acknowledged_by)
             .join(School, School.id == Feedback.school_id)
             .join(Municipality, Municipality.id == Feedback.municipality_id)
             .outerjoin(Student, Student.id == Feedback.student_id)
             .outerjoin(Meeting, Meeting.id == Feedback.meeting_id)
             .outerjoin(StudentTalk, StudentTalk.id == Feedback.talk_id)
             .where(feedback_clause(viewer),
                    Feedback.student_id.is_(None) | Feedback.student_id.in_(
                        select(Student.id).where(student_clause(viewer))))
             .order_by(Feedback.created_at.desc(), Feedback.id.desc()))
    if inbox and viewer.role != Role.ADMIN:
        query = query.where(Feedback.direction == RECEIVES[viewer.role])
    if unread_only:
        query = query.where(Feedback.acknowledged_at.is_(None))
    for column, value in ((Feedback.student_id, student_id), (Feedback.meeting_id, meeting_id),
                          (Feedback.school_id, school_id)):
        if value is not None:
            query = query.where(column == value)
    if limit:
        query = query.limit(limit)
    frame = read_frame(session, query, [
        "id", "version", "direction", "author", "school", "municipality", "student_id",
        "first", "last", "protected", "meeting_date", "talk_date", "text", "created",
        "acknowledged",
        "reader", "answer"])
    return pd.DataFrame({
        "id": frame["id"], "version": frame["version"],
        "student_id": frame["student_id"].astype("Int64"), "direction": frame["direction"],
        "author": frame["author"], "school": frame["school"],
        "municipality": frame["municipality"],
        "student": [format_name(int(i), f, la, p) if pd.notna(i) else None for i, f, la, p in
                    zip(frame["student_id"], frame["first"], frame["last"], frame["protected"],
                        strict=True)],
        "meeting_date": frame["meeting_date"].map(lambda d: None if pd.isna(d) else d),
        "talk_date": frame["talk_date"].map(lambda d: None if pd.isna(d) else d),
        "feedback": frame["text"],
        "sent_at": pd.to_datetime(frame["created"]),
        "acknowledged_at": pd.to_datetime(frame["acknowledged"]),
        "acknowledged_by": frame["reader"].map(lambda r: None if pd.isna(r) else r),
        "answer": frame["answer"],
    }, columns=FEEDBACK_COLUMNS)


def acknowledge(session: Session, viewer: Viewer, feedback_id: int, expected_version: int,
                answer: str = "") -> int:
    """Mark feedback as read, with an optional answer. Only the receiving side may."""
    require_individual_access(viewer)
    item = session.scalars(select(Feedback).where(Feedback.id == feedback_id,
                                                  feedback_clause(viewer))).first()
    if item is None:
        raise AccessDenied(_("Återkopplingen finns inte, eller så har du inte behörighet."),
                           viewer=viewer, what="feedback", what_id=feedback_id)
    if viewer.role != Role.ADMIN and item.direction != RECEIVES[viewer.role]:
        raise AccessDenied(_("Bara mottagaren kan kvittera återkopplingen."), viewer=viewer,
                           what="feedback", what_id=feedback_id)
    changes = {"acknowledged_at": utcnow(), "acknowledged_by": viewer.user_id,
               "answer": clean_text(N_("Svaret"), answer)}
    _before, version = save_versioned(session, Feedback, feedback_id, expected_version,
                                      changes, viewer.user_id)
    log_event(session, viewer, "update", "feedback", feedback_id, student_id=item.student_id,
              after={"acknowledged": True})
    return version
