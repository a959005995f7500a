"""Individual students: lists and the student summary. Never for project leaders, and
every view of one student's data is written to the audit log."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_models.models import (
    Enrolment,
    Municipality,
    School,
    Student,
    StudentTermSummary,
    Term,
)
from lib import analytics
from lib.access import (
    STUDENT_NOT_FOUND,
    AccessDenied,
    Viewer,
    absence_clause,
    require_individual_access,
    student_clause,
)
from lib.audit import log_view
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.personal_number import mask
from lib.summaries import per_student, student_term_rows

PROTECTED_NAME = N_("Skyddad identitet")


def format_name(student_id: int, first: str, last: str, protected: bool) -> str:
    """The shown name; a protected identity's, in the run's language, names only the id."""
    if protected:
        return _("Skyddad identitet (elev {id})").format(id=student_id)
    return f"{first} {last}"


def display_name(student: Student) -> str:
    return format_name(student.id, student.first_name, student.last_name,
                       student.protected_identity)


STUDENT_LIST_COLUMNS = ["id", "student", "personal_number", "absence", "valid", "invalid",
                        "flag"]


def people(session: Session, viewer: Viewer, student_ids, *extra) -> pd.DataFrame:
    """Identity columns of the students in scope among student_ids (plus `extra` columns,
    joined by the caller's query needs), as student_id, first, last, number, protected."""
    query = select(Student.id, Student.first_name, Student.last_name, Student.personal_number,
                   Student.protected_identity, *extra).where(
        Student.id.in_(list(student_ids)), student_clause(viewer))
    if extra:
        query = query.join(Municipality, Municipality.id == Student.home_municipality_id)
    names = ["student_id", "first", "last", "number", "protected"]
    return read_frame(session, query, [*names, *(c.key for c in extra)])


def names(frame: pd.DataFrame) -> list[str]:
    """Shown names for rows with student_id, first, last and protected."""
    return [format_name(*r) for r in zip(frame["student_id"], frame["first"], frame["last"],
                                         frame["protected"], strict=True)]


def identity_columns(frame: pd.DataFrame) -> dict[str, list]:
    """id, shown name and masked number for rows merged with people()."""
    return {
        "id": frame["student_id"].astype(int).tolist(),
        "student": names(frame),
        "personal_number": [mask(n, bool(p)) for n, p in zip(frame["number"], frame["protected"],
                                                          strict=True)],
    }


def share_columns(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """The three shares of per-student totals (summaries.per_student)."""
    return {"absence": frame["share"], "valid": frame["valid_share"],
            "invalid": frame["invalid_share"]}


def students_table(session: Session, viewer: Viewer, totals: pd.DataFrame, term_id: int,
                   note: str) -> pd.DataFrame:
    """Named, masked rows for per-student totals (from summaries.per_student), highest
    absence first. Showing such a list is audited as one event, not one per student."""
    table = student_rows(session, viewer, totals)
    log_student_list(session, viewer, table, term_id, note)
    return table


def student_rows(session: Session, viewer: Viewer, totals: pd.DataFrame) -> pd.DataFrame:
    """students_table's rows, not yet logged as viewed."""
    merged = totals.merge(people(session, viewer, totals["student_id"]), on="student_id")
    table = pd.DataFrame({
        **identity_columns(merged), **share_columns(merged),
        "flag": [analytics.flag(v, w, h) for v, w, h in
                 zip(merged["share"], merged["watch"], merged["high"], strict=True)],
    }, columns=STUDENT_LIST_COLUMNS)
    return table.sort_values("absence", ascending=False).reset_index(drop=True)


def log_student_list(session: Session, viewer: Viewer, table: pd.DataFrame, term_id: int,
                     note: str) -> None:
    log_view(session, viewer, "view_student_list", "term", term_id,
             note=f"{len(table)} elever{note}")


def list_students(session: Session, viewer: Viewer, term_id: int,
                  flagged_only: bool = False) -> pd.DataFrame:
    """Students in scope with absence this term; flags by each student's home
    municipality's thresholds."""
    require_individual_access(viewer)
    totals = per_student(student_term_rows(session, viewer, term_id))
    if flagged_only:
        totals = totals[totals["share"] >= totals["watch"]]
    return students_table(session, viewer, totals, term_id,
                          " över 15 %" if flagged_only else "")


def search_students(session: Session, viewer: Viewer, text: str = "",
                    limit: int = 50) -> list[tuple[int, str]]:
    """(id, label) of students in scope whose name matches; protected names never match."""
    require_individual_access(viewer)
    query = select(Student).where(student_clause(viewer)).order_by(Student.last_name,
                                                                    Student.first_name)
    text = text.strip()
    if text:
        pattern = f"%{text.lower()}%"
        full_name = func.lower(Student.first_name + " " + Student.last_name)
        query = query.where(Student.protected_identity.is_(False), full_name.like(pattern))
    return [(s.id, display_name(s)) for s in session.scalars(query.limit(limit))]


@dataclass(frozen=True)
class StudentSummary:
    id: int
    name: str
    personal_number_masked: str
    home_municipality: str
    protected_identity: bool
    enrolments: pd.DataFrame
    terms: pd.DataFrame


def get_student(session: Session, viewer: Viewer, student_id: int) -> StudentSummary:
    """One student's summary. Raises AccessDenied (with the same message whether the
    student is missing or out of scope) and logs the view."""
    require_individual_access(viewer)
    student = session.scalar(select(Student).where(Student.id == student_id,
                                                   student_clause(viewer)))
    if student is None:
        raise AccessDenied(_(STUDENT_NOT_FOUND), viewer=viewer, what="student",
                           what_id=student_id)
    municipality = session.get(Municipality, student.home_municipality_id)
    summary = StudentSummary(
        id=student.id,
        name=display_name(student),
        personal_number_masked=mask(student.personal_number, student.protected_identity),
        home_municipality=municipality.name if municipality else "",
        protected_identity=student.protected_identity,
        enrolments=_enrolments(session, student.id),
        terms=_terms(session, viewer, student.id),
    )
    log_view(session, viewer, "view_student", "student", student.id, student_id=student.id)
    return summary


def _enrolments(session: Session, student_id: int) -> pd.DataFrame:
    return read_frame(session,
        select(School.name, Enrolment.programme, Enrolment.class_name, Enrolment.school_year,
               Enrolment.start_date, Enrolment.end_date)
        .join(School, School.id == Enrolment.school_id)
        .where(Enrolment.student_id == student_id)
        .order_by(Enrolment.start_date.desc()),
        ["school", "programme", "class_name", "school_year", "enrolled_from", "enrolled_to"])


def _terms(session: Session, viewer: Viewer, student_id: int) -> pd.DataFrame:
    """Per term from the term summary, so that period exports count as well as days."""
    summary = StudentTermSummary
    rows = session.execute(
        select(Term.code, func.sum(summary.scheduled), func.sum(summary.absent),
               func.sum(summary.valid), func.sum(summary.invalid))
        .join(Term, Term.id == summary.term_id)
        .where(summary.student_id == student_id, absence_clause(viewer, summary))
        .group_by(Term.code, Term.start_date)
        .order_by(Term.start_date.desc())
    ).all()
    records = [
        {
            "term": code,
            "scheduled_hours": round(scheduled / 60, 1),
            "absence": analytics.share(absent, scheduled),
            "valid": analytics.share(valid, scheduled),
            "invalid": analytics.share(invalid, scheduled),
        }
        for code, scheduled, absent, valid, invalid in rows
    ]
    return pd.DataFrame(records, columns=TERM_COLUMNS)


TERM_COLUMNS = ["term", "scheduled_hours", "absence", "valid", "invalid"]
