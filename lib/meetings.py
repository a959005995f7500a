"""Termly joint review meetings: planning, the agenda, meeting mode, presence and minutes.

A meeting reviews one municipality's students at one school. Both sides (the coach and
the school's staff) see and edit the same record; project leaders never do."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from data_models.codes import AgendaField, AgendaReason, MeetingStatus, Trend
from data_models.models import (
    AgendaItem,
    Meeting,
    MeetingAmendment,
    MeetingParticipant,
    MeetingPresence,
    Municipality,
    School,
    Student,
    Term,
    User,
    UserScope,
)
from lib import organisation
from lib.access import (
    AccessDenied,
    Role,
    Viewer,
    meeting_clause,
    require_individual_access,
    student_clause,
)
from lib.agenda import MEETING_NOT_FOUND, generate_agenda, item_shares, meeting_in_scope
from lib.audit import log_event, log_view
from lib.clock import utcnow
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.labels import word
from lib.personal_number import mask
from lib.students import format_name, names
from lib.versioning import MAX_LINE, Conflict, InputError, clean_text, save_versioned

NEXT_STATUS = {MeetingStatus.PLANNED: MeetingStatus.HELD,
               MeetingStatus.HELD: MeetingStatus.APPROVED}
PRESENCE_WINDOW = dt.timedelta(seconds=20)  # a browser refreshes its presence every few s
@dataclass(frozen=True)
class MeetingInfo:
    id: int
    school_id: int
    school_name: str
    municipality_id: int
    municipality_name: str
    term_id: int
    term_code: str
    date: dt.date
    location: str
    status: MeetingStatus
    version: int
    participants: tuple[str, ...]
    approved_at: dt.datetime | None

    @property
    def approved(self) -> bool:
        """The minutes are approved: a change is kept as an amendment."""
        return self.status == MeetingStatus.APPROVED

    @property
    def title(self) -> str:
        return f"{self.school_name} · {self.municipality_name} · {self.date:%Y-%m-%d}"


@dataclass(frozen=True)
class Entry:
    """One student's agenda item as meeting mode shows it."""

    id: int
    meeting_id: int
    student_id: int
    name: str
    number: str
    reason: AgendaReason
    share: float | None
    valid_share: float | None
    invalid_share: float | None
    trend: Trend
    texts: dict[AgendaField, str]
    version: int
    updated_by: str
    updated_at: dt.datetime | None


# --- Planning ---------------------------------------------------------------------------------

def plan_meeting(session: Session, viewer: Viewer, *, school_id: int, term_id: int,
                 municipality_id: int, date: dt.date, location: str = "",
                 user_ids: tuple[int, ...] = (),
                 externals: tuple[tuple[str, str], ...] = ()) -> int:
    """Plan a meeting and generate its agenda. Returns the meeting id."""
    _require_may_plan(session, viewer, school_id, municipality_id)
    term = session.get(Term, term_id)
    if term is None:
        raise InputError(_("Välj en termin."))
    if date is None or not term.start_date <= date <= term.end_date:
        raise InputError(_("Mötesdatumet ska ligga inom terminen {term} ({start} – {end}).")
                         .format(term=term.code, start=term.start_date, end=term.end_date))
    location = clean_text(N_("Plats"), location, MAX_LINE)
    meeting = Meeting(school_id=school_id, term_id=term_id, municipality_id=municipality_id,
                      date=date, location=location, status=MeetingStatus.PLANNED,
                      created_by=viewer.user_id, created_at=utcnow(), version=1)
    session.add(meeting)
    session.flush()
    _add_participants(session, meeting.id, user_ids, externals)
    generate_agenda(session, viewer, meeting.id)
    log_event(session, viewer, "create", "meeting", meeting.id,
              after={"school_id": school_id, "municipality_id": municipality_id,
                     "date": date.isoformat()})
    return meeting.id


def _require_may_plan(session: Session, viewer: Viewer, school_id: int,
                      municipality_id: int) -> None:
    require_individual_access(viewer)
    if viewer.role == Role.COACH and municipality_id not in viewer.municipality_ids:
        raise AccessDenied(_("Du kan bara planera möten för din egen kommuns elever."),
                           viewer=viewer, what="municipality", what_id=municipality_id)
    if viewer.role == Role.SCHOOL_STAFF and school_id not in viewer.school_ids:
        raise AccessDenied(_("Du kan bara planera möten på din egen skola."), viewer=viewer,
                           what="school", what_id=school_id)
    if session.get(School, school_id) is None or session.get(Municipality,
                                                             municipality_id) is None:
        raise InputError(_("Välj skola och kommun."))


def _add_participants(session: Session, meeting_id: int, user_ids, externals) -> None:
    for user in session.scalars(select(User).where(User.id.in_(list(user_ids)))):
        session.add(MeetingParticipant(meeting_id=meeting_id, user_id=user.id,
                                       name=user.display_name, role_title=user.title or ""))
    for name, role_title in externals:
        name = clean_text(N_("Namnet på en extern deltagare"), name, MAX_LINE, required=True)
        session.add(MeetingParticipant(meeting_id=meeting_id, name=name,
                                       role_title=clean_text(N_("Rollen"), role_title, 80)))


def parse_externals(text: str) -> tuple[tuple[str, str], ...]:
    """External participants typed one per line as "Namn, roll"."""
    people = []
    for line in (text or "").splitlines():
        if line.strip():
            name, _comma, role_title = line.partition(",")
            people.append((name.strip(), role_title.strip()))
    return tuple(people)


def participant_choices(session: Session, viewer: Viewer, school_id: int,
                        municipality_id: int) -> list[tuple[int, str]]:
    """Users who can take part: the municipality's coaches and the school's staff, for a
    school and municipality the viewer can plan a meeting for."""
    require_individual_access(viewer)
    schools = {school for school, _ in organisation.schools_in_scope(session, viewer)}
    municipalities = {m for m, _ in municipalities_for_planning(session, viewer)}
    if school_id not in schools or municipality_id not in municipalities:
        raise AccessDenied(_("Du kan bara planera möten för skolor och kommuner i ditt uppdrag."),
                           viewer=viewer, what="school", what_id=school_id)
    rows = session.execute(
        select(User.id, User.display_name, User.title).join(UserScope)
        .where(User.active.is_(True),
               or_(UserScope.municipality_id == municipality_id,
                   UserScope.school_id == school_id))
        .distinct().order_by(User.display_name)).all()
    return [(uid, f"{name} ({title})" if title else name) for uid, name, title in rows]


def municipalities_for_planning(session: Session, viewer: Viewer) -> list[tuple[int, str]]:
    """Municipalities whose students the viewer can review: a coach's own; for school
    staff, the home municipalities of their students."""
    require_individual_access(viewer)
    query = select(Municipality.id, Municipality.name).order_by(Municipality.name)
    if viewer.role == Role.COACH:
        query = query.where(Municipality.id.in_(viewer.municipality_ids))
    elif viewer.role == Role.SCHOOL_STAFF:
        homes = select(Student.home_municipality_id).where(student_clause(viewer))
        query = query.where(Municipality.id.in_(homes))
    return [tuple(row) for row in session.execute(query)]


def list_meetings(session: Session, viewer: Viewer, term_id: int | None = None,
                  school_id: int | None = None) -> pd.DataFrame:
    require_individual_access(viewer)
    items = (select(func.count()).where(AgendaItem.meeting_id == Meeting.id)
             .correlate(Meeting).scalar_subquery())
    query = (select(Meeting.id, Meeting.date, School.name, Municipality.name, Term.code,
                    Meeting.status, items)
             .join(School, School.id == Meeting.school_id)
             .join(Municipality, Municipality.id == Meeting.municipality_id)
             .join(Term, Term.id == Meeting.term_id)
             .where(meeting_clause(viewer)).order_by(Meeting.date.desc(), School.name))
    if term_id is not None:
        query = query.where(Meeting.term_id == term_id)
    if school_id is not None:
        query = query.where(Meeting.school_id == school_id)
    return read_frame(session, query, ["id", "date", "school", "municipality", "term",
                                       "meeting_status", "students"])


def get_meeting(session: Session, viewer: Viewer, meeting_id: int) -> MeetingInfo:
    require_individual_access(viewer)
    row = session.execute(
        select(Meeting, School.name, Municipality.name, Term.code)
        .join(School, School.id == Meeting.school_id)
        .join(Municipality, Municipality.id == Meeting.municipality_id)
        .join(Term, Term.id == Meeting.term_id)
        .where(Meeting.id == meeting_id, meeting_clause(viewer))
        .execution_options(populate_existing=True)).first()
    if row is None:
        raise AccessDenied(_(MEETING_NOT_FOUND), viewer=viewer, what="meeting",
                           what_id=meeting_id)
    meeting, school, municipality, term = row
    people = session.execute(select(MeetingParticipant.name, MeetingParticipant.role_title)
                             .where(MeetingParticipant.meeting_id == meeting_id)
                             .order_by(MeetingParticipant.id)).all()
    return MeetingInfo(
        id=meeting.id, school_id=meeting.school_id, school_name=school,
        municipality_id=meeting.municipality_id, municipality_name=municipality,
        term_id=meeting.term_id, term_code=term, date=meeting.date, location=meeting.location,
        status=meeting.status, version=meeting.version,
        participants=tuple(f"{n} ({r})" if r else n for n, r in people),
        approved_at=meeting.approved_at)


# --- The agenda -------------------------------------------------------------------------------

def open_item(session: Session, viewer: Viewer, item_id: int) -> Entry:
    """A student's point on the agenda, opened in meeting mode: the view of the student is
    written to the audit log (get_entry, for the live refresh and after a save, is not)."""
    entry = get_entry(session, viewer, item_id)
    log_view(session, viewer, "view_student", "student", entry.student_id,
             student_id=entry.student_id, note=f"Möte {entry.meeting_id}")
    return entry


def get_entry(session: Session, viewer: Viewer, item_id: int) -> Entry:
    require_individual_access(viewer)
    row = session.execute(
        select(AgendaItem, Student.first_name, Student.last_name, Student.personal_number,
               Student.protected_identity)
        .join(Student, Student.id == AgendaItem.student_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.id == item_id, meeting_clause(viewer), student_clause(viewer))
        .execution_options(populate_existing=True)).first()
    if row is None:
        raise AccessDenied(_("Punkten finns inte, eller så har du inte behörighet att se den."),
                           viewer=viewer, what="agenda_item", what_id=item_id)
    item, first, last, number, protected = row
    share, valid, invalid = item_shares(item)
    updated_by = (session.scalar(select(User.display_name).where(User.id == item.updated_by))
                  if item.updated_by else "")
    return Entry(id=item.id, meeting_id=item.meeting_id, student_id=item.student_id,
                 name=format_name(item.student_id, first, last, protected),
                 number=mask(number, protected), reason=item.reason, share=share,
                 valid_share=valid, invalid_share=invalid, trend=item.trend,
                 texts={f: getattr(item, f) for f in AgendaField}, version=item.version,
                 updated_by=updated_by or "", updated_at=item.updated_at)


def save_entry(session: Session, viewer: Viewer, item_id: int, expected_version: int,
               texts: dict[str, str], base: dict[str, str] | None = None) -> int:
    """Save what was recorded for one student. Raises Conflict when someone else saved
    since `expected_version`; after approval every change is kept as an amendment.

    With `base` (the texts as they were when this user started editing) only the fields
    the user changed are written, and a save after someone else's is merged when the other
    person changed other fields only: their text stays, and so does this user's."""
    entry = get_entry(session, viewer, item_id)
    changes = {f: clean_text(word(AgendaField, f), texts.get(f, ""))
               for f in AgendaField if f in texts}
    if base is not None:
        changes = {f: text for f, text in changes.items() if text != base.get(f, "")}
        if not changes:
            return entry.version
    try:
        before, version = save_versioned(session, AgendaItem, item_id, expected_version,
                                         changes, viewer.user_id)
    except Conflict as conflict:
        if base is None or any(conflict.theirs[f] != base.get(f, "") for f in changes):
            raise
        before, version = save_versioned(session, AgendaItem, item_id, conflict.version,
                                         changes, viewer.user_id)
    changed = {f: v for f, v in changes.items() if v != before[f]}
    if not changed:
        return version
    meeting = session.get(Meeting, entry.meeting_id)
    if meeting.status == MeetingStatus.APPROVED:
        now = utcnow()
        for name, text in changed.items():
            session.add(MeetingAmendment(meeting_id=meeting.id, agenda_item_id=item_id,
                                         field=name, before=before[name], after=text,
                                         user_id=viewer.user_id, at=now))
    log_event(session, viewer, "update", "agenda_item", item_id, student_id=entry.student_id,
              before={f: before[f] for f in changed}, after=changed)
    return version


def set_status(session: Session, viewer: Viewer, meeting_id: int, expected_version: int,
               status: str) -> int:
    """planned → held (the figures are frozen as of now) → approved (the minutes lock)."""
    meeting = meeting_in_scope(session, viewer, meeting_id)
    # A stale version is a conflict (someone else moved it on), not a bad request.
    if meeting.version == expected_version and NEXT_STATUS.get(meeting.status) != status:
        raise InputError(_("Ett möte som är {current} kan inte bli {wanted}.").format(
            current=word(MeetingStatus, meeting.status).lower(),
            wanted=word(MeetingStatus, status).lower()))
    changes: dict = {"status": status}
    if status == MeetingStatus.APPROVED:
        changes.update(approved_at=utcnow(), approved_by=viewer.user_id)
    _before, version = save_versioned(session, Meeting, meeting_id, expected_version, changes,
                                      viewer.user_id)
    if status == MeetingStatus.HELD:
        generate_agenda(session, viewer, meeting_id)
    log_event(session, viewer, "update", "meeting", meeting_id,
              before={"status": meeting.status}, after={"status": status})
    return version


AMENDMENT_COLUMNS = ["at", "changed_by", "student", "agenda_field", "text_before",
                     "text_after"]


def amendments(session: Session, viewer: Viewer, meeting_id: int) -> pd.DataFrame:
    """Changes made after the minutes were approved: when (a moment), who, which student,
    which field (AgendaField), the text before and after."""
    meeting_in_scope(session, viewer, meeting_id)
    frame = read_frame(session,
        select(MeetingAmendment.at, User.display_name, AgendaItem.student_id,
               Student.first_name, Student.last_name, Student.protected_identity,
               MeetingAmendment.field, MeetingAmendment.before, MeetingAmendment.after)
        .join(User, User.id == MeetingAmendment.user_id)
        .join(AgendaItem, AgendaItem.id == MeetingAmendment.agenda_item_id)
        .join(Student, Student.id == AgendaItem.student_id)
        .where(MeetingAmendment.meeting_id == meeting_id, student_clause(viewer))
        .order_by(MeetingAmendment.at),
        ["at", "user", "student_id", "first", "last", "protected", "field", "before", "after"])
    return pd.DataFrame({
        "at": frame["at"], "changed_by": frame["user"], "student": names(frame),
        "agenda_field": frame["field"], "text_before": frame["before"],
        "text_after": frame["after"],
    }, columns=AMENDMENT_COLUMNS)


# --- Presence ---------------------------------------------------------------------------------

def touch_presence(session: Session, viewer: Viewer, meeting_id: int) -> None:
    """Mark the viewer as having this meeting open now."""
    meeting_in_scope(session, viewer, meeting_id)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    now = utcnow()
    statement = dialect.insert(MeetingPresence).values(meeting_id=meeting_id,
                                                       user_id=viewer.user_id, seen_at=now)
    session.execute(statement.on_conflict_do_update(
        index_elements=["meeting_id", "user_id"], set_={"seen_at": now}))


def present(session: Session, viewer: Viewer, meeting_id: int) -> list[str]:
    """Who has had this meeting open in the last few seconds, the viewer included."""
    meeting_in_scope(session, viewer, meeting_id)
    since = utcnow() - PRESENCE_WINDOW
    return list(session.scalars(
        select(User.display_name).join(MeetingPresence, MeetingPresence.user_id == User.id)
        .where(MeetingPresence.meeting_id == meeting_id, MeetingPresence.seen_at >= since)
        .order_by(User.display_name)))


def changes_since(session: Session, viewer: Viewer, meeting_id: int,
                  since: dt.datetime) -> pd.DataFrame:
    """Agenda items others saved after `since`: what the live view announces."""
    meeting_in_scope(session, viewer, meeting_id)
    return read_frame(session,
        select(AgendaItem.id, AgendaItem.student_id, User.display_name, AgendaItem.updated_at)
        .join(User, User.id == AgendaItem.updated_by)
        .join(Student, Student.id == AgendaItem.student_id)
        .where(AgendaItem.meeting_id == meeting_id, AgendaItem.updated_at > since,
               AgendaItem.updated_by != viewer.user_id, student_clause(viewer))
        .order_by(AgendaItem.updated_at),
        ["item_id", "student_id", "by", "at"])


def student_history(session: Session, viewer: Viewer, student_id: int) -> pd.DataFrame:
    """The meetings where the student was reviewed, newest first, with what was recorded."""
    require_individual_access(viewer)
    frame = read_frame(session,
        select(Meeting.date, School.name, Meeting.status, AgendaItem.absent,
               AgendaItem.scheduled, *(getattr(AgendaItem, f) for f in AgendaField))
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .join(School, School.id == Meeting.school_id)
        .join(Student, Student.id == AgendaItem.student_id)
        .where(AgendaItem.student_id == student_id, meeting_clause(viewer),
               student_clause(viewer))
        .order_by(Meeting.date.desc()),
        ["date", "school", "meeting_status", "absent", "scheduled",
         *(f.value for f in AgendaField)])
    scheduled = frame["scheduled"].where(frame["scheduled"] > 0)
    frame.insert(3, "absence", frame["absent"] / scheduled)
    return frame.drop(columns=["absent", "scheduled"])
