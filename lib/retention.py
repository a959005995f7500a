"""Retention and erasure (gallring): a rule per kind of record, a dry run that counts what
would go, and the erasure itself, in the caller's one transaction, audited with counts only.

The rules. Kinds kept per student go a number of years after the student's end: the latest
of their last enrolment's end, their KAA episode's closing day and the last record about
them (a contact, a measure's follow-up day, a talk, a plan, an individual mapping run and
its analysis, a meeting they were on the agenda of, a hand-over, an early talk, an
interruption, a KAA contact attempt, the last day of the last term they had absence in). A
student with an enrolment or a KAA episode still open is never erased. Feedback and the
audit log go per record, a number of years after the record's own day, whoever it is about.
The defaults (DEFAULT_YEARS): 3 years for every kind, the audit log 5; a kind without a
stored rule keeps its default.

What goes (lib.retention_parts): the raw absence rows whole, and the texts of the other
records; the rows that the regional indicators count stay with their codes and dates.
When every kind kept per student is past its rule for a student, the student is
anonymised: the names become "Gallrad", the personal identity number a value that is no
number ("G" and the row id), the class names go, feedback about them goes, and the student
is cut loose from the imports that made them (an import's undo leaves them as they are).
What stays is counts without identities: the summaries, the flags, the effect windows, and
the rows above. A past term's regional figures are the same before and after."""

from __future__ import annotations

import datetime as dt
import numbers
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import bindparam, delete, func, select, union, union_all, update
from sqlalchemy.orm import Session

from data_models.codes import AuditAction, AuditEntity, RetentionBasis, RetentionKind
from data_models.models import (
    ActionPlan,
    AgendaItem,
    AuditEvent,
    ConnectednessRun,
    Contact,
    EarlyTalk,
    Enrolment,
    Feedback,
    HandOver,
    ImportChange,
    KaaContact,
    KaaEpisode,
    Measure,
    Meeting,
    PlanReview,
    RetentionRule,
    RunAnalysis,
    Student,
    StudentTalk,
    StudentTermSummary,
    StudyInterruption,
    Term,
)
from lib.access import Role, Viewer, require_role
from lib.audit import log_event
from lib.clock import utc_start_of, utcnow
from lib.frames import read_frame
from lib.i18n import _
from lib.personal_number import ERASED_PREFIX
from lib.retention_parts import PARTS
from lib.versioning import InputError

DEFAULT_YEARS = {**dict.fromkeys(RetentionKind, 3), RetentionKind.AUDIT_LOG: 5}
MAX_YEARS = 100
PER_RECORD = (RetentionKind.FEEDBACK, RetentionKind.AUDIT_LOG)
PER_STUDENT = tuple(kind for kind in RetentionKind if kind not in PER_RECORD)
ERASED_NAME = "Gallrad"  # an anonymised student's first name; the last name is empty
CHUNK = 500  # students per IN list, well inside every backend's parameter limit
RULE_COLUMNS = ["retention_kind", "retention_years", "default_years", "retention_basis"]
RUN_COLUMNS = ["retention_kind", "retention_years", "retention_basis", "erase_before",
               "records", "record_students"]


def basis(kind: RetentionKind) -> RetentionBasis:
    return RetentionBasis.RECORD if kind in PER_RECORD else RetentionBasis.STUDENT


def erased_number(student_id: int) -> str:
    """What an anonymised student's personal identity number becomes: unique (the row id)
    and no personal number (a letter first), in the column's 12 characters."""
    return f"{ERASED_PREFIX}{student_id:011d}"


# --- The rules -------------------------------------------------------------------------------

def _years(session: Session) -> dict[RetentionKind, int]:
    stored = dict(session.execute(select(RetentionRule.kind, RetentionRule.years)).all())
    return {kind: int(stored.get(kind, DEFAULT_YEARS[kind])) for kind in RetentionKind}


def rules(session: Session, viewer: Viewer) -> pd.DataFrame:
    """Every kind with its period in years, its default and what the period counts from."""
    require_role(viewer, Role.ADMIN)
    years = _years(session)
    return pd.DataFrame([(kind, years[kind], DEFAULT_YEARS[kind], basis(kind))
                         for kind in RetentionKind], columns=RULE_COLUMNS)


def _kind(kind: str) -> RetentionKind:
    try:
        return RetentionKind(kind)
    except ValueError:
        raise InputError(_("Okänt slag av uppgifter.")) from None


def _whole_years(years) -> int:
    """A whole number of years from 1 to MAX_YEARS, from a number or its text."""
    number = None
    whole = (isinstance(years, numbers.Integral) and not isinstance(years, bool)) or (
        isinstance(years, float) and years.is_integer())
    if whole:
        number = int(years)
    elif isinstance(years, str) and years.strip().isdigit():
        number = int(years.strip())
    if number is None or not 1 <= number <= MAX_YEARS:
        raise InputError(_("Ange antalet år som ett heltal från 1 till {most}.").format(
            most=MAX_YEARS))
    return number


def set_rule(session: Session, viewer: Viewer, kind: str, years) -> None:
    """Set one kind's period in whole years (1–100), audited with the period before."""
    require_role(viewer, Role.ADMIN)
    kind, years = _kind(kind), _whole_years(years)
    rule = session.get(RetentionRule, kind)
    before = rule.years if rule is not None else DEFAULT_YEARS[kind]
    if rule is None:
        session.add(RetentionRule(kind=kind, years=years, updated_by=viewer.user_id,
                                  updated_at=utcnow()))
    else:
        rule.years, rule.updated_by, rule.updated_at = years, viewer.user_id, utcnow()
    log_event(session, viewer, AuditAction.UPDATE, AuditEntity.RETENTION_RULE,
              before={"kind": str(kind), "years": before},
              after={"kind": str(kind), "years": years})


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` years earlier (28 February for a 29th that year lacks)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# --- Who and what is past the rules ----------------------------------------------------------

def _dated():
    """(student_id, day) of everything that dates a student's end."""
    def on(student, day):
        return select(student.label("student_id"), day.label("day"))
    return union_all(
        on(Enrolment.student_id, Enrolment.end_date),
        on(KaaEpisode.student_id, KaaEpisode.closed_on),
        on(StudentTermSummary.student_id, Term.end_date).join(
            Term, Term.id == StudentTermSummary.term_id),
        on(Contact.student_id, Contact.date),
        on(Measure.student_id, Measure.follow_up_date),
        on(StudentTalk.student_id, StudentTalk.date),
        on(ActionPlan.student_id, ActionPlan.review_date),
        on(ActionPlan.student_id, ActionPlan.closed_on),
        on(ActionPlan.student_id, PlanReview.date).join(PlanReview,
                                                        PlanReview.plan_id == ActionPlan.id),
        on(ConnectednessRun.student_id, ConnectednessRun.date),
        on(ConnectednessRun.student_id, RunAnalysis.date).join(
            RunAnalysis, RunAnalysis.run_id == ConnectednessRun.id),
        on(AgendaItem.student_id, Meeting.date).join(Meeting, Meeting.id == AgendaItem.meeting_id),
        on(HandOver.student_id, HandOver.received_on),
        on(EarlyTalk.student_id, EarlyTalk.date),
        on(StudyInterruption.student_id, StudyInterruption.date),
        on(KaaEpisode.student_id, KaaContact.date).join(KaaContact,
                                                        KaaContact.episode_id == KaaEpisode.id),
    ).subquery()


def student_ends(session: Session) -> pd.DataFrame:
    """student_id, end: each student whose enrolments and KAA episodes have all ended, and
    the day of the last thing known about them. A student with nothing dated is not in it,
    nor a record about no student (a class run, a plan at group level)."""
    dated = _dated()
    still_open = union(select(Enrolment.student_id).where(Enrolment.end_date.is_(None)),
                       select(KaaEpisode.student_id).where(KaaEpisode.closed_on.is_(None)))
    frame = read_frame(session, select(dated.c.student_id, func.max(dated.c.day))
                       .where(dated.c.day.is_not(None), dated.c.student_id.is_not(None),
                              dated.c.student_id.not_in(still_open))
                       .group_by(dated.c.student_id), ["student_id", "end"])
    frame["end"] = pd.to_datetime(frame["end"]).dt.date
    return frame


@dataclass(frozen=True)
class _Plan:
    years: dict[RetentionKind, int]
    before: dict[RetentionKind, dt.date]  # a student's end, or a record's day, before it
    students: dict[RetentionKind, list[int]]  # per kind kept per student: the students past it
    anonymised: list[int]  # students past every kind kept per student, not yet anonymised


def _plan(session: Session, today: dt.date) -> _Plan:
    years = _years(session)
    before = {kind: years_before(today, years[kind]) for kind in RetentionKind}
    ends = student_ends(session)
    students = {kind: sorted(int(s) for s in ends.loc[ends["end"] < before[kind], "student_id"])
                for kind in PER_STUDENT}
    everything = set.intersection(*(set(ids) for ids in students.values()))
    anonymised = [student for chunk in _chunks(sorted(everything))
                  for student in session.scalars(select(Student.id).where(
                      Student.id.in_(chunk), ~Student.personal_number.startswith(ERASED_PREFIX)))]
    return _Plan(years, before, students, sorted(anonymised))


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


# --- Counting ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ErasureSummary:
    """Per kind: the period, the day before which it goes, and how many records would go
    (or went) for how many students; `students`: those anonymised. Never who."""

    table: pd.DataFrame  # RUN_COLUMNS, one row per kind
    students: int

    def counts(self) -> dict[str, int]:
        """Records per kind and the students anonymised, for the audit log."""
        records = dict(zip(self.table["retention_kind"].map(str),
                           self.table["records"].astype(int).tolist(), strict=True))
        return {**records, "anonymised_students": self.students}


def _tally(session: Session, queries: Iterable) -> tuple[int, set[int]]:
    """Rows and the distinct students among them, over queries of student ids."""
    records, students = 0, set()
    for query in queries:
        rows = query.subquery()
        for student, count in session.execute(select(rows.c[0], func.count())
                                              .group_by(rows.c[0])):
            records += count
            if student is not None:
                students.add(int(student))
    return records, students


def _old(column, day: dt.date):
    """A stored UTC moment on a Swedish day before `day`."""
    return column < utc_start_of(day)


def _queries(plan: _Plan, kind: RetentionKind) -> list:
    """Queries of the student ids of the records of `kind` that would go, one per row."""
    if kind == RetentionKind.AUDIT_LOG:
        return [select(AuditEvent.student_id).where(_old(AuditEvent.at, plan.before[kind]))]
    if kind == RetentionKind.FEEDBACK:
        old = _old(Feedback.created_at, plan.before[kind])
        return [select(Feedback.student_id).where(old),
                *(select(Feedback.student_id).where(~old, Feedback.student_id.in_(chunk))
                  for chunk in _chunks(plan.anonymised))]
    return [part.rows(chunk) for chunk in _chunks(plan.students[kind])
            for part in PARTS[kind]]


def _summary(session: Session, plan: _Plan) -> ErasureSummary:
    rows = []
    for kind in RetentionKind:
        records, students = _tally(session, _queries(plan, kind))
        rows.append((kind, plan.years[kind], basis(kind), plan.before[kind], records,
                     len(students)))
    return ErasureSummary(pd.DataFrame(rows, columns=RUN_COLUMNS), len(plan.anonymised))


def dry_run(session: Session, viewer: Viewer, today: dt.date) -> ErasureSummary:
    """What an erasure today would remove, per kind; nothing is changed."""
    require_role(viewer, Role.ADMIN)
    return _summary(session, _plan(session, today))


# --- The erasure ------------------------------------------------------------------------------

def erase(session: Session, viewer: Viewer, today: dt.date) -> ErasureSummary:
    """Remove what the rules say has been kept long enough, in the caller's transaction
    (all of it, or nothing when a step fails), and log the counts. The answer is what the
    dry run said just before."""
    require_role(viewer, Role.ADMIN)
    plan = _plan(session, today)
    summary = _summary(session, plan)
    for kind in PER_STUDENT:
        _erase_kind(session, kind, plan.students[kind])
    _anonymise(session, plan.anonymised)
    _erase_records(session, plan)
    log_event(session, viewer, AuditAction.ERASE, AuditEntity.PERSONAL_DATA,
              after=summary.counts())
    return summary


def _erase_kind(session: Session, kind: RetentionKind, students: list[int]) -> None:
    for chunk in _chunks(students):
        for part in PARTS[kind]:
            part.erase(session, chunk)


def _anonymise(session: Session, students: list[int]) -> None:
    """Names, number and class names go, and the feedback about them. The import links go
    too: an enrolment list's undo would otherwise remove the student, the enrolments and the
    interruptions that the regional figures of past terms count, or put the names back."""
    if not students:
        return
    table = Student.__table__  # Core: the model refuses a number that is no number
    session.execute(update(table).where(table.c.id == bindparam("sid")).values(
        first_name=ERASED_NAME, last_name="", personal_number=bindparam("number"),
        batch_id=None), [{"sid": s, "number": erased_number(s)} for s in students])
    for chunk in _chunks(students):
        enrolments = select(Enrolment.id).where(Enrolment.student_id.in_(chunk))
        session.execute(delete(ImportChange).where(
            ((ImportChange.table_name == "student") & ImportChange.row_id.in_(chunk))
            | ((ImportChange.table_name == "enrolment") & ImportChange.row_id.in_(enrolments))))
        session.execute(update(Enrolment).where(Enrolment.student_id.in_(chunk))
                        .values(class_name=None, batch_id=None))
        session.execute(update(StudyInterruption).where(StudyInterruption.student_id.in_(chunk))
                        .values(batch_id=None))
        session.execute(delete(Feedback).where(Feedback.student_id.in_(chunk)))


def _erase_records(session: Session, plan: _Plan) -> None:
    """Feedback and audit events older than their rules, whoever they are about."""
    session.execute(delete(Feedback).where(
        _old(Feedback.created_at, plan.before[RetentionKind.FEEDBACK])))
    session.execute(delete(AuditEvent).where(
        _old(AuditEvent.at, plan.before[RetentionKind.AUDIT_LOG])))
