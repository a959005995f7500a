"""The termly school report: for one school, the students of one municipality and one term,
figures from the data (lib.school_report_figures) and the coach's proposals for the school's
own absence routines (förslag på utvecklingsområden). The coach writes and sends it; the
school acknowledges it, with an answer if it likes; both download it as PDF and Excel.

Who reads it: the coach of the municipality and the staff of the school (and an
administrator). Both already see each of the students behind the figures, so the counts are
shown as they are, without the suppression of small cells that the regional figures have
(lib.suppression); the report holds no name. Project leaders and KAA officers are refused.
School staff see the coach's proposals once the report is sent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from data_models.codes import AuditEntity, ReportStatus
from data_models.models import SchoolReport, Term, User
from lib import columns, formats
from lib.access import AccessDenied, Role, Viewer, require_role
from lib.audit import log_event
from lib.clock import utcnow
from lib.exports import Sheet, log_export, workbook
from lib.i18n import N_, SWEDISH, _, current, use_language
from lib.labels import word
from lib.pdf import Document
from lib.school_pairs import SchoolPair, require_pair
from lib.school_report_figures import ReportFigures, figures
from lib.versioning import InputError, clean_text, save_versioned

REPORT_NOT_FOUND = N_("Skolrapporten finns inte, eller så har du inte behörighet till den.")


@dataclass(frozen=True)
class ReportState:
    """Where the report stands; `id` None and version 0 until the coach first saves it."""

    id: int | None
    version: int
    status: ReportStatus
    proposals: str  # empty for school staff while the report is a draft
    written_by: str
    sent_by: str
    sent_at: dt.datetime | None
    acknowledged_by: str
    acknowledged_at: dt.datetime | None
    answer: str


@dataclass(frozen=True)
class SchoolReportRecord:
    """Everything the report shows, for the page and the files."""

    pair: SchoolPair
    term: str
    figures: ReportFigures
    state: ReportState

    @property
    def title(self) -> str:
        return _("Skolrapport {term}: {school}").format(term=self.term, school=self.pair.school)

    @property
    def heading(self) -> tuple[str, ...]:
        """The lines under the title, in the run's language."""
        state = self.state
        lines = [_("Elever folkbokförda i {municipality}").format(
                     municipality=self.pair.municipality),
                 _("Status: {status}").format(status=word(ReportStatus, state.status))]
        if state.sent_at is not None:
            lines.append(_("Skickad {moment} av {name}").format(
                moment=formats.moment(state.sent_at), name=state.sent_by))
        if state.acknowledged_at is not None:
            lines.append(_("Kvitterad {moment} av {name}").format(
                moment=formats.moment(state.acknowledged_at), name=state.acknowledged_by))
        dates = self.figures.now.meeting_dates
        lines.append(_("Genomförda möten under terminen: {dates}").format(
            dates=", ".join(formats.date(d) for d in dates) or "–"))
        return tuple(lines)


def _term(session: Session, term_id: int) -> Term:
    term = session.get(Term, term_id)
    if term is None:
        raise InputError(_("Välj en termin."))
    return term


def report_figures(session: Session, viewer: Viewer, school_id: int, municipality_id: int,
                   term_id: int) -> ReportFigures:
    """The report's figures for the municipality's students at the school, this term and
    the term before."""
    pair = require_pair(session, viewer, school_id, municipality_id)
    return figures(session, viewer, pair.school_id, pair.school, pair.municipality_id,
                   _term(session, term_id))


def school_report(session: Session, viewer: Viewer, school_id: int, municipality_id: int,
                  term_id: int) -> SchoolReportRecord:
    """The figures and where the report stands."""
    pair = require_pair(session, viewer, school_id, municipality_id)
    term = _term(session, term_id)
    return SchoolReportRecord(
        pair=pair, term=term.code,
        figures=figures(session, viewer, pair.school_id, pair.school, pair.municipality_id,
                        term),
        state=_state(session, viewer, _row(session, pair, term.id)))


def report_state(session: Session, viewer: Viewer, school_id: int, municipality_id: int,
                 term_id: int) -> ReportState:
    pair = require_pair(session, viewer, school_id, municipality_id)
    return _state(session, viewer, _row(session, pair, _term(session, term_id).id))


def _row(session: Session, pair: SchoolPair, term_id: int) -> SchoolReport | None:
    return session.scalar(select(SchoolReport).where(
        SchoolReport.school_id == pair.school_id,
        SchoolReport.municipality_id == pair.municipality_id, SchoolReport.term_id == term_id)
        .execution_options(populate_existing=True))


def _state(session: Session, viewer: Viewer, row: SchoolReport | None) -> ReportState:
    if row is None:
        return ReportState(None, 0, ReportStatus.DRAFT, "", "", "", None, "", None, "")
    writer, sender, reader = aliased(User), aliased(User), aliased(User)
    names = session.execute(
        select(writer.display_name, sender.display_name, reader.display_name)
        .select_from(SchoolReport)
        .join(writer, writer.id == SchoolReport.created_by)
        .outerjoin(sender, sender.id == SchoolReport.sent_by)
        .outerjoin(reader, reader.id == SchoolReport.acknowledged_by)
        .where(SchoolReport.id == row.id)).one()
    hidden = viewer.role == Role.SCHOOL_STAFF and row.status == ReportStatus.DRAFT
    return ReportState(row.id, row.version, ReportStatus(row.status),
                       "" if hidden else row.proposals, names[0], names[1] or "", row.sent_at,
                       names[2] or "", row.acknowledged_at, row.answer or "")


def save_proposals(session: Session, viewer: Viewer, school_id: int, municipality_id: int,
                   term_id: int, proposals: str, expected_version: int) -> int:
    """Save the coach's proposals for the school's absence routines as the report's draft
    (the report is made at its first save: `expected_version` 0). A sent report is not
    changed. Returns the new version; Conflict when someone saved in between."""
    pair = require_pair(session, viewer, school_id, municipality_id)
    require_role(viewer, Role.COACH)
    term = _term(session, term_id)
    text = clean_text(N_("Förslagen"), proposals)
    row = _row(session, pair, term.id)
    if row is None:
        if expected_version != 0:
            raise InputError(_("Posten finns inte längre."))
        row = SchoolReport(school_id=pair.school_id, municipality_id=pair.municipality_id,
                           term_id=term.id, proposals=text, status=ReportStatus.DRAFT,
                           created_by=viewer.user_id, created_at=utcnow(), answer="",
                           version=1)
        session.add(row)
        session.flush()
        log_event(session, viewer, "create", AuditEntity.SCHOOL_REPORT, row.id,
                  after={"proposals": text})
        return 1
    _require_draft(row)
    before, version = save_versioned(session, SchoolReport, row.id, expected_version,
                                     {"proposals": text}, viewer.user_id)
    log_event(session, viewer, "update", AuditEntity.SCHOOL_REPORT, row.id, before=before,
              after={"proposals": text})
    return version


def _require_draft(row: SchoolReport) -> None:
    """A sent report is the school's: it is not changed (a stale version is a Conflict,
    from save_versioned)."""
    if row.status != ReportStatus.DRAFT:
        raise InputError(_("Rapporten är redan skickad till skolan och kan inte ändras."))


def send_report(session: Session, viewer: Viewer, school_id: int, municipality_id: int,
                term_id: int, expected_version: int) -> int:
    """Send the saved report to the school. The figures as they were sent are kept in the
    audit log (aggregates only). Returns the new version."""
    pair = require_pair(session, viewer, school_id, municipality_id)
    require_role(viewer, Role.COACH)
    term = _term(session, term_id)
    row = _row(session, pair, term.id)
    if row is None:
        raise InputError(_("Skriv och spara förslagen på utvecklingsområden först."))
    _require_draft(row)
    if not row.proposals.strip():
        raise InputError(_("Skriv förslag på utvecklingsområden innan du skickar rapporten."))
    _before, version = save_versioned(
        session, SchoolReport, row.id, expected_version,
        {"status": ReportStatus.SENT, "sent_by": viewer.user_id, "sent_at": utcnow()},
        viewer.user_id)
    sent = figures(session, viewer, pair.school_id, pair.school, pair.municipality_id, term)
    log_event(session, viewer, "update", AuditEntity.SCHOOL_REPORT, row.id,
              before={"status": ReportStatus.DRAFT},
              after={"status": ReportStatus.SENT, "figures": _snapshot(sent)})
    return version


def _snapshot(sent: ReportFigures) -> dict:
    """The figures of each term as plain numbers, for the audit log."""
    return {t.term: {name: value for name, value in vars(t).items()
                     if name not in ("term", "meeting_dates")} for t in sent.terms()}


def acknowledge_report(session: Session, viewer: Viewer, report_id: int, expected_version: int,
                       answer: str = "") -> int:
    """The school's staff acknowledge a sent report, with an optional answer to the coach.
    A report not yet sent is, to the school, a report that does not exist."""
    row = session.scalar(select(SchoolReport).where(
        SchoolReport.id == report_id, SchoolReport.school_id.in_(viewer.school_ids),
        SchoolReport.status != ReportStatus.DRAFT))
    if viewer.role != Role.SCHOOL_STAFF or row is None:
        raise AccessDenied(REPORT_NOT_FOUND, viewer=viewer, what=AuditEntity.SCHOOL_REPORT,
                           what_id=report_id)
    if row.status == ReportStatus.ACKNOWLEDGED:
        raise InputError(_("Rapporten är redan kvitterad."))
    text = clean_text(N_("Svaret"), answer)
    _before, version = save_versioned(
        session, SchoolReport, report_id, expected_version,
        {"status": ReportStatus.ACKNOWLEDGED, "acknowledged_by": viewer.user_id,
         "acknowledged_at": utcnow(), "answer": text}, viewer.user_id)
    log_event(session, viewer, "update", AuditEntity.SCHOOL_REPORT, report_id,
              before={"status": ReportStatus.SENT},
              after={"status": ReportStatus.ACKNOWLEDGED, "answer": text})
    return version


# --- Files -------------------------------------------------------------------------------

def report_pdf(session: Session, viewer: Viewer, school_id: int, municipality_id: int,
               term_id: int, language: str | None = None) -> bytes:
    """The report as PDF in `language` (default: the run's); the download is audited."""
    return _export(session, viewer, school_id, municipality_id, term_id, language, "pdf")


def report_excel(session: Session, viewer: Viewer, school_id: int, municipality_id: int,
                 term_id: int, language: str | None = None) -> bytes:
    """The report as an Excel workbook in `language`; the download is audited."""
    return _export(session, viewer, school_id, municipality_id, term_id, language, "xlsx")


def _export(session, viewer, school_id, municipality_id, term_id, language, kind) -> bytes:
    with use_language(language or current()):
        record = school_report(session, viewer, school_id, municipality_id, term_id)
        data = _pdf(record) if kind == "pdf" else _excel(record)
    with use_language(SWEDISH):
        note = f"{record.title} ({kind})"
    log_export(session, viewer, AuditEntity.SCHOOL_REPORT, len(record.figures.terms()),
               note=note)
    return data


def _texts(record: SchoolReportRecord) -> list[tuple[str, str]]:
    """The report's texts under their headings: the proposals, the school's answer and the
    definitions."""
    state = record.state
    proposals = state.proposals or (_("Inte skickade ännu.") if state.sent_at is None
                                    else "–")
    texts = [(_("Förslag på utvecklingsområden"), proposals)]
    if state.answer:
        texts.append((_("Skolans svar"), state.answer))
    texts.append((_("Definitioner"), record.figures.definitions()))
    return texts


def _pdf(record: SchoolReportRecord) -> bytes:
    document = Document(record.title, record.heading)
    figures_ = record.figures
    document.heading(_("Frånvaro"))
    document.table(_shown(figures_.absence_table()))
    if figures_.previous is not None:
        document.heading(_("Förändring mot terminen före"))
        document.table(figures_.change_table())
    document.heading(_("Flaggade elever, åtgärder och möten"))
    document.table(figures_.follow_up_table())
    for heading, text in _texts(record):
        document.heading(heading)
        document.paragraph(text)
    return document.output()


def _excel(record: SchoolReportRecord) -> bytes:
    figures_ = record.figures
    title = (record.title, *record.heading)
    sheets = [Sheet(_("Frånvaro"), title, _shown(figures_.absence_table())),
              Sheet(_("Uppföljning"), (_("Flaggade elever, åtgärder och möten"),),
                    figures_.follow_up_table())]
    if figures_.previous is not None:
        sheets.insert(1, Sheet(_("Förändring"), (_("Förändring mot terminen före"),),
                               figures_.change_table()))
    texts = _texts(record)
    sheets.append(Sheet(_("Förslag"), (_("Förslag på utvecklingsområden"),),
                        pd.DataFrame({"title": [h for h, _t in texts],
                                      "text": [t for _h, t in texts]})))
    return workbook(sheets)


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    """The absence table for a file: a reporting rate no file said anything about is
    "okänd" (not the ".." of a figure that cannot be given)."""
    return columns.unknown_as_word(columns.visible(table), table)
