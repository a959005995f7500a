"""The school × municipality pairs a viewer works with: a school and the home municipality of
students enrolled there. Messages between a school and a coach and the termly school report
are kept per pair. A coach works with the schools where the municipality's students are or
were enrolled; school staff with the municipalities whose students are or were enrolled at
their schools; an administrator reads every pair. Project leaders and KAA officers have
none."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from data_models.models import Enrolment, Municipality, School, Student
from lib.access import AccessDenied, Role, Viewer, require_individual_access, require_role
from lib.i18n import N_

# One answer whether the pair does not exist or is outside the viewer's scope.
PAIR_NOT_FOUND = N_("Skolan eller kommunen finns inte, eller så har du inte behörighet till "
                    "den.")


@dataclass(frozen=True)
class SchoolPair:
    school_id: int
    school: str
    municipality_id: int
    municipality: str


def _scope(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.role == Role.COACH:
        return Student.home_municipality_id.in_(viewer.municipality_ids)
    if viewer.role == Role.SCHOOL_STAFF:
        return Enrolment.school_id.in_(viewer.school_ids)
    return true()  # an administrator (the other roles are refused before)


def _pairs_query(viewer: Viewer):
    require_individual_access(viewer)
    require_role(viewer, Role.COACH, Role.SCHOOL_STAFF, Role.ADMIN)
    return (select(School.id, School.name, Municipality.id, Municipality.name).distinct()
            .select_from(Enrolment)
            .join(Student, Student.id == Enrolment.student_id)
            .join(School, School.id == Enrolment.school_id)
            .join(Municipality, Municipality.id == Student.home_municipality_id)
            .where(_scope(viewer)))


def school_pairs(session: Session, viewer: Viewer) -> list[SchoolPair]:
    """Every pair in the viewer's scope, by school name and then municipality name."""
    query = _pairs_query(viewer).order_by(School.name, Municipality.name, School.id,
                                          Municipality.id)
    return [SchoolPair(*row) for row in session.execute(query)]


def require_pair(session: Session, viewer: Viewer, school_id: int,
                 municipality_id: int) -> SchoolPair:
    """The pair, when it is in the viewer's scope; AccessDenied with one message whether it
    is missing or out of scope."""
    row = session.execute(_pairs_query(viewer).where(
        School.id == school_id, Municipality.id == municipality_id).limit(1)).first()
    if row is None:
        raise AccessDenied(PAIR_NOT_FOUND, viewer=viewer, what="school", what_id=school_id)
    return SchoolPair(*row)
