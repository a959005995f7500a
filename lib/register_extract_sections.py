"""The parts of a student's register extract (lib.register_extract) about who the student
is, where they study, their absence, meetings, measures and contacts: for each table that
holds such data, a reader of the student's rows as a table of machine columns
(lib.columns), with people and places by name, never by id. The follow-up records are in
lib.register_extract_records. Access is decided by the caller (administrators only); a
reader only reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_models.codes import ImportKind
from data_models.models import (
    AbsencePeriod,
    AbsenceRecord,
    AgendaItem,
    Contact,
    Enrolment,
    ImportBatch,
    Measure,
    MeasureFollowUp,
    Meeting,
    MeetingAmendment,
    Municipality,
    ReplacedAbsence,
    RestrictedReader,
    School,
    Student,
    StudentTermSummary,
    Term,
    User,
)
from lib import analytics, formats
from lib.frames import read_frame
from lib.i18n import _
from lib.labels import word


@dataclass(frozen=True)
class Names:
    """The student, and the names of the people, schools, municipalities and terms that
    the student's rows point to by id."""

    student: Student
    users: dict[int, str]
    schools: dict[int, str]
    municipalities: dict[int, str]
    terms: dict[int, str]

    @property
    def id(self) -> int:
        return self.student.id


def load_names(session: Session, student: Student) -> Names:
    def pairs(*columns) -> dict:
        return {key: value for key, value in session.execute(select(*columns))}
    return Names(student=student, users=pairs(User.id, User.display_name),
                 schools=pairs(School.id, School.name),
                 municipalities=pairs(Municipality.id, Municipality.name),
                 terms=pairs(Term.id, Term.code))


@dataclass(frozen=True)
class Part:
    key: str
    heading: str  # Swedish (a message id); at most 31 characters, an Excel sheet's title
    tables: tuple[str, ...]  # the tables its rows come from
    read: Callable[[Session, Names], pd.DataFrame]
    note: str = ""  # a line under the heading, when the heading needs one


def rows_of(session: Session, names: Names, statement, columns: list[str],
          **lookups: str) -> pd.DataFrame:
    """A query's rows as a table; each column in `lookups` holds ids of users, schools,
    municipalities or terms (the Names field named), written out as their names."""
    frame = read_frame(session, statement, columns)
    for column, kind in lookups.items():
        found = getattr(names, kind)
        frame[column] = [found.get(int(v), "") if pd.notna(v) else "" for v in frame[column]]
    return frame


def _share(part, whole) -> list:
    return [analytics.share(p, w) for p, w in zip(part, whole, strict=True)]


def _hhmm(values) -> list[str]:
    return ["" if v is None or pd.isna(v) else f"{v:%H:%M}" for v in values]


# --- Identity and enrolments ---------------------------------------------------------------

def identity(session: Session, names: Names) -> pd.DataFrame:
    """What the register holds about the person: shown as the rest of the app shows it, so
    a protected identity's name and number are said to be held but are not written out."""
    student = names.student
    protected = student.protected_identity
    rows = [(_("Elev-id"), str(student.id)),
            (_("Namn"), _("Finns i registret, skrivs inte ut (skyddad identitet)") if protected
             else f"{student.first_name} {student.last_name}"),
            (_("Personnummer"), _("Finns i registret, skrivs inte ut (skyddad identitet)")
             if protected else f"{student.personal_number[:8]}-{student.personal_number[8:]}"),
            (_("Hemkommun"), names.municipalities.get(student.home_municipality_id, "")),
            (_("Skyddad identitet"), formats.yes_no(protected))]
    batch = session.get(ImportBatch, student.batch_id) if student.batch_id else None
    if batch is not None:
        rows.append((_("Registrerad genom"), _("{kind}, inläst {day}").format(
            kind=word(ImportKind, batch.kind), day=formats.day_of(batch.created_at))))
    return pd.DataFrame(rows, columns=["detail", "detail_value"])


def enrolments(session: Session, names: Names) -> pd.DataFrame:
    return rows_of(session, names, select(
        Enrolment.school_id, Enrolment.programme, Enrolment.class_name, Enrolment.school_year,
        Enrolment.start_date, Enrolment.end_date)
        .where(Enrolment.student_id == names.id).order_by(Enrolment.start_date, Enrolment.id),
        ["school", "programme", "class_name", "school_year", "enrolled_from", "enrolled_to"],
        school="schools")


# --- Absence -----------------------------------------------------------------------------

MINUTES = ["scheduled_minutes", "absent_minutes", "valid_minutes", "invalid_minutes"]


def terms(session: Session, names: Names) -> pd.DataFrame:
    """Absence per term and school: minutes, and each as a share of the scheduled time."""
    summary = StudentTermSummary
    frame = rows_of(session, names, select(
        Term.code, summary.school_id, summary.scheduled, summary.absent, summary.valid,
        summary.invalid).join(Term, Term.id == summary.term_id)
        .where(summary.student_id == names.id).order_by(Term.start_date, summary.school_id),
        ["term", "school", *MINUTES], school="schools")
    for share, minutes in (("absence", "absent_minutes"), ("valid", "valid_minutes"),
                           ("invalid", "invalid_minutes")):
        frame[share] = _share(frame[minutes], frame["scheduled_minutes"])
    return frame


def absence_days(session: Session, names: Names) -> pd.DataFrame:
    record = AbsenceRecord
    frame = rows_of(session, names, select(
        record.date, record.lesson_start, record.course, record.school_id, record.term_id,
        record.scheduled_minutes, record.absent_minutes, record.valid_minutes,
        record.invalid_minutes, record.unreported_minutes)
        .where(record.student_id == names.id)
        .order_by(record.date, record.lesson_start, record.id),
        ["date", "lesson_start", "course", "school", "term", *MINUTES, "unreported_minutes"],
        school="schools", term="terms")
    frame["lesson_start"] = _hhmm(frame["lesson_start"])
    return frame


def absence_periods(session: Session, names: Names) -> pd.DataFrame:
    period = AbsencePeriod
    return rows_of(session, names, select(
        period.start_date, period.end_date, period.school_id, period.term_id,
        period.scheduled_minutes, period.absent_minutes, period.valid_minutes,
        period.invalid_minutes, period.unreported_minutes)
        .where(period.student_id == names.id).order_by(period.start_date, period.id),
        ["start_date", "end_date", "school", "term", *MINUTES, "unreported_minutes"],
        school="schools", term="terms")


def replaced(session: Session, names: Names) -> pd.DataFrame:
    row = ReplacedAbsence
    frame = rows_of(session, names, select(
        row.date, row.end_date, row.lesson_start, row.course, row.school_id, row.term_id,
        row.scheduled_minutes, row.absent_minutes, row.valid_minutes, row.invalid_minutes,
        ImportBatch.created_at)
        .join(ImportBatch, ImportBatch.id == row.replaced_by)
        .where(row.student_id == names.id).order_by(row.date, row.id),
        ["start_date", "end_date", "lesson_start", "course", "school", "term", *MINUTES,
         "replaced_at"], school="schools", term="terms")
    frame["lesson_start"] = _hhmm(frame["lesson_start"])
    return frame


# --- Meetings, measures and contacts -------------------------------------------------------

def meetings(session: Session, names: Names) -> pd.DataFrame:
    """The review meetings the student was on: the absence as it stood then, and what was
    noted, assessed, decided and fed back."""
    item = AgendaItem
    frame = rows_of(session, names, select(
        Meeting.date, Meeting.school_id, Meeting.term_id, Meeting.status, item.reason,
        item.absent, item.scheduled, item.trend, item.notes, item.assessment, item.decisions,
        item.feedback, item.updated_by)
        .join(Meeting, Meeting.id == item.meeting_id)
        .where(item.student_id == names.id).order_by(Meeting.date, item.id),
        ["meeting_date", "school", "term", "meeting_status", "reason", "absent", "scheduled",
         "trend", "notes", "assessment", "decisions", "feedback", "last_changed_by"],
        school="schools", term="terms", last_changed_by="users")
    frame.insert(5, "absence", _share(frame.pop("absent"), frame.pop("scheduled")))
    return frame


def meeting_amendments(session: Session, names: Names) -> pd.DataFrame:
    change = MeetingAmendment
    return rows_of(session, names, select(
        change.at, change.user_id, Meeting.date, change.field, change.before, change.after)
        .join(AgendaItem, AgendaItem.id == change.agenda_item_id)
        .join(Meeting, Meeting.id == change.meeting_id)
        .where(AgendaItem.student_id == names.id).order_by(change.at, change.id),
        ["changed_at", "changed_by", "meeting_date", "agenda_field", "text_before",
         "text_after"], changed_by="users")


def measures(session: Session, names: Names) -> pd.DataFrame:
    owner = (select(User.display_name).where(User.id == Measure.owner_user_id)
             .correlate(Measure).scalar_subquery())
    frame = rows_of(session, names, select(
        Measure.kind, Measure.description, Measure.owner_kind, Measure.owner_name, owner,
        Measure.start_date, Measure.follow_up_date, Measure.status, Measure.outcome,
        Measure.stop_reason, Measure.school_id, Measure.effect_before, Measure.effect_after,
        Measure.created_by, Measure.created_at, Measure.restricted, Measure.id)
        .where(Measure.student_id == names.id).order_by(Measure.start_date, Measure.id),
        ["measure_kind", "description", "owner_kind", "owner", "owner_user", "start",
         "follow_up", "measure_status", "outcome", "stop_reason", "school", "absence_before",
         "absence_after", "registered_by", "registered_at", "restricted", "id"],
        school="schools", registered_by="users")
    chosen = frame.pop("owner_user")
    frame["owner"] = [u if isinstance(u, str) and u else (n or "")
                      for u, n in zip(chosen, frame["owner"], strict=True)]
    return _with_readers(session, names, frame, RestrictedReader.measure_id)


def _with_readers(session: Session, names: Names, frame: pd.DataFrame, key) -> pd.DataFrame:
    """A restricted record's own row, marked, with the people its author named as readers
    (lib.restricted): the extract is the student's, so it holds the record in full; the
    administrator weighs secrecy before handing it over."""
    named: dict[int, list[str]] = {}
    for record, user in session.execute(select(key, RestrictedReader.user_id)
                                        .where(key.in_(frame["id"].astype(int).tolist()))
                                        .order_by(RestrictedReader.id)):
        named.setdefault(record, []).append(names.users.get(user, ""))
    frame["restricted_readers"] = [", ".join(named.get(int(i), [])) for i in frame["id"]]
    frame["restricted"] = frame["restricted"].astype(bool)
    return frame.drop(columns="id")


def measure_follow_ups(session: Session, names: Names) -> pd.DataFrame:
    entry = MeasureFollowUp
    return rows_of(session, names, select(
        Measure.kind, Measure.start_date, entry.date, entry.text, entry.user_id)
        .join(Measure, Measure.id == entry.measure_id)
        .where(Measure.student_id == names.id).order_by(entry.date, entry.id),
        ["measure_kind", "start", "date", "follow_up_note", "by"], by="users")


def contacts(session: Session, names: Names) -> pd.DataFrame:
    frame = rows_of(session, names, select(Contact.date, Contact.kind, Contact.note,
                                         Contact.user_id, Contact.restricted, Contact.id)
                    .where(Contact.student_id == names.id).order_by(Contact.date, Contact.id),
                    ["date", "contact_kind", "contact_note", "by", "restricted", "id"],
                    by="users")
    return _with_readers(session, names, frame, RestrictedReader.contact_id)


