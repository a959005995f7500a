"""Who may see what. Every service takes a Viewer and filters with these clauses in the
query itself, so a page can never receive rows outside the viewer's role and scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.orm import Session

from data_models.codes import (
    Language,
    Role,  # re-exported: pages name roles without the data layer
)
from data_models.models import (
    AbsenceRecord,
    AgendaItem,
    AuditEvent,
    Enrolment,
    Feedback,
    Meeting,
    Municipality,
    School,
    Student,
    Term,
    User,
    UserScope,
)
from lib.clock import local_today, utcnow
from lib.i18n import N_, _
from lib.labels import ROLES, word

__all__ = ["ROLE_LABELS", "STUDENT_NOT_FOUND", "AccessDenied", "Role", "Viewer",
           "writes_follow_up"]

STUDENT_NOT_FOUND = N_("Eleven finns inte, eller så har du inte behörighet att se den.")
NOT_ALLOWED = N_("Du har inte behörighet till det här.")

ROLE_LABELS = ROLES  # the words, in Swedish; `word(Role, …)` in the run's language


class AccessDenied(PermissionError):
    """Raised when a viewer asks for something outside their role or scope. The refusal is
    written to the audit log (who, what, when; never the data refused) by the unit of work
    it escapes from."""

    def __init__(self, message: str | None = None, *,
                 viewer: Viewer | None = None, what: str = "", what_id: int | None = None
                 ) -> None:
        super().__init__(_(message or NOT_ALLOWED))  # in the language of whoever asked
        self.viewer, self.what, self.what_id = viewer, what, what_id

    def audit_row(self) -> AuditEvent:
        viewer = self.viewer
        return AuditEvent(at=utcnow(), user_id=viewer.user_id if viewer else None,
                          username=viewer.username if viewer else "", action="refused",
                          entity=self.what or "unknown", entity_id=self.what_id,
                          student_id=self.what_id if self.what == "student" else None,
                          note=str(self)[:200])


@dataclass(frozen=True)
class Viewer:
    user_id: int
    username: str
    name: str
    role: Role
    region_ids: frozenset[int] = frozenset()
    municipality_ids: frozenset[int] = frozenset()
    school_ids: frozenset[int] = frozenset()
    language: str = Language.SWEDISH  # the user's choice (lib.i18n)
    kaa: bool = False  # a coach who also handles the activity responsibility (KAA)

    @property
    def role_label(self) -> str:
        return word(Role, self.role)

    @property
    def sees_individuals(self) -> bool:
        return self.role != Role.PROJECT_LEADER

    @property
    def handles_kaa(self) -> bool:
        """Works with the activity responsibility (KAA) of their municipalities: the KAA
        officer, and a coach who also holds that job."""
        return self.role == Role.KAA_OFFICER or (self.role == Role.COACH and self.kaa)


def load_viewer(session: Session, user: User) -> Viewer:
    scopes = session.scalars(select(UserScope).where(UserScope.user_id == user.id)).all()
    return Viewer(
        user_id=user.id,
        username=user.username,
        name=user.display_name,
        role=Role(user.role),
        region_ids=frozenset(s.region_id for s in scopes if s.region_id is not None),
        municipality_ids=frozenset(s.municipality_id for s in scopes if s.municipality_id),
        school_ids=frozenset(s.school_id for s in scopes if s.school_id is not None),
        language=Language(user.language or Language.SWEDISH),
        kaa=bool(user.handles_kaa),
    )


# The two sides of the collaboration: they write talks, plans and feedback about students;
# administrators read them, project leaders see none.
SIDES = frozenset({Role.COACH, Role.SCHOOL_STAFF})


def writes_follow_up(viewer: Viewer) -> bool:
    return viewer.role in SIDES


def require_role(viewer: Viewer, *roles: Role) -> None:
    if viewer.role not in roles:
        raise AccessDenied(viewer=viewer, what="role")


def require_individual_access(viewer: Viewer) -> None:
    """Project leaders work with aggregates only, never with a single student."""
    if not viewer.sees_individuals:
        raise AccessDenied(_("Din roll ser bara sammanställningar, inte enskilda elever."),
                           viewer=viewer, what="individuals")


def student_clause(viewer: Viewer) -> ColumnElement[bool]:
    """Students the viewer may see: coach by home municipality, school staff by enrolment."""
    if viewer.role == Role.ADMIN:
        return true()
    if viewer.role == Role.COACH:
        return Student.home_municipality_id.in_(viewer.municipality_ids)
    if viewer.role == Role.SCHOOL_STAFF:
        return _school_staff_students(viewer.school_ids)
    return false()


def _school_staff_students(school_ids) -> ColumnElement[bool]:
    """A school sees its students while they are enrolled there and for one term after the
    enrolment ended (until the start of the term after next, counted from the term the
    enrolment ended in), and any student on the agenda of one of its meetings that is not
    yet approved. Former students after that are the school's only as numbers."""
    enrolled = select(Enrolment.student_id).where(
        Enrolment.school_id.in_(school_ids),
        or_(Enrolment.end_date.is_(None), Enrolment.end_date >= _previous_term_start()))
    on_agenda = (select(AgendaItem.student_id)
                 .join(Meeting, Meeting.id == AgendaItem.meeting_id)
                 .where(Meeting.school_id.in_(school_ids), Meeting.status != "approved"))
    return or_(Student.id.in_(enrolled), Student.id.in_(on_agenda))


def _previous_term_start():
    """The first day of the term before the current one (the latest term begun by today);
    half a year back when there are not two such terms."""
    today = local_today()
    begun = (select(Term.start_date).where(Term.start_date <= today)
             .order_by(Term.start_date.desc()).offset(1).limit(1).scalar_subquery())
    return func.coalesce(begun, today - dt.timedelta(days=183))


def absence_clause(viewer: Viewer, table=AbsenceRecord) -> ColumnElement[bool]:
    """Absence rows (raw or summarised: any table with student_id and school_id): a coach
    sees their students' absence at any school; school staff see only what was recorded at
    their own schools."""
    if viewer.role == Role.ADMIN:
        return true()
    if viewer.role == Role.COACH:
        followed = select(Student.id).where(
            Student.home_municipality_id.in_(viewer.municipality_ids)
        )
        return table.student_id.in_(followed)
    if viewer.role == Role.SCHOOL_STAFF:
        return table.school_id.in_(viewer.school_ids)
    return false()


def sees_all_absence_at(viewer: Viewer, school_id: int) -> bool:
    """Whether absence_clause lets the viewer see every student's absence at the school
    (so that the school's own summaries answer for them)."""
    return viewer.role == Role.ADMIN or (viewer.role == Role.SCHOOL_STAFF
                                         and school_id in viewer.school_ids)


def school_clause(viewer: Viewer) -> ColumnElement[bool]:
    """Schools whose rows the viewer may list."""
    if viewer.role == Role.ADMIN:
        return true()
    if viewer.role == Role.SCHOOL_STAFF:
        return School.id.in_(viewer.school_ids)
    if viewer.role == Role.COACH:
        attended = (
            select(Enrolment.school_id)
            .join(Student, Student.id == Enrolment.student_id)
            .where(Student.home_municipality_id.in_(viewer.municipality_ids))
        )
        return School.id.in_(attended)
    return false()


def municipality_clause(viewer: Viewer) -> ColumnElement[bool]:
    """Municipalities whose aggregates the viewer may see."""
    if viewer.role == Role.ADMIN:
        return true()
    if viewer.role == Role.PROJECT_LEADER:
        return Municipality.region_id.in_(viewer.region_ids)
    if viewer.role == Role.COACH:
        return Municipality.id.in_(viewer.municipality_ids)
    return false()


def meeting_clause(viewer: Viewer) -> ColumnElement[bool]:
    """Review meetings: the coach's municipality's meetings at any school, the school's
    meetings with any municipality. Project leaders never see a meeting."""
    if viewer.role == Role.ADMIN:
        return true()
    if viewer.role == Role.COACH:
        return Meeting.municipality_id.in_(viewer.municipality_ids)
    if viewer.role == Role.SCHOOL_STAFF:
        return Meeting.school_id.in_(viewer.school_ids)
    return false()


def feedback_clause(viewer: Viewer) -> ColumnElement[bool]:
    """Feedback between a municipality and a school, visible to both sides."""
    if viewer.role == Role.ADMIN:
        return true()
    if viewer.role == Role.COACH:
        return Feedback.municipality_id.in_(viewer.municipality_ids)
    if viewer.role == Role.SCHOOL_STAFF:
        return Feedback.school_id.in_(viewer.school_ids)
    return false()


def require_student(session, viewer: Viewer, student_id: int) -> Student:
    """The student, when the viewer may see them; AccessDenied with one message whether
    the student is missing or out of scope."""
    require_individual_access(viewer)
    student = session.scalar(select(Student).where(Student.id == student_id,
                                                   student_clause(viewer)))
    if student is None:
        raise AccessDenied(_(STUDENT_NOT_FOUND), viewer=viewer, what="student",
                           what_id=student_id)
    return student
