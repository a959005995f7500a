"""Minutes of a review meeting, one file for both sides, as Excel and as PDF. Protected
identities are masked, text cells are escaped, and the page audits every download."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_models.codes import AgendaField, MeasureKind, MeasureOwner, MeasureStatus, MeetingStatus
from data_models.models import AgendaItem, Student
from lib import columns, formats
from lib.access import Viewer, student_clause
from lib.exports import Sheet, download_name, log_export, workbook
from lib.frames import read_frame
from lib.i18n import SWEDISH, _, current, use_language
from lib.labels import word
from lib.measures import measure_rows
from lib.meetings import MeetingInfo, amendments, get_meeting
from lib.pdf import Document
from lib.personal_number import mask
from lib.students import names

ITEM_COLUMNS = ["student_id", "student", "personal_number", "reason", "absence", "valid",
                "invalid", "trend", *(f.value for f in AgendaField)]


@dataclass(frozen=True)
class Minutes:
    meeting: MeetingInfo
    items: pd.DataFrame  # ITEM_COLUMNS, in agenda order
    measures: pd.DataFrame  # the measures agreed at the meeting (measures.measure_rows)
    amendments: pd.DataFrame  # meetings.amendments

    @property
    def heading(self) -> tuple[str, ...]:
        """The lines under the title, in the run's language."""
        m = self.meeting
        lines = [_("Skola: {school}").format(school=m.school_name),
                 _("Elevernas hemkommun: {municipality}").format(
                     municipality=m.municipality_name),
                 _("Datum: {date}   Termin: {term}   Status: {status}").format(
                     date=formats.date(m.date), term=m.term_code,
                     status=word(MeetingStatus, m.status))]
        if m.location:
            lines.append(_("Plats: {place}").format(place=m.location))
        lines.append(_("Deltagare: {people}").format(people=", ".join(m.participants) or "–"))
        if m.approved_at:
            lines.append(_("Justerat {moment}").format(moment=formats.moment(m.approved_at)))
        lines.append(_("Frånvarosiffrorna är frysta som de var på mötesdagen."))
        return tuple(lines)

    @property
    def title(self) -> str:
        return _("Protokoll, genomgång {school} {date}").format(
            school=self.meeting.school_name, date=formats.date(self.meeting.date))


def minutes(session: Session, viewer: Viewer, meeting_id: int) -> Minutes:
    meeting = get_meeting(session, viewer, meeting_id)
    frame = read_frame(session,
        select(AgendaItem.student_id, Student.first_name, Student.last_name,
               Student.personal_number, Student.protected_identity, AgendaItem.reason,
               AgendaItem.scheduled, AgendaItem.absent, AgendaItem.valid, AgendaItem.invalid,
               AgendaItem.trend, *(getattr(AgendaItem, f) for f in AgendaField))
        .join(Student, Student.id == AgendaItem.student_id)
        .where(AgendaItem.meeting_id == meeting_id, student_clause(viewer))
        .order_by(AgendaItem.position),
        ["student_id", "first", "last", "number", "protected", "reason",
         "scheduled", "absent", "valid_minutes", "invalid_minutes", "trend",
         *(f.value for f in AgendaField)])
    scheduled = frame["scheduled"].where(frame["scheduled"] > 0)
    items = frame.assign(
        student=names(frame),
        personal_number=[mask(n, bool(p)) for n, p in zip(frame["number"],
                                                         frame["protected"], strict=True)],
        absence=frame["absent"] / scheduled, valid=frame["valid_minutes"] / scheduled,
        invalid=frame["invalid_minutes"] / scheduled)[ITEM_COLUMNS]
    return Minutes(meeting=meeting, items=items,
                   measures=measure_rows(session, viewer, meeting.date, meeting_id=meeting_id,
                                            shared=True),
                   amendments=amendments(session, viewer, meeting_id))


def minutes_table(record: Minutes) -> pd.DataFrame:
    """The students' rows as the minutes show them: each with the measures agreed for them,
    one line per measure, in the run's language."""
    lines = {sid: "\n".join(_measure_line(m) for m in group.itertuples())
             for sid, group in record.measures.groupby("student_id")}
    return columns.visible(record.items.assign(
        agreed_measures=[lines.get(sid, "") for sid in record.items["student_id"]]))


def _measure_line(measure) -> str:
    """"Strukturstöd (väckningssamtal och påminnelser): Ungdomscoachen (Kim), uppföljning 2025-10-20
    (planerad)"."""
    if measure.hidden:
        return measure.description
    owner = measure.owner or ""
    if measure.owner_kind != MeasureOwner.PERSON:
        owner = word(MeasureOwner, measure.owner_kind) + (f" ({owner})" if owner else "")
    return _("{kind}: {owner}, uppföljning {date} ({status})").format(
        kind=word(MeasureKind, measure.measure_kind), owner=owner,
        date=formats.date(measure.follow_up),
        status=word(MeasureStatus, measure.measure_status).lower())


def export_minutes(session: Session, viewer: Viewer, meeting_id: int, kind: str,
                   language: str | None = None) -> bytes:
    """The minutes as they stand now, as "xlsx" or "pdf", in `language` (default: the
    run's; a download button builds its file on the click, outside the page's run, so the
    page passes the reader's). The export is audited, its note in Swedish like every
    record in the log."""
    with use_language(language or current()):
        record = minutes(session, viewer, meeting_id)
        data = minutes_excel(record) if kind == "xlsx" else minutes_pdf(record)
    with use_language(SWEDISH):
        note = f"{record.title} ({kind})"
    log_export(session, viewer, "minutes", len(record.items), note=note)
    return data


def file_stem(meeting: MeetingInfo) -> str:
    """The minutes' file name without its extension, in the run's language."""
    return download_name(_("protokoll-{id}-{date}").format(id=meeting.id,
                                                          date=formats.date(meeting.date)))


def minutes_excel(record: Minutes) -> bytes:
    sheets = [Sheet(_("Protokoll"), (record.title, *record.heading), minutes_table(record))]
    if not record.amendments.empty:
        sheets.append(Sheet(_("Ändringar efter justering"),
                            (_("Ändringar efter justering"),), record.amendments))
    return workbook(sheets)


def minutes_pdf(record: Minutes) -> bytes:
    document = Document(record.title, record.heading)
    document.heading(_("Elever"))
    document.table(minutes_table(record).drop(columns=["valid", "invalid"]),
                   widths=(30, 22, 20, 14, 9, 34, 28, 28, 28, 40))
    if not record.amendments.empty:
        document.heading(_("Ändringar efter justering"))
        document.table(record.amendments, widths=(25, 30, 35, 25, 80, 80))
    return document.output()
