"""The way out: an enrolment that ends with no new one is a study interruption
(studieavbrott), and for a young person under 20 it opens an episode of the municipality's
activity responsibility (KAA, lib.kaa) in the home municipality. A new enrolment closes
the open episode by itself, as back in studies.

An interruption becomes known in two ways: an enrolment list that no longer has the student
at a school it lists (lib.importing.enrolment: the preview shows the enrolment ending,
and the import's undo takes the interruption back), or marked on screen with a date and a
reason, which its author can undo for 24 hours. The age rule reads the birth date from the
personal identity number (a coordination number's day is 60 more)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from data_models.codes import (
    AuditAction,
    AuditEntity,
    InterruptionReason,
    InterruptionSource,
    KaaOccupation,
    Role,
)
from data_models.models import (
    Enrolment,
    KaaContact,
    KaaEpisode,
    KaaMeasure,
    School,
    Student,
    StudyInterruption,
)
from lib.access import AccessDenied, Viewer, require_student, school_clause, student_clause
from lib.audit import log_event
from lib.clock import utcnow
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.versioning import InputError

KAA_AGE = 20  # the activity responsibility covers young people under 20
UNDO_HOURS = 24


def birth_date(personal_number: str) -> dt.date:
    """The birth date in a stored (12-digit) personal identity or coordination number."""
    day = int(personal_number[6:8])
    return dt.date(int(personal_number[:4]), int(personal_number[4:6]),
                   day - 60 if day > 60 else day)


def age_on(personal_number: str, day: dt.date) -> int:
    born = birth_date(personal_number)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _open_episode(session: Session, student: Student, interruption: StudyInterruption,
                  now: dt.datetime) -> int | None:
    """A KAA episode in the home municipality, for a young person under 20 with none open."""
    if age_on(student.personal_number, interruption.date) >= KAA_AGE:
        return None
    if session.scalar(select(exists().where(KaaEpisode.student_id == student.id,
                                            KaaEpisode.closed_on.is_(None)))):
        return None
    episode = KaaEpisode(student_id=student.id, municipality_id=student.home_municipality_id,
                         interruption_id=interruption.id, opened_on=interruption.date,
                         occupation=KaaOccupation.UNKNOWN, version=1, created_at=now)
    session.add(episode)
    session.flush()
    return episode.id


def record_interruption(session: Session, viewer: Viewer | None, enrolment: Enrolment,
                        day: dt.date, reason: InterruptionReason, source: InterruptionSource,
                        previous_end: dt.date | None = None,
                        batch_id: int | None = None) -> StudyInterruption | None:
    """The interruption of an enrolment that has just ended on `day`, unless the student
    has another enrolment open after it (a change of school is no interruption)."""
    if session.scalar(select(exists().where(
            Enrolment.student_id == enrolment.student_id, Enrolment.id != enrolment.id,
            (Enrolment.end_date.is_(None)) | (Enrolment.end_date > day)))):
        return None
    now = utcnow()
    interruption = StudyInterruption(
        student_id=enrolment.student_id, enrolment_id=enrolment.id,
        school_id=enrolment.school_id, date=day, reason=reason, source=source,
        previous_end=previous_end, batch_id=batch_id,
        created_by=viewer.user_id if viewer else None, created_at=now)
    session.add(interruption)
    session.flush()
    student = session.get(Student, enrolment.student_id)
    episode_id = _open_episode(session, student, interruption, now)
    log_event(session, viewer, AuditAction.CREATE, AuditEntity.STUDY_INTERRUPTION,
              interruption.id, student_id=student.id,
              after={"date": day.isoformat(), "reason": reason.value,
                     "kaa_episode": episode_id})
    return interruption


ENROLMENT_NOT_FOUND = N_("Inskrivningen finns inte, eller så har du inte behörighet att se "
                         "den.")


def _writable_enrolment(session: Session, viewer: Viewer, enrolment_id: int) -> Enrolment:
    """An enrolment the viewer may end: school staff at their school, a coach of the
    student's home municipality; an administrator any. One outside that is answered as one
    that does not exist."""
    if viewer.role not in (Role.ADMIN, Role.COACH, Role.SCHOOL_STAFF):
        raise AccessDenied(viewer=viewer, what=AuditEntity.STUDY_INTERRUPTION)
    enrolment = session.get(Enrolment, enrolment_id)
    visible = enrolment is not None and session.scalar(select(Student.id).where(
        Student.id == enrolment.student_id, student_clause(viewer))) is not None
    if visible and viewer.role == Role.SCHOOL_STAFF:
        visible = session.scalar(select(School.id).where(
            School.id == enrolment.school_id, school_clause(viewer))) is not None
    if not visible:
        raise AccessDenied(_(ENROLMENT_NOT_FOUND), viewer=viewer, what="enrolment",
                           what_id=enrolment_id)
    return enrolment


def end_enrolment(session: Session, viewer: Viewer, enrolment_id: int, day: dt.date | None,
                  reason: str, today: dt.date) -> int | None:
    """End an open enrolment on `day` for `reason`, marked on screen (the page asks for a
    confirmation first). The interruption's id, or None when the student goes on at
    another school."""
    enrolment = _writable_enrolment(session, viewer, enrolment_id)
    if enrolment.end_date is not None and enrolment.end_date <= today:
        raise InputError(_("Inskrivningen är redan avslutad."))
    if day is None:
        raise InputError(_("Ange det sista datumet på skolan."))
    if day < enrolment.start_date:
        raise InputError(_("Avbrottet kan inte ligga före inskrivningens start ({start})."
                           ).format(start=enrolment.start_date.isoformat()))
    if day > today:
        raise InputError(_("Ett avbrott kan inte anges på ett datum som inte har varit än."))
    if reason not in set(InterruptionReason):
        raise InputError(_("Välj en orsak till avbrottet."))
    previous, enrolment.end_date = enrolment.end_date, day
    log_event(session, viewer, AuditAction.UPDATE, AuditEntity.STUDENT, enrolment.student_id,
              student_id=enrolment.student_id,
              before={"end": previous.isoformat() if previous else None},
              after={"end": day.isoformat()})
    session.flush()
    interruption = record_interruption(session, viewer, enrolment, day,
                                       InterruptionReason(reason), InterruptionSource.SCREEN,
                                       previous_end=previous)
    return interruption.id if interruption else None


def undo_interruption(session: Session, viewer: Viewer, interruption_id: int,
                      now: dt.datetime | None = None) -> None:
    """Take back an interruption marked on screen: by its author, within 24 hours, while its
    KAA episode holds no contact attempt or measure. The enrolment is open again."""
    now = now or utcnow()
    found = session.get(StudyInterruption, interruption_id)
    if found is None or found.created_by != viewer.user_id:
        raise InputError(_("Bara den som markerade avbrottet kan ångra det."))
    if found.source != InterruptionSource.SCREEN or now - found.created_at > dt.timedelta(
            hours=UNDO_HOURS):
        raise InputError(_("Avbrottet kan bara ångras inom 24 timmar efter att det "
                           "markerades."))
    if _worked_on(session, [interruption_id]):
        raise InputError(_("Avbrottet kan inte ångras: aktivitetsansvaret har redan "
                           "kontaktförsök eller insatser."))
    enrolment = session.get(Enrolment, found.enrolment_id)
    enrolment.end_date = found.previous_end
    session.execute(delete(KaaEpisode).where(KaaEpisode.interruption_id == interruption_id))
    session.delete(found)
    log_event(session, viewer, AuditAction.UNDO, AuditEntity.STUDY_INTERRUPTION,
              interruption_id, student_id=enrolment.student_id,
              after={"end": found.previous_end.isoformat() if found.previous_end else None})


def close_on_return(session: Session, student_id: int, day: dt.date) -> int:
    """A new enrolment closes the student's open KAA episode: back in studies from `day`."""
    episodes = session.scalars(select(KaaEpisode).where(
        KaaEpisode.student_id == student_id, KaaEpisode.closed_on.is_(None))).all()
    for episode in episodes:
        closed = max(day, episode.opened_on)
        episode.occupation, episode.occupation_since = KaaOccupation.BACK_IN_STUDIES, closed
        episode.closed_on, episode.version = closed, episode.version + 1
        log_event(session, None, AuditAction.UPDATE, AuditEntity.KAA_EPISODE, episode.id,
                  student_id=student_id, username="system",
                  after={"occupation": KaaOccupation.BACK_IN_STUDIES.value,
                         "closed_on": closed.isoformat()})
    return len(episodes)


def _worked_on(session: Session, interruptions) -> bool:
    """Whether the KAA cases the interruptions opened hold a contact attempt or a measure
    (then taking the interruptions back would lose that work)."""
    episodes = select(KaaEpisode.id).where(KaaEpisode.interruption_id.in_(interruptions))
    return bool(session.scalar(select(exists().where(KaaContact.episode_id.in_(episodes))))
                or session.scalar(select(exists().where(
                    KaaMeasure.episode_id.in_(episodes)))))


def undo_batch_interruptions(session: Session, batch_id: int) -> None:
    """An enrolment list's undo takes back the interruptions it made, with their episodes."""
    made = select(StudyInterruption.id).where(StudyInterruption.batch_id == batch_id)
    if _worked_on(session, made):
        raise InputError(_("Importen kan inte ångras: aktivitetsansvaret har redan "
                           "kontaktförsök eller insatser för elever som listan avslutade."))
    session.execute(delete(KaaEpisode).where(KaaEpisode.interruption_id.in_(made)))
    session.execute(delete(StudyInterruption).where(StudyInterruption.batch_id == batch_id))


INTERRUPTION_COLUMNS = ["id", "date", "school", "interruption_reason", "undoable"]


def student_interruptions(session: Session, viewer: Viewer, student_id: int,
                          now: dt.datetime | None = None) -> pd.DataFrame:
    """When and why the student's studies were interrupted, latest first, for everyone who
    sees the student (school staff see that the student left, never the KAA record);
    `undoable`: the viewer marked it on screen within the last 24 hours."""
    require_student(session, viewer, student_id)
    now = now or utcnow()
    frame = read_frame(session, select(
        StudyInterruption.id, StudyInterruption.date, School.name, StudyInterruption.reason,
        StudyInterruption.source, StudyInterruption.created_by, StudyInterruption.created_at)
        .join(School, School.id == StudyInterruption.school_id)
        .where(StudyInterruption.student_id == student_id)
        .order_by(StudyInterruption.date.desc(), StudyInterruption.id.desc()),
        ["id", "date", "school", "interruption_reason", "source", "by", "at"])
    frame["undoable"] = [
        source == InterruptionSource.SCREEN and by == viewer.user_id
        and now - pd.Timestamp(at).to_pydatetime() <= dt.timedelta(hours=UNDO_HOURS)
        for source, by, at in zip(frame["source"], frame["by"], frame["at"], strict=True)]
    return frame[INTERRUPTION_COLUMNS]


def endable_enrolments(session: Session, viewer: Viewer, student_id: int,
                       today: dt.date) -> list[tuple[int, str, dt.date]]:
    """The student's open enrolments the viewer may end: (id, school, start)."""
    if viewer.role not in (Role.ADMIN, Role.COACH, Role.SCHOOL_STAFF):
        return []
    require_student(session, viewer, student_id)
    query = (select(Enrolment.id, School.name, Enrolment.start_date)
             .join(School, School.id == Enrolment.school_id)
             .where(Enrolment.student_id == student_id,
                    (Enrolment.end_date.is_(None)) | (Enrolment.end_date > today))
             .order_by(Enrolment.start_date))
    if viewer.role == Role.SCHOOL_STAFF:
        query = query.where(school_clause(viewer))
    return [tuple(row) for row in session.execute(query)]
