"""Regional indicators for project leaders: per municipality and term, with fixed
definitions, never an individual student, and cells on fewer than 10 students suppressed
(with complementary suppression against the published totals). The effect of measures is
lib.measure_effects; the workbook here holds both."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from data_models.codes import ContactKind, MeetingStatus
from data_models.models import (
    AgendaItem,
    Contact,
    Measure,
    Meeting,
    Municipality,
    MunicipalityTermSummary,
    School,
    Student,
    Term,
)
from data_models.windows import StudentTermFlag
from lib import columns, formats
from lib.access import Role, Viewer, municipality_clause, require_role
from lib.analytics import EFFECT_WEEKS
from lib.exports import Sheet, workbook
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.measure_effects import CAVEAT, EFFECT_HIDDEN_NOTE, IMPROVED
from lib.shared_reads import shared
from lib.suppression import suppress
from lib.week_windows import FIXED_WATCH, MIN_SCHEDULED_MINUTES

WATCH, HIGH = FIXED_WATCH, 0.20  # fixed regional levels, whatever a municipality flags at
# The total row's name, in the run's language; pages and charts find the row by is_total.
TOTAL = N_("Regionen totalt")
COUNTS = ["students", "over_15", "over_20", "invalid_over_15", "invalid_over_20"]
# Count → its share's machine column (lib.columns has the headings).
SHARES = {"over_15": "share_15", "over_20": "share_20",
          "invalid_over_15": "invalid_share_15", "invalid_over_20": "invalid_share_20"}
CHANGES = {"share_15": "change_15", "share_20": "change_20"}  # in percentage points
FUNNEL = ("identified", "contacted", "met_by_coach", "discussed_with_school", "measured",
          "improved")
# Counts that are subsets of others, in every municipality: a reader who sees the larger one
# knows a bound on the smaller, so suppression has to reckon with it.
SHARE_ORDER = (("over_20", "over_15"), ("invalid_over_15", "over_15"),
               ("invalid_over_20", "invalid_over_15"), ("invalid_over_20", "over_20"))
# Contacts where the coach met the student (a coach's student talk logs a "Samtal").
MET_IN_PERSON = (ContactKind.TALK, ContactKind.SCHOOL_VISIT, ContactKind.HOME_VISIT)
FUNNEL_ORDER = (("met_by_coach", "contacted"), ("discussed_with_school", "contacted"),
                ("improved", "measured"))



def definitions() -> str:
    """The definitions of the indicators (Markdown), in the run's language."""
    return _(DEFINITIONS).format(hours=MIN_SCHEDULED_MINUTES // 60, weeks=EFFECT_WEEKS,
                                 improved=f"{IMPROVED:.0f}")


DEFINITIONS = N_("""
**Elever som följs** (nämnare): elever folkbokförda i kommunen med minst
{hours} timmar schemalagd tid under terminen, på en eller flera skolor.
**Period**: terminen (HT: augusti–december, VT: januari–juni), enligt terminsdatumen.

**Andel ≥ 15 % / ≥ 20 %**: andelen av eleverna vars frånvaro (giltig + ogiltig) är minst
15 % respektive 20 % av den schemalagda tiden under terminen. Fasta nivåer för hela
regionen, oberoende av kommunens egna flaggnivåer. **Ogiltig ≥ 15 % / ≥ 20 %**: samma med
bara ogiltig frånvaro. **Förändring**: procentenheter mot samma termin ett år tidigare.
**Rapporteringsgrad**: andelen schemalagd tid där närvaro alls registrerades.

**Tratten**: *identifierade* är eleverna ≥ 15 %; *kontaktade* de av dem som har en loggad
kontakt med ungdomscoachen eller togs upp på ett genomfört möte under terminen, varav
*träffade av coachen* de med ett samtal, skolbesök eller hembesök i kontaktloggen (också
coachens elevsamtal) och *diskuterade med skolan* de som togs upp på ett genomfört möte
(en elev kan vara båda); *med åtgärd* de som fick en åtgärd med start under terminen;
*förbättrade* de med åtgärd vars frånvaro de {weeks} veckorna efter åtgärdens startvecka
var minst {improved} procentenheter lägre än de {weeks} veckorna före.

**Sekretess**: inga enskilda elever visas. Celler som bygger på färre än 10 elever visas
som "..", och ytterligare celler döljs (vid behov även en total) så att ingen dold cell kan
räknas fram ur totalerna och de tal som visas. En dold cell vars värde ändå går att veta,
som en kommun utan elever, räknas inte som skydd. Samma data ger alltid samma tal.
""")


# What ".." means, on the page and in the export alike.
HIDDEN_NOTE = N_("Celler som bygger på färre än 10 elever visas som \"..\", liksom celler som "
                 "annars skulle gå att räkna fram ur totalen, och förändringar som inte går "
                 "att räkna (en dold andel, eller ingen termin ett år tidigare).")


@dataclass(frozen=True)
class RegionIndicators:
    term_code: str
    previous_code: str | None
    table: pd.DataFrame  # one row per municipality and the region total; None = suppressed
    funnel: pd.DataFrame
    meetings: pd.DataFrame
    trend: pd.DataFrame  # term, municipality, share_20: one row per term and municipality


def municipality_table(session: Session, viewer: Viewer, term_id: int) -> pd.DataFrame:
    """The suppressed shares per municipality in the viewer's scope, and the total. Every
    view of these figures uses this one table, so that no two views hide different cells.
    The caller checks the role."""
    return shared(session, viewer, "municipality_table", (term_id,),
                  lambda: _municipality_table(session, viewer, term_id))


def _municipality_table(session: Session, viewer: Viewer, term_id: int) -> pd.DataFrame:
    term = session.get(Term, term_id)
    counts = _counts(session, _scope_municipalities(session, viewer), viewer, [term])
    return _share_table(counts[term.id]).table


def region_indicators(session: Session, viewer: Viewer, term_id: int) -> RegionIndicators:
    require_role(viewer, Role.PROJECT_LEADER, Role.ADMIN)
    term = session.get(Term, term_id)
    previous = session.scalar(select(Term).where(Term.kind == term.kind,
                                                 Term.year == term.year - 1))
    municipalities = _scope_municipalities(session, viewer)
    # Every term up to this one, for the trend; the same term a year earlier is among them.
    terms = session.scalars(select(Term).where(Term.start_date <= term.start_date)
                            .order_by(Term.start_date)).all()
    counts = _counts(session, municipalities, viewer, terms)
    shares = {t.id: _share_table(counts[t.id]) for t in terms}
    now = shares[term.id]
    table = now.table.copy()
    before = (shares[previous.id].table.set_index("municipality") if previous is not None
              else None)
    for column, change in CHANGES.items():
        then = before[column] if before is not None else pd.Series(dtype=float)
        table[change] = [
            None if pd.isna(now_share) or pd.isna(then.get(name)) else
            (now_share - then[name]) * 100
            for name, now_share in zip(table["municipality"], table[column], strict=True)]
    return RegionIndicators(
        term_code=term.code, previous_code=previous.code if previous else None, table=table,
        funnel=_funnel(session, viewer, municipalities, term, counts[term.id], now.mask),
        meetings=_meetings(session, viewer, term), trend=_trend(terms, shares))


@dataclass(frozen=True)
class _Shares:
    table: pd.DataFrame
    mask: pd.DataFrame


def _scope_municipalities(session, viewer) -> pd.DataFrame:
    return read_frame(session, select(Municipality.id, Municipality.name)
                      .where(municipality_clause(viewer)).order_by(Municipality.name),
                      ["municipality_id", "municipality"])


def _counts(session, municipalities: pd.DataFrame, viewer,
            terms: list[Term]) -> dict[int, pd.DataFrame]:
    """Per term: the count columns per municipality in scope (all of them, zero when a
    municipality has no students that term), indexed by municipality name."""
    summary = MunicipalityTermSummary
    rows = read_frame(session,
        select(summary.term_id, Municipality.name, summary.students, summary.over_15,
               summary.over_20, summary.invalid_over_15, summary.invalid_over_20,
               summary.known_scheduled, summary.unreported)
        .join(Municipality, Municipality.id == summary.municipality_id)
        .where(summary.term_id.in_([t.id for t in terms]), municipality_clause(viewer)),
        ["term_id", "municipality", *COUNTS, "known_scheduled", "unreported"])
    names = municipalities["municipality"]
    result = {}
    for term in terms:
        part = (rows[rows["term_id"] == term.id].set_index("municipality")
                .drop(columns="term_id"))
        result[term.id] = part.reindex(names, fill_value=0)
    return result


def _share_table(counts: pd.DataFrame) -> _Shares:
    """Shares per municipality and for the region, with suppressed cells as None."""
    suppressed = suppress(counts, "students", COUNTS[1:], order=SHARE_ORDER)
    mask = suppressed.cells
    full, hidden = _with_total(counts, mask, suppressed.total)
    students = full["students"].astype(float)
    row_hidden = hidden["students"].to_numpy(dtype=bool) | (students == 0).to_numpy()
    table = _rows(full)
    table["students"] = _hide(full["students"].astype(object), hidden["students"])
    for count, column in SHARES.items():
        share = full[count] / students.where(students > 0)
        table[column] = _hide(share, hidden[count].to_numpy(dtype=bool) | row_hidden)
    known = full["known_scheduled"].astype(float)
    rate = 1 - full["unreported"] / known.where(known > 0)
    table["reporting_rate"] = _hide(rate, hidden["students"].to_numpy(dtype=bool))
    # No school's file says how much went unreported: "okänd", unless the row is hidden.
    table["reporting_unknown"] = ((known <= 0).to_numpy()
                                  & ~hidden["students"].to_numpy(dtype=bool))
    return _Shares(table, mask)


def _with_total(counts: pd.DataFrame, cells: pd.DataFrame, total: pd.Series):
    """The counts and their hidden cells with the region total as the last row."""
    name = _(TOTAL)
    return (pd.concat([counts, counts.sum().to_frame(name).T]),
            pd.concat([cells, total.to_frame(name).T]))


def _rows(full: pd.DataFrame) -> pd.DataFrame:
    """A municipality column from the index, and is_total on the last row (the total)."""
    return pd.DataFrame({"municipality": full.index,
                         "is_total": [False] * (len(full) - 1) + [True]})


def _hide(values: pd.Series, hidden) -> list:
    """Values as plain Python numbers, None where hidden or missing."""
    return [None if h or pd.isna(v) else (int(v) if isinstance(v, np.integer) else v)
            for v, h in zip(values.tolist(), list(hidden), strict=True)]


def _funnel(session, viewer: Viewer, municipalities: pd.DataFrame, term: Term,
            counts: pd.DataFrame, table_mask: pd.DataFrame) -> pd.DataFrame:
    """Identified → contacted → with a measure → improved, per municipality. Counted in
    the database in one pass over this term's contacts, reviews and measures (a mark per
    student, then the flagged students among them per municipality): only the numbers per
    municipality leave it."""
    def marks(query, *marked: str):
        return query.add_columns(*(literal(int(name in marked)).label(name)
                                   for name in FUNNEL[1:]))
    met = select(Contact.student_id).where(Contact.date >= term.start_date,
                                           Contact.date <= term.end_date,
                                           Contact.kind.in_(MET_IN_PERSON))
    talked = select(Contact.student_id).where(Contact.date >= term.start_date,
                                              Contact.date <= term.end_date,
                                              Contact.kind.not_in(MET_IN_PERSON))
    reviewed = (select(AgendaItem.student_id).join(Meeting, Meeting.id == AgendaItem.meeting_id)
                .where(Meeting.status != MeetingStatus.PLANNED, Meeting.date >= term.start_date,
                       Meeting.date <= term.end_date))
    in_term = and_(Measure.start_date >= term.start_date, Measure.start_date <= term.end_date)
    measured = select(Measure.student_id).where(in_term)
    first = aliased(Measure)
    first_start = (select(func.min(first.start_date))
                   .where(first.student_id == Measure.student_id,
                          first.start_date >= term.start_date,
                          first.start_date <= term.end_date).scalar_subquery())
    improved = select(Measure.student_id).where(
        in_term, Measure.start_date == first_start,
        (Measure.effect_after - Measure.effect_before) * 100 <= -IMPROVED)
    events = union_all(marks(met, "contacted", "met_by_coach"), marks(talked, "contacted"),
                       marks(reviewed, "contacted", "discussed_with_school"),
                       marks(measured, "measured"), marks(improved, "improved")).subquery()
    student = (select(events.c.student_id,
                      *(func.max(events.c[name]).label(name) for name in FUNNEL[1:]))
               .group_by(events.c.student_id).subquery())
    flag = StudentTermFlag  # at or over 15 % this term, counted in the indicators
    query = (select(Student.home_municipality_id,
                    *(func.sum(student.c[name]) for name in FUNNEL[1:]))
             .select_from(student)
             .join(flag, and_(flag.term_id == term.id, flag.student_id == student.c.student_id))
             .join(Student, Student.id == student.c.student_id))
    if viewer.role != Role.ADMIN:  # an administrator sees every municipality (_in_scope)
        query = (query.join(Municipality, Municipality.id == Student.home_municipality_id)
                 .where(municipality_clause(viewer)))
    rows = session.execute(query.group_by(Student.home_municipality_id)).all()
    by_id = dict(zip(municipalities["municipality_id"], municipalities["municipality"],
                     strict=True))
    found = pd.DataFrame([(by_id[m], *r) for m, *r in rows],
                         columns=["municipality", *FUNNEL[1:]])
    funnel = found.set_index("municipality").reindex(municipalities["municipality"],
                                                     fill_value=0)
    funnel.insert(0, "identified", counts["over_15"].reindex(funnel.index, fill_value=0))
    shown = ~table_mask["over_15"].reindex(funnel.index, fill_value=True)
    return suppressed_counts(funnel.astype(int), "identified", list(FUNNEL[1:]), shown,
                             order=FUNNEL_ORDER)


def identified_students(session: Session, viewer: Viewer,
                        term_id: int) -> tuple[pd.Series, pd.Series]:
    """The students at or over 15 % per municipality in the viewer's scope (by name), and
    where the share table shows that count (its share ≥ 15 % and its students shown)."""
    term = session.get(Term, term_id)
    counts = _counts(session, _scope_municipalities(session, viewer), viewer, [term])[term.id]
    return counts["over_15"], ~_share_table(counts).mask["over_15"]


def suppressed_counts(counts: pd.DataFrame, base: str, columns: list[str], shown: pd.Series,
                      order: tuple[tuple[str, str], ...] = ()) -> pd.DataFrame:
    """A table of counts about the identified students (`base`) per municipality, with the
    region total and its hidden cells as None. The share table gives the identified count
    wherever it shows the share ≥ 15 % (`shown`): it is hidden here where that table hides
    it, and a shown one is never counted as protection."""
    suppressed = suppress(counts, base, columns, order=order,
                          hidden=pd.DataFrame({base: ~shown}),
                          known=pd.DataFrame({base: shown}))
    full, hidden = _with_total(counts, suppressed.cells, suppressed.total)
    table = _rows(full)
    for column in [base, *columns]:
        table[column] = _hide(full[column].astype(object), hidden[column].to_numpy(dtype=bool))
    return table


def _meetings(session, viewer, term: Term) -> pd.DataFrame:
    """Review meetings held (or approved) per school this term."""
    frame = read_frame(session,
        select(School.name, Municipality.name, func.count())
        .join(Meeting, Meeting.school_id == School.id)
        .join(Municipality, Municipality.id == Meeting.municipality_id)
        .where(Meeting.term_id == term.id, Meeting.status != MeetingStatus.PLANNED,
               municipality_clause(viewer))
        .group_by(School.name, Municipality.name).order_by(School.name, Municipality.name),
        ["school", "students_home_municipality", "meetings_held"])
    return frame


def _trend(terms: list[Term], shares: dict[int, _Shares]) -> pd.DataFrame:
    """Share ≥ 20 % per municipality and for the region, term by term."""
    frames = [shares[t.id].table.assign(term=t.code)[["term", "municipality", "is_total",
                                                       "share_20"]] for t in terms]
    return pd.concat(frames, ignore_index=True)


def indicators_excel(indicators: RegionIndicators, effect: pd.DataFrame,
                     talks=None, transitions=None) -> bytes:
    """All tables of the region page in one workbook, in the run's language; suppressed
    cells are written as "..". `talks`: the page's lib.talk_indicators.TalkIndicators;
    `transitions`: its lib.transition_indicators.TransitionIndicators."""
    def shown(frame: pd.DataFrame) -> pd.DataFrame:
        cells = columns.visible(frame.astype(object).where(frame.notna(), formats.HIDDEN))
        return columns.unknown_as_word(cells, frame)
    term, hidden = indicators.term_code, _(HIDDEN_NOTE)
    sheets = [
        Sheet(_("Indikatorer"), (_("Regionala indikatorer {term}").format(term=term), hidden),
              shown(indicators.table)),
        Sheet(_("Tratt"), (_("Från identifierad till förbättrad, {term}").format(term=term),
                           hidden), shown(indicators.funnel)),
        Sheet(_("Möten"), (_("Genomförda möten per skola, {term}").format(term=term),),
              indicators.meetings),
        Sheet(_("Effekt av åtgärder"), (_("Effekt av åtgärder"), _(CAVEAT),
                                        _(EFFECT_HIDDEN_NOTE)), shown(effect)),
        Sheet(_("Trend"), (_("Andel ≥ 20 % per termin"), hidden), shown(indicators.trend)),
        Sheet(_("Definitioner"), (_("Definitioner"),),
              pd.DataFrame({_("Definition"): [p.replace("\n", " ").replace("*", "").strip()
                                              for p in definitions().split("\n\n")
                                              if p.strip()]})),
    ]
    if talks is not None:
        sheets[-1:-1] = [
            Sheet(_("Elevsamtal"), (_("Elevsamtal och handlingsplaner, {term}").format(
                term=term), hidden), shown(talks.table)),
            Sheet(_("Orsaker"), (_("Orsaker och önskat stöd, {term}").format(term=term),
                                 hidden), shown(talks.categories))]
    if transitions is not None:
        sheets[-1:-1] = [
            Sheet(_("Nya elever"), (_("Nya elever, överlämningar och tidiga samtal, {term}"
                                      ).format(term=term), hidden),
                  shown(transitions.schools)),
            Sheet(_("Avbrott och KAA"), (_("Studieavbrott och aktivitetsansvar, {term}").format(
                term=term), hidden), shown(transitions.municipalities))]
    return workbook(sheets)
