"""The first overview per role: key figures for the viewer's scope and a table per school
(coach, school staff, admin) or per municipality (project leader, aggregates only)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from data_models.models import AbsenceRecord, Municipality, Role, School, Student
from lib import analytics
from lib.access import Viewer, absence_clause, municipality_clause, require_role


@dataclass(frozen=True)
class Overview:
    students: int
    over_watch: int
    over_high: int
    per_school: pd.DataFrame

    @property
    def share_watch(self) -> float | None:
        return analytics.share(self.over_watch, self.students)

    @property
    def share_high(self) -> float | None:
        return analytics.share(self.over_high, self.students)


def _student_school_rows(session: Session, viewer: Viewer, term_id: int) -> pd.DataFrame:
    query = (
        select(
            AbsenceRecord.student_id,
            AbsenceRecord.school_id,
            func.sum(AbsenceRecord.scheduled_minutes).label("scheduled"),
            func.sum(AbsenceRecord.absent_minutes).label("absent"),
            func.sum(AbsenceRecord.valid_minutes).label("valid"),
            func.sum(AbsenceRecord.invalid_minutes).label("invalid"),
        )
        .where(AbsenceRecord.term_id == term_id, absence_clause(viewer))
        .group_by(AbsenceRecord.student_id, AbsenceRecord.school_id)
    )
    columns = ["student_id", "school_id", "scheduled", "absent", "valid", "invalid"]
    return pd.DataFrame(session.execute(query).all(), columns=columns)


def scope_overview(session: Session, viewer: Viewer, term_id: int) -> Overview:
    """Students with absence data this term in the viewer's scope, and how many are flagged."""
    require_role(viewer, Role.ADMIN, Role.COACH, Role.SCHOOL_STAFF)
    rows = _student_school_rows(session, viewer, term_id)
    students, watch, high = analytics.count_flags(analytics.student_shares(rows)["absent_share"])
    return Overview(students, watch, high, _per_school(session, rows))


def _per_school(session: Session, rows: pd.DataFrame) -> pd.DataFrame:
    columns = ["Skola", "Kommun", "Elever", "≥ 15 %", "≥ 20 %", "Andel ≥ 20 %"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    records = []
    for school_id, group in rows.groupby("school_id"):
        shares = analytics.student_shares(group)["absent_share"]
        students, watch, high = analytics.count_flags(shares)
        records.append((school_id, students, watch, high, analytics.share(high, students)))
    table = pd.DataFrame(records, columns=["school_id", "Elever", "≥ 15 %", "≥ 20 %",
                                           "Andel ≥ 20 %"])
    names = pd.DataFrame(
        session.execute(
            select(School.id, School.name, Municipality.name)
            .join(Municipality, Municipality.id == School.municipality_id)
            .where(School.id.in_(table["school_id"].tolist()))
        ).all(),
        columns=["school_id", "Skola", "Kommun"],
    )
    table = table.merge(names, on="school_id").sort_values(["≥ 20 %", "Elever"], ascending=False)
    return table[columns].reset_index(drop=True)


def municipality_overview(session: Session, viewer: Viewer, term_id: int) -> pd.DataFrame:
    """Per home municipality: students and shares over the thresholds. Aggregates only;
    a share based on fewer than 10 students is suppressed (None, shown as "..")."""
    require_role(viewer, Role.ADMIN, Role.COACH, Role.PROJECT_LEADER)
    per_student = (
        select(
            Student.home_municipality_id.label("municipality_id"),
            AbsenceRecord.student_id,
            func.sum(AbsenceRecord.scheduled_minutes).label("scheduled"),
            func.sum(AbsenceRecord.absent_minutes).label("absent"),
        )
        .join(Student, Student.id == AbsenceRecord.student_id)
        .join(Municipality, Municipality.id == Student.home_municipality_id)
        .where(AbsenceRecord.term_id == term_id, municipality_clause(viewer))
        .group_by(Student.home_municipality_id, AbsenceRecord.student_id)
        .having(func.sum(AbsenceRecord.scheduled_minutes) > 0)
        .subquery()
    )
    ratio = per_student.c.absent * 1.0 / per_student.c.scheduled
    query = (
        select(
            Municipality.name,
            func.count().label("students"),
            func.sum(case((ratio >= analytics.WATCH_THRESHOLD, 1), else_=0)).label("watch"),
            func.sum(case((ratio >= analytics.HIGH_THRESHOLD, 1), else_=0)).label("high"),
        )
        .join(per_student, per_student.c.municipality_id == Municipality.id)
        .group_by(Municipality.id, Municipality.name)
        .order_by(Municipality.name)
    )
    records = []
    for name, students, watch, high in session.execute(query).all():
        records.append({
            "Kommun": name,
            "Elever": students if students >= analytics.MIN_CELL else None,
            "Andel ≥ 15 %": analytics.suppress(students, analytics.share(watch, students)),
            "Andel ≥ 20 %": analytics.suppress(students, analytics.share(high, students)),
        })
    return pd.DataFrame(records, columns=["Kommun", "Elever", "Andel ≥ 15 %", "Andel ≥ 20 %"])
