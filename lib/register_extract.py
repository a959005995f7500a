"""The register extract (registerutdrag): every record the app holds about one student, and
who viewed or changed it when, for the student's right of access. Taken by an
administrator, as PDF and as Excel, in Swedish, and written to the audit log each time.

A protected identity is treated as everywhere else in the app: the name and the personal
identity number are said to be held but are not written out, and the first page says how
the extract must be handed over. For anyone else the whole personal identity number is in
the document (it is the student's own data), but never in a file name, an address or the
log."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_models.codes import AuditAction, AuditEntity, Role
from data_models.models import Student
from lib import columns, formats
from lib.access import Viewer, require_role, require_student
from lib.audit import log_event, log_view
from lib.clock import local_today, utcnow
from lib.exports import Sheet, download_name, workbook
from lib.i18n import N_, SWEDISH, _, use_language
from lib.pdf import Document
from lib.personal_number import InvalidPersonalNumber, mask, normalize
from lib.register_extract_records import (
    alerts,
    audit_log,
    early_talks,
    feedback,
    hand_overs,
    import_changes,
    interruptions,
    kaa_contacts,
    kaa_episodes,
    kaa_measures,
    mapping_analyses,
    mapping_analysis_notes,
    mapping_answers,
    mapping_runs,
    moves,
    plan_amendments,
    plan_goals,
    plan_reviews,
    plans,
    priority_marks,
    school_support,
    talk_categories,
    talk_supports,
    talk_texts,
    talks,
)
from lib.register_extract_sections import (
    MINUTES,
    Part,
    absence_days,
    absence_periods,
    contacts,
    enrolments,
    identity,
    load_names,
    measure_follow_ups,
    measures,
    meeting_amendments,
    meetings,
    replaced,
    terms,
)
from lib.students import display_name

# The parts in the document's order. Every table that holds data about a student (a
# student_id column, or reached from such a table by a foreign key) is read by a part or
# named in LEFT_OUT; tests/test_register_extract.py fails for a table that is neither.
# Some tables hold rows about no student beside the student's own: the mapping answers
# of class runs (anonymous, no student), plans at group level. The parts read only the
# student's individual runs and plans.
PARTS: tuple[Part, ...] = (
    Part("identity", N_("Uppgifter om eleven"), ("student",), identity),
    Part("enrolments", N_("Inskrivningar"), ("enrolment",), enrolments),
    Part("terms", N_("Frånvaro per termin"), ("student_term_summary",), terms),
    Part("absence_days", N_("Frånvaro per dag och lektion"), ("absence_record",),
         absence_days, N_("Som skolans system rapporterade den.")),
    Part("absence_periods", N_("Frånvaro per period"), ("absence_period",), absence_periods),
    Part("replaced", N_("Ersatt frånvaro"), ("replaced_absence",), replaced,
         N_("Frånvaro som en senare fil ersatte. Den sparas så att inläsningen kan ångras.")),
    Part("meetings", N_("Uppföljningsmöten"), ("agenda_item",), meetings,
         N_("Vad som antecknades om eleven på skolans uppföljningsmöten.")),
    Part("meeting_amendments", N_("Ändringar i justerade protokoll"), ("meeting_amendment",),
         meeting_amendments),
    Part("measures", N_("Åtgärder"), ("measure", "restricted_reader"), measures,
         N_("En begränsad åtgärd eller anteckning läses annars bara av den som skrev den och "
            "de som hen har namngett: pröva sekretessen innan utdraget lämnas ut.")),
    Part("measure_follow_ups", N_("Uppföljningar av åtgärder"), ("measure_follow_up",),
         measure_follow_ups),
    Part("contacts", N_("Kontaktlogg"), ("contact", "restricted_reader"), contacts,
         N_("En begränsad anteckning läses annars bara av den som skrev den och de som hen "
            "har namngett: pröva sekretessen innan utdraget lämnas ut.")),
    Part("talks", N_("Elevsamtal"), ("student_talk",), talks),
    Part("talk_texts", N_("Elevsamtal, vad som antecknades"), ("student_talk",), talk_texts),
    Part("talk_categories", N_("Elevsamtal, kategorier"), ("student_talk_category",),
         talk_categories),
    Part("talk_supports", N_("Elevsamtal, upplevt stöd"), ("student_talk_support",),
         talk_supports),
    Part("plans", N_("Handlingsplaner"), ("action_plan",), plans),
    Part("plan_goals", N_("Delmål i handlingsplaner"), ("plan_goal",), plan_goals),
    Part("plan_reviews", N_("Uppföljning av handlingsplaner"), ("plan_review",), plan_reviews),
    Part("plan_amendments", N_("Ändringar i handlingsplaner"), ("plan_amendment",),
         plan_amendments),
    Part("mapping_runs", N_("Skolanknytning, kartläggningar"), ("connectedness_run",),
         mapping_runs, N_("Kartläggningar av elevens skolanknytning som personalen har gjort "
                          "om eleven. Klassernas kartläggningar besvaras anonymt och finns "
                          "inte här.")),
    Part("mapping_answers", N_("Skolanknytning, svar"),
         ("connectedness_response", "connectedness_answer"), mapping_answers,
         N_("Varje påstående som instrumentet formulerar det, med svaret och dess "
            "svarsalternativ.")),
    Part("mapping_analyses", N_("Skolanknytning, analyser"), ("run_analysis",),
         mapping_analyses),
    Part("mapping_analysis_notes", N_("Skolanknytning, analysens ämnen"),
         ("run_analysis_note",), mapping_analysis_notes,
         N_("Vad personalen antecknade under varje ämne i samtalsguiden.")),
    Part("feedback", N_("Återkoppling"), ("feedback",), feedback),
    Part("hand_overs", N_("Överlämningar"), ("hand_over",), hand_overs),
    Part("school_support", N_("Skolans stöd"), ("school_support",), school_support),
    Part("priority", N_("Prioriterad av coachen"), ("priority_mark",), priority_marks),
    Part("alerts", N_("Larm om frånvaron"), ("alert",), alerts,
         N_("Vem som fick ett larm när eleven passerade en frånvaronivå, och när det "
            "kvitterades.")),
    Part("early_talks", N_("Tidiga uppföljningssamtal"), ("early_talk",), early_talks),
    Part("interruptions", N_("Studieavbrott"), ("study_interruption",), interruptions),
    Part("kaa", N_("Aktivitetsansvar (KAA)"), ("kaa_episode",), kaa_episodes),
    Part("kaa_contacts", N_("KAA, kontaktförsök"), ("kaa_contact",), kaa_contacts),
    Part("kaa_measures", N_("KAA, insatser"), ("kaa_measure",), kaa_measures),
    Part("moves", N_("Flyttar mellan kommuner"), ("student_move",), moves),
    Part("import_changes", N_("Ändrat genom inskrivningslistor"), ("import_change",),
         import_changes, N_("Uppgifterna som de var innan en inskrivningslista ändrade dem.")),
    Part("audit", N_("Logg över åtkomst och ändringar"), ("audit_event",), audit_log,
         N_("Vem som har sett eller ändrat elevens uppgifter, och när (svensk tid).")),
)

# Tables about a student that the extract leaves out on purpose, and why.
LEFT_OUT = {
    "student_week_summary": "The absence per day and lesson (in the extract) summed per "
                            "week; counted again from those rows, it holds nothing more.",
    "student_slot_summary": "The absence per day and lesson (in the extract) summed per "
                            "weekday and lesson start; counted again from those rows.",
    "student_term_flag": "Whether the term's absence (in the extract) reached the regional "
                         "indicators' fixed 15 % level; counted again from it.",
    "student_week_window": "The absence in the weeks before and after each week, for the "
                           "effect of measures; counted again from the absence rows.",
    "plan_item": "What a class, group, school or municipality plan decides: only plans at "
                 "group level have items, and such a plan is about no student (a "
                 "student's own plan holds its step goals, which are in the extract).",
}

PROTECTED_NOTICE = N_(
    "Eleven har skyddad identitet. Namn och personnummer finns i registret men skrivs inte "
    "ut i utdraget. Lämna utdraget till eleven personligen efter att ha kontrollerat "
    "elevens identitet, eller skicka det med Skatteverkets förmedling av post. Skicka det "
    "aldrig med e-post eller till en adress som någon har uppgett, och lämna inga "
    "utskrifter eller filer efter dig.")
KINDS = {"pdf": "application/pdf",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass(frozen=True)
class Section:
    key: str  # the Part's
    heading: str  # in the language it was made in
    note: str
    rows: pd.DataFrame  # machine columns (lib.columns)


@dataclass(frozen=True)
class Extract:
    student_id: int
    name: str  # as shown everywhere (a protected identity's names only the id)
    number: str  # the whole number; hidden for a protected identity
    protected: bool
    home_municipality: str
    made_at: dt.datetime  # UTC
    made_by: str
    sections: tuple[Section, ...]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    @property
    def title(self) -> str:
        return _("Registerutdrag")

    @property
    def lines(self) -> tuple[str, ...]:
        """The lines under the title: who it is about, when and by whom it was taken."""
        return (_("Elev: {name}. Personnummer: {number}. Hemkommun: {municipality}.").format(
                    name=self.name, number=self.number, municipality=self.home_municipality),
                _("Utdraget togs {moment} av {user}.").format(
                    moment=formats.moment(self.made_at), user=self.made_by),
                _("Här finns alla uppgifter som Aktiv uppföljning har om eleven, och vem som "
                  "har sett eller ändrat dem. Tider är svensk tid."))

    @property
    def notice(self) -> str:
        """How a protected identity's extract is handed over ("" for anyone else)."""
        return _(PROTECTED_NOTICE) if self.protected else ""

    def counts(self) -> pd.DataFrame:
        """The rows of each part of the extract."""
        return pd.DataFrame({"extract_section": [s.heading for s in self.sections],
                             "count": [len(s.rows) for s in self.sections]})


def collect(session: Session, viewer: Viewer, student_id: int) -> Extract:
    """The extract's contents, neither logged nor handed out. Administrators only; a
    missing student is answered as everywhere (AccessDenied, one message)."""
    require_role(viewer, Role.ADMIN)
    student = require_student(session, viewer, student_id)
    names = load_names(session, student)
    protected = bool(student.protected_identity)
    number = student.personal_number
    return Extract(
        student_id=student.id, name=display_name(student),
        number=mask(number, True) if protected else f"{number[:8]}-{number[8:]}",
        protected=protected,
        home_municipality=names.municipalities.get(student.home_municipality_id, ""),
        made_at=utcnow(), made_by=viewer.name,
        sections=tuple(Section(p.key, _(p.heading), _(p.note) if p.note else "",
                               p.read(session, names)) for p in PARTS))


def register_extract(session: Session, viewer: Viewer, student_id: int,
                     note: str | None = None) -> Extract:
    """The student's register extract, written to the audit log as taken (in the caller's
    write, so that an extract that fails to build is not logged)."""
    extract = collect(session, viewer, student_id)
    log_event(session, viewer, AuditAction.REGISTER_EXTRACT, AuditEntity.STUDENT, student_id,
              student_id=student_id, note=note)
    return extract


def extract_summary(session: Session, viewer: Viewer, student_id: int) -> Extract:
    """What the extract would hold, to show before it is taken; logged as a view of the
    student."""
    extract = collect(session, viewer, student_id)
    log_view(session, viewer, AuditAction.VIEW_STUDENT, AuditEntity.STUDENT, student_id,
             student_id=student_id, note="Registerutdrag, innehåll")
    return extract


def export_extract(session: Session, viewer: Viewer, student_id: int, kind: str) -> bytes:
    """The extract as a file ("pdf" or "xlsx"), in Swedish, audited."""
    build = {"pdf": extract_pdf, "xlsx": extract_excel}[kind]
    with use_language(SWEDISH):
        return build(register_extract(session, viewer, student_id,
                                      note=f"Registerutdrag ({kind})"))


def file_name(student_id: int, kind: str, today: dt.date | None = None) -> str:
    """registerutdrag-<student id>-<date>.<kind>: never a name or a personal number."""
    day = today or local_today()
    return download_name(f"registerutdrag-{student_id}-{day:%Y-%m-%d}.{kind}")


# --- Finding the student ---------------------------------------------------------------------

NUMBER_LIKE = re.compile(r"^[\d\s+\-\u2212]{10,15}$")


def find_students(session: Session, viewer: Viewer, text: str = "",
                  include: int | None = None, limit: int = 50) -> list[tuple[int, str]]:
    """(id, label) of students whose name holds `text`, or whose personal identity number
    it is (a protected identity is found by the number only, and named by its id), and
    the student `include` (the one already chosen) if there is one. Administrators only."""
    require_role(viewer, Role.ADMIN)
    text = text.strip()
    query = select(Student).order_by(Student.last_name, Student.first_name, Student.id)
    if NUMBER_LIKE.match(text):
        try:
            query = query.where(Student.personal_number == normalize(text, local_today()))
        except InvalidPersonalNumber:
            query = query.where(Student.id.is_(None))
    elif text:
        full_name = func.lower(Student.first_name + " " + Student.last_name)
        query = query.where(Student.protected_identity.is_(False),
                            full_name.like(f"%{text.lower()}%"))
    found = list(session.scalars(query.limit(limit)))
    if include is not None and include not in {s.id for s in found}:
        found += list(session.scalars(select(Student).where(Student.id == include)))
    return [(s.id, _label(s)) for s in found]


def _label(student: Student) -> str:
    if student.protected_identity:
        return display_name(student)
    return f"{display_name(student)}, {mask(student.personal_number)}"


# --- The documents -----------------------------------------------------------------------

def extract_pdf(extract: Extract) -> bytes:
    """The extract as a PDF: the protected identity's notice first, then each part with
    its heading and table."""
    pdf = Document(extract.title, extract.lines)
    if extract.protected:
        pdf.heading(_("Skyddad identitet"))
        pdf.paragraph(extract.notice)
    for section in extract.sections:
        pdf.heading(section.heading)
        rows = section.rows
        if section.key == "absence_days":  # a page of lessons per week of school: by day
            rows = per_day(rows)
            pdf.paragraph(_(PER_DAY))
        elif section.note:
            pdf.paragraph(section.note)
        rows = _blank_missing(rows)
        pdf.table(rows, widths=_weights(rows))
    return pdf.output()


PER_DAY = N_("En rad per dag och skola. Varje lektion, med kurs och starttid, finns i "
             "Excel-filen som hör till utdraget.")
DAY_KEYS = ["date", "school", "term"]


def per_day(rows: pd.DataFrame) -> pd.DataFrame:
    """The absence per day and lesson summed per day and school, with the lessons counted
    (a PDF table of every lesson of three years would run to a hundred pages)."""
    if rows.empty:
        return pd.DataFrame(columns=[*DAY_KEYS, "lessons", *MINUTES, "unreported_minutes"])
    grouped = rows.groupby(DAY_KEYS, sort=False)
    days = grouped[MINUTES].sum()
    days.insert(0, "lessons", grouped.size())
    days["unreported_minutes"] = grouped["unreported_minutes"].sum(min_count=1)
    return days.reset_index()


def extract_excel(extract: Extract) -> bytes:
    """The extract as a workbook: a first sheet on the extract and what it holds, then one
    sheet per part."""
    notice = (_("Skyddad identitet"), extract.notice) if extract.protected else ()
    sheets = [Sheet(_("Om utdraget"), (extract.title, *notice, *extract.lines),
                    extract.counts())]
    sheets += [Sheet(section.heading, (section.heading, section.note),
                     _yes_no(section.rows)) for section in extract.sections]
    return workbook(sheets)


def _blank_missing(rows: pd.DataFrame) -> pd.DataFrame:
    """Empty cells as nothing (a PDF table would show a missing share as "..", which
    means a hidden figure)."""
    return rows.astype(object).where(rows.notna(), "")


def _yes_no(rows: pd.DataFrame) -> pd.DataFrame:
    """Yes and no as words (Excel would write TRUE and FALSE)."""
    shown = rows.copy()
    for name in shown.columns:
        if columns.kind(name) == columns.BOOL:
            shown[name] = [formats.yes_no(bool(v)) if v in (True, False) else v
                           for v in shown[name]]
    return shown


def _weights(rows: pd.DataFrame) -> tuple[float, ...] | None:
    """Column widths by how much each column says: long texts get more of the page."""
    if rows.empty:
        return None
    return tuple(min(4.0, max(1.0, rows[name].head(200).astype(str).str.len().mean() / 12))
                 for name in rows.columns)
