"""The school an absence file comes from: the importer chooses it, helped by a guess from
the file (a unit code or name in its title rows, else where most of its students are
enrolled), and the preview says when most of the file's students are not enrolled at the
chosen school in the file's dates."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from data_models.models import Enrolment, School
from lib.access import Viewer, school_clause
from lib.i18n import _
from lib.importing.checks import CHUNK, cell_text, known_students, require_importer
from lib.importing.files import Table, normalise
from lib.importing.layouts import suggest
from lib.personal_number import InvalidPersonalNumber, normalize


@dataclass(frozen=True)
class SchoolGuess:
    school_id: int
    reason: str  # in the run's language; may name the school (user text)


def guess_school(session: Session, viewer: Viewer, table: Table) -> SchoolGuess | None:
    """The school an absence file most likely comes from, among the schools the importer
    may choose: one named in the file's title rows (by unit code or name), else the one
    where most of the file's students (in the importer's scope) are enrolled."""
    require_importer(viewer)
    schools = session.execute(select(School.id, School.unit_code, School.name)
                              .where(school_clause(viewer))).all()
    return _school_in_title(schools, table.title) or _school_of_students(
        session, viewer, table, {s.id: s.name for s in schools})


def _school_in_title(schools, title: tuple[str, ...]) -> SchoolGuess | None:
    """The one school whose unit code, else whose name (the longest that fits, as a whole
    phrase), the title rows hold."""
    text = normalise(" ".join(title))
    codes = set(re.findall(r"\b\d{8}\b", text))
    found = [s for s in schools if s.unit_code in codes]
    if not found:
        named = [s for s in schools if re.search(
            rf"(?<!\w){re.escape(normalise(s.name))}(?!\w)", text)]
        longest = max((len(normalise(s.name)) for s in named), default=0)
        found = [s for s in named if len(normalise(s.name)) == longest]
    if len(found) != 1:
        return None
    return SchoolGuess(found[0].id, _("Skolan är förvald efter filens rubrik: {school}. "
                                      "Kontrollera att den stämmer.").format(
                                          school=found[0].name))


def _school_of_students(session, viewer: Viewer, table: Table,
                        schools: dict[int, str]) -> SchoolGuess | None:
    column = suggest("absence", table.columns).columns.get("personal_number")
    if not column or not schools:
        return None
    numbers = set()
    for value in table.rows[column[0]].drop_duplicates():
        try:
            numbers.add(normalize(cell_text(value)))
        except (InvalidPersonalNumber, ValueError):
            continue
    ids = known_students(session, viewer, pd.Series(sorted(numbers), dtype=object), None)
    students = sorted(set(ids.values()))
    counts: dict[int, set[int]] = {}
    for start in range(0, len(students), CHUNK):
        for student_id, school_id in session.execute(
                select(Enrolment.student_id, Enrolment.school_id).distinct()
                .where(Enrolment.student_id.in_(students[start:start + CHUNK]))):
            counts.setdefault(school_id, set()).add(student_id)
    ranked = sorted(((len(v), k) for k, v in counts.items() if k in schools), reverse=True)
    if not ranked or 2 * ranked[0][0] <= len(students):
        return None
    count, school_id = ranked[0]
    return SchoolGuess(school_id, _("Skolan är förvald: {count} av {students} elever i filen "
                                    "är inskrivna vid {school}. Kontrollera att den "
                                    "stämmer.").format(count=count, students=len(students),
                                                       school=schools[school_id]))


def school_mismatch(session, frame: pd.DataFrame, school_id: int | None,
                     dated: bool) -> tuple[int, int] | None:
    """(not enrolled, students) when most of the file's students have no enrolment at the
    chosen school in the file's dates: the file is likely another school's."""
    students = sorted({int(s) for s in frame["student_id"].dropna()})
    if school_id is None or not students:
        return None
    first = frame["date"].min() if dated else frame["start_date"].min()
    last = frame["date"].max() if dated else frame["end_date"].max()
    enrolled: set[int] = set()
    for start in range(0, len(students), CHUNK):
        enrolled |= set(session.scalars(
            select(Enrolment.student_id).distinct()
            .where(Enrolment.school_id == school_id,
                   Enrolment.student_id.in_(students[start:start + CHUNK]),
                   Enrolment.start_date <= last,
                   or_(Enrolment.end_date.is_(None), Enrolment.end_date >= first))))
    missing = len(students) - len(enrolled)
    return (missing, len(students)) if 2 * missing > len(students) else None
