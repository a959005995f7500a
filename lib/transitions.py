"""The way in: the hand-over (överlämning) of each incoming year-1 student from compulsory
school to the upper-secondary school that receives them, and the early follow-up talk
(tidigt uppföljningssamtal) each new student is to have by week N of their first term.

Who: the receiving school's staff and the coaches of the student's home municipality read
and write both; administrators read them. A hand-over is kept per student and receiving
school, and names only what the sending school reported.

A school's new students of a term are the year-1 enrolments at the school that began in
that term: after the end of the term before it and no later than its end (an enrolment
that begins on 15 August belongs to the autumn term that starts a few days later). The
early talk is due by the end (Sunday) of week N counted from the week the term begins, or
from the week the student began when that is later; N is the home municipality's setting
(6 unless changed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from data_models.codes import AuditAction, AuditEntity, EarlyTalkState
from data_models.models import (
    EarlyTalk,
    Enrolment,
    HandOver,
    Municipality,
    School,
    Student,
    StudentTalk,
    Term,
)
from lib.access import (
    SIDES,
    AccessDenied,
    Viewer,
    require_individual_access,
    require_student,
    school_clause,
    student_clause,
)
from lib.audit import log_event, log_view
from lib.clock import utcnow
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.students import format_name
from lib.talks import readable_clause
from lib.versioning import MAX_LINE, InputError, clean_text, save_versioned

INCOMING_COLUMNS = ["id", "student", "programme", "class_name", "start", "hand_over",
                    "early_talk", "early_talk_due", "early_talk_state"]


@dataclass(frozen=True)
class HandOverInput:
    """What the hand-over form (or a row of a hand-over list) sends."""

    sending_school: str
    year9_absence: float | None = None  # a share 0–1, as the sender reported it
    extra_adaptations: bool = False
    special_support: bool = False
    support_plan: bool = False  # åtgärdsprogram
    support_plan_date: dt.date | None = None
    to_know: str = ""
    sender_contact: str = ""
    received_on: dt.date | None = None


@dataclass(frozen=True)
class HandOverRecord:
    id: int
    version: int
    student_id: int
    school_id: int
    school: str
    data: HandOverInput


@dataclass(frozen=True)
class EarlyTalkRecord:
    date: dt.date
    held_by: str
    note: str
    talk_id: int | None


def _require_side(viewer: Viewer) -> None:
    if viewer.role not in SIDES:
        raise AccessDenied(_("Överlämningar och tidiga samtal förs av ungdomscoacher och "
                             "skolpersonal."), viewer=viewer, what=AuditEntity.HAND_OVER)


def _require_school(session: Session, viewer: Viewer, school_id: int) -> School:
    school = session.scalar(select(School).where(School.id == school_id, school_clause(viewer)))
    if school is None:
        raise AccessDenied(_("Skolan finns inte, eller så har du inte behörighet att se den."),
                           viewer=viewer, what=AuditEntity.SCHOOL, what_id=school_id)
    return school


def _require_roster(session: Session, student_id: int, school_id: int) -> Enrolment:
    """The student's latest enrolment at the school; a clear refusal when there is none."""
    enrolment = session.scalar(
        select(Enrolment).where(Enrolment.student_id == student_id,
                                Enrolment.school_id == school_id)
        .order_by(Enrolment.start_date.desc()).limit(1))
    if enrolment is None:
        raise InputError(_("Eleven finns inte i den mottagande skolans elevlista. Läs in "
                           "inskrivningen först, eller välj skolan där eleven börjar."))
    return enrolment


def _checked_day(label: str, day: dt.date | None, today: dt.date) -> dt.date:
    if day is None:
        raise InputError(_("Ange {field}.").format(field=_(label).lower()))
    if day > today:
        raise InputError(_("{field} kan inte vara ett datum som inte har varit än.").format(
            field=_(label)))
    return day


def _checked(data: HandOverInput, today: dt.date) -> dict:
    share = data.year9_absence
    if share is not None and (pd.isna(share) or not 0 <= share <= 1):
        raise InputError(_("Frånvaron i årskurs 9 anges i procent, mellan 0 och 100."))
    if data.support_plan_date is not None and not data.support_plan:
        raise InputError(_("Ett datum för åtgärdsprogrammet anges bara när eleven har ett."))
    plan_date = data.support_plan_date
    if plan_date is not None and plan_date > today:
        raise InputError(_("Åtgärdsprogrammets datum kan inte vara ett datum som inte har "
                           "varit än."))
    return {
        "sending_school": clean_text(N_("Avlämnande skola"), data.sending_school, 160,
                                     required=True),
        "year9_absence": None if share is None else float(share),
        "extra_adaptations": bool(data.extra_adaptations),
        "special_support": bool(data.special_support),
        "support_plan": bool(data.support_plan),
        "support_plan_date": plan_date,
        "to_know": clean_text(N_("Det som skolan ska veta"), data.to_know),
        "sender_contact": clean_text(N_("Kontakten på avlämnande skola"), data.sender_contact,
                                     200),
        "received_on": _checked_day(N_("Mottagningsdatum"), data.received_on, today),
    }


def save_hand_over(session: Session, viewer: Viewer, student_id: int, school_id: int,
                   data: HandOverInput, today: dt.date,
                   expected_version: int | None = None) -> int:
    """Record the hand-over of a student the school receives, or change the one recorded
    (at `expected_version`; a save by someone else meanwhile is a Conflict)."""
    _require_side(viewer)
    require_student(session, viewer, student_id)
    _require_school(session, viewer, school_id)
    _require_roster(session, student_id, school_id)
    values = _checked(data, today)
    existing = session.scalar(select(HandOver).where(HandOver.student_id == student_id,
                                                     HandOver.school_id == school_id))
    if existing is None:
        if expected_version is not None:
            raise InputError(_("Posten finns inte längre."))
        record = HandOver(student_id=student_id, school_id=school_id, **values, version=1,
                          created_by=viewer.user_id, created_at=utcnow())
        session.add(record)
        session.flush()
        log_event(session, viewer, AuditAction.CREATE, AuditEntity.HAND_OVER, record.id,
                  student_id=student_id, after=_loggable(values))
        return record.id
    if expected_version is None:
        raise InputError(_("Eleven har redan en överlämning till skolan: öppna den och "
                           "ändra den."))
    before, _version = save_versioned(session, HandOver, existing.id, expected_version, values,
                                      viewer.user_id)
    log_event(session, viewer, AuditAction.UPDATE, AuditEntity.HAND_OVER, existing.id,
              student_id=student_id, before=_loggable(before), after=_loggable(values))
    return existing.id


def _loggable(values: dict) -> dict:
    """The audit log's record of a hand-over: which fields, never the texts' contents."""
    return {name: (value.isoformat() if isinstance(value, dt.date) else
                   value if isinstance(value, bool | float | int) or value is None else
                   f"{len(value)} tecken")
            for name, value in values.items()}


def get_hand_over(session: Session, viewer: Viewer, student_id: int,
                  school_id: int) -> HandOverRecord | None:
    """The hand-over of the student to the school, if one is recorded; the view is logged."""
    require_individual_access(viewer)
    require_student(session, viewer, student_id)
    school = _require_school(session, viewer, school_id)
    record = session.scalar(select(HandOver).where(HandOver.student_id == student_id,
                                                   HandOver.school_id == school_id))
    if record is None:
        return None
    log_view(session, viewer, AuditAction.VIEW_HAND_OVER, AuditEntity.HAND_OVER, record.id,
             student_id=student_id)
    return HandOverRecord(record.id, record.version, student_id, school_id, school.name,
                          HandOverInput(**{name: getattr(record, name) for name in
                                           HandOverInput.__dataclass_fields__}))


def early_talk_dues(term_start: dt.date, starts: pd.Series, weeks: pd.Series) -> pd.Series:
    """The last day (Sunday) of week N (`weeks`), counted from the week of the later of the
    term's start and each student's (`starts`), as timestamps."""
    first = pd.to_datetime(starts).clip(lower=pd.Timestamp(term_start))
    return (first - pd.to_timedelta(first.dt.day_of_week, unit="D")
            + pd.to_timedelta(weeks.astype(int) * 7 - 1, unit="D"))


def early_talk_due(term_start: dt.date, started: dt.date, week: int) -> dt.date:
    """One student's last day for the early talk (early_talk_dues)."""
    return early_talk_dues(term_start, pd.Series([started]), pd.Series([week])).iloc[0].date()


def early_talk_state(talk_on: dt.date | None, due: dt.date, today: dt.date) -> EarlyTalkState:
    if talk_on is not None:
        return EarlyTalkState.DONE if talk_on <= due else EarlyTalkState.LATE
    return EarlyTalkState.OVERDUE if today > due else EarlyTalkState.DUE


def new_from(session: Session, term: Term) -> dt.date:
    """The first day a new student's enrolment of the term may begin: the day after the
    term before it ended (90 days before the term's start when there is none)."""
    before = session.scalar(select(func.max(Term.end_date)).where(Term.end_date
                                                                  < term.start_date))
    return before + dt.timedelta(days=1) if before else term.start_date - dt.timedelta(days=90)


def _term_window(session: Session, term_id: int) -> tuple[dt.date, dt.date, dt.date]:
    """The term's start and end, and the first day an enrolment of the term may begin."""
    term = session.get(Term, term_id)
    if term is None:
        raise InputError(_("Terminen finns inte."))
    return term.start_date, term.end_date, new_from(session, term)


def incoming_students(session: Session, viewer: Viewer, school_id: int, term_id: int,
                      today: dt.date) -> pd.DataFrame:
    """The school's new year-1 students of the term that the viewer may see: programme,
    class, start, the hand-over's received date, the early talk's date, when it is due and
    its state (EarlyTalkState), the ones without a talk first. The list's view is logged."""
    require_individual_access(viewer)
    _require_school(session, viewer, school_id)
    start, end, opens = _term_window(session, term_id)
    frame = read_frame(session, select(
        Student.id, Student.first_name, Student.last_name, Student.protected_identity,
        Enrolment.programme, Enrolment.class_name, Enrolment.start_date,
        HandOver.received_on, EarlyTalk.date, Municipality.early_talk_week)
        .join(Enrolment, Enrolment.student_id == Student.id)
        .join(Municipality, Municipality.id == Student.home_municipality_id)
        .outerjoin(HandOver, and_(HandOver.student_id == Student.id,
                                  HandOver.school_id == school_id))
        .outerjoin(EarlyTalk, and_(EarlyTalk.student_id == Student.id,
                                   EarlyTalk.school_id == school_id))
        .where(Enrolment.school_id == school_id, Enrolment.school_year == 1,
               Enrolment.start_date >= opens, Enrolment.start_date <= end,
               student_clause(viewer)),
        ["id", "first", "last", "protected", "programme", "class_name", "start", "hand_over",
         "early_talk", "week"])
    frame = frame.drop_duplicates("id", keep="last")
    due = [d.date() for d in early_talk_dues(start, frame["start"], frame["week"])]
    talks = [None if pd.isna(day) else day for day in frame["early_talk"]]
    table = pd.DataFrame({
        "id": frame["id"].astype(int),
        "student": [format_name(int(i), f, la, bool(p)) for i, f, la, p in zip(
            frame["id"], frame["first"], frame["last"], frame["protected"], strict=True)],
        "programme": frame["programme"], "class_name": frame["class_name"],
        "start": frame["start"],
        "hand_over": [None if pd.isna(day) else day for day in frame["hand_over"]],
        "early_talk": talks, "early_talk_due": due,
        "early_talk_state": [early_talk_state(t, d, today) for t, d in
                             zip(talks, due, strict=True)],
    }, columns=INCOMING_COLUMNS)
    order = {EarlyTalkState.OVERDUE: 0, EarlyTalkState.DUE: 1, EarlyTalkState.LATE: 2,
             EarlyTalkState.DONE: 3}
    rank = pd.DataFrame({"state": table["early_talk_state"].map(order),
                         "name": table["student"].astype(str).str.lower()})
    table = table.loc[rank.sort_values(["state", "name"]).index].reset_index(drop=True)
    log_view(session, viewer, AuditAction.VIEW_STUDENT_LIST, AuditEntity.SCHOOL, school_id,
             note=f"{len(table)} nya elever (överlämning och tidigt samtal)")
    return table


def record_early_talk(session: Session, viewer: Viewer, student_id: int, school_id: int,
                     date: dt.date | None, held_by: str, note: str, today: dt.date,
                     talk_id: int | None = None) -> int:
    """Record the early talk with a new student at the school (or correct the recorded
    one), linked to one of the student's talks the viewer may read when one is given."""
    _require_side(viewer)
    require_student(session, viewer, student_id)
    _require_school(session, viewer, school_id)
    enrolment = _require_roster(session, student_id, school_id)
    day = _checked_day(N_("Datum för samtalet"), date, today)
    if day < enrolment.start_date:
        raise InputError(_("Samtalet kan inte ha hållits innan eleven började på skolan "
                           "({start}).").format(start=enrolment.start_date.isoformat()))
    values = {"date": day,
              "held_by": clean_text(N_("Vem som höll samtalet"), held_by, MAX_LINE,
                                    required=True),
              "note": clean_text(N_("Anteckningen"), note),
              "talk_id": _checked_talk(session, viewer, student_id, talk_id)}
    existing = session.scalar(select(EarlyTalk).where(EarlyTalk.student_id == student_id,
                                                      EarlyTalk.school_id == school_id))
    if existing is None:
        existing = EarlyTalk(student_id=student_id, school_id=school_id, **values,
                             created_by=viewer.user_id, created_at=utcnow())
        session.add(existing)
        session.flush()
        log_event(session, viewer, AuditAction.CREATE, AuditEntity.EARLY_TALK, existing.id,
                  student_id=student_id, after={"date": day.isoformat()})
        return existing.id
    before = {"date": existing.date.isoformat()}
    for name, value in values.items():
        setattr(existing, name, value)
    log_event(session, viewer, AuditAction.UPDATE, AuditEntity.EARLY_TALK, existing.id,
              student_id=student_id, before=before, after={"date": day.isoformat()})
    return existing.id


def _checked_talk(session: Session, viewer: Viewer, student_id: int,
                  talk_id: int | None) -> int | None:
    if talk_id is None:
        return None
    if talk_id not in set(session.scalars(select(StudentTalk.id).where(
            StudentTalk.student_id == student_id, readable_clause(viewer)))):
        raise InputError(_("Samtalet finns inte bland elevens samtal som du kan läsa."))
    return talk_id


def get_early_talk(session: Session, viewer: Viewer, student_id: int,
                   school_id: int) -> EarlyTalkRecord | None:
    require_individual_access(viewer)
    require_student(session, viewer, student_id)
    _require_school(session, viewer, school_id)
    record = session.scalar(select(EarlyTalk).where(EarlyTalk.student_id == student_id,
                                                    EarlyTalk.school_id == school_id))
    if record is None:
        return None
    return EarlyTalkRecord(record.date, record.held_by, record.note, record.talk_id)
