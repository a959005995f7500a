"""What an enrolment list changes in the register: the existing students it names and
their open enrolments, the steps each row takes (the preview lists them, the commit
plans them again and applies the same), those steps in words, and the log of what each
change replaced, for undo."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import insert, select

from data_models.codes import EnrolmentChange
from data_models.models import Enrolment, ImportChange, Municipality, School, Student
from lib.access import Role, Viewer
from lib.i18n import _
from lib.importing.checks import CHANGE_COLUMNS, CHUNK
from lib.personal_number import mask
from lib.students import PROTECTED_NAME, format_name


@dataclass(frozen=True)
class Register:
    """The existing students a list names (by personal number), whatever their
    municipality, and their open enrolments, as they stand."""

    students: dict[str, Student]
    open: dict[int, list[Enrolment]]

    def enrolments(self, student: Student | None) -> list[Enrolment]:
        return self.open.get(student.id, []) if student is not None else []


def read_register(session, numbers: pd.Series) -> Register:
    wanted = sorted({n for n in numbers if n})
    students: dict[str, Student] = {}
    for start in range(0, len(wanted), CHUNK):
        students.update({s.personal_number: s for s in session.scalars(
            select(Student).where(Student.personal_number.in_(wanted[start:start + CHUNK])))})
    ids = sorted(s.id for s in students.values())
    open_enrolments: dict[int, list[Enrolment]] = {}
    for start in range(0, len(ids), CHUNK):
        for enrolment in session.scalars(
                select(Enrolment).where(Enrolment.student_id.in_(ids[start:start + CHUNK]),
                                        Enrolment.end_date.is_(None)).order_by(Enrolment.id)):
            open_enrolments.setdefault(enrolment.student_id, []).append(enrolment)
    return Register(students, open_enrolments)


def in_scope(viewer: Viewer, student: Student) -> bool:
    return viewer.role == Role.ADMIN or student.home_municipality_id in viewer.municipality_ids


@dataclass(frozen=True)
class Step:
    """One change a row makes: the record and the values it sets (only those that differ
    from what it holds), or a new enrolment (no record)."""

    record: Student | Enrolment | None
    values: dict


def _step(record, **values) -> Step:
    return Step(record, {k: v for k, v in values.items() if getattr(record, k) != v})


def _plan(student: Student | None, enrolments: list[Enrolment], row) -> list[Step]:
    """What one row does to its student (None: a new one) and their open enrolments. The
    preview lists these steps and the commit applies the same ones. The open enrolment at
    the row's school is updated; otherwise a new one starts and the open ones that started
    earlier end the day before."""
    steps = []
    if student is not None:
        steps.append(_step(student, first_name=row.first_name, last_name=row.last_name or "",
                           home_municipality_id=int(row.home_municipality_id)))
    here = [e for e in enrolments if e.school_id == int(row.school_id)]
    if here:
        steps.append(_step(here[0], programme=row.programme, school_year=int(row.school_year),
                           class_name=row.class_name))
    else:
        steps += [_step(e, end_date=row.start_date - dt.timedelta(days=1))
                  for e in enrolments if e.start_date < row.start_date]
        steps.append(Step(None, {"school_id": int(row.school_id), "programme": row.programme,
                                  "class_name": row.class_name,
                                  "school_year": int(row.school_year),
                                  "start_date": row.start_date}))
    return [s for s in steps if s.values]


def plan_rows(register: Register, frame: pd.DataFrame) -> list[tuple[Student | None,
                                                                   list[Step]]]:
    plans = []
    for row in frame.itertuples(index=False):
        student = register.students.get(row.personal_number)
        plans.append((student, _plan(student, register.enrolments(student), row)))
    return plans


def plan_leavers(session, viewer: Viewer, frame: pd.DataFrame,
                 day: dt.date) -> list[tuple[Student, list[Step]]]:
    """The students in the importer's scope with an open enrolment at a school the list
    names who are not on the list: that enrolment ends on `day` (or the day it began, if
    later). A list of some schools leaves the others' enrolments as they are."""
    schools = sorted({int(s) for s in frame["school_id"]}) if len(frame) else []
    if not schools:
        return []
    listed = set(frame["personal_number"])
    query = (select(Student, Enrolment).join(Enrolment, Enrolment.student_id == Student.id)
             .where(Enrolment.school_id.in_(schools), Enrolment.end_date.is_(None))
             .order_by(Student.id, Enrolment.id))
    if viewer.role != Role.ADMIN:
        query = query.where(Student.home_municipality_id.in_(viewer.municipality_ids))
    leavers: dict[int, tuple[Student, list[Step]]] = {}
    for student, enrolment in session.execute(query).all():
        if student.personal_number in listed:
            continue
        step = _step(enrolment, end_date=max(day, enrolment.start_date))
        leavers.setdefault(student.id, (student, []))[1].append(step)
    return list(leavers.values())


# The enrolment fields a list may change in place, by the change they are.
FIELD_CHANGES = {"programme": EnrolmentChange.PROGRAMME,
                 "school_year": EnrolmentChange.SCHOOL_YEAR,
                 "class_name": EnrolmentChange.CLASS_NAME}


def describe_changes(session, plans) -> pd.DataFrame:
    """The steps for existing students as the preview shows them (CHANGE_COLUMNS): a name
    (never a protected one), a move, an ended, changed or new enrolment. The before and
    after of an enrolment are written out in the run's language ("Skola SA, EK åk 2 från
    2025-08-18"); the commit compares its own with the preview's in the same run."""
    existing = [(student, steps) for student, steps in plans if student is not None and steps]
    rows = []
    if existing:
        places = {"municipality": dict(session.execute(
                      select(Municipality.id, Municipality.name)).all()),
                  "school": dict(session.execute(select(School.id, School.name)).all())}
    for student, steps in existing:
        who = [student.id, format_name(student.id, student.first_name, student.last_name,
                                       student.protected_identity),
               mask(student.personal_number, student.protected_identity)]
        for step in steps:
            rows += [[*who, *change] for change in _change_texts(student, step, places)]
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


def _change_texts(student: Student, step: Step,
                  places: dict) -> list[tuple[EnrolmentChange, str, str]]:
    record, values = step.record, step.values
    if record is None:
        return [(EnrolmentChange.NEW_ENROLMENT, "", _("{enrolment} från {date}").format(
            enrolment=_enrolment_text(places, values), date=values["start_date"]))]
    if record is student:
        return _student_texts(student, values, places["municipality"])
    if "end_date" in values:
        shown = _enrolment_text(places, {k: getattr(record, k) for k in (
            "school_id", "programme", "school_year")})
        return [(EnrolmentChange.ENROLMENT_ENDS, shown,
                 _("slutar {date}").format(date=values["end_date"]))]
    return [(FIELD_CHANGES[name], _shown(getattr(record, name)), _shown(value))
            for name, value in values.items()]


def _student_texts(student: Student, values: dict, municipalities: dict) -> list:
    texts = []
    if {"first_name", "last_name"} & set(values):
        if student.protected_identity:
            texts.append((EnrolmentChange.NAME, _(PROTECTED_NAME), _(PROTECTED_NAME)))
        else:
            new = (f"{values.get('first_name', student.first_name)} "
                   f"{values.get('last_name', student.last_name)}")
            texts.append((EnrolmentChange.NAME, f"{student.first_name} {student.last_name}", new))
    if "home_municipality_id" in values:
        texts.append((EnrolmentChange.HOME_MUNICIPALITY,
                      municipalities[student.home_municipality_id],
                      municipalities[values["home_municipality_id"]]))
    return texts


def _enrolment_text(places: dict, values: dict) -> str:
    return _("{school}, {programme} åk {year}").format(
        school=places["school"][values["school_id"]], programme=values["programme"],
        year=values["school_year"])


def _shown(value) -> str:
    return "–" if value is None or value == "" else str(value)


class ChangeLog:
    """Set new values on existing students and enrolments, and keep what each changed column
    held before, for undo."""

    def __init__(self, session, batch_id: int) -> None:
        self.session, self.batch_id, self.rows = session, batch_id, []

    @property
    def count(self) -> int:
        return len(self.rows)

    def update(self, record, **values) -> None:
        before = {name: getattr(record, name) for name, value in values.items()
                  if getattr(record, name) != value}
        if not before:
            return
        for name in before:
            setattr(record, name, values[name])
        self.rows.append({"batch_id": self.batch_id, "table_name": record.__tablename__,
                          "row_id": record.id,
                          "before": {k: v.isoformat() if isinstance(v, dt.date) else v
                                     for k, v in before.items()}})

    def write(self) -> None:
        self.session.flush()
        if self.rows:
            self.session.execute(insert(ImportChange), self.rows)
