"""Mapping runs (kartläggningar) of school connectedness: a class or group at a school on a
date, answering a published instrument anonymously, or one student, mapped by staff.

Who does what. A class run is started and filled in by the staff of its school (the school
maps its own classes); it is read by them, by the coaches whose students attend the school,
by the project leaders of the school's region and by administrators — outside the school
only as suppressed aggregates (lib.connectedness_results). An individual run is written and
read like a student talk: the coach of the student's home municipality or the staff of the
student's school; never by a project leader. A run outside the viewer's scope is answered
as one that does not exist.

A class run's response holds no student and no time: no answer can be traced to a
student. Its answers enter one respondent at a time on screen, or from a response file
(lib.connectedness_file), never more respondents than the class has students."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    cast,
    delete,
    false,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from data_models.codes import AuditAction, AuditEntity, InstrumentLevel, InstrumentStatus, Role
from data_models.models import (
    ConnectednessAnswer,
    ConnectednessResponse,
    ConnectednessRun,
    Enrolment,
    Instrument,
    InstrumentDimension,
    InstrumentScaleStep,
    InstrumentStatement,
    Municipality,
    School,
    Student,
    User,
)
from lib import connectedness_file
from lib.access import AccessDenied, Viewer, require_student, school_clause, student_clause
from lib.audit import log_event
from lib.clock import local_today, utcnow
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.versioning import InputError, clean_text

RUN_NOT_FOUND = N_("Kartläggningen finns inte, eller så har du inte behörighet att se den.")
GROUP_LENGTH = 40  # ConnectednessRun.group_name
RUN_COLUMNS = ["id", "date", "run_level", "instrument", "school", "group_name", "student_id",
               "respondents", "roster_size"]
STATEMENT_COLUMNS = ["id", "code", "dimension_id", "dimension_code", "dimension", "text",
                     "position", "reversed"]


@dataclass(frozen=True)
class RunInput:
    """What the start form sends: a class run names the school and the class or group, an
    individual run the student (its school is the one the student attends)."""

    instrument_id: int | None
    school_id: int | None
    date: dt.date | None
    group_name: str = ""
    student_id: int | None = None
    note: str = ""


@dataclass(frozen=True)
class RunView:
    """One run as its reader sees it, with its instrument's scale and statements."""

    id: int
    level: str  # InstrumentLevel
    instrument_id: int
    instrument: str  # name and version
    instrument_name: str
    school_id: int
    school: str
    group_name: str
    student_id: int | None
    date: dt.date
    roster_size: int | None
    respondents: int
    note: str
    version: int
    created_by: str
    scale: tuple[tuple[int, str], ...]  # (value, label), lowest first
    statements: pd.DataFrame  # STATEMENT_COLUMNS, in the instrument's order
    writable: bool  # the viewer may add answers


# --- Scope ----------------------------------------------------------------------------------

def class_school_clause(viewer: Viewer) -> ColumnElement[bool]:
    """The schools whose class results the viewer may read: their own (school staff), those
    their students attend (coaches), those of their region (project leaders), all
    (administrators)."""
    if viewer.role == Role.PROJECT_LEADER:
        in_region = select(Municipality.id).where(Municipality.region_id.in_(viewer.region_ids))
        return School.municipality_id.in_(in_region)
    if viewer.role in (Role.ADMIN, Role.COACH, Role.SCHOOL_STAFF):
        return school_clause(viewer)
    return false()


def run_clause(viewer: Viewer) -> ColumnElement[bool]:
    """The runs the viewer may read (the query joins School as the run's school)."""
    if viewer.role == Role.ADMIN:
        return true()
    individual = ConnectednessRun.level == InstrumentLevel.INDIVIDUAL
    classes = and_(~individual, class_school_clause(viewer))
    if viewer.role in (Role.COACH, Role.SCHOOL_STAFF):
        own_students = ConnectednessRun.student_id.in_(select(Student.id).where(
            student_clause(viewer)))
        return or_(classes, and_(individual, own_students))
    return classes


def _writes(viewer: Viewer, run: ConnectednessRun) -> bool:
    """Class runs: the staff of the run's school. Individual runs: the two sides that see
    the student (the student's scope was checked when the run was read)."""
    if run.level == InstrumentLevel.CLASS:
        return viewer.role == Role.SCHOOL_STAFF and run.school_id in viewer.school_ids
    return viewer.role in (Role.COACH, Role.SCHOOL_STAFF)


def readable_run(session: Session, viewer: Viewer, run_id: int) -> ConnectednessRun:
    run = session.scalar(select(ConnectednessRun)
                         .join(School, School.id == ConnectednessRun.school_id)
                         .where(ConnectednessRun.id == run_id, run_clause(viewer)))
    if run is None:
        raise AccessDenied(_(RUN_NOT_FOUND), viewer=viewer,
                           what=AuditEntity.CONNECTEDNESS_RUN, what_id=run_id)
    return run


def _writable_run(session: Session, viewer: Viewer, run_id: int) -> ConnectednessRun:
    run = readable_run(session, viewer, run_id)
    if not _writes(viewer, run):
        raise AccessDenied(_("Svar förs in av skolans personal."), viewer=viewer,
                           what=AuditEntity.CONNECTEDNESS_RUN, what_id=run_id)
    return run


# --- Starting a run -------------------------------------------------------------------------

def start_run(session: Session, viewer: Viewer, run: RunInput) -> int:
    """Start a run with a published instrument on a date that has been. A class run's
    roster is the number of students enrolled in the class at the school on the date (none
    for a group that is no class of the school)."""
    instrument = _published(session, run.instrument_id)
    date = _checked_date(run.date)
    note = clean_text(N_("Anteckningen"), run.note)
    if instrument.level == InstrumentLevel.CLASS:
        school_id, group, roster = _class_subject(session, viewer, run, date)
        student_id = None
    else:
        student_id, school_id = _student_subject(session, viewer, run, date)
        group, roster = "", None
    record = ConnectednessRun(instrument_id=instrument.id, level=instrument.level,
                              school_id=school_id, group_name=group, student_id=student_id,
                              date=date, roster_size=roster, note=note, version=1,
                              created_by=viewer.user_id, created_at=utcnow())
    session.add(record)
    session.flush()
    log_event(session, viewer, AuditAction.CREATE, AuditEntity.CONNECTEDNESS_RUN, record.id,
              student_id=student_id,
              after={"date": date.isoformat(), "instrument_id": instrument.id,
                     "school_id": school_id, "group_name": group, "roster_size": roster})
    return record.id


def _published(session: Session, instrument_id: int | None) -> Instrument:
    instrument = session.get(Instrument, instrument_id) if instrument_id else None
    if instrument is None or instrument.status != InstrumentStatus.PUBLISHED:
        raise InputError(_("Välj ett publicerat instrument."))
    return instrument


def _checked_date(date: dt.date | None) -> dt.date:
    if date is None:
        raise InputError(_("Ange datum för kartläggningen."))
    if date > local_today():
        raise InputError(_("En kartläggning kan inte föras in på ett datum som inte har "
                           "varit än."))
    return date


def _class_subject(session: Session, viewer: Viewer, run: RunInput,
                   date: dt.date) -> tuple[int, str, int | None]:
    if viewer.role != Role.SCHOOL_STAFF or run.school_id not in viewer.school_ids:
        raise AccessDenied(_("En klass kartläggs av skolans egen personal."), viewer=viewer,
                           what=AuditEntity.SCHOOL, what_id=run.school_id)
    group = clean_text(N_("Klassen eller gruppen"), run.group_name, GROUP_LENGTH, required=True)
    roster = roster_size(session, run.school_id, group, date)
    return run.school_id, group, roster or None


def roster_size(session: Session, school_id: int, class_name: str, date: dt.date) -> int:
    """The students enrolled in the class at the school on the date."""
    return session.scalar(
        select(func.count(func.distinct(Enrolment.student_id)))
        .where(Enrolment.school_id == school_id, Enrolment.class_name == class_name,
               Enrolment.start_date <= date,
               or_(Enrolment.end_date.is_(None), Enrolment.end_date >= date))) or 0


def _student_subject(session: Session, viewer: Viewer, run: RunInput,
                     date: dt.date) -> tuple[int, int]:
    """The student and the school the run belongs to: for school staff one of their
    schools that the student attends, for a coach the school the student attends."""
    if viewer.role not in (Role.COACH, Role.SCHOOL_STAFF):
        raise AccessDenied(_("En elev kartläggs av ungdomscoachen eller skolans personal."),
                           viewer=viewer, what=AuditEntity.CONNECTEDNESS_RUN)
    if run.student_id is None:
        raise InputError(_("Välj eleven som kartläggs."))
    require_student(session, viewer, run.student_id)
    query = (select(Enrolment.school_id).where(Enrolment.student_id == run.student_id,
                                                Enrolment.start_date <= date)
             .order_by(Enrolment.start_date.desc(), Enrolment.id.desc()))
    if viewer.role == Role.SCHOOL_STAFF:
        query = query.where(Enrolment.school_id.in_(viewer.school_ids))
    school_id = session.scalars(query).first()
    if school_id is None:
        raise InputError(_("Eleven gick inte på någon av skolorna det datumet."))
    return run.student_id, school_id


def class_names(session: Session, viewer: Viewer, school_id: int, on: dt.date) -> list[str]:
    """The classes of a school (from its enrolments on the date), for the start form: a
    school's own staff only."""
    if viewer.role != Role.SCHOOL_STAFF or school_id not in viewer.school_ids:
        return []
    return list(session.scalars(
        select(Enrolment.class_name).distinct()
        .where(Enrolment.school_id == school_id, Enrolment.class_name.is_not(None),
               Enrolment.start_date <= on,
               or_(Enrolment.end_date.is_(None), Enrolment.end_date >= on))
        .order_by(Enrolment.class_name)))


# --- Answers --------------------------------------------------------------------------------

def add_response(session: Session, viewer: Viewer, run_id: int,
                 answers: dict[int, int | None]) -> None:
    """One respondent's answers (statement id → value on the scale; None: unanswered, not
    stored). An individual run holds one response: saving again replaces it."""
    run = _writable_run(session, viewer, run_id)
    statements, scale = instrument_parts(session, run.instrument_id)
    checked = checked_answers(answers, statements, scale)
    if run.level == InstrumentLevel.INDIVIDUAL:
        replaced = _clear_responses(session, run.id)
        _bump(session, run)
    else:
        replaced = 0
        _check_room(session, run, 1)
    _store(session, run.id, [checked])
    log_event(session, viewer, AuditAction.UPDATE if replaced else AuditAction.CREATE,
              AuditEntity.CONNECTEDNESS_RUN, run.id, student_id=run.student_id,
              after={"responses_added": 1, "answers": len(checked)})


def checked_answers(answers: dict[int, int | None], statements: pd.DataFrame,
                    scale: tuple[tuple[int, str], ...]) -> dict[int, int]:
    """The answered statements, every value on the scale; InputError otherwise."""
    codes = dict(zip(statements["id"], statements["code"], strict=True))
    values = {value for value, _label in scale}
    kept = {}
    for statement_id, value in answers.items():
        if statement_id not in codes:
            raise InputError(_("Påståendet hör inte till instrumentet."))
        if value is None:
            continue
        if value not in values:
            raise InputError(_("Värdet {value} för {code} ligger utanför skalan {scale}.")
                             .format(value=value, code=codes[statement_id],
                                     scale=scale_range(scale)))
        kept[int(statement_id)] = int(value)
    if not kept:
        raise InputError(_("Svaret är tomt: ta ställning till minst ett påstående."))
    return kept


def scale_range(scale: tuple[tuple[int, str], ...]) -> str:
    values = [value for value, _label in scale]
    return f"{min(values)}–{max(values)}" if values else "–"


def import_responses(session: Session, viewer: Viewer, run_id: int, data: bytes,
                     file_name: str) -> int:
    """Read a response file into a class run, all or nothing; the number of respondents
    read. A file with more rows than the class has students left to answer is refused."""
    run = _writable_run(session, viewer, run_id)
    if run.level != InstrumentLevel.CLASS:
        raise InputError(_("En svarsfil läses bara in till en klass eller grupp."))
    statements, scale = instrument_parts(session, run.instrument_id)
    rows = connectedness_file.read_responses(data, file_name, statements, scale)
    _check_room(session, run, len(rows))
    _store(session, run.id, rows)
    log_event(session, viewer, AuditAction.IMPORT, AuditEntity.CONNECTEDNESS_RUN, run.id,
              after={"responses_added": len(rows)})
    return len(rows)


def response_template(session: Session, viewer: Viewer, run_id: int) -> bytes:
    """An Excel file to collect a run's answers in: one column per statement (its code),
    with the statements and the scale explained on sheets of their own."""
    run = readable_run(session, viewer, run_id)
    statements, scale = instrument_parts(session, run.instrument_id)
    return connectedness_file.template(statements, scale)


def respondents(session: Session, run_id: int) -> int:
    return session.scalar(select(func.count()).select_from(ConnectednessResponse)
                          .where(ConnectednessResponse.run_id == run_id)) or 0


def _check_room(session: Session, run: ConnectednessRun, adding: int) -> None:
    """Never more respondents than the class had students on the run's date."""
    if run.roster_size is None:
        return
    already = respondents(session, run.id)
    if already + adding <= run.roster_size:
        return
    if adding == 1:
        raise InputError(_("Klassen {group} har {roster} elever, och alla {roster} svar finns "
                           "redan.").format(group=run.group_name, roster=run.roster_size))
    message = _("Filen har {rows} svar men klassen {group} har {roster} elever.").format(
        rows=adding, group=run.group_name, roster=run.roster_size)
    if already:
        message += " " + _("{already} svar finns redan.").format(already=already)
    raise InputError(message)


def _store(session: Session, run_id: int, rows: list[dict[int, int]]) -> None:
    responses = [ConnectednessResponse(run_id=run_id) for _row in rows]
    session.add_all(responses)
    session.flush()
    session.add_all([ConnectednessAnswer(response_id=response.id, statement_id=statement_id,
                                         value=value)
                     for response, row in zip(responses, rows, strict=True)
                     for statement_id, value in row.items()])
    session.flush()


def _clear_responses(session: Session, run_id: int) -> int:
    ids = list(session.scalars(select(ConnectednessResponse.id)
                               .where(ConnectednessResponse.run_id == run_id)))
    if ids:
        session.execute(delete(ConnectednessAnswer)
                        .where(ConnectednessAnswer.response_id.in_(ids)))
        session.execute(delete(ConnectednessResponse).where(ConnectednessResponse.id.in_(ids)))
    return len(ids)


def _bump(session: Session, run: ConnectednessRun) -> None:
    session.execute(update(ConnectednessRun).where(ConnectednessRun.id == run.id)
                    .values(version=ConnectednessRun.version + 1))


# --- Reading --------------------------------------------------------------------------------

def instrument_parts(session: Session, instrument_id: int
                     ) -> tuple[pd.DataFrame, tuple[tuple[int, str], ...]]:
    """An instrument's statements (STATEMENT_COLUMNS, in order) and its scale."""
    statements = read_frame(session,
        select(InstrumentStatement.id, InstrumentStatement.code,
               InstrumentStatement.dimension_id, InstrumentDimension.code,
               InstrumentDimension.name, InstrumentStatement.text,
               InstrumentStatement.position, InstrumentStatement.reversed)
        .join(InstrumentDimension, InstrumentDimension.id == InstrumentStatement.dimension_id)
        .where(InstrumentStatement.instrument_id == instrument_id)
        .order_by(InstrumentDimension.position, InstrumentStatement.position),
        STATEMENT_COLUMNS)
    scale = tuple(tuple(step) for step in session.execute(
        select(InstrumentScaleStep.value, InstrumentScaleStep.label)
        .where(InstrumentScaleStep.instrument_id == instrument_id)
        .order_by(InstrumentScaleStep.value)).all())
    return statements, scale


def get_run(session: Session, viewer: Viewer, run_id: int) -> RunView:
    """One run with its instrument's scale and statements; one message whether it is
    missing or out of scope."""
    run = readable_run(session, viewer, run_id)
    instrument = session.get(Instrument, run.instrument_id)
    statements, scale = instrument_parts(session, run.instrument_id)
    return RunView(
        id=run.id, level=run.level, instrument_id=instrument.id,
        instrument=f"{instrument.name} v{instrument.version}",
        instrument_name=instrument.name, school_id=run.school_id,
        school=session.get(School, run.school_id).name, group_name=run.group_name,
        student_id=run.student_id, date=run.date, roster_size=run.roster_size,
        respondents=respondents(session, run.id), note=run.note, version=run.version,
        created_by=session.scalar(select(User.display_name).where(User.id == run.created_by))
        or "", scale=scale, statements=statements, writable=_writes(viewer, run))


def run_list(session: Session, viewer: Viewer, school_id: int | None = None,
             group_name: str | None = None, student_id: int | None = None) -> pd.DataFrame:
    """The runs the viewer may read, newest first (RUN_COLUMNS), narrowed to a school, a
    class or group, or a student."""
    run = ConnectednessRun
    answered = (select(ConnectednessResponse.run_id, func.count().label("n"))
                .group_by(ConnectednessResponse.run_id).subquery())
    query = (select(run.id, run.date, run.level,
                    Instrument.name + " v" + cast(Instrument.version, String),
                    School.name, run.group_name, run.student_id,
                    func.coalesce(answered.c.n, 0), run.roster_size)
             .join(School, School.id == run.school_id)
             .join(Instrument, Instrument.id == run.instrument_id)
             .outerjoin(answered, answered.c.run_id == run.id)
             .where(run_clause(viewer)).order_by(run.date.desc(), run.id.desc()))
    for column, value in ((run.school_id, school_id), (run.group_name, group_name),
                          (run.student_id, student_id)):
        if value is not None:
            query = query.where(column == value)
    return read_frame(session, query, RUN_COLUMNS)


def run_schools(session: Session, viewer: Viewer) -> dict[int, str]:
    """The schools whose class runs the viewer may read, by name (the runs tab's choice)."""
    return dict(session.execute(select(School.id, School.name)
                                .where(class_school_clause(viewer))
                                .order_by(School.name, School.id)).all())
