"""Method meetings (metodmöten, case method): a municipality's meeting across agencies —
school, youth coach, social services, health care, others — on an anonymised case that
links to no student. The meeting records what is known and done by whom (the inventory),
the shared problem picture and the strategies, and ends in a group plan
(lib.group_plans) and shared goals (lib.shared_goals).

The municipality's coaches and the staff of the meeting's school write it; administrators
read it; project leaders see no method meetings (they see the shared goals). A meeting
outside the viewer's scope is answered as missing. The case texts may name no student: a
text with something that looks like a personal identity or coordination number is refused,
and the audit log records that a text changed, never the text."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import ColumnElement, delete, false, func, select, true, union
from sqlalchemy.orm import Session

from data_models.codes import Agency, AuditAction, AuditEntity, Role
from data_models.models import (
    Enrolment,
    MethodMeeting,
    MethodParticipant,
    Municipality,
    School,
    SharedGoal,
    Student,
    User,
)
from lib.access import AccessDenied, Viewer, require_role, school_clause
from lib.audit import log_event
from lib.clock import utcnow
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.personal_number import InvalidPersonalNumber, normalize
from lib.versioning import MAX_LINE, InputError, clean_text, save_versioned

NOT_FOUND = N_("Metodmötet finns inte, eller så har du inte behörighet till det.")
ANONYMOUS = N_("Beskriv fallet utan namn eller andra uppgifter som pekar ut en elev.")
MAX_TITLE = 200
MAX_ORGANISATION = 160
MAX_PARTICIPANTS = 40
# The case texts, in the order the meeting works through them (and their field names).
TEXTS = {"case_description": N_("Fallbeskrivningen"), "inventory": N_("Inventeringen"),
         "problem_picture": N_("Den gemensamma problembilden"),
         "strategies": N_("Strategierna")}
LIST_COLUMNS = ["id", "version", "date", "title", "municipality", "school",
                "participant_count", "goal_count"]
PARTICIPANT_COLUMNS = ["name", "agency", "organisation"]
# A number shaped like a personal identity or coordination number, with or without the
# century and the separator: checked against the personal number rules below.
NUMBER_SHAPE = re.compile(r"(?<![\d])(?:\d{2})?\d{6}[-+\u2212 ]?\d{4}(?![\d])")
READ_ROLES = (Role.ADMIN, Role.COACH, Role.SCHOOL_STAFF)
WRITE_ROLES = (Role.COACH, Role.SCHOOL_STAFF)


@dataclass(frozen=True)
class ParticipantInput:
    """One person at the meeting: a name, the agency and the organisation (a named
    external person, not a user of the app)."""

    name: str
    agency: str
    organisation: str = ""


@dataclass(frozen=True)
class MeetingInput:
    """What the new-meeting form sends."""

    municipality_id: int | None
    date: dt.date | None
    title: str
    school_id: int | None = None
    participants: tuple[ParticipantInput, ...] = ()
    case_description: str = ""
    inventory: str = ""
    problem_picture: str = ""
    strategies: str = ""


@dataclass(frozen=True)
class MeetingChange:
    """What the meeting's edit form sends; `participants` None leaves them as they are."""

    title: str
    date: dt.date | None
    case_description: str = ""
    inventory: str = ""
    problem_picture: str = ""
    strategies: str = ""
    participants: tuple[ParticipantInput, ...] | None = None


@dataclass(frozen=True)
class MethodMeetingView:
    id: int
    version: int
    municipality_id: int
    municipality: str
    school_id: int | None
    school: str
    date: dt.date
    title: str
    case_description: str
    inventory: str
    problem_picture: str
    strategies: str
    participants: pd.DataFrame  # name, agency, organisation
    plans: pd.DataFrame  # lib.group_plans.group_plan_list for the meeting
    goals: pd.DataFrame  # lib.shared_goals.goal_list for the meeting
    updated_by: str
    updated_at: dt.datetime | None
    writable: bool


def meeting_clause(viewer: Viewer) -> ColumnElement[bool]:
    """Method meetings the viewer may read: a coach's municipalities' meetings, the
    meetings with a staff member's school, all for an administrator; none for others."""
    if viewer.role == Role.ADMIN:
        return true()
    if viewer.role == Role.COACH:
        return MethodMeeting.municipality_id.in_(viewer.municipality_ids)
    if viewer.role == Role.SCHOOL_STAFF:
        return MethodMeeting.school_id.in_(viewer.school_ids)
    return false()


def refuse_personal_numbers(label: str, text: str) -> None:
    """InputError when the text holds something that is, or is shaped like, a personal
    identity or coordination number (a valid date in it, whatever its check digit)."""
    for found in NUMBER_SHAPE.finditer(text):
        if _looks_personal(found.group()):
            raise InputError(_("{field} innehåller något som liknar ett personnummer eller "
                               "samordningsnummer. {rule}").format(field=_(label),
                                                                  rule=_(ANONYMOUS)))


def _looks_personal(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    try:
        normalize(digits)
        return True
    except InvalidPersonalNumber:
        pass
    month, day = int(digits[-8:-6]), int(digits[-6:-4])
    return 1 <= month <= 12 and (1 <= day <= 31 or 61 <= day <= 91)


def _checked_texts(values: dict[str, str]) -> dict[str, str]:
    texts = {}
    for name, label in TEXTS.items():
        texts[name] = clean_text(label, values.get(name))
        refuse_personal_numbers(label, texts[name])
    return texts


def _checked_head(title: str, date: dt.date | None) -> str:
    checked = clean_text(N_("Rubriken"), title, MAX_TITLE, required=True)
    refuse_personal_numbers(N_("Rubriken"), checked)
    if date is None:
        raise InputError(_("Ange mötets datum."))
    return checked


def checked_participants(people) -> list[ParticipantInput]:
    """The participants with a name (rows without one are left out), each with a known
    agency."""
    kept = []
    for person in people:
        name = clean_text(N_("Namnet"), person.name, MAX_LINE)
        if not name:
            continue
        if person.agency not in set(Agency):
            raise InputError(_("Välj verksamhet för {name}.").format(name=name))
        kept.append(ParticipantInput(name, Agency(person.agency), clean_text(
            N_("Organisationen"), person.organisation, MAX_ORGANISATION)))
    if len(kept) > MAX_PARTICIPANTS:
        raise InputError(_("Ett metodmöte har högst {count} deltagare.").format(
            count=MAX_PARTICIPANTS))
    return kept


def meeting_choices(session: Session, viewer: Viewer) -> tuple[dict[int, str], dict[int, str]]:
    """The municipalities and schools a new meeting can be held by and with: a coach's
    municipalities and the schools their students attend (or that lie in them); for
    school staff, their schools and the municipalities whose students study there."""
    if viewer.role not in WRITE_ROLES:
        return {}, {}
    if viewer.role == Role.COACH:
        municipalities = Municipality.id.in_(viewer.municipality_ids)
        schools = school_clause(viewer) | School.municipality_id.in_(viewer.municipality_ids)
    else:
        homes = union(
            select(Student.home_municipality_id).join(Enrolment,
                                                      Enrolment.student_id == Student.id)
            .where(Enrolment.school_id.in_(viewer.school_ids)),
            select(School.municipality_id).where(School.id.in_(viewer.school_ids)))
        municipalities = Municipality.id.in_(homes)
        schools = School.id.in_(viewer.school_ids)
    return (dict(session.execute(select(Municipality.id, Municipality.name)
                                 .where(municipalities).order_by(Municipality.name)).all()),
            dict(session.execute(select(School.id, School.name).where(schools)
                                 .order_by(School.name)).all()))


def create_meeting(session: Session, viewer: Viewer, data: MeetingInput) -> int:
    """A new method meeting with its participants."""
    _require_writer(viewer)
    municipalities, schools = meeting_choices(session, viewer)
    if data.municipality_id not in municipalities:
        raise InputError(_("Välj en kommun i ditt uppdrag."))
    if viewer.role == Role.SCHOOL_STAFF and data.school_id is None:
        raise InputError(_("Välj din skola."))
    if data.school_id is not None and data.school_id not in schools:
        raise InputError(_("Välj en skola i ditt uppdrag."))
    title = _checked_head(data.title, data.date)
    texts = _checked_texts(data.__dict__)
    people = checked_participants(data.participants)
    record = MethodMeeting(municipality_id=data.municipality_id, school_id=data.school_id,
                           date=data.date, title=title, **texts, version=1,
                           created_by=viewer.user_id, created_at=utcnow())
    session.add(record)
    session.flush()
    _add_participants(session, record.id, people)
    log_event(session, viewer, AuditAction.CREATE, AuditEntity.METHOD_MEETING, record.id,
              after={"date": data.date.isoformat(), "municipality_id": data.municipality_id,
                     "school_id": data.school_id, "participants": len(people)})
    return record.id


def update_meeting(session: Session, viewer: Viewer, meeting_id: int, expected_version: int,
                   data: MeetingChange) -> int:
    """Save the meeting's texts (and participants, when given) against the version the
    user edited; Conflict when someone else saved in between. The new version."""
    _require_writer(viewer)
    readable_meeting(session, viewer, meeting_id)
    changes = {"title": _checked_head(data.title, data.date), "date": data.date,
               **_checked_texts(data.__dict__)}
    people = None if data.participants is None else checked_participants(data.participants)
    before, version = save_versioned(session, MethodMeeting, meeting_id, expected_version,
                                     changes, viewer.user_id)
    changed = sorted(name for name, value in changes.items() if before[name] != value)
    if people is not None:
        session.execute(delete(MethodParticipant)
                        .where(MethodParticipant.meeting_id == meeting_id))
        _add_participants(session, meeting_id, people)
        changed.append("participants")
    # Which fields changed, never what they say: the case texts stay out of the log.
    log_event(session, viewer, AuditAction.UPDATE, AuditEntity.METHOD_MEETING, meeting_id,
              after={"changed": changed, "version": version})
    return version


def _add_participants(session: Session, meeting_id: int, people) -> None:
    session.add_all([MethodParticipant(meeting_id=meeting_id, name=p.name, agency=p.agency,
                                       organisation=p.organisation) for p in people])


def _require_writer(viewer: Viewer) -> None:
    if viewer.role not in WRITE_ROLES:
        raise AccessDenied(_("Metodmöten skrivs av ungdomscoacher och skolpersonal."),
                           viewer=viewer, what=AuditEntity.METHOD_MEETING)


def readable_meeting(session: Session, viewer: Viewer, meeting_id: int) -> MethodMeeting:
    """The meeting, when the viewer may read it; one answer for missing and out of scope."""
    meeting = session.scalars(select(MethodMeeting).where(
        MethodMeeting.id == meeting_id, meeting_clause(viewer))).first()
    if meeting is None:
        raise AccessDenied(_(NOT_FOUND), viewer=viewer, what=AuditEntity.METHOD_MEETING,
                           what_id=meeting_id)
    return meeting


def meeting_list(session: Session, viewer: Viewer) -> pd.DataFrame:
    """The method meetings in the viewer's scope, the latest first."""
    require_role(viewer, *READ_ROLES)
    people = (select(func.count(MethodParticipant.id))
              .where(MethodParticipant.meeting_id == MethodMeeting.id).scalar_subquery())
    goals = (select(func.count(SharedGoal.id))
             .where(SharedGoal.method_meeting_id == MethodMeeting.id).scalar_subquery())
    return read_frame(session,
        select(MethodMeeting.id, MethodMeeting.version, MethodMeeting.date, MethodMeeting.title,
               Municipality.name, School.name, people, goals)
        .join(Municipality, Municipality.id == MethodMeeting.municipality_id)
        .outerjoin(School, School.id == MethodMeeting.school_id)
        .where(meeting_clause(viewer))
        .order_by(MethodMeeting.date.desc(), MethodMeeting.id.desc()), LIST_COLUMNS)


def get_meeting(session: Session, viewer: Viewer, meeting_id: int) -> MethodMeetingView:
    """One meeting with its participants, the group plans decided at it and its shared
    goals."""
    from lib.shared_goals import goal_list  # the goals name their meeting: imports it

    meeting = readable_meeting(session, viewer, meeting_id)
    municipality = session.get(Municipality, meeting.municipality_id)
    school = session.get(School, meeting.school_id) if meeting.school_id else None
    people = read_frame(session, select(MethodParticipant.name, MethodParticipant.agency,
                                        MethodParticipant.organisation)
                        .where(MethodParticipant.meeting_id == meeting_id)
                        .order_by(MethodParticipant.id), PARTICIPANT_COLUMNS)
    goals = goal_list(session, viewer, method_meeting_id=meeting_id)
    return MethodMeetingView(
        id=meeting.id, version=meeting.version, municipality_id=meeting.municipality_id,
        municipality=municipality.name, school_id=meeting.school_id,
        school=school.name if school else "", date=meeting.date, title=meeting.title,
        case_description=meeting.case_description, inventory=meeting.inventory,
        problem_picture=meeting.problem_picture, strategies=meeting.strategies,
        participants=people, plans=meeting_plans(session, viewer, meeting_id), goals=goals,
        updated_by=_name(session, meeting.updated_by or meeting.created_by),
        updated_at=meeting.updated_at or meeting.created_at,
        writable=viewer.role in WRITE_ROLES)


def meeting_plans(session: Session, viewer: Viewer, meeting_id: int) -> pd.DataFrame:
    """The group plans decided at the meeting (lib.group_plans)."""
    from lib.group_plans import group_plan_list

    return group_plan_list(session, viewer, method_meeting_id=meeting_id)


def plan_level(meeting: MethodMeetingView) -> str:
    """The level of a plan decided at the meeting: the school's, when the meeting was
    with one school, else the municipality's."""
    return "school" if meeting.school_id is not None else "municipality"


def _name(session: Session, user_id: int | None) -> str:
    if user_id is None:
        return ""
    return session.scalar(select(User.display_name).where(User.id == user_id)) or ""
