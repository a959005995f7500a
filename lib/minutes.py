"""Minutes of a review meeting, one file for both sides, as Excel and as PDF. Protected
identities are masked, text cells are escaped, and the page audits every download."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_models.models import AgendaItem, Student
from lib import analytics, formats
from lib.access import Viewer, student_clause
from lib.agenda import ITEM_FIELDS, REASON_LABELS
from lib.exports import Sheet, download_name, log_export, workbook
from lib.frames import read_frame
from lib.measures import measure_rows
from lib.meetings import MeetingInfo, amendments, get_meeting
from lib.pdf import Document
from lib.students import shown_identity

MINUTES_COLUMNS = ["Elev", "Personnummer", "Skäl", "Frånvaro", "Giltig", "Ogiltig", "Trend",
                   *ITEM_FIELDS.values(), "Åtgärder"]


@dataclass(frozen=True)
class Minutes:
    meeting: MeetingInfo
    items: pd.DataFrame  # MINUTES_COLUMNS, in agenda order
    amendments: pd.DataFrame

    @property
    def heading(self) -> tuple[str, ...]:
        m = self.meeting
        lines = [f"Skola: {m.school_name}", f"Elevernas hemkommun: {m.municipality_name}",
                 f"Datum: {m.date:%Y-%m-%d}   Termin: {m.term_code}   Status: {m.status_label}"]
        if m.location:
            lines.append(f"Plats: {m.location}")
        lines.append("Deltagare: " + (", ".join(m.participants) or "–"))
        if m.approved_at:
            lines.append(f"Justerat {formats.moment(m.approved_at)}")
        lines.append("Frånvarosiffrorna är frysta som de var på mötesdagen.")
        return tuple(lines)

    @property
    def title(self) -> str:
        return f"Protokoll, genomgång {self.meeting.school_name} {self.meeting.date:%Y-%m-%d}"


def minutes(session: Session, viewer: Viewer, meeting_id: int) -> Minutes:
    meeting = get_meeting(session, viewer, meeting_id)
    frame = read_frame(session,
        select(AgendaItem.student_id, Student.first_name, Student.last_name,
               Student.personal_number, Student.protected_identity, AgendaItem.reason,
               AgendaItem.scheduled, AgendaItem.absent, AgendaItem.valid, AgendaItem.invalid,
               AgendaItem.trend, *(getattr(AgendaItem, f) for f in ITEM_FIELDS))
        .join(Student, Student.id == AgendaItem.student_id)
        .where(AgendaItem.meeting_id == meeting_id, student_clause(viewer))
        .order_by(AgendaItem.position),
        ["student_id", "first", "last", "number", "protected", "reason", "scheduled",
         "absent", "valid", "invalid", "trend", *ITEM_FIELDS])
    agreed = measure_rows(session, viewer, meeting.date, meeting_id=meeting_id)
    by_student = {sid: _measure_lines(group) for sid, group in agreed.groupby("student_id")}
    scheduled = frame["scheduled"].where(frame["scheduled"] > 0)
    items = pd.DataFrame({
        **shown_identity(frame),
        "Skäl": frame["reason"].map(REASON_LABELS),
        "Frånvaro": frame["absent"] / scheduled, "Giltig": frame["valid"] / scheduled,
        "Ogiltig": frame["invalid"] / scheduled,
        "Trend": frame["trend"].map(analytics.TREND_ARROWS).fillna(""),
        **{label: frame[name] for name, label in ITEM_FIELDS.items()},
        "Åtgärder": [by_student.get(sid, "") for sid in frame["student_id"]],
    }, columns=MINUTES_COLUMNS)
    return Minutes(meeting=meeting, items=items,
                   amendments=amendments(session, viewer, meeting_id))


def _measure_lines(group: pd.DataFrame) -> str:
    return "\n".join(f"{r['Åtgärd']}: {r['Ansvarig']}, uppföljning {r['Uppföljning']} "
                     f"({r['Status'].lower()})" for _, r in group.iterrows())


def export_minutes(session: Session, viewer: Viewer, meeting_id: int, kind: str) -> bytes:
    """The minutes as they stand now, as "xlsx" or "pdf"; the export is audited."""
    record = minutes(session, viewer, meeting_id)
    data = minutes_excel(record) if kind == "xlsx" else minutes_pdf(record)
    log_export(session, viewer, "minutes", len(record.items), note=f"{record.title} ({kind})")
    return data


def file_stem(meeting: MeetingInfo) -> str:
    return download_name(f"protokoll-{meeting.id}-{meeting.date:%Y-%m-%d}")


def minutes_excel(record: Minutes) -> bytes:
    sheets = [Sheet("Protokoll", (record.title, *record.heading), record.items)]
    if not record.amendments.empty:
        sheets.append(Sheet("Ändringar efter justering",
                            ("Ändringar efter justering",), record.amendments))
    return workbook(sheets)


def minutes_pdf(record: Minutes) -> bytes:
    document = Document(record.title, record.heading)
    document.heading("Elever")
    document.table(record.items.drop(columns=["Giltig", "Ogiltig"]),
                   widths=(30, 22, 20, 14, 9, 34, 28, 28, 28, 40))
    if not record.amendments.empty:
        document.heading("Ändringar efter justering")
        document.table(record.amendments, widths=(25, 30, 35, 25, 80, 80))
    return document.output()
