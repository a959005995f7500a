"""The follow-up cycle of one student in a term, derived from the records (never typed):
flagged → talk → plan → fed back to the school → followed up.

- flagged: counted in the regional indicators at or over 15 % that term (StudentTermFlag);
- talk: a student talk, by either side, in the term;
- plan: an action plan started in the term, or one still open;
- fed back: feedback about the student sent to a school in the term;
- followed up: a plan closed in the term, or one in its follow-up phase."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from data_models.codes import CycleStep, FeedbackDirection, PlanPhase
from data_models.models import ActionPlan, Feedback, StudentTalk, Term
from data_models.windows import StudentTermFlag
from lib.access import Viewer, require_student
from lib.clock import to_local


@dataclass(frozen=True)
class StepState:
    step: CycleStep
    done: bool
    on: dt.date | None = None  # when it first happened in the term, where a date is known


def follow_up_cycle(session: Session, viewer: Viewer, student_id: int,
                    term_id: int) -> list[StepState]:
    """The five steps of the cycle for the student in the term, in order."""
    require_student(session, viewer, student_id)
    term = session.get(Term, term_id)
    start, end = term.start_date, term.end_date
    flagged = session.scalar(select(StudentTermFlag.student_id).where(
        StudentTermFlag.term_id == term_id, StudentTermFlag.student_id == student_id))
    talk = session.scalar(select(func.min(StudentTalk.date)).where(
        StudentTalk.student_id == student_id, StudentTalk.date.between(start, end)))
    plan = session.scalar(select(func.min(ActionPlan.start_date)).where(
        ActionPlan.student_id == student_id, ActionPlan.start_date <= end,
        or_(ActionPlan.start_date >= start, ActionPlan.closed_on.is_(None))))
    sent = session.scalar(select(func.min(Feedback.created_at)).where(
        Feedback.student_id == student_id,
        Feedback.direction == FeedbackDirection.TO_SCHOOL,
        Feedback.created_at >= dt.datetime.combine(start, dt.time()),
        Feedback.created_at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time())))
    closed = session.scalar(select(func.min(ActionPlan.closed_on)).where(
        ActionPlan.student_id == student_id, ActionPlan.closed_on.between(start, end)))
    following = closed is not None or session.scalar(select(ActionPlan.id).where(
        ActionPlan.student_id == student_id, ActionPlan.closed_on.is_(None),
        ActionPlan.phase == PlanPhase.FOLLOW_UP).limit(1)) is not None
    return [StepState(CycleStep.FLAGGED, flagged is not None),
            StepState(CycleStep.TALK, talk is not None, talk),
            StepState(CycleStep.PLAN, plan is not None, plan),
            StepState(CycleStep.FED_BACK, sent is not None,
                      to_local(sent).date() if sent is not None else None),
            StepState(CycleStep.FOLLOWED_UP, following, closed)]
