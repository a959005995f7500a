"""Results per school and per school organiser (huvudman) for school leaders: their own
schools only, this term against the term before, as aggregates only.

Per school (the same definitions as the termly school report, lib.school_report_figures,
but over the students of every home municipality):
- students: those with scheduled time at the school in the term;
- ≥ 15 % / ≥ 20 %: of them, those whose absence at the school is at least 15 % / 20 % of
  their scheduled time there (the region's fixed levels, lib.indicators);
- mean absence: the mean of the students' absence shares at the school (each student
  weighs the same); the organiser's is hidden where, beside the shown schools', it would
  give the mean of 1–9 students at the hidden ones;
- reporting rate: the share of scheduled time for which attendance was registered at all,
  of the time whose file says so (this term only).

Each organiser's row sums its schools in the viewer's scope. Cells on fewer than 10
students are hidden, with complementary suppression against the organiser's row (the
schools of one organiser are one table of lib.suppression): a table for the organiser can
be passed on without pointing out a student."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import case, func, select, true
from sqlalchemy.orm import Session

from data_models.codes import Role
from data_models.models import School, StudentTermSummary, Term
from lib import analytics, columns, formats
from lib.access import Viewer, require_role
from lib.analytics import MIN_CELL
from lib.exports import Sheet, workbook
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.indicators import HIGH, WATCH
from lib.suppression import suppress

COUNTS = ["students", "students_over_15", "students_over_20"]
ORDER = (("students_over_20", "students_over_15"),)
PREVIOUS = {"students": "previous_students", "students_over_15": "previous_over_15",
            "students_over_20": "previous_over_20", "mean_absence": "previous_mean_absence"}
COLUMNS = ["organiser", "school", "is_total", *COUNTS, "mean_absence", "reporting_rate",
           "reporting_unknown", *PREVIOUS.values()]
NO_ORGANISER = N_("Huvudman inte angiven")
ORGANISER_TOTAL = N_("Alla skolor hos huvudmannen")


@dataclass(frozen=True)
class OrganiserResults:
    term_code: str
    previous_code: str | None
    table: pd.DataFrame  # COLUMNS: per school, then its organiser's row; None where hidden


def organiser_results(session: Session, viewer: Viewer, term_id: int) -> OrganiserResults:
    """For school staff (their schools) and administrators (every school)."""
    require_role(viewer, Role.SCHOOL_STAFF, Role.ADMIN)
    term = session.get(Term, term_id)
    previous = session.scalar(select(Term).where(Term.start_date < term.start_date)
                              .order_by(Term.start_date.desc()).limit(1))
    now = _per_school(session, viewer, term.id)
    before = (_per_school(session, viewer, previous.id) if previous is not None
              else now.iloc[0:0])
    schools = now.index.union(before.index)
    names = _names(session, schools)
    table = _table(now.reindex(schools, fill_value=0), names)
    earlier = _table(before.reindex(schools, fill_value=0), names)
    for column, name in PREVIOUS.items():
        table[name] = earlier[column] if previous is not None else None
    return OrganiserResults(term.code, previous.code if previous else None, table[COLUMNS])


def _scope(viewer: Viewer):
    if viewer.role == Role.ADMIN:
        return true()
    return StudentTermSummary.school_id.in_(viewer.school_ids)


def _per_school(session: Session, viewer: Viewer, term_id: int) -> pd.DataFrame:
    """Per school in scope: the COUNTS, the sum of the students' shares, and the minutes
    for the reporting rate."""
    summary = StudentTermSummary
    share = summary.absent * 1.0 / summary.scheduled

    def over(level):
        return func.sum(case((share >= level, 1), else_=0))
    frame = read_frame(session, select(
        summary.school_id, func.count(), over(WATCH), over(HIGH), func.sum(share),
        func.sum(summary.unreported), func.sum(summary.known_scheduled))
        .where(summary.term_id == term_id, summary.scheduled > 0, _scope(viewer))
        .group_by(summary.school_id),
        ["school_id", *COUNTS, "share_sum", "unreported", "known_scheduled"])
    return frame.astype({"share_sum": float}).set_index("school_id")


def _names(session: Session, schools: pd.Index) -> pd.DataFrame:
    frame = read_frame(session, select(School.id, School.name, School.organiser)
                       .where(School.id.in_([int(s) for s in schools])),
                       ["school_id", "school", "organiser"])
    frame["organiser"] = frame["organiser"].fillna("").str.strip()
    frame.loc[frame["organiser"] == "", "organiser"] = _(NO_ORGANISER)
    return frame.set_index("school_id").sort_values(["organiser", "school"])


def _table(per_school: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    """Per organiser: its schools and its own row, each group suppressed on its own."""
    parts = [_organiser(name, per_school.loc[group.index], group)
             for name, group in names.groupby("organiser", sort=True)]
    if not parts:
        return pd.DataFrame(columns=[c for c in COLUMNS if c not in PREVIOUS.values()])
    return pd.concat(parts, ignore_index=True)


def _organiser(organiser: str, counts: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    counts = counts.astype({c: int for c in COUNTS})
    hidden = suppress(counts, "students", COUNTS[1:], order=ORDER)
    full = pd.concat([counts, counts.sum().to_frame("total").T])
    mask = pd.concat([hidden.cells, hidden.total.to_frame("total").T])
    students = full["students"].astype(float)
    rows_hidden = mask["students"].to_numpy(dtype=bool)
    table = pd.DataFrame({"organiser": organiser,
                          "school": [*names["school"], _(ORGANISER_TOTAL)],
                          "is_total": [False] * len(counts) + [True]})
    for column in COUNTS:
        table[column] = [None if h else int(v) for v, h in zip(
            full[column].tolist(), mask[column].tolist(), strict=True)]
    mean = full["share_sum"] / students.where(students > 0)
    # The organiser's mean beside the shown schools' gives the hidden ones' mean together.
    mean_hidden = rows_hidden.copy()
    mean_hidden[-1] |= bool(1 <= counts["students"][rows_hidden[:-1]].sum() < MIN_CELL)
    table["mean_absence"] = [None if h or pd.isna(v) else float(v)
                             for v, h in zip(mean, mean_hidden, strict=True)]
    rates = [analytics.reporting_rate(k, u) for k, u in zip(
        full["known_scheduled"].astype(float), full["unreported"].astype(float), strict=True)]
    table["reporting_rate"] = [None if h else r for r, h in zip(rates, rows_hidden, strict=True)]
    table["reporting_unknown"] = [r is None and not h for r, h in zip(rates, rows_hidden,
                                                                      strict=True)]
    return table


def organiser_excel(results: OrganiserResults, subtitle: str) -> bytes:
    """The table as a workbook, hidden cells written as ".."."""
    shown = results.table.astype(object).where(results.table.notna(), formats.HIDDEN)
    shown = columns.unknown_as_word(columns.visible(shown), results.table)
    title = _("Per skola och huvudman {term}").format(term=results.term_code)
    return workbook([Sheet(title, (title, subtitle), shown)])
