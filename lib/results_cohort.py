"""The cohort on the Region page: the students who were at or over 20 % in the same term a
year earlier, and where they are now. Counted per home municipality; only the counts leave
this module, with cells on fewer than 10 students hidden (lib.band_suppression).

Definitions (also in lib.school_results.DEFINITIONS, for the reader):
- the cohort: students counted in the regional indicators in the same term a year earlier
  (at least the minimum scheduled time over all schools) whose absence then was at least
  20 % (the fixed regional level, the same count as the indicators' ≥ 20 % that term), by
  their home municipality now;
- *now* is the term's last day, or today while the term runs;
- still enrolled: an enrolment at some school on that day; at the same school: one of them
  at a school where the student had absence recorded a year earlier; at another school:
  the rest of the enrolled;
- no longer enrolled (ended): the rest of the cohort; in a KAA case: of them, those with an
  episode of the activity responsibility open on that day; the reason of the latest study
  interruption recorded since the earlier term began is counted for the whole scope;
- of the still enrolled: under 15 %, 15–20 % and at least 20 % this term (over all schools,
  among those counted in the indicators this term), and those without figures (not
  counted: too little scheduled time, or no absence imported yet)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from data_models.codes import InterruptionReason, Role
from data_models.models import (
    Enrolment,
    KaaEpisode,
    Municipality,
    Student,
    StudentTermSummary,
    StudyInterruption,
    Term,
)
from lib.access import Viewer, municipality_clause, require_role
from lib.analytics import MIN_CELL
from lib.band_suppression import Band, suppress_bands
from lib.frames import read_frame
from lib.i18n import _
from lib.indicators import HIGH, TOTAL, WATCH
from lib.week_windows import MIN_SCHEDULED_MINUTES

# Nested counts (each a subset of the one it is paired with), and the bands shown between
# them. "enrolled_or_kaa" is only there to give "in a KAA case" its place in the nesting:
# the students still enrolled, and those in an open KAA case (never enrolled at once).
NESTED = ["enrolled_or_kaa", "enrolled", "same_school", "measured_now", "now_over_15",
          "now_over_20"]
ORDER = (("enrolled", "enrolled_or_kaa"), ("same_school", "enrolled"),
         ("measured_now", "enrolled"), ("now_over_15", "measured_now"),
         ("now_over_20", "now_over_15"))
BANDS = (Band("other_school", "enrolled", "same_school", hides="same_school"),
         Band("ended", "cohort", "enrolled", hides="enrolled"),
         Band("in_kaa", "enrolled_or_kaa", "enrolled", hides="enrolled_or_kaa"),
         Band("without_figures", "enrolled", "measured_now", hides="measured_now"),
         Band("now_under_15", "measured_now", "now_over_15", hides="now_over_15"),
         Band("now_15_to_20", "now_over_15", "now_over_20", hides="now_over_20"))
# The table as shown: where they are, then how the enrolled are doing.
SHOWN = ["municipality", "is_total", "cohort", "enrolled", "same_school", "other_school",
         "ended", "in_kaa", "now_under_15", "now_15_to_20", "now_over_20", "without_figures"]


@dataclass(frozen=True)
class Cohort:
    earlier_code: str  # the term a year earlier, where the cohort comes from
    as_of: dt.date  # the day "now" is about
    table: pd.DataFrame  # SHOWN: one row per municipality and the total; None where hidden
    reasons: pd.DataFrame  # interruption_reason, students: None where hidden


def cohort(session: Session, viewer: Viewer, term: Term, today: dt.date) -> Cohort | None:
    """The cohort for the term, or None when there is no term a year earlier: for project
    leaders (their region) and administrators."""
    require_role(viewer, Role.PROJECT_LEADER, Role.ADMIN)
    earlier = session.scalar(select(Term).where(Term.kind == term.kind,
                                                Term.year == term.year - 1))
    if earlier is None:
        return None
    as_of = min(term.end_date, today)
    places = read_frame(session, select(Municipality.name).where(municipality_clause(viewer))
                        .order_by(Municipality.name), ["municipality"])["municipality"]
    students = _statuses(session, viewer, earlier, term, as_of)
    counts = (students.groupby("municipality")[["cohort", *NESTED]].sum()
              .reindex(places, fill_value=0).astype(int))
    table = suppress_bands(counts, "cohort", NESTED, ORDER, BANDS, label="municipality",
                           total=_(TOTAL))
    return Cohort(earlier.code, as_of, table[SHOWN], _reasons(students))


def _members(viewer: Viewer, earlier: Term):
    """The cohort as a query of (student_id, municipality name)."""
    summary = StudentTermSummary
    return (select(summary.student_id, Municipality.name.label("municipality"))
            .join(Student, Student.id == summary.student_id)
            .join(Municipality, Municipality.id == Student.home_municipality_id)
            .where(summary.term_id == earlier.id, municipality_clause(viewer))
            .group_by(summary.student_id, Municipality.name)
            .having(func.sum(summary.scheduled) >= MIN_SCHEDULED_MINUTES,
                    func.sum(summary.absent) * 1.0 / func.sum(summary.scheduled) >= HIGH))


def _statuses(session: Session, viewer: Viewer, earlier: Term, term: Term,
              as_of: dt.date) -> pd.DataFrame:
    """One row per member of the cohort: 1/0 per nested count, and the latest interruption's
    reason. Never leaves this module."""
    members = _members(viewer, earlier).subquery()
    ids = select(members.c.student_id)
    frame = read_frame(session, select(members.c.student_id, members.c.municipality),
                       ["student_id", "municipality"]).set_index("student_id")
    then = _pairs(session, select(StudentTermSummary.student_id, StudentTermSummary.school_id)
                  .where(StudentTermSummary.term_id == earlier.id,
                         StudentTermSummary.scheduled > 0,
                         StudentTermSummary.student_id.in_(ids)))
    now = _pairs(session, select(Enrolment.student_id, Enrolment.school_id).where(
        Enrolment.student_id.in_(ids), Enrolment.start_date <= as_of,
        or_(Enrolment.end_date.is_(None), Enrolment.end_date >= as_of)))
    kaa = set(session.scalars(select(KaaEpisode.student_id).where(
        KaaEpisode.student_id.in_(ids), KaaEpisode.opened_on <= as_of,
        or_(KaaEpisode.closed_on.is_(None), KaaEpisode.closed_on > as_of))))
    shares = _shares_now(session, ids, term)
    enrolled = frame.index.isin([student for student, _school in now])
    measured = enrolled & frame.index.isin(shares.index)
    share = shares.reindex(frame.index)
    return frame.assign(
        cohort=1, enrolled=enrolled.astype(int),
        enrolled_or_kaa=(enrolled | frame.index.isin(list(kaa))).astype(int),
        same_school=frame.index.isin([s for s, school in now if (s, school) in then])
        .astype(int),
        measured_now=measured.astype(int),
        now_over_15=(measured & (share >= WATCH)).astype(int),
        now_over_20=(measured & (share >= HIGH)).astype(int),
        reason=_latest_reasons(session, ids, earlier.start_date, as_of).reindex(frame.index)
        .where(~enrolled))


def _pairs(session: Session, query) -> set[tuple[int, int]]:
    return {(student, school) for student, school in session.execute(query)}


def _shares_now(session: Session, ids, term: Term) -> pd.Series:
    """This term's absence share over all schools, of the students counted in the
    indicators this term."""
    summary = StudentTermSummary
    rows = session.execute(
        select(summary.student_id, func.sum(summary.absent) * 1.0 / func.sum(summary.scheduled))
        .where(summary.term_id == term.id, summary.student_id.in_(ids))
        .group_by(summary.student_id)
        .having(func.sum(summary.scheduled) >= MIN_SCHEDULED_MINUTES)).all()
    return pd.Series({student: float(share) for student, share in rows}, dtype=float)


def _latest_reasons(session: Session, ids, since: dt.date, as_of: dt.date) -> pd.Series:
    """Per student, the reason of the latest interruption recorded from `since` to `as_of`."""
    rows = session.execute(
        select(StudyInterruption.student_id, StudyInterruption.reason)
        .where(StudyInterruption.student_id.in_(ids), StudyInterruption.date >= since,
               StudyInterruption.date <= as_of)
        .order_by(StudyInterruption.date, StudyInterruption.id)).all()
    return pd.Series({student: str(reason) for student, reason in rows}, dtype=object)


def _reasons(students: pd.DataFrame) -> pd.DataFrame:
    """The ended members per recorded reason, over the whole scope. A count of 1–9 is
    hidden; no total of the reasons is published (the ended without a recorded reason are
    not a row), so a hidden one cannot be worked out by subtraction."""
    found = students["reason"].dropna().value_counts()
    counts = [int(found.get(reason.value, 0)) for reason in InterruptionReason]
    return pd.DataFrame({"interruption_reason": [r.value for r in InterruptionReason],
                         "students": [None if 1 <= n < MIN_CELL else n for n in counts]})
