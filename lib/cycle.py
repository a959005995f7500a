"""The follow-up cycle of a student in a term, derived from the records (never typed):
flagged → talk → plan → fed back to the school → followed up.

- flagged: counted in the regional indicators at or over 15 % that term (StudentTermFlag);
- talk: a student talk, by either side, in the term;
- plan: an action plan started in the term, or one still open;
- fed back: feedback about the student sent to a school in the term;
- followed up: a plan followed up (a review) or closed in the term.

A plan without follow-up: an open plan that has had no review for STALE_WEEKS weeks (counted
from its start when it has had none)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, null, or_, select
from sqlalchemy.orm import Session

from data_models.codes import CycleStep, FeedbackDirection
from data_models.models import ActionPlan, Feedback, PlanReview, Student, StudentTalk, Term
from data_models.windows import StudentTermFlag
from lib.access import Viewer, require_individual_access, require_student, student_clause
from lib.clock import to_local

STALE_WEEKS = 6
DONE, NOT_DONE = "✓", "○"


@dataclass(frozen=True)
class StepState:
    step: CycleStep
    done: bool
    on: dt.date | None = None  # when it first happened in the term, where a date is known


def _step_queries(term: Term, students) -> dict[CycleStep, object]:
    """Per step, a query of (student_id, the first day it happened in the term) for the
    students that `students` (a column expression's condition) selects."""
    start, end = term.start_date, term.end_date
    after_end = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    reviewed = (select(ActionPlan.student_id.label("student_id"),
                       PlanReview.date.label("on"))
                .join(PlanReview, PlanReview.plan_id == ActionPlan.id)
                .where(students(ActionPlan.student_id), PlanReview.date.between(start, end)))
    closed = (select(ActionPlan.student_id, ActionPlan.closed_on)
              .where(students(ActionPlan.student_id), ActionPlan.closed_on.between(start, end)))
    both = reviewed.union_all(closed).subquery()
    return {
        CycleStep.FLAGGED: select(StudentTermFlag.student_id, null()).where(
            StudentTermFlag.term_id == term.id, students(StudentTermFlag.student_id)),
        CycleStep.TALK: select(StudentTalk.student_id, func.min(StudentTalk.date)).where(
            students(StudentTalk.student_id), StudentTalk.date.between(start, end)
        ).group_by(StudentTalk.student_id),
        CycleStep.PLAN: select(ActionPlan.student_id, func.min(ActionPlan.start_date)).where(
            students(ActionPlan.student_id), ActionPlan.start_date <= end,
            or_(ActionPlan.start_date >= start, ActionPlan.closed_on.is_(None))
        ).group_by(ActionPlan.student_id),
        CycleStep.FED_BACK: select(Feedback.student_id, func.min(Feedback.created_at)).where(
            students(Feedback.student_id), Feedback.direction == FeedbackDirection.TO_SCHOOL,
            Feedback.created_at >= dt.datetime.combine(start, dt.time()),
            Feedback.created_at < after_end).group_by(Feedback.student_id),
        CycleStep.FOLLOWED_UP: select(both.c.student_id, func.min(both.c.on))
        .group_by(both.c.student_id),
    }


def follow_up_cycle(session: Session, viewer: Viewer, student_id: int,
                    term_id: int) -> list[StepState]:
    """The five steps of the cycle for the student in the term, in order."""
    require_student(session, viewer, student_id)
    term = session.get(Term, term_id)
    states = []
    for step, query in _step_queries(term, lambda column: column == student_id).items():
        row = session.execute(query.limit(1)).first()
        on = row[1] if row is not None else None
        if isinstance(on, dt.datetime):  # feedback: a stored moment, the Swedish day
            on = to_local(on).date()
        states.append(StepState(step, row is not None, on))
    return states


def cycle_table(session: Session, viewer: Viewer, student_ids: Iterable[int],
                term_id: int) -> pd.DataFrame:
    """Per student (the index) the steps done in the term, one boolean column per step,
    for the students of `student_ids` in the viewer's scope."""
    require_individual_access(viewer)
    ids = sorted({int(i) for i in student_ids})
    table = pd.DataFrame(False, index=pd.Index(ids, name="student_id"),
                         columns=[str(step) for step in CycleStep])
    if not ids:
        return table
    term = session.get(Term, term_id)
    in_scope = select(Student.id).where(Student.id.in_(ids), student_clause(viewer))
    for step, query in _step_queries(term, lambda column: column.in_(in_scope)).items():
        done = {row[0] for row in session.execute(query)}
        table.loc[table.index.isin(done), str(step)] = True
    return table


def with_cycle(frame: pd.DataFrame, steps: pd.DataFrame,
               key: str = "student_id") -> pd.DataFrame:
    """`frame` (its students in column `key`) with the cycle's columns from `steps` (a
    cycle_table of them): `cycle`, the steps as marks ("✓ ✓ ○ ○ ○", in order), and
    `next_step`, the first step after the flag not yet done."""
    if frame.empty:
        return frame.assign(cycle=pd.Series(dtype=object), next_step=pd.Series(dtype=object))
    later = [str(step) for step in CycleStep][1:]
    marks = steps.apply(lambda row: " ".join(DONE if done else NOT_DONE for done in row),
                        axis=1)
    upcoming = steps[later].apply(
        lambda row: next((CycleStep(step) for step in later if not row[step]), None), axis=1)
    return frame.assign(cycle=frame[key].map(marks), next_step=frame[key].map(upcoming))


def stale_plan_students(session: Session, viewer: Viewer, today: dt.date,
                        weeks: int = STALE_WEEKS) -> set[int]:
    """Students in the viewer's scope with an open plan that has had no follow-up in the
    last `weeks` weeks (nor started in them)."""
    require_individual_access(viewer)
    since = today - dt.timedelta(weeks=weeks)
    last = (select(func.max(PlanReview.date)).where(PlanReview.plan_id == ActionPlan.id)
            .scalar_subquery())
    return set(session.scalars(
        select(ActionPlan.student_id).distinct()
        .join(Student, Student.id == ActionPlan.student_id)
        .where(ActionPlan.closed_on.is_(None), student_clause(viewer),
               func.coalesce(last, ActionPlan.start_date) < since)))
