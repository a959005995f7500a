"""Regions, municipalities, schools and terms: which of them a viewer works with.

Every "which schools may I choose" question is answered here, filtered by role and scope
in the query (lib.access), so that a picker, a form and a service agree on what is in a
viewer's scope."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_models.models import Municipality, Region, Role, School, StudentTermSummary, Term
from lib.access import (
    Viewer,
    absence_clause,
    require_individual_access,
    require_role,
    school_clause,
)


def schools_in_scope(session: Session, viewer: Viewer) -> list[tuple[int, str]]:
    """The schools the viewer works with, by name: (id, name). A coach: the schools where
    the municipality's students are or were enrolled; school staff: their own
    (lib.access.school_clause)."""
    require_individual_access(viewer)
    return [tuple(row) for row in session.execute(
        select(School.id, School.name).where(school_clause(viewer)).order_by(School.name))]


def schools_with_students(session: Session, viewer: Viewer,
                          term_id: int) -> list[tuple[int, str, int]]:
    """Schools with absence this term that the viewer may open, by name: (id, name, the
    number of the viewer's students there this term)."""
    require_individual_access(viewer)
    query = (
        select(School.id, School.name,
               func.count(StudentTermSummary.student_id.distinct()))
        .join(StudentTermSummary, StudentTermSummary.school_id == School.id)
        .where(StudentTermSummary.term_id == term_id, school_clause(viewer),
               absence_clause(viewer, StudentTermSummary))
        .group_by(School.id, School.name)
        .order_by(School.name, School.id)
    )
    return [(school_id, name, students) for school_id, name, students in session.execute(query)]


# The administrator's tables of the whole organisation.

def region_table(session: Session, viewer: Viewer) -> pd.DataFrame:
    require_role(viewer, Role.ADMIN)
    rows = session.execute(select(Region.id, Region.name).order_by(Region.name)).all()
    return pd.DataFrame(rows, columns=["id", "region"])


def municipality_table(session: Session, viewer: Viewer) -> pd.DataFrame:
    require_role(viewer, Role.ADMIN)
    rows = session.execute(
        select(Municipality.id, Municipality.code, Municipality.name, Region.name)
        .join(Region, Region.id == Municipality.region_id).order_by(Municipality.name)
    ).all()
    return pd.DataFrame(rows, columns=["id", "municipality_code", "municipality", "region"])


def school_table(session: Session, viewer: Viewer) -> pd.DataFrame:
    require_role(viewer, Role.ADMIN)
    rows = session.execute(
        select(School.id, School.unit_code, School.name, Municipality.name)
        .join(Municipality, Municipality.id == School.municipality_id).order_by(School.name)
    ).all()
    return pd.DataFrame(rows, columns=["id", "unit_code", "school", "municipality"])


def term_table(session: Session, viewer: Viewer) -> pd.DataFrame:
    require_role(viewer, Role.ADMIN)
    rows = session.execute(
        select(Term.id, Term.code, Term.start_date, Term.end_date).order_by(Term.start_date)
    ).all()
    return pd.DataFrame(rows, columns=["id", "term", "start_date", "end_date"])
