"""The review cadence: for each municipality × school where the municipality's students
study this term, the collaboration's status, the reviews agreed a term against the reviews
held, and the next planned review.

- **Students study at a school in a term** when they are enrolled there for some day of
  the term, or have absence recorded there in the term (the meeting agenda's rule).
- **Reviews agreed**: the collaboration's `reviews_per_term` (1 or 2) once the status is
  *agreed*. A school without an agreement (no collaboration yet, not contacted, or only
  contacted) counts as **1**: every student is reviewed at least once a term.
- **Reviews held**: the municipality's meetings at the school in the term whose status is
  held or approved (minutes approved).
- **Next**: the earliest planned meeting of the term on or after today. A planned meeting
  whose day has passed without being marked as held is not "next": mark it held, or plan
  a new date.
- **Behind**: fewer reviews held than agreed. The **reminder** is on from two weeks (14 days)
  before the term's last day until that day, when some school is behind.

Everything for a page is one query (plus the term's dates), so the overview can show it
on every view."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import ColumnElement, and_, case, func, or_, select, true, union
from sqlalchemy.orm import Session

from data_models.codes import CollaborationStatus, MeetingStatus, Role
from data_models.models import (
    Collaboration,
    Enrolment,
    Meeting,
    Municipality,
    School,
    Student,
    StudentTermSummary,
    Term,
)
from lib.access import Viewer, require_role
from lib.clock import local_today
from lib.frames import read_frame
from lib.i18n import _
from lib.shared_reads import shared
from lib.versioning import InputError

REMINDER_DAYS = 14  # the reminder shows from this many days before the term's last day
UNAGREED_REVIEWS = 1  # reviews a term expected of a school without an agreement
HELD = (MeetingStatus.HELD, MeetingStatus.APPROVED)
# The roles that work with schools' collaborations; project leaders see the directory only.
WORKING_ROLES = (Role.ADMIN, Role.COACH, Role.SCHOOL_STAFF)

PAIR_COLUMNS = ["id", "version", "municipality_id", "municipality", "school_id", "school",
                "students", "collaboration_status", "contacted_on", "agreed_on",
                "reviews_per_term", "reviews_held", "next_meeting"]
SCHOOL_COLUMNS = ["id", "version", "municipality_id", "school_id", "school", "municipality",
                  "students", "collaboration_status", "contacted_on", "agreed_on",
                  "reviews_agreed"]
CADENCE_COLUMNS = ["municipality_id", "school_id", "school", "municipality", "students",
                   "collaboration_status", "reviews_agreed", "reviews_held", "next_meeting",
                   "behind"]


@dataclass(frozen=True, eq=False)
class Cadence:
    """The term's cadence in the viewer's scope (CADENCE_COLUMNS), and whether the
    end-of-term reminder is due."""

    term_id: int
    term_end: dt.date
    table: pd.DataFrame
    reminder: bool

    @property
    def behind(self) -> pd.DataFrame:
        """The pairs behind, those without a planned meeting first, then by the next date."""
        late = self.table[self.table["behind"]].copy()
        late["_none"] = late["next_meeting"].isna()
        late["_next"] = late["next_meeting"].map(lambda d: d or dt.date.max)
        return (late.sort_values(["_none", "_next", "school", "municipality"],
                                 ascending=[False, True, True, True])
                .drop(columns=["_none", "_next"]).reset_index(drop=True))


def pair_clause(viewer: Viewer, municipality_id, school_id) -> ColumnElement[bool]:
    """Municipality × school pairs in the viewer's scope: a coach's municipalities at any
    school, school staff's schools with any municipality, everything for an administrator."""
    if viewer.role == Role.COACH:
        return municipality_id.in_(viewer.municipality_ids)
    if viewer.role == Role.SCHOOL_STAFF:
        return school_id.in_(viewer.school_ids)
    return true()


def _studying(term: Term):
    """(student, school) of everyone who studies at a school in the term."""
    enrolled = select(Enrolment.student_id, Enrolment.school_id).where(
        Enrolment.start_date <= term.end_date,
        or_(Enrolment.end_date.is_(None), Enrolment.end_date >= term.start_date))
    recorded = select(StudentTermSummary.student_id, StudentTermSummary.school_id).where(
        StudentTermSummary.term_id == term.id)
    return union(enrolled, recorded).subquery()


def _pairs_query(viewer: Viewer, term: Term, today: dt.date):
    studying = _studying(term)
    pairs = (select(Student.home_municipality_id.label("municipality_id"),
                    studying.c.school_id.label("school_id"),
                    func.count(studying.c.student_id.distinct()).label("students"))
             .join(Student, Student.id == studying.c.student_id)
             .where(pair_clause(viewer, Student.home_municipality_id, studying.c.school_id))
             .group_by(Student.home_municipality_id, studying.c.school_id)).subquery()
    held = func.sum(case((Meeting.status.in_(HELD), 1), else_=0))
    upcoming = func.min(case((and_(Meeting.status == MeetingStatus.PLANNED,
                                   Meeting.date >= today), Meeting.date)))
    meetings = (select(Meeting.municipality_id, Meeting.school_id, held.label("held"),
                       upcoming.label("next"))
                .where(Meeting.term_id == term.id)
                .group_by(Meeting.municipality_id, Meeting.school_id)).subquery()
    return (select(Collaboration.id, Collaboration.version, pairs.c.municipality_id,
                   Municipality.name, pairs.c.school_id, School.name, pairs.c.students,
                   Collaboration.status, Collaboration.contacted_on, Collaboration.agreed_on,
                   Collaboration.reviews_per_term, func.coalesce(meetings.c.held, 0),
                   meetings.c.next)
            .join(Municipality, Municipality.id == pairs.c.municipality_id)
            .join(School, School.id == pairs.c.school_id)
            .outerjoin(Collaboration, and_(
                Collaboration.municipality_id == pairs.c.municipality_id,
                Collaboration.school_id == pairs.c.school_id))
            .outerjoin(meetings, and_(meetings.c.municipality_id == pairs.c.municipality_id,
                                      meetings.c.school_id == pairs.c.school_id))
            .order_by(School.name, Municipality.name, pairs.c.school_id,
                      pairs.c.municipality_id))


def _term(session: Session, term_id: int) -> Term:
    term = session.get(Term, term_id)
    if term is None:
        raise InputError(_("Välj en termin."))
    return term


def pair_table(session: Session, viewer: Viewer, term_id: int,
               today: dt.date) -> pd.DataFrame:
    """Every municipality × school pair in the viewer's scope where the municipality's
    students study this term (PAIR_COLUMNS): the number of students, the collaboration
    (id and version None, status "not contacted" when there is none yet), the reviews
    held and the next planned one."""
    require_role(viewer, *WORKING_ROLES)
    term = _term(session, term_id)
    frame = read_frame(session, _pairs_query(viewer, term, today), PAIR_COLUMNS)
    frame["collaboration_status"] = frame["collaboration_status"].map(
        lambda s: CollaborationStatus(s) if isinstance(s, str) else
        CollaborationStatus.NOT_CONTACTED)
    frame["reviews_held"] = frame["reviews_held"].astype(int)
    frame["next_meeting"] = frame["next_meeting"].astype(object).where(
        frame["next_meeting"].notna(), None)
    frame["reviews_agreed"] = [
        int(per_term) if status == CollaborationStatus.AGREED and not pd.isna(per_term)
        else UNAGREED_REVIEWS
        for status, per_term in zip(frame["collaboration_status"], frame["reviews_per_term"],
                                    strict=True)]
    return frame


def schools_for(session: Session, viewer: Viewer, term_id: int) -> pd.DataFrame:
    """The schools where the viewer's municipality's students study this term (for school
    staff: the municipalities whose students study at their schools), with the number of
    students and the collaboration's status (SCHOOL_COLUMNS)."""
    return pair_table(session, viewer, term_id, local_today())[SCHOOL_COLUMNS]


def cadence(session: Session, viewer: Viewer, term_id: int, today: dt.date) -> Cadence:
    """The term's reviews agreed, held and next per pair in the viewer's scope, which pairs
    are behind, and whether the end-of-term reminder is due on `today`."""
    require_role(viewer, *WORKING_ROLES)
    term = _term(session, term_id)
    return shared(session, viewer, "cadence", (term_id, today),
                  lambda: _cadence(session, viewer, term, today), follow_up=True)


def _cadence(session: Session, viewer: Viewer, term: Term, today: dt.date) -> Cadence:
    table = pair_table(session, viewer, term.id, today)
    table["behind"] = table["reviews_held"] < table["reviews_agreed"]
    return Cadence(term.id, term.end_date, table[CADENCE_COLUMNS].reset_index(drop=True),
                   bool(table["behind"].any()) and reminder_due(term.end_date, today))


def reminder_due(term_end: dt.date, today: dt.date) -> bool:
    """From two weeks before the term's last day until that day."""
    return term_end - dt.timedelta(days=REMINDER_DAYS) <= today <= term_end
