"""Enrolment lists: students with their home municipality, school, programme and year.
A list creates students and changes those already in the importer's scope (a coach: the
students registered in their municipalities; an administrator: everyone). A coach's list
may give their own student another home municipality (a move out), never take in a
student registered elsewhere: that is for the administrator or that municipality. Every
change to an existing student is listed before anything is written, and the commit plans
the same changes again."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session, aliased

from data_models.codes import InterruptionReason, InterruptionSource
from data_models.models import (
    Enrolment,
    ImportBatch,
    Municipality,
    Student,
    StudentMove,
    User,
)
from lib import formats, summaries
from lib.access import Role, Viewer
from lib.audit import log_event
from lib.clock import local_today, utcnow
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.importing.changes import (
    ChangeLog,
    Register,
    Step,
    describe_changes,
    in_scope,
    plan_leavers,
    plan_rows,
    read_register,
)
from lib.importing.checks import (
    DUPLICATE,
    MISSING,
    OUT_OF_SCOPE,
    REGISTERED_ELSEWHERE,
    TOO_LONG,
    UNKNOWN_MUNICIPALITY,
    Preview,
    ProgressFn,
    RowErrors,
    cell_text,
    file_notes,
    first_column,
    masked,
    no_progress,
    parsed_values,
    personal_numbers,
    require_columns,
    require_importer,
    require_rows,
    same_file_warnings,
    school_ids,
    text_values,
)
from lib.importing.files import Table
from lib.importing.layouts import Mapping
from lib.importing.values import BadValue, parse_date, parse_number
from lib.interruptions import close_on_return, record_interruption
from lib.students import format_name
from lib.terms import current_term
from lib.versioning import InputError

# A commit that would do other than its preview showed (someone changed the register in
# between) writes nothing.
STALE = N_("Elevregistret har ändrats sedan kontrollen. Ladda upp filen igen så att raderna "
           "kontrolleras på nytt.")


def preview_enrolment(session: Session, viewer: Viewer, table: Table, mapping: Mapping,
                      default_start: dt.date | None = None) -> Preview:
    """Students with home municipality, school, programme and year, and what the list
    changes for the existing ones. Nothing is written."""
    require_importer(viewer)
    _check_enrolment_mapping(mapping, table)
    valid_from = default_start or _term_start(session)
    rows, errors = table.rows, RowErrors()
    frame = pd.DataFrame(index=rows.index)
    frame["personal_number"] = personal_numbers(rows, mapping, errors)
    register = read_register(session, frame["personal_number"])
    _refuse_registered_elsewhere(viewer, register, frame["personal_number"], errors)
    frame["school_id"] = school_ids(session, rows, mapping, None, errors)
    frame["home_municipality_id"] = _municipalities(session, viewer, rows, mapping, errors,
                                                    frame["personal_number"], register)
    _names(frame, rows, mapping)
    frame["programme"] = text_values(rows, mapping, "programme", limit=None)
    frame["class_name"] = text_values(rows, mapping, "class_name", limit=None)
    frame["school_year"] = parsed_values(rows, mapping, "school_year", _year, errors)
    starts = parsed_values(rows, mapping, "start_date", parse_date, errors)
    frame["start_date"] = starts.where(starts.notna(), valid_from)
    _check_texts(frame, errors)
    frame = frame[~frame.index.isin(errors.rows)]
    for index in frame.index[frame.duplicated(subset=["personal_number"], keep="first")]:
        errors.add(index, DUPLICATE)
    valid = frame[~frame.index.isin(errors.rows)].reset_index(drop=True)
    own = int(starts[frame.index].notna().sum()) if len(frame) else 0
    own_note = _("{rows} har ett eget startdatum i filen.").format(
        rows=formats.count(own, _("rad"), _("rader")))
    notes = file_notes(table) + ((own_note,) if own else ())
    leavers = plan_leavers(session, viewer, valid, _left_by(valid_from))
    # Said apart from the list of changes: a list of only some of a school's students (the
    # new ones, say) would end every other enrolment there.
    left = (_("{students} som listan inte har vid skolorna den tar upp slutar där dagen "
              "innan listan gäller: ett studieavbrott för var och en som inte går vidare "
              "på en annan skola.").format(
        students=formats.count(len(leavers), _("elev"), _("elever"))),) if leavers else ()
    return Preview(kind="enrolment", file_name=table.file_name, file_hash=table.file_hash,
                   school_id=None, rows_read=len(rows), dropped_totals=table.dropped_totals,
                   valid=valid, errors=errors.frame(), notes=notes,
                   changes=describe_changes(session, plan_rows(register, valid) + leavers),
                   warnings=same_file_warnings(session, viewer, table.file_hash) + left,
                   valid_from=valid_from)


def _check_texts(frame: pd.DataFrame, errors: RowErrors) -> None:
    """A row without a name, programme or year, or with a text longer than the register
    keeps, is a row error."""
    for index, row in frame.iterrows():
        # A blank cell may come back as None or NaN: only a text counts as given.
        if not (_given(row["first_name"]) and _given(row["programme"])
                and _given(row["school_year"])):
            errors.add(index, MISSING, _("namn, program eller årskurs"))
        long = [n for n, limit in TEXT_LIMITS.items()
                if _given(row[n]) and len(row[n]) > limit]
        if long:
            errors.add(index, TOO_LONG, _("{field}: högst {limit} tecken").format(
                field=_(ENROLMENT_LABELS[long[0]]), limit=TEXT_LIMITS[long[0]]))


# The lengths the register keeps: a longer text is a row error, never cut or refused by
# the database.
TEXT_LIMITS = {"first_name": 80, "last_name": 80, "programme": 80, "class_name": 40}
ENROLMENT_LABELS = {"first_name": N_("förnamn"), "last_name": N_("efternamn"),
                    "programme": N_("program"), "class_name": N_("klass")}


def _given(value) -> bool:
    """A value the row gives: a text that is not empty, or a whole number (a year)."""
    if isinstance(value, str):
        return value != ""
    return isinstance(value, int | np.integer)


def _term_start(session) -> dt.date:
    """The start of the current term: an enrolment list describes the term it is for."""
    term = current_term(session)
    return term.start_date if term is not None else local_today()


def _check_enrolment_mapping(mapping: Mapping, table: Table) -> None:
    require_columns(mapping, table)
    columns = mapping.columns
    for needed, message in (
            ("personal_number", N_("Välj kolumnen med personnummer.")),
            ("school", N_("Välj kolumnen med skola.")),
            ("home_municipality", N_("Välj kolumnen med hemkommun.")),
            ("programme", N_("Välj kolumnen med program.")),
            ("school_year", N_("Välj kolumnen med årskurs."))):
        if needed not in columns:
            raise InputError(_(message))
    if "name" not in columns and not {"first_name", "last_name"} <= set(columns):
        raise InputError(_("Välj kolumnerna med förnamn och efternamn (eller namn)."))


def _names(frame: pd.DataFrame, rows, mapping: Mapping) -> None:
    if "name" in mapping.columns:
        names = text_values(rows, mapping, "name", limit=None).fillna("")
        frame["first_name"] = names.map(lambda n: n.rsplit(" ", 1)[0] if " " in n else n)
        frame["last_name"] = names.map(lambda n: n.rsplit(" ", 1)[1] if " " in n else "")
    else:
        frame["first_name"] = text_values(rows, mapping, "first_name", limit=None)
        frame["last_name"] = text_values(rows, mapping, "last_name", limit=None)


def _year(value) -> int:
    number = parse_number(str(value).lower().replace("åk", "").strip())
    if number is None or not number.is_integer() or not 1 <= number <= 4:
        raise BadValue(_("«{value}» är ingen årskurs (1–4).").format(value=value))
    return int(number)


def _refuse_registered_elsewhere(viewer: Viewer, register: Register, numbers: pd.Series,
                                 errors: RowErrors) -> None:
    """A row naming an existing student outside the importer's scope is an error that
    shows only the masked number the importer typed."""
    for index, number in numbers.items():
        student = register.students.get(number) if number else None
        if student is not None and not in_scope(viewer, student):
            errors.add(index, REGISTERED_ELSEWHERE, masked(number))


def _municipalities(session, viewer: Viewer, rows, mapping, errors: RowErrors,
                    numbers: pd.Series, register: Register) -> pd.Series:
    """The home municipality of each row. A coach's new student must be registered in the
    coach's municipality; their existing student may move out to another."""
    lookup = {}
    for municipality_id, code, name in session.execute(
            select(Municipality.id, Municipality.code, Municipality.name)):
        lookup[code] = municipality_id
        lookup[name.lower()] = municipality_id
        lookup[f"{name.lower()}s kommun"] = municipality_id

    def municipality(index, value):
        text = cell_text(value)
        found = lookup.get(text) or lookup.get(text.lower())
        if found is None:
            errors.add(index, UNKNOWN_MUNICIPALITY if text else MISSING,
                       text or _("hemkommun"))
        elif viewer.role == Role.COACH and found not in viewer.municipality_ids:
            student = register.students.get(numbers[index])
            if student is None or not in_scope(viewer, student):
                errors.add(index, OUT_OF_SCOPE, text)
        return found
    column = first_column(rows, mapping, "home_municipality")
    return pd.Series([municipality(i, v) for i, v in column.items()], index=rows.index,
                     dtype=object)


def commit_enrolment(session: Session, viewer: Viewer, preview: Preview,
                     progress: ProgressFn = no_progress) -> int:
    """Apply the steps the preview listed, planned again from the register as it stands in
    this transaction: if they differ from the preview, or a row now names a student outside
    the importer's scope, nothing is written."""
    require_importer(viewer)
    require_rows(preview)
    if preview.kind != "enrolment":
        raise ValueError(f"not an enrolment preview: {preview.kind}")
    frame = preview.valid
    register = read_register(session, frame["personal_number"])
    _require_scope(viewer, register, frame)
    plans = plan_rows(register, frame)
    leavers = plan_leavers(session, viewer, frame, _left_by(preview.valid_from))
    if not describe_changes(session, plans + leavers).equals(preview.changes):
        raise InputError(_(STALE))
    batch = ImportBatch(kind="enrolment", file_name=preview.file_name[:255],
                        file_hash=preview.file_hash, user_id=viewer.user_id, created_at=utcnow(),
                        row_count=len(frame), skipped_count=len(preview.errors),
                        details={"errors": preview.counts})
    session.add(batch)
    session.flush()
    changes = ChangeLog(session, batch.id)
    moves = _write_students(session, changes, frame, plans, batch.id, progress)
    for student, steps in leavers:
        _apply(session, changes, student, steps, batch.id)
    changes.write()
    _transitions(session, viewer, plans, leavers, batch.id)
    batch.replaced_count = changes.count
    _record_moves(session, viewer, batch.id, moves)
    log_event(session, viewer, "import", "import_batch", batch.id,
              after={"rows": len(frame), "skipped": len(preview.errors),
                     "changed": changes.count, "moved": len(moves)},
              note=preview.file_name[:200])
    return batch.id


def _write_students(session, changes: ChangeLog, frame: pd.DataFrame, plans,
                    batch_id: int, progress: ProgressFn) -> list[tuple[int, int, int]]:
    """Create the new students and apply every row's steps; return the moves (student,
    from and to municipality)."""
    moves: list[tuple[int, int, int]] = []
    for position, (row, (student, steps)) in enumerate(zip(
            frame.itertuples(index=False), plans, strict=True)):
        if position % 500 == 0:
            progress(position / max(len(frame), 1),
                     _("Skriver elever och inskrivningar …"))
        if student is None:
            student = Student(personal_number=row.personal_number, first_name=row.first_name,
                              last_name=row.last_name or "", batch_id=batch_id,
                              home_municipality_id=int(row.home_municipality_id))
            session.add(student)
            session.flush()
        moves += _apply(session, changes, student, steps, batch_id)
    return moves


def _left_by(valid_from: dt.date) -> dt.date:
    """A student the list no longer has left before it took effect: their enrolment ends
    the day before, as a school change ends the enrolment before it."""
    return valid_from - dt.timedelta(days=1)


def _transitions(session, viewer: Viewer, plans, leavers, batch_id: int) -> None:
    """A student the list no longer has has interrupted their studies (lib.interruptions);
    a student with a new enrolment who had an open KAA episode is back in studies."""
    for _student, steps in leavers:
        for step in steps:
            record_interruption(session, viewer, step.record, step.values["end_date"],
                                InterruptionReason.UNKNOWN, InterruptionSource.LIST,
                                batch_id=batch_id)
    for student, steps in plans:
        starts = [s.values["start_date"] for s in steps if s.record is None]
        if student is not None and starts:
            close_on_return(session, student.id, min(starts))


def _require_scope(viewer: Viewer, register: Register, frame: pd.DataFrame) -> None:
    """The preview's checks once more, in the writing transaction."""
    if not all(in_scope(viewer, s) for s in register.students.values()):
        raise InputError(_(STALE))
    if viewer.role == Role.COACH:
        new = frame[~frame["personal_number"].isin(list(register.students))]
        if not new["home_municipality_id"].isin(list(viewer.municipality_ids)).all():
            raise InputError(_(STALE))


def _apply(session, changes: ChangeLog, student: Student, steps: list[Step],
           batch_id: int) -> list[tuple[int, int, int]]:
    """Apply one row's steps; return the student's move, if the row moves them."""
    moves = []
    for step in steps:
        if step.record is None:
            session.add(Enrolment(student_id=student.id, end_date=None, batch_id=batch_id,
                                  **step.values))
            continue
        if "home_municipality_id" in step.values:
            moves.append((student.id, step.record.home_municipality_id,
                          step.values["home_municipality_id"]))
        changes.update(step.record, **step.values)
    return moves


def _record_moves(session, viewer: Viewer, batch_id: int,
                  moves: list[tuple[int, int, int]]) -> None:
    """Keep each move for both municipalities' coaches, and recount both."""
    if not moves:
        return
    now, today = utcnow(), local_today()
    session.execute(insert(StudentMove), [
        {"student_id": student_id, "from_municipality_id": old, "to_municipality_id": new,
         "date": today, "batch_id": batch_id, "user_id": viewer.user_id, "created_at": now}
        for student_id, old, new in moves])
    summaries.refresh_municipalities(session, {m for _, *pair in moves for m in pair})


def list_moves(session: Session, viewer: Viewer, limit: int = 50) -> pd.DataFrame:
    """Recent moves between home municipalities, newest first: a coach sees those from or
    to their municipalities, an administrator all."""
    require_importer(viewer)
    origin, destination = aliased(Municipality), aliased(Municipality)
    query = (select(StudentMove.id, StudentMove.date, Student.id, Student.first_name,
                    Student.last_name, Student.protected_identity, origin.name,
                    destination.name, User.display_name)
             .join(Student, Student.id == StudentMove.student_id)
             .join(origin, origin.id == StudentMove.from_municipality_id)
             .join(destination, destination.id == StudentMove.to_municipality_id)
             .outerjoin(User, User.id == StudentMove.user_id)
             .order_by(StudentMove.created_at.desc(), StudentMove.id.desc()).limit(limit))
    if viewer.role == Role.COACH:
        query = query.where(or_(StudentMove.from_municipality_id.in_(viewer.municipality_ids),
                                StudentMove.to_municipality_id.in_(viewer.municipality_ids)))
    frame = read_frame(session, query, ["id", "date", "student_id", "first", "last",
                                        "protected", "from", "to", "user"])
    return pd.DataFrame({
        "id": frame["id"], "date": frame["date"], "student_id": frame["student_id"],
        "student": [format_name(*r) for r in zip(frame["student_id"], frame["first"],
                                                 frame["last"], frame["protected"],
                                                 strict=True)],
        "from_municipality": frame["from"], "to_municipality": frame["to"],
        "by": frame["user"].fillna(""),
    })
