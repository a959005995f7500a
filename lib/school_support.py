"""The school's own support for a student, kept by the school: extra adaptations (extra
anpassningar), special support (särskilt stöd) and an individual education plan
(åtgärdsprogram) with the day it was decided, and a note. One record per student and
school the student is or was enrolled at. The school's staff and the administrator write
it; the coach of the student's home municipality reads it, in meeting mode and in the visit
pack too."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data_models.codes import AuditAction, AuditEntity, Role
from data_models.models import Enrolment, School, SchoolSupport, Student, User
from lib import formats
from lib.access import (
    AccessDenied,
    Viewer,
    require_individual_access,
    require_student,
    school_clause,
    student_clause,
)
from lib.audit import log_event
from lib.clock import local_today, utcnow
from lib.i18n import N_, _
from lib.versioning import MAX_TEXT, Conflict, InputError, clean_text, save_versioned

SUPPORT_NOT_FOUND = N_("Skolan finns inte bland elevens skolor, eller så har du inte "
                       "behörighet att se den.")
ONLY_THE_SCHOOL = N_("Det är skolan som för in sitt stöd för eleven; du kan läsa det.")
NOTE = N_("Anteckningen")
TICKS = ("extra_adaptations", "special_support", "support_plan")


@dataclass(frozen=True)
class Support:
    """One school's support for the student, as the viewer sees it. `version` 0: the school
    has recorded nothing yet."""

    school_id: int
    school: str
    extra_adaptations: bool = False
    special_support: bool = False
    support_plan: bool = False
    support_plan_date: dt.date | None = None
    note: str = ""
    version: int = 0
    updated_by: str = ""
    updated_at: dt.datetime | None = None
    writable: bool = False  # the viewer is the school's staff, or the administrator

    @property
    def recorded(self) -> bool:
        return self.version > 0

    @property
    def line(self) -> str:
        """The ticks and the plan's day in one line, in the run's language."""
        return support_line(self.recorded, self.extra_adaptations, self.special_support,
                            self.support_plan, self.support_plan_date)


def support_line(recorded: bool, extra_adaptations: bool, special_support: bool,
                 support_plan: bool, support_plan_date: dt.date | None) -> str:
    """"extra anpassningar · åtgärdsprogram 2025-09-10"; "inget stöd" when the school has
    ticked nothing, "inte ifyllt" when it has recorded nothing."""
    if not recorded:
        return _("inte ifyllt")
    parts = [text for ticked, text in ((extra_adaptations, _("extra anpassningar")),
                                       (special_support, _("särskilt stöd"))) if ticked]
    if support_plan:
        parts.append(_("åtgärdsprogram {day}").format(day=formats.date(support_plan_date))
                     .strip())
    return " · ".join(parts) or _("inget stöd")


def _writes_for(viewer: Viewer, school_id: int) -> bool:
    return viewer.role == Role.ADMIN or (viewer.role == Role.SCHOOL_STAFF
                                         and school_id in viewer.school_ids)


def _schools(session: Session, viewer: Viewer, student_id: int) -> dict[int, str]:
    """The schools the student is or was enrolled at that the viewer may see: the current
    ones first, then the latest started."""
    rows = session.execute(
        select(School.id, School.name, Enrolment.start_date, Enrolment.end_date)
        .join(Enrolment, Enrolment.school_id == School.id)
        .where(Enrolment.student_id == student_id, school_clause(viewer))).all()
    today = local_today()
    order: dict[int, tuple] = {}
    for school_id, _name, start, end in rows:
        key = (end is None or end >= today, start)
        order[school_id] = max(order.get(school_id, key), key)
    names = {school_id: name for school_id, name, *_days in rows}
    return {school_id: names[school_id]
            for school_id in sorted(order, key=order.get, reverse=True)}


def get_support(session: Session, viewer: Viewer, student_id: int) -> tuple[Support, ...]:
    """The support of each school the student is or was enrolled at, as far as the viewer
    sees the school (school staff: their own schools). A student the viewer does not see
    is answered as missing."""
    require_student(session, viewer, student_id)
    schools = _schools(session, viewer, student_id)
    kept = {record.school_id: (record, name) for record, name in session.execute(
        select(SchoolSupport, User.display_name)
        .join(User, User.id == SchoolSupport.updated_by)
        .where(SchoolSupport.student_id == student_id,
               SchoolSupport.school_id.in_(list(schools))))}
    return tuple(_support(school_id, name, viewer, *kept.get(school_id, (None, "")))
                 for school_id, name in schools.items())


def _support(school_id: int, school: str, viewer: Viewer, record: SchoolSupport | None,
             by: str) -> Support:
    writable = _writes_for(viewer, school_id)
    if record is None:
        return Support(school_id=school_id, school=school, writable=writable)
    return Support(school_id=school_id, school=school,
                   extra_adaptations=record.extra_adaptations,
                   special_support=record.special_support, support_plan=record.support_plan,
                   support_plan_date=record.support_plan_date, note=record.note,
                   version=record.version, updated_by=by, updated_at=record.updated_at,
                   writable=writable)


def support_at_school(session: Session, viewer: Viewer, school_id: int,
                      student_ids: list[int]) -> dict[int, Support]:
    """The school's support for each of the students that the viewer sees (the visit
    pack's flagged students), in one query; a student with nothing recorded is left out."""
    require_individual_access(viewer)
    ids = [int(i) for i in student_ids]
    if not ids:
        return {}
    seen = select(Student.id).where(Student.id.in_(ids), student_clause(viewer))
    found = session.execute(
        select(SchoolSupport, School.name)
        .join(School, School.id == SchoolSupport.school_id)
        .where(SchoolSupport.school_id == school_id, SchoolSupport.student_id.in_(seen),
               school_clause(viewer)))
    return {record.student_id: _support(school_id, name, viewer, record, "")
            for record, name in found}


def _checked(support_plan: bool, support_plan_date: dt.date | None, note: str | None,
             today: dt.date) -> tuple[dt.date | None, str]:
    """The plan's day and the note as they are stored; InputError for what cannot be."""
    if support_plan_date is not None and not support_plan:
        raise InputError(_("Ett datum för åtgärdsprogram anges bara när eleven har ett "
                           "åtgärdsprogram: kryssa i åtgärdsprogram eller ta bort datumet."))
    if support_plan and support_plan_date is None:
        raise InputError(_("Ange datumet då åtgärdsprogrammet beslutades."))
    if support_plan_date is not None and support_plan_date > today:
        raise InputError(_("Åtgärdsprogrammets datum kan inte ligga i framtiden."))
    return support_plan_date, clean_text(NOTE, note, MAX_TEXT)


def _writable_school(session: Session, viewer: Viewer, student_id: int,
                     school_id: int) -> None:
    """Refuse a writer who is not the school's own: a coach is told that the school keeps
    it; a school outside the viewer's scope, or one the student never attended, is answered
    as missing."""
    require_student(session, viewer, student_id)
    if viewer.role == Role.COACH:
        raise AccessDenied(ONLY_THE_SCHOOL, viewer=viewer, what=AuditEntity.SCHOOL_SUPPORT,
                           what_id=student_id)
    attended = session.scalar(select(Enrolment.id).where(
        Enrolment.student_id == student_id, Enrolment.school_id == school_id).limit(1))
    if not _writes_for(viewer, school_id) or attended is None:
        raise AccessDenied(SUPPORT_NOT_FOUND, viewer=viewer, what="school",
                           what_id=school_id)


def save_support(session: Session, viewer: Viewer, student_id: int, school_id: int, *,
                 extra_adaptations: bool, special_support: bool, support_plan: bool,
                 support_plan_date: dt.date | None, note: str | None, expected_version: int,
                 today: dt.date | None = None) -> int:
    """Record the school's support for the student, as edited from `expected_version` (0:
    the school had recorded nothing). Returns the new version; Conflict when someone else
    saved in between, InputError for bad input (nothing is written either way)."""
    _writable_school(session, viewer, student_id, school_id)
    day, text = _checked(bool(support_plan), support_plan_date, note, today or local_today())
    values = {"extra_adaptations": bool(extra_adaptations),
              "special_support": bool(special_support), "support_plan": bool(support_plan),
              "support_plan_date": day, "note": text}
    record = session.scalar(select(SchoolSupport).where(
        SchoolSupport.student_id == student_id, SchoolSupport.school_id == school_id))
    if record is None and expected_version == 0:
        return _create(session, viewer, student_id, school_id, values)
    if record is None:
        raise InputError(_("Posten finns inte längre."))
    if expected_version == 0:  # someone else recorded it first
        raise _conflict(session, record, values)
    before, version = save_versioned(session, SchoolSupport, record.id, expected_version,
                                     values, viewer.user_id)
    log_event(session, viewer, AuditAction.UPDATE, AuditEntity.SCHOOL_SUPPORT, record.id,
              student_id=student_id, before=_logged(before), after=_logged(values))
    return version


def _create(session: Session, viewer: Viewer, student_id: int, school_id: int,
            values: dict) -> int:
    record = SchoolSupport(student_id=student_id, school_id=school_id, **values, version=1,
                           updated_by=viewer.user_id, updated_at=utcnow())
    try:
        with session.begin_nested():  # two first saves at once: the second is a conflict
            session.add(record)
            session.flush()
    except IntegrityError:
        theirs = session.scalar(select(SchoolSupport).where(
            SchoolSupport.student_id == student_id, SchoolSupport.school_id == school_id))
        raise _conflict(session, theirs, values) from None
    log_event(session, viewer, AuditAction.CREATE, AuditEntity.SCHOOL_SUPPORT, record.id,
              student_id=student_id, after=_logged(values))
    return 1


def _conflict(session: Session, record: SchoolSupport, values: dict) -> Conflict:
    def texts(get) -> dict[str, str]:
        return {name: "" if get(name) is None else str(get(name)) for name in values}

    return Conflict(mine=texts(values.get), theirs=texts(lambda n: getattr(record, n)),
                    version=record.version,
                    by=session.scalar(select(User.display_name)
                                      .where(User.id == record.updated_by)) or "",
                    at=record.updated_at)


def _logged(values: dict) -> dict:
    """What the audit log keeps of a save: the ticks and the plan's day; of the note only
    its length (the record itself holds the text, and goes when it is erased)."""
    return {**{name: bool(values[name]) for name in TICKS},
            "support_plan_date": (values["support_plan_date"].isoformat()
                                  if values["support_plan_date"] else None),
            "note_chars": len(values["note"] or "")}

