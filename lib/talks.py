"""Student talks (elevsamtal och kartläggning): what a coach or school staff learnt from a
talk with a student about their absence, in the four themes of the source project (causes,
support received and how it was found, support wished for) and the student's situation,
strengths and own goals.

Who sees what, like the contact log: the texts of a talk stay with the side that held it
(the coach side: the coaches of the student's home municipality; the school side: the staff
of the school that held it), and administrators. The other side sees that a talk was held,
when and by whom, and the summary once it is sent: sending creates feedback linked to the
talk, acknowledged like any feedback. Causes and wished support are coded with the
administrator's short list of categories (lib.talk_categories), so that they can be counted
across students without naming one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import ColumnElement, and_, false, select, true
from sqlalchemy.orm import Session

from data_models.codes import (
    AuditAction,
    AuditEntity,
    ContactKind,
    MeasureStatus,
    Role,
    SupportExperience,
    TalkSide,
    TalkTheme,
)
from data_models.models import (
    Contact,
    Feedback,
    Measure,
    School,
    Student,
    StudentTalk,
    StudentTalkCategory,
    StudentTalkSupport,
)
from lib import restricted as restricted_records
from lib.access import AccessDenied, Viewer, require_student, student_clause
from lib.audit import log_event, log_view
from lib.clock import utcnow
from lib.feedback import feedback_schools, send_feedback
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.talk_categories import category_labels, require_active
from lib.versioning import MAX_LINE, InputError, clean_text

# The texts of a talk, in the order the form asks for them, with the name each has in a
# message ("Orsakerna är för lång…").
TEXTS = {
    "causes": N_("Orsakerna"),
    "support_received": N_("Stödet eleven har fått"),
    "support_wanted": N_("Stödet eleven vill ha"),
    "school_situation": N_("Skolsituationen"),
    "outside_school": N_("Situationen utanför skolan"),
    "strengths": N_("Styrkor och intressen"),
    "own_goals": N_("Elevens egna mål"),
    "summary": N_("Sammanfattningen"),
}
# The talk form's questions, in the source project's words, for the texts above but the
# summary (lib/ui/talks.py, and the register extract).
QUESTIONS = {
    "causes": N_("Orsaker till frånvaron"),
    "support_received": N_("Stöd eleven har fått"),
    "support_wanted": N_("Stöd eleven skulle vilja ha för att öka närvaron och fullfölja "
                         "studierna"),
    "school_situation": N_("Skolsituationen"),
    "outside_school": N_("Situationen utanför skolan"),
    "strengths": N_("Styrkor och intressen"),
    "own_goals": N_("Elevens egna mål, med elevens ord"),
}
SIDES = {Role.COACH: TalkSide.COACH, Role.SCHOOL_STAFF: TalkSide.SCHOOL}
TALK_COLUMNS = ["id", "date", "held_by", "talk_side", "school", "readable", "summary_sent"]


@dataclass(frozen=True)
class SupportSeen:
    """How the student has found one of their measures."""

    measure_id: int
    experience: str  # SupportExperience
    note: str = ""


@dataclass(frozen=True)
class TalkInput:
    """What the talk form sends. Categories are ids from the administrator's list."""

    date: dt.date | None
    held_by: str
    causes: tuple[int, ...] = ()
    wanted: tuple[int, ...] = ()
    supports: tuple[SupportSeen, ...] = ()
    texts: dict[str, str] = field(default_factory=dict)  # TEXTS → what was typed
    school_id: int | None = None  # the school side's school; None: the one the student attends


@dataclass(frozen=True)
class TalkRecord:
    """One talk as its own side reads it."""

    id: int
    date: dt.date
    held_by: str
    side: str  # TalkSide
    school: str | None
    causes: tuple[str, ...]  # category labels
    wanted: tuple[str, ...]
    supports: pd.DataFrame  # measure_kind, start, experience, support_note
    texts: dict[str, str]
    summary_sent: tuple[str, ...]  # the schools of the feedback it was sent as, in order


def talk_side(viewer: Viewer) -> TalkSide:
    """The side a viewer holds talks for; administrators read, they do not hold talks."""
    side = SIDES.get(viewer.role)
    if side is None:
        raise AccessDenied(_("Elevsamtal förs av ungdomscoacher och skolpersonal."),
                           viewer=viewer, what=AuditEntity.STUDENT_TALK)
    return side


def readable_clause(viewer: Viewer) -> ColumnElement[bool]:
    """The talks whose texts the viewer may read: their own side's (for school staff, those
    held at their schools). The student's own scope is checked apart (require_student)."""
    if viewer.role == Role.ADMIN:
        return true()
    if viewer.role == Role.COACH:
        return StudentTalk.side == TalkSide.COACH
    if viewer.role == Role.SCHOOL_STAFF:
        return and_(StudentTalk.side == TalkSide.SCHOOL,
                    StudentTalk.school_id.in_(viewer.school_ids))
    return false()


def record_talk(session: Session, viewer: Viewer, student_id: int, talk: TalkInput,
                today: dt.date) -> int:
    """Save a new talk. The coach's talk is also a "Samtal" in the contact log, linked to
    it; a school's talk belongs to the school it was held at."""
    side = talk_side(viewer)
    require_student(session, viewer, student_id)
    date = _checked_date(talk.date, today)
    held_by = clean_text(N_("Vem som höll samtalet"), talk.held_by, MAX_LINE, required=True)
    texts = {name: clean_text(label, talk.texts.get(name)) for name, label in TEXTS.items()}
    school_id = _school_of(session, viewer, student_id, side, talk.school_id, today)
    for category_id in {*talk.causes, *talk.wanted}:
        require_active(session, category_id)
    supports = _checked_supports(session, student_id, talk.supports)
    now = utcnow()
    record = StudentTalk(student_id=student_id, side=side, school_id=school_id, date=date,
                         held_by=held_by, **texts, version=1, author_id=viewer.user_id,
                         created_at=now)
    if side == TalkSide.COACH:
        record.contact_id = _log_contact(session, viewer, student_id, date, now)
    session.add(record)
    session.flush()
    session.add_all([StudentTalkCategory(talk_id=record.id, theme=theme, category_id=chosen)
                     for theme, chosen_ids in ((TalkTheme.CAUSE, talk.causes),
                                               (TalkTheme.WANTED, talk.wanted))
                     for chosen in dict.fromkeys(chosen_ids)])
    session.add_all([StudentTalkSupport(talk_id=record.id, measure_id=seen.measure_id,
                                        experience=seen.experience, note=seen.note)
                     for seen in supports])
    log_event(session, viewer, AuditAction.CREATE, AuditEntity.STUDENT_TALK, record.id,
              student_id=student_id, after={"date": date.isoformat(), "side": side.value})
    return record.id


def _checked_date(date: dt.date | None, today: dt.date) -> dt.date:
    if date is None:
        raise InputError(_("Ange datum för samtalet."))
    if date > today:
        raise InputError(_("Ett samtal kan inte föras in på ett datum som inte har varit än."))
    return date


def _school_of(session: Session, viewer: Viewer, student_id: int, side: TalkSide,
               chosen: int | None, today: dt.date) -> int | None:
    """The school side's school: the one chosen, or the one of the viewer's schools that
    the student attends (or last attended)."""
    if side == TalkSide.COACH:
        return None
    schools = [school_id for school_id, _name in feedback_schools(session, viewer, student_id,
                                                                   today)]
    if chosen is None and schools:
        return schools[0]
    if chosen not in schools:
        raise InputError(_("Välj en av dina skolor där eleven går eller har gått."))
    return chosen


def _checked_supports(session: Session, student_id: int,
                      supports: tuple[SupportSeen, ...]) -> list[SupportSeen]:
    kept: dict[int, SupportSeen] = {}
    mine = set(session.scalars(select(Measure.id).where(Measure.student_id == student_id)))
    for seen in supports:
        if seen.measure_id not in mine:
            raise InputError(_("Stödet finns inte bland elevens åtgärder."))
        if seen.experience not in set(SupportExperience):
            raise InputError(_("Välj hur eleven har upplevt stödet."))
        kept[seen.measure_id] = SupportSeen(
            seen.measure_id, seen.experience, clean_text(N_("Kommentaren om stödet"), seen.note))
    return list(kept.values())


def _log_contact(session: Session, viewer: Viewer, student_id: int, date: dt.date,
                 now: dt.datetime) -> int:
    contact = Contact(student_id=student_id, kind=ContactKind.TALK, date=date,
                      note=_("Elevsamtal (se Elevsamtal på elevens sida)"),
                      user_id=viewer.user_id, created_at=now)
    session.add(contact)
    session.flush()
    log_event(session, viewer, AuditAction.CREATE, AuditEntity.CONTACT, contact.id,
              student_id=student_id, after={"kind": ContactKind.TALK.value,
                                            "date": date.isoformat()})
    return contact.id


def list_talks(session: Session, viewer: Viewer, student_id: int) -> pd.DataFrame:
    """The student's talks, latest first, as both sides see them: date, held_by, talk_side,
    school (the school side's), readable (the viewer may read its texts) and summary_sent."""
    require_student(session, viewer, student_id)
    sent = select(Feedback.id).where(Feedback.talk_id == StudentTalk.id).exists()
    frame = read_frame(session,
        select(StudentTalk.id, StudentTalk.date, StudentTalk.held_by, StudentTalk.side,
               School.name, readable_clause(viewer), sent)
        .outerjoin(School, School.id == StudentTalk.school_id)
        .where(StudentTalk.student_id == student_id)
        .order_by(StudentTalk.date.desc(), StudentTalk.id.desc()),
        TALK_COLUMNS)
    frame["readable"] = frame["readable"].astype(bool)
    frame["summary_sent"] = frame["summary_sent"].astype(bool)
    return frame


def read_talks(session: Session, viewer: Viewer, student_id: int) -> list[TalkRecord]:
    """The talks with the student whose texts the viewer may read, latest first; the view
    is in the audit log."""
    require_student(session, viewer, student_id)
    talks = session.scalars(select(StudentTalk).where(
        StudentTalk.student_id == student_id, readable_clause(viewer))
        .order_by(StudentTalk.date.desc(), StudentTalk.id.desc())).all()
    if not talks:
        return []
    log_view(session, viewer, AuditAction.VIEW_TALKS, AuditEntity.STUDENT_TALK,
             student_id=student_id, note=f"{len(talks)} samtal")
    ids = [talk.id for talk in talks]
    chosen = _chosen_categories(session, ids)
    supports = _supports(session, viewer, ids)
    sent = _sent_to(session, ids)
    schools = dict(session.execute(select(School.id, School.name).where(
        School.id.in_({t.school_id for t in talks if t.school_id is not None}))).all())
    return [TalkRecord(
        id=talk.id, date=talk.date, held_by=talk.held_by, side=talk.side,
        school=schools.get(talk.school_id), causes=chosen.get((talk.id, TalkTheme.CAUSE), ()),
        wanted=chosen.get((talk.id, TalkTheme.WANTED), ()),
        supports=supports[supports["talk_id"] == talk.id].drop(columns="talk_id")
        .reset_index(drop=True),
        texts={name: getattr(talk, name) for name in TEXTS},
        summary_sent=tuple(sent.get(talk.id, ()))) for talk in talks]


def _chosen_categories(session: Session, talk_ids: list[int]) -> dict[tuple, tuple[str, ...]]:
    labels = category_labels(session)
    chosen: dict[tuple, list[str]] = {}
    for talk_id, theme, category_id in session.execute(
            select(StudentTalkCategory.talk_id, StudentTalkCategory.theme,
                   StudentTalkCategory.category_id)
            .where(StudentTalkCategory.talk_id.in_(talk_ids))):
        chosen.setdefault((talk_id, theme), []).append(labels[category_id])
    return {key: tuple(sorted(values)) for key, values in chosen.items()}


def _supports(session: Session, viewer: Viewer, talk_ids: list[int]) -> pd.DataFrame:
    return read_frame(session,
        select(StudentTalkSupport.talk_id, restricted_records.measure_kind_column(viewer),
               Measure.start_date,
               StudentTalkSupport.experience, StudentTalkSupport.note)
        .join(Measure, Measure.id == StudentTalkSupport.measure_id)
        .where(StudentTalkSupport.talk_id.in_(talk_ids))
        .order_by(Measure.start_date),
        ["talk_id", "measure_kind", "start", "support_experience", "support_note"])


def _sent_to(session: Session, talk_ids: list[int]) -> dict[int, list[str]]:
    sent: dict[int, list[str]] = {}
    for talk_id, school in session.execute(
            select(Feedback.talk_id, School.name).join(School, School.id == Feedback.school_id)
            .where(Feedback.talk_id.in_(talk_ids)).order_by(Feedback.created_at)):
        sent.setdefault(talk_id, []).append(school)
    return sent


def support_choices(session: Session, viewer: Viewer, student_id: int) -> pd.DataFrame:
    """The student's measures that a talk can say something about: id, measure_kind, start,
    measure_status; the open ones first, then the latest."""
    require_student(session, viewer, student_id)
    frame = read_frame(session,
        select(Measure.id, restricted_records.measure_kind_column(viewer), Measure.start_date,
               Measure.status)
        .where(Measure.student_id == student_id)
        .order_by(Measure.start_date.desc(), Measure.id.desc()),
        ["id", "measure_kind", "start", "measure_status"])
    closed = frame["measure_status"].isin([MeasureStatus.DONE, MeasureStatus.STOPPED])
    return pd.concat([frame[~closed], frame[closed]], ignore_index=True)


def send_talk_summary(session: Session, viewer: Viewer, talk_id: int,
                      school_id: int | None = None) -> int:
    """Send the talk's summary to the other side as feedback linked to the talk: from the
    coach to a school the student attends or attended (`school_id`), from a school to the
    coach. The same summary goes once to each school."""
    side = talk_side(viewer)
    talk = session.scalars(
        select(StudentTalk).join(Student, Student.id == StudentTalk.student_id)
        .where(StudentTalk.id == talk_id, StudentTalk.side == side, readable_clause(viewer),
               student_clause(viewer))).first()
    if talk is None:  # one answer for a talk that is missing, the other side's or not ours
        raise AccessDenied(_("Samtalet finns inte, eller så har du inte behörighet till det."),
                           viewer=viewer, what=AuditEntity.STUDENT_TALK, what_id=talk_id)
    summary = talk.summary.strip()
    if not summary:
        raise InputError(_("Samtalet har ingen sammanfattning att skicka."))
    target = talk.school_id if side == TalkSide.SCHOOL else school_id
    if target is None:
        raise InputError(_("Välj skolan som ska få sammanfattningen."))
    already = session.scalar(select(Feedback.id).where(
        Feedback.talk_id == talk.id, Feedback.school_id == target, Feedback.text == summary))
    if already is not None:
        raise InputError(_("Sammanfattningen är redan skickad."))
    feedback_id = send_feedback(session, viewer, summary, student_id=talk.student_id,
                                school_id=target)
    session.get(Feedback, feedback_id).talk_id = talk.id
    return feedback_id

