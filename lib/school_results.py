"""Results per municipality and term for the Region page (project leaders: their region;
administrators: all), as aggregates only: the schools the municipality's students attend and
those it has an agreement with, the students counted in the indicators, how many are at or
over 15 % and 20 %, their mean absence share, how many the coach has marked *prioriterad*,
and the cohort of a year earlier (lib.results_cohort). Cells on fewer than 10 students are
hidden, with complementary suppression, as in every regional table (lib.suppression); the
students and the counts ≥ 15 % and ≥ 20 % are the regional indicators' own cells
(lib.indicators.municipality_table), hidden where they are hidden there."""

from __future__ import annotations

import datetime as dt
import io
from copy import copy
from dataclasses import dataclass

import pandas as pd
from openpyxl import load_workbook
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from data_models.codes import CollaborationStatus, Role
from data_models.models import (
    Collaboration,
    Enrolment,
    Municipality,
    PriorityMark,
    Student,
    StudentTermSummary,
    Term,
)
from lib import columns, formats
from lib.access import Viewer, municipality_clause, require_role
from lib.analytics import MIN_CELL
from lib.exports import Sheet, sheet_title, workbook
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.indicators import HIDDEN_NOTE, TOTAL, municipality_table, suppressed_counts
from lib.results_cohort import Cohort, cohort
from lib.week_windows import MIN_SCHEDULED_MINUTES

RESULT_COLUMNS = ["municipality", "is_total", "schools_attended", "schools_collaborating",
                  "students", "students_over_15", "students_over_20", "mean_absence",
                  "prioritised"]

DEFINITIONS = N_("""
**Skolor med kommunens elever**: skolor där någon elev folkbokförd i kommunen var inskriven
någon gång under terminen. **Skolor med överenskommelse**: skolor där kommunens samverkan har
status *överenskommen*, med överenskommelsen ingången senast terminens sista dag (eller utan
datum). I totalraden räknas varje skola en gång. Antalet skolor visas inte för en kommun vars
elever döljs.

**Elever**, **≥ 15 %** och **≥ 20 %**: samma elever och nivåer som i de regionala
indikatorerna (minst {hours} timmar schemalagd tid under terminen), och dolda där tabellen per
kommun döljer dem. **Frånvaro, medel**: medelvärdet av elevernas frånvaroandelar (varje elev
väger lika, oavsett schemalagd tid); totalens medelvärde döljs när det tillsammans med de
visade skulle ge medelvärdet för färre än 10 elever i de dolda kommunerna.
**Prioriterade**: de av eleverna som coachen har markerat som prioriterade, med markeringen
satt senast terminens sista dag och kvar i dag.

**Kohorten**: eleverna som var minst 20 % frånvarande samma termin ett år tidigare (räknade i
indikatorerna då), efter hemkommun i dag. *Nu* är terminens sista dag, eller i dag medan
terminen pågår. *Samma skola*: inskriven nu på en skola där eleven hade frånvaro registrerad
ett år tidigare; *annan skola*: inskriven nu på andra skolor; *inte längre inskrivna*: ingen
inskrivning nu, varav *i KAA-ärende* de med ett öppet ärende i aktivitetsansvaret. Av de
inskrivna: frånvaron den här terminen under 15 %, 15–20 % och minst 20 %, och de *utan
frånvarouppgifter* (för lite schemalagd tid, eller ingen frånvaro inläst ännu). Orsakerna är
orsaken till det senaste studieavbrottet som registrerats sedan terminen ett år tidigare
började, för de som inte längre är inskrivna (de utan registrerat avbrott räknas inte).

**Sekretess**: inga enskilda elever visas. Celler som bygger på färre än 10 elever visas som
"..", och ytterligare celler döljs så att ingen dold cell kan räknas fram ur totalerna och de
tal som visas. Kohortens delar (till exempel annan skola = inskrivna − samma skola) visas bara
där båda talen de räknas fram ur visas, och en del med 1–9 elever döljer ett av dem.
""")


@dataclass(frozen=True)
class RegionResults:
    term_code: str
    municipalities: pd.DataFrame  # RESULT_COLUMNS: per municipality and the total
    cohort: Cohort | None  # None: no term a year earlier


def definitions() -> str:
    """The definitions of the results and the cohort (Markdown), in the run's language."""
    return _(DEFINITIONS).format(hours=MIN_SCHEDULED_MINUTES // 60)


def region_results(session: Session, viewer: Viewer, term_id: int,
                   today: dt.date) -> RegionResults:
    require_role(viewer, Role.PROJECT_LEADER, Role.ADMIN)
    term = session.get(Term, term_id)
    return RegionResults(term.code, _municipalities(session, viewer, term),
                         cohort(session, viewer, term, today))


def _municipalities(session: Session, viewer: Viewer, term: Term) -> pd.DataFrame:
    shares = municipality_table(session, viewer, term.id).set_index("municipality")
    names = shares.index[~shares["is_total"]]
    followed = _followed(session, viewer, term).reindex(names, fill_value=0)
    students_shown = shares["students"].notna()
    marked = suppressed_counts(
        followed[["students", "prioritised"]].astype(int), "students", ["prioritised"],
        students_shown.reindex(names)).set_index("municipality")["prioritised"]
    mean = pd.concat([followed["mean_absence"], pd.Series(
        {shares.index[-1]: _overall_mean(followed, ~students_shown.reindex(names))})])
    attended, collaborating = _schools(session, viewer, term, names)
    table = pd.DataFrame({"municipality": shares.index, "is_total": shares["is_total"].values})
    table["schools_attended"] = _where(attended.reindex(shares.index), students_shown)
    table["schools_collaborating"] = _where(collaborating.reindex(shares.index),
                                            students_shown)
    table["students"] = shares["students"].values
    for count, share in (("students_over_15", "share_15"), ("students_over_20", "share_20")):
        table[count] = [None if pd.isna(s) or pd.isna(n) else round(s * n)
                        for s, n in zip(shares[share], shares["students"], strict=True)]
    table["mean_absence"] = _where(mean.reindex(shares.index), students_shown)
    table["prioritised"] = _where(marked.reindex(shares.index), students_shown)
    return table[RESULT_COLUMNS]


def _where(values: pd.Series, shown: pd.Series) -> list:
    """The values as plain numbers, None where the row's students are hidden."""
    return [None if not ok or pd.isna(v) else (v.item() if hasattr(v, "item") else v)
            for v, ok in zip(values.tolist(), shown.tolist(), strict=True)]


def _followed(session: Session, viewer: Viewer, term: Term) -> pd.DataFrame:
    """Per municipality (by name): the students counted in the indicators this term, the
    mean of their absence shares, and how many of them carry the priority marker."""
    summary = StudentTermSummary
    per_student = (
        select(Student.home_municipality_id.label("municipality_id"),
               summary.student_id.label("student_id"),
               (func.sum(summary.absent) * 1.0 / func.sum(summary.scheduled)).label("share"))
        .join(Student, Student.id == summary.student_id)
        .where(summary.term_id == term.id)
        .group_by(Student.home_municipality_id, summary.student_id)
        .having(func.sum(summary.scheduled) >= MIN_SCHEDULED_MINUTES)
        .subquery())
    frame = read_frame(session, select(
        Municipality.name, func.count(), func.avg(per_student.c.share),
        func.count(PriorityMark.student_id))
        .select_from(per_student)
        .join(Municipality, Municipality.id == per_student.c.municipality_id)
        .outerjoin(PriorityMark, and_(PriorityMark.student_id == per_student.c.student_id,
                                      PriorityMark.marked_on <= term.end_date))
        .where(municipality_clause(viewer)).group_by(Municipality.name),
        ["municipality", "students", "mean_absence", "prioritised"])
    frame["mean_absence"] = frame["mean_absence"].astype(float)
    return frame.set_index("municipality")


def _overall_mean(followed: pd.DataFrame, hidden: pd.Series) -> float | None:
    """The mean over every student in scope: the municipalities' means weighted by their
    students. None where it would give the mean of the hidden municipalities' students
    together, and they are 1–9."""
    students = followed["students"].astype(float)
    if students.sum() <= 0 or 1 <= students[hidden].sum() < MIN_CELL:
        return None
    return float((followed["mean_absence"].fillna(0) * students).sum() / students.sum())


def _schools(session: Session, viewer: Viewer, term: Term,
             names: pd.Index) -> tuple[pd.Series, pd.Series]:
    """Schools attended by each municipality's students during the term, and schools with
    an agreed collaboration by the term's end; the total counts each school once."""
    attended = (select(Municipality.name.label("municipality"),
                       Enrolment.school_id.label("school_id"))
                .join(Student, Student.id == Enrolment.student_id)
                .join(Municipality, Municipality.id == Student.home_municipality_id)
                .where(Enrolment.start_date <= term.end_date,
                       or_(Enrolment.end_date.is_(None), Enrolment.end_date >= term.start_date),
                       municipality_clause(viewer)))
    agreed = (select(Municipality.name.label("municipality"),
                     Collaboration.school_id.label("school_id"))
              .join(Municipality, Municipality.id == Collaboration.municipality_id)
              .where(Collaboration.status == CollaborationStatus.AGREED,
                     or_(Collaboration.agreed_on.is_(None),
                         Collaboration.agreed_on <= term.end_date),
                     municipality_clause(viewer)))
    return (_school_counts(session, attended, names), _school_counts(session, agreed, names))


def _school_counts(session: Session, query, names: pd.Index) -> pd.Series:
    pairs = read_frame(session, query.distinct(), ["municipality", "school_id"])
    per = pairs.groupby("municipality")["school_id"].nunique().reindex(names, fill_value=0)
    return pd.concat([per, pd.Series({_(TOTAL): pairs["school_id"].nunique()})]).astype(int)


# --- Excel --------------------------------------------------------------------------------

def results_sheets(results: RegionResults) -> list[Sheet]:
    """The results and the cohort as sheets, suppressed cells written as "..", in the run's
    language."""
    def shown(frame: pd.DataFrame) -> pd.DataFrame:
        return columns.visible(frame.astype(object).where(frame.notna(), formats.HIDDEN))
    term, hidden = results.term_code, _(HIDDEN_NOTE)
    sheets = [Sheet(_("Resultat per kommun"), (
        _("Skolor, elever och prioriterade per kommun, {term}").format(term=term), hidden),
        shown(results.municipalities))]
    if results.cohort is not None:
        found = results.cohort
        title = _("Elever ≥ 20 % {earlier}: var de är {day}").format(
            earlier=found.earlier_code, day=found.as_of.isoformat())
        sheets += [Sheet(_("Kohort"), (title, hidden), shown(found.table)),
                   Sheet(_("Kohort, avbrott"), (_("Inte längre inskrivna, efter registrerad "
                                                  "orsak"), hidden), shown(found.reasons))]
    sheets.append(Sheet(_("Definitioner, resultat"), (_("Definitioner"),), pd.DataFrame(
        {_("Definition"): [p.replace("\n", " ").replace("*", "").strip()
                           for p in definitions().split("\n\n") if p.strip()]})))
    return sheets


def with_results(book: bytes, results: RegionResults) -> bytes:
    """The region workbook (lib.indicators.indicators_excel) with the results' sheets added
    at its end, formatted as they are written on their own."""
    target = load_workbook(io.BytesIO(book))
    source = load_workbook(io.BytesIO(workbook(results_sheets(results))))
    for sheet in source.worksheets:
        added = target.create_sheet(sheet_title(sheet.title, target.sheetnames))
        for row in sheet.iter_rows():
            for cell in row:
                new = added.cell(row=cell.row, column=cell.column, value=cell.value)
                if cell.has_style:
                    new.font, new.fill = copy(cell.font), copy(cell.fill)
                    new.alignment, new.number_format = copy(cell.alignment), cell.number_format
        for letter, dimension in sheet.column_dimensions.items():
            added.column_dimensions[letter].width = dimension.width
        added.freeze_panes = sheet.freeze_panes
    buffer = io.BytesIO()
    target.save(buffer)
    return buffer.getvalue()
