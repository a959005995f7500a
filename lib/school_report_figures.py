"""The figures of the termly school report (lib.school_report): for one school, the students
registered in one municipality, and one term against the term before it. Aggregates only:
counts and shares, never a name.

Definitions (also in REPORT_DEFINITIONS, for the reader of the report):
- students: the municipality's students with scheduled time at the school in the term;
- ≥ 15 % / ≥ 20 %: of them, those whose absence (valid + invalid) at the school is at least
  15 % / 20 % of their scheduled time there: the region's fixed levels (lib.indicators);
- mean absence: the mean of the students' absence shares, split into valid and invalid
  (the two add up to it); the change against the previous term is in percentage points;
- reporting rate: the share of scheduled time for which attendance was registered at all
  (lib.analytics.reporting_rate), over the time whose file says so;
- flagged: over the municipality's own watch level (up to its high level), over its high
  level, rising (lib.analytics' trend rule, over the student's weeks at the school), and
  all students that are any of these;
- measures: of those students, the measures at the school or at no named school (a measure
  written on the student page names none) that started in the term, and those followed up
  in the term: with a follow-up written in the term, or closed (done or stopped) with their
  follow-up date in the term;
- review meetings held: the municipality's meetings at the school in the term that were
  held (or approved)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from data_models.codes import MeasureStatus, MeetingStatus, Trend
from data_models.models import (
    Measure,
    MeasureFollowUp,
    Meeting,
    Municipality,
    Student,
    StudentTermSummary,
    Term,
)
from lib import analytics, formats
from lib.access import Viewer, absence_clause
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.indicators import HIGH, WATCH
from lib.summaries import TREND_SUMS, term_trends, trend_sum_columns

ABSENCE_COLUMNS = ["term", "students", "students_over_15", "share_15", "students_over_20",
                   "share_20", "mean_absence", "mean_valid", "mean_invalid", "reporting_rate",
                   "reporting_unknown"]
FOLLOW_UP_COLUMNS = ["term", "flagged_watch", "flagged_high", "rising", "flagged",
                     "measures_started", "measures_followed_up", "meetings_held"]
CHANGE_COLUMNS = ["term", "change_15", "change_20", "change_mean"]

REPORT_DEFINITIONS = N_("""
Elever: elever folkbokförda i {municipality} med schemalagd tid på skolan under terminen.
≥ 15 % och ≥ 20 %: de av eleverna vars frånvaro (giltig och ogiltig) på skolan är minst 15 %
respektive 20 % av den schemalagda tiden, samma fasta nivåer som i de regionala
indikatorerna. Frånvaro, medel: medelvärdet av elevernas frånvaroandelar, uppdelat på giltig
och ogiltig frånvaro. Förändringen mot terminen före är i procentenheter.
Rapporteringsgrad: andelen schemalagd tid där närvaro alls registrerades.
Flaggade: elever över kommunens bevakningsnivå ({watch}) men under den höga nivån, över den
höga nivån ({high}), med stigande frånvaro, och alla som är något av detta.
Åtgärder: elevernas åtgärder på skolan eller utan angiven skola som startade under
terminen, och de som följdes upp under terminen (en uppföljning skriven under terminen, eller
avslutade med uppföljningsdatum under terminen). Genomförda möten: kommunens
genomgångsmöten på skolan under terminen som har hållits.
Rapporten innehåller bara antal och andelar, inga namn. Små antal kan ändå peka ut enskilda
elever: rapporten är till för skolan och kommunens ungdomscoach.
""")


@dataclass(frozen=True)
class TermFigures:
    """One term's figures for the municipality's students at the school."""

    term: str
    students: int
    students_over_15: int
    students_over_20: int
    share_15: float | None
    share_20: float | None
    mean_absence: float | None
    mean_valid: float | None
    mean_invalid: float | None
    reporting_rate: float | None  # None: no file said how much time went unreported
    flagged_watch: int
    flagged_high: int
    rising: int
    flagged: int
    measures_started: int
    measures_followed_up: int
    meetings_held: int
    meeting_dates: tuple[dt.date, ...]


@dataclass(frozen=True)
class ReportFigures:
    school: str
    municipality: str
    watch: float  # the municipality's own levels, for the flagged students
    high: float
    now: TermFigures
    previous: TermFigures | None  # the term before, if there is one

    def change(self, name: str) -> float | None:
        """A share's change against the previous term, in percentage points."""
        before = getattr(self.previous, name, None)
        now = getattr(self.now, name)
        return None if before is None or now is None else (now - before) * 100

    def terms(self) -> list[TermFigures]:
        return [t for t in (self.previous, self.now) if t is not None]

    def absence_table(self) -> pd.DataFrame:
        """One row per term (the previous one first): machine columns (lib.columns)."""
        return pd.DataFrame([{
            "term": t.term, "students": t.students, "students_over_15": t.students_over_15,
            "share_15": t.share_15, "students_over_20": t.students_over_20,
            "share_20": t.share_20, "mean_absence": t.mean_absence,
            "mean_valid": t.mean_valid, "mean_invalid": t.mean_invalid,
            "reporting_rate": t.reporting_rate,
            "reporting_unknown": t.students > 0 and t.reporting_rate is None,
        } for t in self.terms()], columns=ABSENCE_COLUMNS)

    def follow_up_table(self) -> pd.DataFrame:
        return pd.DataFrame([{name: getattr(t, name) for name in FOLLOW_UP_COLUMNS}
                             for t in self.terms()], columns=FOLLOW_UP_COLUMNS)

    def change_table(self) -> pd.DataFrame:
        """The change against the previous term: one row, empty without a previous term."""
        if self.previous is None:
            return pd.DataFrame(columns=CHANGE_COLUMNS)
        return pd.DataFrame([{
            "term": _("{term} mot {previous}").format(term=self.now.term,
                                                      previous=self.previous.term),
            "change_15": self.change("share_15"), "change_20": self.change("share_20"),
            "change_mean": self.change("mean_absence")}], columns=CHANGE_COLUMNS)

    def definitions(self) -> str:
        """The definitions in the run's language, as one paragraph."""
        text = _(REPORT_DEFINITIONS).format(municipality=self.municipality,
                                            watch=formats.level(self.watch),
                                            high=formats.level(self.high))
        return " ".join(text.split())


def figures(session: Session, viewer: Viewer, school_id: int, school: str,
            municipality_id: int, term: Term) -> ReportFigures:
    """The report's figures for a pair the caller has checked (lib.school_pairs)."""
    municipality = session.get(Municipality, municipality_id)
    previous = session.scalar(select(Term).where(Term.start_date < term.start_date)
                              .order_by(Term.start_date.desc()).limit(1))

    def one(which: Term) -> TermFigures:
        return term_figures(session, viewer, school_id, municipality, which)
    return ReportFigures(school=school, municipality=municipality.name,
                         watch=municipality.watch_threshold, high=municipality.high_threshold,
                         now=one(term), previous=one(previous) if previous else None)


def _students(viewer: Viewer, school_id: int, municipality_id: int, term_id: int) -> list:
    summary = StudentTermSummary
    return [summary.term_id == term_id, summary.school_id == school_id, summary.scheduled > 0,
            Student.home_municipality_id == municipality_id, absence_clause(viewer, summary)]


def term_figures(session: Session, viewer: Viewer, school_id: int, municipality: Municipality,
                 term: Term) -> TermFigures:
    """One term's figures, from the student × term summary (one row per student at the
    school), the measures and the meetings."""
    summary = StudentTermSummary
    conditions = _students(viewer, school_id, municipality.id, term.id)
    rows = read_frame(session,
        select(summary.student_id, summary.scheduled, summary.absent, summary.valid,
               summary.invalid, summary.unreported, summary.known_scheduled,
               *trend_sum_columns())
        .join(Student, Student.id == summary.student_id).where(*conditions),
        ["student_id", "scheduled", "absent", "valid", "invalid", "unreported",
         "known_scheduled", *TREND_SUMS])
    scheduled = rows["scheduled"].astype(float)
    share = rows["absent"] / scheduled
    rising = _rising(session, viewer, term.id, rows)
    watch, high = municipality.watch_threshold, municipality.high_threshold
    students = select(summary.student_id).join(Student, Student.id == summary.student_id) \
        .where(*conditions)
    held = _meetings_held(session, school_id, municipality.id, term.id)
    return TermFigures(
        term=term.code, students=len(rows),
        students_over_15=int((share >= WATCH).sum()),
        students_over_20=int((share >= HIGH).sum()),
        share_15=_share(int((share >= WATCH).sum()), len(rows)),
        share_20=_share(int((share >= HIGH).sum()), len(rows)),
        mean_absence=_mean(share), mean_valid=_mean(rows["valid"] / scheduled),
        mean_invalid=_mean(rows["invalid"] / scheduled),
        reporting_rate=analytics.reporting_rate(float(rows["known_scheduled"].sum()),
                                                float(rows["unreported"].sum())),
        flagged_watch=int(((share >= watch) & (share < high)).sum()),
        flagged_high=int((share >= high).sum()),
        rising=int(rising.sum()),
        flagged=int(((share >= watch).to_numpy(dtype=bool) | rising).sum()),
        measures_started=_count_measures(session, students, school_id, _started(term)),
        measures_followed_up=_count_measures(session, students, school_id,
                                             _followed_up(term)),
        meetings_held=len(held), meeting_dates=tuple(held))


def _rising(session: Session, viewer: Viewer, term_id: int, rows: pd.DataFrame) -> np.ndarray:
    """Whether each student's absence at the school is rising (one row per student: the
    trend sums kept in the summary row)."""
    if rows.empty:
        return np.zeros(0, dtype=bool)
    trend = term_trends(session, viewer, term_id, rows).reindex(rows["student_id"])
    return (trend.fillna(Trend.NONE) == Trend.UP).to_numpy(dtype=bool)


def _share(count: int, of: int) -> float | None:
    return None if of == 0 else count / of


def _mean(values: pd.Series) -> float | None:
    return None if values.empty else float(values.mean())


def _started(term: Term):
    return Measure.start_date.between(term.start_date, term.end_date)


def _followed_up(term: Term):
    written = exists().where(MeasureFollowUp.measure_id == Measure.id,
                             MeasureFollowUp.date.between(term.start_date, term.end_date))
    closed = and_(Measure.status.in_([MeasureStatus.DONE, MeasureStatus.STOPPED]),
                  Measure.follow_up_date.between(term.start_date, term.end_date))
    return or_(written, closed)


def _count_measures(session: Session, students, school_id: int, condition) -> int:
    return session.scalar(select(func.count(Measure.id)).where(
        Measure.student_id.in_(students), condition,
        or_(Measure.school_id == school_id, Measure.school_id.is_(None)))) or 0


def _meetings_held(session: Session, school_id: int, municipality_id: int,
                   term_id: int) -> list[dt.date]:
    return list(session.scalars(select(Meeting.date).where(
        Meeting.school_id == school_id, Meeting.municipality_id == municipality_id,
        Meeting.term_id == term_id, Meeting.status != MeetingStatus.PLANNED)
        .order_by(Meeting.date)))
