"""The school page's mapping results: a school's class runs beside the classes' absence.

For one class: each of its runs (up to the term's end) per dimension, with the change since
the class's previous run and the class's absence share in the four weeks before the run.
Without a class: one row per class with its latest run's overall mean, the change since the
run before it and the class's absence this term. A class is the students enrolled in it at
the school (on the run's date; for the term, at any time in it).

The same privacy as every class result (lib.connectedness_results): a mean rests on at
least the viewer's limit of respondents (MIN_OWN for the school's own staff, MIN_CELL for
everyone else), and a count below the limit is not shown. The class's absence is an
aggregate too: outside the school it is hidden for a class of fewer than MIN_CELL
students."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from data_models.codes import InstrumentLevel, Role
from data_models.models import (
    ConnectednessRun,
    Enrolment,
    Instrument,
    School,
    StudentTermSummary,
    StudentWeekSummary,
    Term,
)
from lib.access import AccessDenied, Viewer, sees_all_absence_at
from lib.analytics import EFFECT_WEEKS, MIN_CELL
from lib.connectedness import class_school_clause
from lib.connectedness_results import MIN_OWN, dimension_means, respondent_counts
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.shared_reads import shared

# Where there is nothing to give (no run before, no absence recorded), as against ".." for a
# figure hidden because too few answered.
NONE = "–"
SCHOOL_NOT_FOUND = N_("Skolan finns inte, eller så har du inte behörighet att se den.")
CLASS_RUN_COLUMNS = ["run_id", "date", "instrument", "group_name", "respondents",
                     "dimension", "mean", "mean_change", "class_absence_before"]
SCHOOL_CLASS_COLUMNS = ["run_id", "group_name", "date", "instrument", "respondents", "mean",
                        "mean_change", "class_absence"]


def school_connectedness(session: Session, viewer: Viewer, school_id: int, term_id: int,
                         class_name: str | None) -> pd.DataFrame:
    """A class's runs per dimension (CLASS_RUN_COLUMNS), or the school's classes with their
    latest run (SCHOOL_CLASS_COLUMNS); suppressed for the viewer."""
    school = session.scalar(select(School).where(School.id == school_id,
                                                 class_school_clause(viewer)))
    if school is None:
        raise AccessDenied(_(SCHOOL_NOT_FOUND), viewer=viewer, what="school", what_id=school_id)
    return shared(session, viewer, "school_connectedness", (school_id, term_id, class_name),
                  lambda: _school_connectedness(session, viewer, school_id, term_id,
                                                class_name))


def _school_connectedness(session: Session, viewer: Viewer, school_id: int, term_id: int,
                          class_name: str | None) -> pd.DataFrame:
    term = session.get(Term, term_id)
    runs = _runs(session, school_id, term.end_date, class_name)
    own = viewer.role == Role.SCHOOL_STAFF and school_id in viewer.school_ids
    limit = MIN_OWN if own else MIN_CELL
    absence_limit = 1 if sees_all_absence_at(viewer, school_id) else MIN_CELL
    if class_name:
        return _class_rows(session, school_id, runs, limit, absence_limit)
    return _school_rows(session, school_id, term, runs, limit, absence_limit)


def _runs(session: Session, school_id: int, until: dt.date,
          class_name: str | None) -> pd.DataFrame:
    run = ConnectednessRun
    query = (select(run.id, run.date, Instrument.name, Instrument.version, run.group_name)
             .join(Instrument, Instrument.id == run.instrument_id)
             .where(run.school_id == school_id, run.level == InstrumentLevel.CLASS,
                    run.date <= until)
             .order_by(run.date, run.id))
    if class_name:
        query = query.where(run.group_name == class_name)
    frame = read_frame(session, query, ["run_id", "date", "name", "version", "group_name"])
    frame["instrument"] = frame["name"] + " v" + frame["version"].astype(str)
    # The run before, of the same class with the same instrument (any version).
    frame["previous"] = frame.groupby(["group_name", "name"])["run_id"].shift(1)
    return frame


def _counts_and_means(session: Session, runs: pd.DataFrame, limit: int):
    ids = runs["run_id"].tolist()
    means = dimension_means(session, ids)
    means.loc[means["respondents"] < limit, "mean"] = np.nan
    respondents = pd.Series(respondent_counts(session, ids), dtype=float)
    respondents = runs["run_id"].map(respondents).fillna(0)
    return means, respondents


def _class_rows(session, school_id, runs, limit, absence_limit) -> pd.DataFrame:
    if runs.empty:
        return pd.DataFrame(columns=CLASS_RUN_COLUMNS)
    means, respondents = _counts_and_means(session, runs, limit)
    runs = runs.assign(respondents=respondents.to_numpy())
    rows = runs.merge(means[["run_id", "dimension_code", "dimension", "mean"]], on="run_id",
                      how="left")
    rows.loc[rows["respondents"] < limit, "mean"] = np.nan
    before = means.set_index(["run_id", "dimension_code"])["mean"]
    keys = list(zip(rows["previous"], rows["dimension_code"], strict=True))
    rows["mean_change"] = _or_none(
        rows["mean"] - [before.get(key, np.nan) for key in keys], rows["previous"].isna())
    rows["class_absence_before"] = rows["run_id"].map({
        run_id: _absence_before(session, school_id, group, date, absence_limit)
        for run_id, group, date in runs[["run_id", "group_name", "date"]].itertuples(
            index=False)})
    rows["respondents"] = rows["respondents"].where(rows["respondents"] >= limit)
    return rows.sort_values(["date", "run_id"], ascending=[False, False])[
        CLASS_RUN_COLUMNS].reset_index(drop=True)


def _school_rows(session, school_id, term, runs, limit, absence_limit) -> pd.DataFrame:
    if runs.empty:
        return pd.DataFrame(columns=SCHOOL_CLASS_COLUMNS)
    latest = runs.drop_duplicates("group_name", keep="last")
    wanted = runs[runs["run_id"].isin(set(latest["run_id"]) | set(latest["previous"].dropna()))]
    means, respondents = _counts_and_means(session, wanted, limit)
    overall = _overall(means, dict(zip(wanted["run_id"], respondents, strict=True)), limit)
    rows = latest.assign(respondents=latest["run_id"].map(
        dict(zip(wanted["run_id"], respondents, strict=True))))
    rows["mean"] = rows["run_id"].map(overall)
    rows["mean_change"] = _or_none(rows["mean"] - rows["previous"].map(overall),
                                   rows["previous"].isna())
    absence = _term_absence(session, school_id, term, rows["group_name"].tolist(),
                            absence_limit)
    rows["class_absence"] = rows["group_name"].map(lambda group: absence.get(group, NONE))
    rows["respondents"] = rows["respondents"].where(rows["respondents"] >= limit)
    return rows.sort_values("group_name")[SCHOOL_CLASS_COLUMNS].reset_index(drop=True)


def _or_none(values: pd.Series, none: pd.Series) -> pd.Series:
    """The values, with NONE where there is nothing to give (no run before): a hidden
    figure stays empty and shows as ".."."""
    return values.astype(object).where(~none.to_numpy(), NONE)


def _overall(means: pd.DataFrame, respondents: dict, limit: int) -> pd.Series:
    """Per run, the mean over all its answers (from the dimensions' means and answers),
    where the run has enough respondents."""
    totals = (means["mean"] * means["answers"]).groupby(means["run_id"]).sum(min_count=1)
    answers = means.dropna(subset=["mean"]).groupby("run_id")["answers"].sum()
    overall = totals / answers
    shown = pd.Series(respondents).reindex(overall.index).fillna(0) >= limit
    return overall.where(shown)


def _absence_before(session: Session, school_id: int, group: str, date: dt.date,
                    absence_limit: int) -> float:
    """The class's absence share in the EFFECT_WEEKS weeks before the run's week."""
    monday = date - dt.timedelta(days=date.weekday())
    weeks = [(monday - dt.timedelta(weeks=k)).isocalendar()[:2]
             for k in range(1, EFFECT_WEEKS + 1)]
    # Driven from the class's roster by a join: an IN over the roster made SQLite scan
    # every student's weeks.
    roster = (select(Enrolment.student_id).distinct()
              .where(Enrolment.school_id == school_id, Enrolment.class_name == group,
                     Enrolment.start_date <= date,
                     or_(Enrolment.end_date.is_(None), Enrolment.end_date >= date))
              .subquery())
    week = StudentWeekSummary
    absent, scheduled, students = session.execute(
        select(func.sum(week.absent), func.sum(week.scheduled),
               func.count(func.distinct(week.student_id)))
        .select_from(roster)
        .join(week, week.student_id == roster.c.student_id)
        .where(week.school_id == school_id, week.scheduled > 0,
               or_(*[and_(week.iso_year == year, week.iso_week == number)
                     for year, number in weeks]))).one()
    if not scheduled:
        return NONE  # no absence recorded in those weeks: nothing is hidden
    if students < absence_limit:
        return np.nan
    return float(absent) / float(scheduled)


def _term_absence(session: Session, school_id: int, term: Term, groups: list[str],
                  absence_limit: int) -> dict[str, float]:
    """Per class, its students' absence share at the school this term."""
    members = (select(Enrolment.student_id, Enrolment.class_name).distinct()
               .where(Enrolment.school_id == school_id, Enrolment.class_name.in_(groups),
                      Enrolment.start_date <= term.end_date,
                      or_(Enrolment.end_date.is_(None),
                          Enrolment.end_date >= term.start_date))
               .subquery())
    summary = StudentTermSummary
    rows = session.execute(
        select(members.c.class_name, func.sum(summary.absent), func.sum(summary.scheduled),
               func.count(func.distinct(summary.student_id)))
        .join(summary, summary.student_id == members.c.student_id)
        .where(summary.school_id == school_id, summary.term_id == term.id,
               summary.scheduled > 0)
        .group_by(members.c.class_name)).all()
    return {group: float(absent) / float(scheduled) if students >= absence_limit else np.nan
            for group, absent, scheduled, students in rows if scheduled}
