"""What followed a group plan: (a) the change in the class's mapping result from the plan's
run to the same class's next run, per dimension; (b) the group's absence in the
EFFECT_WEEKS whole weeks before the plan's start week and the same number after it — for a
class or group plan its students enrolled in it at the school on the start date, for a
school plan the school's students, for a municipality plan the municipality's students.

Both are aggregates and follow the results' rule: shown only when they rest on at least 5
respondents or students for the staff of the plan's school, 10 for everyone else."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from data_models.codes import PlanLevel
from data_models.models import (
    ActionPlan,
    ConnectednessRun,
    Enrolment,
    Student,
    StudentWeekSummary,
)
from lib.access import Viewer
from lib.analytics import EFFECT_WEEKS, MIN_CELL, share
from lib.clock import week_of
from lib.connectedness_results import dimension_means, next_run_id
from lib.run_analysis import min_respondents, respondents

CHANGE_COLUMNS = ["dimension_code", "dimension", "mean_before", "mean_after", "mean_change"]


class RunChange:
    """Why the mapping change is or is not shown (codes; lib.ui words them)."""

    SHOWN = "shown"
    NO_RUN = "no_run"  # the plan rests on no run
    NO_NEXT_RUN = "no_next_run"  # the class has not been mapped again yet
    TOO_FEW = "too_few"  # one of the runs has too few respondents for the viewer


@dataclass(frozen=True)
class GroupAbsence:
    """The group's absence share before and after the start, and the students each rests on."""

    before: float | None
    after: float | None
    students_before: int
    students_after: int


@dataclass(frozen=True)
class AfterEffects:
    run_change: str  # RunChange
    next_run_id: int | None
    next_run_date: dt.date | None
    dimensions: pd.DataFrame  # CHANGE_COLUMNS; empty unless run_change is SHOWN
    absence_before: float | None  # None when hidden or nothing was scheduled
    absence_after: float | None
    absence_hidden: bool  # too few students for the viewer
    students: int  # the fewer of the two windows' students (of those with any)


def limit_for(viewer: Viewer, plan: ActionPlan) -> int:
    """The fewest respondents or students an after-effect may rest on for this viewer."""
    return min_respondents(viewer, plan.school_id) if plan.school_id else MIN_CELL


def run_change(session: Session, viewer: Viewer, plan: ActionPlan) -> tuple[str, int | None,
                                                                              pd.DataFrame]:
    """Whether the mapping change is shown, the next run, and the change per dimension."""
    empty = pd.DataFrame(columns=CHANGE_COLUMNS)
    if plan.run_id is None:
        return RunChange.NO_RUN, None, empty
    following = next_run_id(session, plan.run_id)
    if following is None:
        return RunChange.NO_NEXT_RUN, None, empty
    limit = limit_for(viewer, plan)
    if min(respondents(session, plan.run_id), respondents(session, following)) < limit:
        return RunChange.TOO_FEW, following, empty
    means = dimension_means(session, [plan.run_id, following])
    before = means[means["run_id"] == plan.run_id].set_index("dimension_code")
    after = means[means["run_id"] == following].set_index("dimension_code")
    table = pd.DataFrame({"dimension": before["dimension"], "mean_before": before["mean"]}
                         ).join(after[["mean"]].rename(columns={"mean": "mean_after"}),
                                how="inner")
    table["mean_change"] = table["mean_after"] - table["mean_before"]
    return RunChange.SHOWN, following, table.reset_index()[CHANGE_COLUMNS]


def _weeks(start: dt.date, offsets) -> list[tuple[int, int]]:
    monday = start - dt.timedelta(days=start.weekday())
    return [week_of(monday + dt.timedelta(weeks=n)) for n in offsets]


def _rows_of(plan: ActionPlan):
    """The weekly summaries that count for the plan's group."""
    summary = StudentWeekSummary
    if plan.level == PlanLevel.MUNICIPALITY:
        return summary.student_id.in_(select(Student.id).where(
            Student.home_municipality_id == plan.municipality_id))
    if plan.level == PlanLevel.SCHOOL:
        return summary.school_id == plan.school_id
    enrolled = select(Enrolment.student_id).where(
        Enrolment.school_id == plan.school_id, Enrolment.class_name == plan.group_name,
        Enrolment.start_date <= plan.start_date,
        or_(Enrolment.end_date.is_(None), Enrolment.end_date >= plan.start_date))
    return and_(summary.school_id == plan.school_id, summary.student_id.in_(enrolled))


def _window(session: Session, plan: ActionPlan, weeks) -> tuple[float | None, int]:
    summary = StudentWeekSummary
    scheduled, absent, students = session.execute(
        select(func.coalesce(func.sum(summary.scheduled), 0),
               func.coalesce(func.sum(summary.absent), 0),
               func.count(func.distinct(summary.student_id)))
        .where(_rows_of(plan), summary.scheduled > 0,
               or_(*[and_(summary.iso_year == year, summary.iso_week == week)
                     for year, week in weeks]))).one()
    return share(absent, scheduled), int(students)


def group_absence(session: Session, plan: ActionPlan) -> GroupAbsence:
    """The group's absence in the EFFECT_WEEKS whole weeks before the plan's start week
    and in as many after it (the start week itself in neither); no suppression."""
    before, counted_before = _window(session, plan,
                                     _weeks(plan.start_date, range(-EFFECT_WEEKS, 0)))
    after, counted_after = _window(session, plan,
                                   _weeks(plan.start_date, range(1, EFFECT_WEEKS + 1)))
    return GroupAbsence(before, after, counted_before, counted_after)


def after_effects(session: Session, viewer: Viewer, plan: ActionPlan) -> AfterEffects:
    """The plan's after-effects as the viewer may see them (the caller checked the plan).
    A closed plan shows the absence it kept at close."""
    state, following, table = run_change(session, viewer, plan)
    absence = group_absence(session, plan)
    before, after = absence.before, absence.after
    if plan.closed_on is not None:
        before, after = plan.absence_before, plan.absence_after
    # A window nobody has been scheduled in yet (the weeks after a new plan) hides
    # nothing; one resting on a few students hides both, so neither gives the other away.
    counts = (absence.students_before, absence.students_after)
    hidden = any(0 < count < limit_for(viewer, plan) for count in counts)
    students = min(count for count in counts if count) if any(counts) else 0
    following_run = session.get(ConnectednessRun, following) if following else None
    return AfterEffects(
        run_change=state, next_run_id=following,
        next_run_date=following_run.date if following_run else None, dimensions=table,
        absence_before=None if hidden else before, absence_after=None if hidden else after,
        absence_hidden=hidden, students=students)
