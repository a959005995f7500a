"""What imports did, and undoing it: the history of imports, undo of an absence import
(its rows go, what it replaced comes back) or an enrolment list (what it changed is put
back), and the column mappings saved per school and importing municipality."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from data_models.models import (
    AbsencePeriod,
    AbsenceRecord,
    AgendaItem,
    Contact,
    Enrolment,
    Feedback,
    ImportBatch,
    ImportChange,
    ImportMapping,
    Measure,
    ReplacedAbsence,
    School,
    Student,
    StudentMove,
    User,
)
from lib import alerts, summaries
from lib.access import AccessDenied, Role, Viewer, school_clause
from lib.audit import log_event
from lib.clock import utcnow
from lib.frames import read_frame
from lib.i18n import _
from lib.importing.absence import DAY_COLUMNS, PERIOD_COLUMNS
from lib.importing.checks import CHUNK, require_importer
from lib.importing.layouts import Mapping
from lib.interruptions import undo_batch_interruptions
from lib.versioning import InputError


def list_batches(session: Session, viewer: Viewer) -> pd.DataFrame:
    """Imports, newest first; a coach sees their own. `undone_at` is NaT for an import
    that stands."""
    require_importer(viewer)
    query = (select(ImportBatch.id, ImportBatch.created_at, ImportBatch.kind,
                    ImportBatch.file_name, User.display_name, School.name,
                    ImportBatch.row_count, ImportBatch.skipped_count,
                    ImportBatch.replaced_count, ImportBatch.undone_at,
                    ImportBatch.file_hash)
             .outerjoin(User, User.id == ImportBatch.user_id)
             .outerjoin(School, School.id == ImportBatch.school_id)
             .where(ImportBatch.kind != "demo")
             .order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc()))
    if viewer.role == Role.COACH:
        query = query.where(ImportBatch.user_id == viewer.user_id)
    frame = read_frame(session, query, ["id", "at", "kind", "file", "user", "school", "rows",
                                        "skipped", "replaced", "undone", "hash"])
    return pd.DataFrame({
        "id": frame["id"], "at": pd.to_datetime(frame["at"]),
        "import_kind": frame["kind"].map(str), "file": frame["file"],
        "by": frame["user"].fillna(""), "school": frame["school"].fillna(""),
        "rows_read": frame["rows"], "rows_skipped": frame["skipped"],
        "rows_replaced": frame["replaced"], "undone_at": pd.to_datetime(frame["undone"]),
        # The start of the SHA-256 is enough to tell two files apart by eye.
        "checksum": frame["hash"].fillna("").str[:12],
    })


def undo_batch(session: Session, viewer: Viewer, batch_id: int) -> None:
    """Remove an import's rows and put back what it replaced, in one transaction."""
    require_importer(viewer)
    batch = _undoable(session, viewer, batch_id)
    if batch.kind == "enrolment":
        _undo_enrolment(session, batch_id)
    else:
        _undo_absence(session, batch_id)
        alerts.forget_batch(session, batch_id)  # its alerts nobody has acknowledged
    session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(
        undone_at=utcnow(), undone_by=viewer.user_id))
    log_event(session, viewer, "undo_import", "import_batch", batch_id,
              note=batch.file_name)


def _undoable(session, viewer: Viewer, batch_id: int) -> ImportBatch:
    """The batch, if the viewer may undo it and nothing later stands on it."""
    batch = session.get(ImportBatch, batch_id)
    # Another coach's import is answered as if it did not exist.
    if batch is None or batch.kind not in ("absence", "period", "enrolment") or (
            viewer.role == Role.COACH and batch.user_id != viewer.user_id):
        raise AccessDenied(_("Importen finns inte, eller så har du inte behörighet att ångra "
                             "den."),
                           viewer=viewer, what="import_batch", what_id=batch_id)
    if batch.undone_at is not None:
        raise InputError(_("Importen är redan ångrad."))
    later = session.scalar(select(func.count()).select_from(ReplacedAbsence)
                           .where(ReplacedAbsence.batch_id == batch_id))
    if later:
        raise InputError(_("En senare import har ersatt delar av den här. Ångra den senare "
                           "importen först."))
    return batch


def _undo_absence(session, batch_id: int) -> None:
    terms, students = set(), set()
    for table, owner in ((AbsenceRecord, AbsenceRecord.batch_id),
                         (AbsencePeriod, AbsencePeriod.batch_id),
                         (ReplacedAbsence, ReplacedAbsence.replaced_by)):
        for term_id, student_id in session.execute(
                select(table.term_id, table.student_id).where(owner == batch_id).distinct()):
            terms.add(term_id)
            students.add(student_id)
    session.execute(delete(AbsenceRecord).where(AbsenceRecord.batch_id == batch_id))
    session.execute(delete(AbsencePeriod).where(AbsencePeriod.batch_id == batch_id))
    _restore(session, batch_id)
    summaries.refresh(session, terms, students)



def _restore(session, batch_id: int) -> None:
    r = ReplacedAbsence
    mine = r.replaced_by == batch_id
    session.execute(insert(AbsenceRecord).from_select(
        DAY_COLUMNS,
        select(r.student_id, r.school_id, r.date, r.lesson_start, r.course,
               r.scheduled_minutes, r.absent_minutes, r.valid_minutes, r.invalid_minutes,
               r.unreported_minutes, r.iso_year, r.iso_week, r.weekday, r.term_id, r.batch_id)
        .where(mine, r.source == "day")))
    session.execute(insert(AbsencePeriod).from_select(
        PERIOD_COLUMNS,
        select(r.student_id, r.school_id, r.term_id, r.date, r.end_date, r.scheduled_minutes,
               r.absent_minutes, r.valid_minutes, r.invalid_minutes, r.unreported_minutes,
               r.batch_id)
        .where(mine, r.source == "period")))
    session.execute(delete(ReplacedAbsence).where(mine))


# The records an enrolment list changes, by the table name its changes are kept under.
ENROLMENT_MODELS = {"student": Student, "enrolment": Enrolment}


def _undo_enrolment(session, batch_id: int) -> None:
    """Put back the students and enrolments the list changed, remove the moves it recorded,
    the enrolments it created, and the students it created that have no other data.
    Refused while a later list has changed the same records."""
    if _changed_later(session, batch_id):
        raise InputError(_("En senare inskrivningslista har ändrat samma elever. Ångra den "
                           "senare listan först."))
    undo_batch_interruptions(session, batch_id)
    moved = _put_back(session, batch_id)
    session.execute(delete(ImportChange).where(ImportChange.batch_id == batch_id))
    session.execute(delete(StudentMove).where(StudentMove.batch_id == batch_id))
    session.execute(delete(Enrolment).where(Enrolment.batch_id == batch_id))
    _remove_created_students(session, batch_id)
    if moved:
        summaries.refresh_municipalities(session, moved)


def _changed_later(session, batch_id: int) -> bool:
    """Whether a later list, not undone, changed a record this list created or changed."""
    mine = ImportChange.batch_id == batch_id

    def touched(table_name: str, model):
        return and_(ImportChange.table_name == table_name, or_(
            ImportChange.row_id.in_(select(model.id).where(model.batch_id == batch_id)),
            ImportChange.row_id.in_(select(ImportChange.row_id).where(
                mine, ImportChange.table_name == table_name))))

    return bool(session.scalar(
        select(func.count()).select_from(ImportChange)
        .join(ImportBatch, ImportBatch.id == ImportChange.batch_id)
        .where(ImportChange.batch_id > batch_id, ImportBatch.undone_at.is_(None),
               or_(*(touched(name, model) for name, model in ENROLMENT_MODELS.items())))))


def _put_back(session, batch_id: int) -> set[int]:
    """Put back what each change replaced, newest first; return the municipalities a
    student moved between, to be recounted."""
    moved: set[int] = set()
    for table_name, row_id, before in session.execute(
            select(ImportChange.table_name, ImportChange.row_id, ImportChange.before)
            .where(ImportChange.batch_id == batch_id).order_by(ImportChange.id.desc())):
        model = ENROLMENT_MODELS[table_name]
        values = {name: dt.date.fromisoformat(value)
                  if name.endswith("_date") and value is not None else value
                  for name, value in before.items()}
        if "home_municipality_id" in values:
            moved |= {values["home_municipality_id"],
                      session.scalar(select(Student.home_municipality_id)
                                     .where(Student.id == row_id))}
        session.execute(update(model).where(model.id == row_id).values(**values))
    return moved


def _remove_created_students(session, batch_id: int) -> None:
    """The students the list created, unless something else now refers to them."""
    created = select(Student.id).where(Student.batch_id == batch_id)
    used = or_(*(Student.id.in_(select(table.student_id)) for table in (
        Enrolment, AbsenceRecord, AbsencePeriod, AgendaItem, Measure, Contact, Feedback,
        StudentMove)))
    removable = list(session.scalars(created.where(~used)))
    for start in range(0, len(removable), CHUNK):
        session.execute(delete(Student).where(Student.id.in_(removable[start:start + CHUNK])))



# --- Saved mappings ---------------------------------------------------------------------------
# A mapping is kept per school (none for enrolment lists) and importing municipality; an
# administrator's has no municipality. A coach with several municipalities saves for each of
# them and reads the most recently saved among them, then an administrator's.

def _same_school(school_id: int | None):
    return (ImportMapping.school_id.is_(None) if school_id is None
            else ImportMapping.school_id == school_id)


def _mapping_owners(viewer: Viewer) -> list[int | None]:
    return sorted(viewer.municipality_ids) if viewer.role == Role.COACH else [None]


def find_saved_mapping(session: Session, viewer: Viewer, school_id: int | None,
                       kind: str) -> Mapping | None:
    """The importer's own municipality's mapping for the school, else an administrator's."""
    require_importer(viewer)
    own = [m for m in _mapping_owners(viewer) if m is not None]
    found = session.scalar(
        select(ImportMapping.mapping)
        .where(ImportMapping.kind == kind, _same_school(school_id),
               or_(ImportMapping.municipality_id.in_(own),
                   ImportMapping.municipality_id.is_(None)))
        .order_by(ImportMapping.municipality_id.is_(None), ImportMapping.updated_at.desc(),
                  ImportMapping.id.desc())
        .limit(1))
    return Mapping.from_json(found) if found else None


def save_mapping(session: Session, viewer: Viewer, school_id: int | None,
                 mapping: Mapping) -> None:
    """Save the mapping for the school and the importer's municipality. A coach may save
    only for a school where their municipality's students are enrolled."""
    require_importer(viewer)
    owners = _mapping_owners(viewer)
    if viewer.role == Role.COACH and (not owners or (school_id is not None and session.scalar(
            select(School.id).where(School.id == school_id, school_clause(viewer))) is None)):
        raise AccessDenied(_("Du kan bara spara kolumnval för skolor där din kommuns elever "
                             "går."), viewer=viewer, what="school", what_id=school_id)
    for municipality_id in owners:
        _save_one(session, viewer, school_id, municipality_id, mapping)


def _save_one(session, viewer: Viewer, school_id: int | None, municipality_id: int | None,
              mapping: Mapping) -> None:
    existing = session.scalars(select(ImportMapping).where(
        ImportMapping.kind == mapping.kind, _same_school(school_id),
        ImportMapping.municipality_id.is_(None) if municipality_id is None
        else ImportMapping.municipality_id == municipality_id)).first()
    if existing is None:
        session.add(ImportMapping(school_id=school_id, municipality_id=municipality_id,
                                  kind=mapping.kind, mapping=mapping.to_json(),
                                  updated_by=viewer.user_id, updated_at=utcnow()))
    else:
        existing.mapping, existing.updated_by = mapping.to_json(), viewer.user_id
        existing.updated_at = utcnow()
