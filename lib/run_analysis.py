"""The staff's analysis of a mapping run (the conversation guide in use): one record per run,
held by the school's staff group, with the date, who took part, a note under each topic of
the instrument's conversation guide, and the conclusions. It can be printed, with the run's
result per dimension when the reader may see it.

A class run's analysis is the staff group's own notes: the staff of the run's school write
and read it, administrators read it; coaches and project leaders do not see it (to them it
is missing). An individual run's analysis is written by those who write the run (the coach
of the student's home municipality, the staff of the run's school) and read like talks:
by them and by administrators. Every save states the version it edited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import ColumnElement, and_, delete, false, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data_models.codes import AuditAction, AuditEntity, InstrumentLevel, Role
from data_models.models import (
    ConnectednessRun,
    Instrument,
    InstrumentTopic,
    RunAnalysis,
    RunAnalysisNote,
    School,
    Student,
    User,
)
from lib import formats
from lib.access import AccessDenied, Viewer
from lib.analytics import MIN_CELL
from lib.audit import log_event
from lib.clock import utcnow
from lib.connectedness_results import MIN_OWN, dimension_means, respondent_counts
from lib.frames import read_frame
from lib.i18n import N_, SWEDISH, _, use_language
from lib.pdf import Document
from lib.students import display_name
from lib.versioning import Conflict, InputError, clean_text, save_versioned

NOT_FOUND = N_("Kartläggningen finns inte, eller så har du inte behörighet till dess analys.")
RUN_COLUMNS = ["id", "date", "school", "group_name", "instrument", "instrument_version",
               "analysed"]


@dataclass(frozen=True)
class AnalysisInput:
    """What the analysis form sends; `notes`: the note under each guide topic (topic id)."""

    date: dt.date | None
    participants: str
    conclusions: str
    notes: dict[int, str]


@dataclass(frozen=True)
class GuideTopic:
    """A topic of the conversation guide, its questions, and what the staff noted."""

    topic_id: int
    title: str
    questions: str
    note: str = ""


@dataclass(frozen=True)
class RunFacts:
    """The run an analysis is about: where, which class (or student), when, with what."""

    run_id: int
    level: str  # InstrumentLevel
    school_id: int
    school: str
    group_name: str
    student: str  # the shown name for an individual run, else ""
    date: dt.date
    instrument: str
    instrument_version: int
    topics: tuple[GuideTopic, ...]  # without notes


@dataclass(frozen=True)
class AnalysisView:
    """A run's analysis: `version` 0 when none is recorded yet (the form's starting point)."""

    run: RunFacts
    analysis_id: int | None
    version: int
    date: dt.date | None
    participants: str
    conclusions: str
    topics: tuple[GuideTopic, ...]  # every guide topic, with its note
    updated_by: str


def analysis_clause(viewer: Viewer, write: bool = False) -> ColumnElement[bool]:
    """The runs whose analysis the viewer may read (or, with `write`, write)."""
    if viewer.role == Role.ADMIN:
        return false() if write else true()
    if viewer.role == Role.SCHOOL_STAFF:
        return ConnectednessRun.school_id.in_(viewer.school_ids)
    if viewer.role == Role.COACH:
        followed = select(Student.id).where(
            Student.home_municipality_id.in_(viewer.municipality_ids))
        return and_(ConnectednessRun.level == InstrumentLevel.INDIVIDUAL,
                    ConnectednessRun.student_id.in_(followed))
    return false()


def analysable_run(session: Session, viewer: Viewer, run_id: int,
                   write: bool = False) -> ConnectednessRun:
    """The run, when the viewer may read (or write) its analysis; one answer for missing
    and out of scope."""
    run = session.scalar(select(ConnectednessRun).where(ConnectednessRun.id == run_id,
                                                        analysis_clause(viewer, write)))
    if run is None:
        raise AccessDenied(_(NOT_FOUND), viewer=viewer, what=AuditEntity.RUN_ANALYSIS,
                           what_id=run_id)
    return run


def analysable_runs(session: Session, viewer: Viewer) -> pd.DataFrame:
    """The runs whose analysis the viewer may read, the latest first, and whether each
    has one (RUN_COLUMNS)."""
    analysed = select(RunAnalysis.id).where(RunAnalysis.run_id == ConnectednessRun.id)
    return read_frame(session,
        select(ConnectednessRun.id, ConnectednessRun.date, School.name,
               ConnectednessRun.group_name, Instrument.name, Instrument.version,
               analysed.exists())
        .join(School, School.id == ConnectednessRun.school_id)
        .join(Instrument, Instrument.id == ConnectednessRun.instrument_id)
        .where(analysis_clause(viewer))
        .order_by(ConnectednessRun.date.desc(), ConnectednessRun.id.desc()), RUN_COLUMNS)


def run_facts(session: Session, viewer: Viewer, run_id: int) -> RunFacts:
    """What the analysis form and the printout say about the run, with the guide's topics."""
    run = analysable_run(session, viewer, run_id)
    instrument = session.get(Instrument, run.instrument_id)
    topics = session.execute(
        select(InstrumentTopic.id, InstrumentTopic.title, InstrumentTopic.questions)
        .where(InstrumentTopic.instrument_id == run.instrument_id)
        .order_by(InstrumentTopic.position, InstrumentTopic.id)).all()
    student = session.get(Student, run.student_id) if run.student_id is not None else None
    return RunFacts(run_id=run.id, level=str(run.level), school_id=run.school_id,
                    school=session.get(School, run.school_id).name,
                    group_name=run.group_name or "",
                    student=display_name(student) if student is not None else "",
                    date=run.date, instrument=instrument.name,
                    instrument_version=instrument.version,
                    topics=tuple(GuideTopic(int(t.id), t.title, t.questions or "")
                                 for t in topics))


def get_analysis(session: Session, viewer: Viewer, run_id: int) -> AnalysisView | None:
    """The run's analysis, or None when none is recorded yet."""
    view = analysis_or_blank(session, viewer, run_id)
    return view if view.analysis_id is not None else None


def analysis_or_blank(session: Session, viewer: Viewer, run_id: int) -> AnalysisView:
    """The run's analysis, or an empty one at version 0 to start the form from."""
    facts = run_facts(session, viewer, run_id)
    record = session.scalar(select(RunAnalysis).where(RunAnalysis.run_id == run_id))
    if record is None:
        return AnalysisView(run=facts, analysis_id=None, version=0, date=None,
                            participants="", conclusions="", topics=facts.topics,
                            updated_by="")
    notes = dict(session.execute(select(RunAnalysisNote.topic_id, RunAnalysisNote.note)
                                 .where(RunAnalysisNote.analysis_id == record.id)).all())
    by = session.scalar(select(User.display_name).where(
        User.id == (record.updated_by or record.created_by))) or ""
    return AnalysisView(
        run=facts, analysis_id=record.id, version=record.version, date=record.date,
        participants=record.participants, conclusions=record.conclusions,
        topics=tuple(GuideTopic(t.topic_id, t.title, t.questions, notes.get(t.topic_id, ""))
                     for t in facts.topics),
        updated_by=by)


def save_analysis(session: Session, viewer: Viewer, run_id: int, data: AnalysisInput,
                  expected_version: int) -> int:
    """Record the analysis (from version 0: the first save) or change it; returns the new
    version. Conflict when someone saved since `expected_version`."""
    run = analysable_run(session, viewer, run_id, write=True)
    fields = _checked(data, run)
    topic_ids = set(session.scalars(select(InstrumentTopic.id).where(
        InstrumentTopic.instrument_id == run.instrument_id)))
    notes = {int(topic): clean_text(N_("Anteckningen"), note)
             for topic, note in data.notes.items()}
    if not set(notes) <= topic_ids:
        raise InputError(_("Anteckningen hör inte till kartläggningens samtalsguide."))
    record = session.scalar(select(RunAnalysis).where(RunAnalysis.run_id == run_id))
    if record is None:
        analysis_id, version = _create(session, viewer, run_id, fields, expected_version)
        action = AuditAction.CREATE
    else:
        _before, version = save_versioned(session, RunAnalysis, record.id, expected_version,
                                          fields, viewer.user_id)
        analysis_id, action = record.id, AuditAction.UPDATE
    _write_notes(session, analysis_id, notes)
    log_event(session, viewer, action, AuditEntity.RUN_ANALYSIS, analysis_id,
              student_id=run.student_id,
              after={"run_id": run_id, "date": fields["date"].isoformat(),
                     "notes": sum(1 for note in notes.values() if note)})
    return version


def _checked(data: AnalysisInput, run: ConnectednessRun) -> dict:
    if data.date is None:
        raise InputError(_("Ange analysens datum."))
    if data.date < run.date:
        raise InputError(_("Analysen kan inte ligga före kartläggningen."))
    return {"date": data.date,
            "participants": clean_text(N_("Deltagarna"), data.participants, required=True),
            "conclusions": clean_text(N_("Slutsatserna"), data.conclusions)}


def _create(session: Session, viewer: Viewer, run_id: int, fields: dict,
            expected_version: int) -> tuple[int, int]:
    if expected_version != 0:
        raise InputError(_("Posten finns inte längre."))
    record = RunAnalysis(run_id=run_id, version=1, created_by=viewer.user_id,
                         created_at=utcnow(), **fields)
    try:
        with session.begin_nested():  # two first saves at once: the second is a conflict
            session.add(record)
            session.flush()
    except IntegrityError:
        raise Conflict(mine={name: str(value) for name, value in fields.items()},
                       theirs={}, version=1, by="", at=None) from None
    return record.id, 1


def _write_notes(session: Session, analysis_id: int, notes: dict[int, str]) -> None:
    """The notes as sent: a topic left empty has no note."""
    if not notes:
        return
    session.execute(delete(RunAnalysisNote).where(RunAnalysisNote.analysis_id == analysis_id,
                                                  RunAnalysisNote.topic_id.in_(list(notes))))
    session.add_all([RunAnalysisNote(analysis_id=analysis_id, topic_id=topic, note=note)
                     for topic, note in notes.items() if note])


def min_respondents(viewer: Viewer, school_id: int) -> int:
    """The fewest respondents (or students) a class figure may rest on for this viewer: 5
    for the school's own staff, the regional tables' limit for everyone else (the rule of
    the results, lib.connectedness_results)."""
    if viewer.role == Role.SCHOOL_STAFF and school_id in viewer.school_ids:
        return MIN_OWN
    return MIN_CELL


def respondents(session: Session, run_id: int) -> int:
    """How many answered the run."""
    return respondent_counts(session, [run_id]).get(run_id, 0)


def visible_means(session: Session, viewer: Viewer, run: ConnectednessRun) -> pd.DataFrame | None:
    """The run's result per dimension, or None when it rests on too few respondents for the
    viewer (an individual run: always shown to those who may read it)."""
    if run.level == InstrumentLevel.CLASS and (
            respondents(session, run.id) < min_respondents(viewer, run.school_id)):
        return None
    return dimension_means(session, [run.id])


def analysis_means(session: Session, viewer: Viewer, run_id: int) -> pd.DataFrame | None:
    """The run's result per dimension beside its analysis, or None when it rests on too
    few respondents for the viewer."""
    return visible_means(session, viewer, analysable_run(session, viewer, run_id))


def writes_analysis(session: Session, viewer: Viewer, run_id: int) -> bool:
    """Whether the viewer may record the run's analysis."""
    return session.scalar(select(ConnectednessRun.id).where(
        ConnectednessRun.id == run_id, analysis_clause(viewer, write=True))) is not None


def analysis_pdf(session: Session, viewer: Viewer, run_id: int) -> bytes:
    """The analysis as a printable PDF: the run, the participants, each guide topic with
    its questions and the note, the conclusions and (when the viewer may see it) the
    result per dimension. The download is audited."""
    view = analysis_or_blank(session, viewer, run_id)
    means = visible_means(session, viewer, session.get(ConnectednessRun, run_id))
    data = _pdf(view, means)
    with use_language(SWEDISH):
        note = _("Analys av kartläggning (pdf)")
    log_event(session, viewer, AuditAction.EXPORT, AuditEntity.RUN_ANALYSIS,
              view.analysis_id, student_id=session.get(ConnectednessRun, run_id).student_id,
              after={"run_id": run_id}, note=note)
    return data


def _pdf(view: AnalysisView, means: pd.DataFrame | None) -> bytes:
    run = view.run
    subject = run.student or _("Klass {group}").format(group=run.group_name or "–")
    lines = (
        _("{school} · {subject} · kartläggning {date}").format(
            school=run.school, subject=subject, date=formats.date(run.date)),
        _("Instrument: {name}, version {version}").format(name=run.instrument,
                                                         version=run.instrument_version),
        _("Analysen hölls {date}").format(date=formats.date(view.date) if view.date else "–"),
    )
    pdf = Document(_("Analys av kartläggning"), lines)
    pdf.heading(_("Deltagare"))
    pdf.paragraph(view.participants or "–")
    for topic in view.topics:
        pdf.heading(topic.title)
        if topic.questions:
            pdf.paragraph(topic.questions)
        pdf.paragraph(_("Anteckning: {note}").format(note=topic.note or "–"))
    pdf.heading(_("Slutsatser"))
    pdf.paragraph(view.conclusions or "–")
    pdf.heading(_("Resultat per dimension"))
    if means is None:
        pdf.paragraph(_("Resultatet visas inte: för få har svarat."))
    else:
        pdf.table(means[["dimension", "mean", "respondents"]], widths=(60, 20, 20))
    return pdf.output()


def pdf_name(run_id: int) -> str:
    """The printout's file name."""
    return _("analys-kartlaggning-{id}.pdf").format(id=run_id)

