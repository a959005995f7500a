"""Individual action plans (handlingsplaner): from a talk or a meeting decision to a plan
the student owns. A plan holds the student's goal in their own words, step goals with a
date and a status, the measures that carry it (Measure.plan_id), the next review date and
who is responsible on each side, and moves through the phases of the source material:
analysis → planning → implementation → follow-up. It is closed with an evaluation (goal
met, partly or not, and what was learned) and the absence in the weeks before the plan
against the last weeks.

Both sides see a student's plans (the coach of the home municipality, the staff of the
student's school); coaches and school staff write them. Every change states the version it
edited: nothing is silently overwritten."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from data_models.codes import (
    AuditAction,
    AuditEntity,
    MeetingStatus,
    PlanGoalStatus,
    PlanOutcome,
    PlanPhase,
)
from data_models.models import (
    ActionPlan,
    AgendaItem,
    Measure,
    Meeting,
    PlanGoal,
    PlanReview,
    School,
    Student,
    StudentTalk,
    StudentWeekSummary,
)
from lib.access import (
    AccessDenied,
    Viewer,
    meeting_clause,
    require_student,
    student_clause,
    writes_follow_up,
)
from lib.analytics import EFFECT_WEEKS, share
from lib.audit import log_event
from lib.clock import utcnow, week_of
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.versioning import MAX_LINE, InputError, clean_text, save_versioned

MAX_GOALS = 10
PLAN_COLUMNS = ["id", "version", "start", "plan_phase", "goal", "review", "last_review",
                "coach_responsible", "school_responsible", "approved_on", "approved_by",
                "goals_reached", "goals", "closed_on", "plan_outcome", "learned",
                "absence_before", "absence_after"]
GOAL_COLUMNS = ["id", "plan_id", "goal_text", "due", "goal_status"]
NOT_FOUND = N_("Planen finns inte, eller så har du inte behörighet till den.")


@dataclass(frozen=True)
class PlanInput:
    """What the plan form sends. `goals`: the step goals as (text, date)."""

    goal: str
    start_date: dt.date | None
    review_date: dt.date | None
    coach_responsible: str = ""
    school_responsible: str = ""
    goals: tuple[tuple[str, dt.date | None], ...] = ()
    talk_id: int | None = None
    meeting_id: int | None = None  # the review meeting that decided the plan


def _require_writer(viewer: Viewer) -> None:
    if not writes_follow_up(viewer):
        raise AccessDenied(_("Handlingsplaner skrivs av ungdomscoacher och skolpersonal."),
                           viewer=viewer, what=AuditEntity.ACTION_PLAN)


def create_plan(session: Session, viewer: Viewer, student_id: int, plan: PlanInput) -> int:
    """A new plan in its first phase (analysis), with its step goals."""
    _require_writer(viewer)
    require_student(session, viewer, student_id)
    goal = clean_text(N_("Elevens mål"), plan.goal, required=True)
    if plan.start_date is None or plan.review_date is None:
        raise InputError(_("Ange startdatum och datum för uppföljning av planen."))
    if plan.review_date < plan.start_date:
        raise InputError(_("Uppföljningen av planen kan inte ligga före dess start."))
    goals = checked_goals(plan.goals, plan.start_date)
    if plan.talk_id is not None and session.scalar(select(StudentTalk.student_id).where(
            StudentTalk.id == plan.talk_id)) != student_id:
        raise InputError(_("Samtalet hör inte till eleven."))
    if plan.meeting_id is not None and plan.meeting_id not in set(
            deciding_meetings(session, viewer, student_id)["id"]):
        raise InputError(_("Eleven togs inte upp på det mötet."))
    record = ActionPlan(
        student_id=student_id, talk_id=plan.talk_id, meeting_id=plan.meeting_id,
        phase=PlanPhase.ANALYSIS, goal=goal,
        coach_responsible=clean_text(N_("Ansvarig hos coachen"), plan.coach_responsible,
                                     MAX_LINE),
        school_responsible=clean_text(N_("Ansvarig på skolan"), plan.school_responsible,
                                      MAX_LINE),
        start_date=plan.start_date, review_date=plan.review_date, learned="", version=1,
        created_by=viewer.user_id, created_at=utcnow())
    session.add(record)
    session.flush()
    session.add_all([PlanGoal(plan_id=record.id, position=number, text=text, due_date=due,
                              status=PlanGoalStatus.OPEN)
                     for number, (text, due) in enumerate(goals, start=1)])
    log_event(session, viewer, AuditAction.CREATE, AuditEntity.ACTION_PLAN, record.id,
              student_id=student_id, after={"start": plan.start_date.isoformat(),
                                            "goals": len(goals)})
    return record.id


def deciding_meetings(session: Session, viewer: Viewer, student_id: int) -> pd.DataFrame:
    """The held review meetings (in the viewer's scope) where the student was taken up, the
    latest first: the meetings a plan can say it was decided at."""
    require_student(session, viewer, student_id)
    return read_frame(session,
        select(Meeting.id, Meeting.date, School.name)
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .join(School, School.id == Meeting.school_id)
        .where(AgendaItem.student_id == student_id, Meeting.status != MeetingStatus.PLANNED,
               meeting_clause(viewer))
        .order_by(Meeting.date.desc(), Meeting.id.desc()), ["id", "date", "school"])


def checked_goals(goals, start: dt.date) -> list[tuple[str, dt.date]]:
    """The step goals with text, each with a date on or after the plan's start."""
    kept = [(clean_text(N_("Delmålet"), text), due) for text, due in goals
            if (text or "").strip()]
    if len(kept) > MAX_GOALS:
        raise InputError(_("En plan har högst {count} delmål.").format(count=MAX_GOALS))
    for text, due in kept:
        if due is None:
            raise InputError(_("Ange datum för delmålet \"{goal}\".").format(goal=text))
        if due < start:
            raise InputError(_("Delmålet \"{goal}\" kan inte ligga före planens start.")
                             .format(goal=text))
    return kept


def readable_plan(session: Session, viewer: Viewer, plan_id: int) -> ActionPlan:
    """The plan, when the viewer may see its student; one answer for missing and out of
    scope."""
    plan = session.scalars(
        select(ActionPlan).join(Student, Student.id == ActionPlan.student_id)
        .where(ActionPlan.id == plan_id, student_clause(viewer))).first()
    if plan is None or not viewer.sees_individuals:
        raise AccessDenied(_(NOT_FOUND), viewer=viewer, what=AuditEntity.ACTION_PLAN,
                           what_id=plan_id)
    return plan


def list_plans(session: Session, viewer: Viewer, student_id: int) -> pd.DataFrame:
    """The student's plans, open ones first, then the latest."""
    require_student(session, viewer, student_id)
    reached = (select(func.count(PlanGoal.id))
               .where(PlanGoal.plan_id == ActionPlan.id,
                      PlanGoal.status == PlanGoalStatus.REACHED).scalar_subquery())
    total = (select(func.count(PlanGoal.id)).where(PlanGoal.plan_id == ActionPlan.id)
             .scalar_subquery())
    reviewed = (select(func.max(PlanReview.date)).where(PlanReview.plan_id == ActionPlan.id)
                .scalar_subquery())
    return read_frame(session,
        select(ActionPlan.id, ActionPlan.version, ActionPlan.start_date, ActionPlan.phase,
               ActionPlan.goal, ActionPlan.review_date, reviewed, ActionPlan.coach_responsible,
               ActionPlan.school_responsible, ActionPlan.approved_on, ActionPlan.approved_by,
               reached, total, ActionPlan.closed_on, ActionPlan.outcome, ActionPlan.learned,
               ActionPlan.absence_before, ActionPlan.absence_after)
        .where(ActionPlan.student_id == student_id)
        .order_by(ActionPlan.closed_on.is_not(None), ActionPlan.start_date.desc(),
                  ActionPlan.id.desc()),
        PLAN_COLUMNS)


def plan_goals(session: Session, viewer: Viewer, plan_id: int) -> pd.DataFrame:
    """One plan's step goals, in order."""
    readable_plan(session, viewer, plan_id)
    return _goals(session, PlanGoal.plan_id == plan_id)


def student_plan_goals(session: Session, viewer: Viewer, student_id: int) -> pd.DataFrame:
    """The step goals of all the student's plans, in one read (plan_id says whose)."""
    require_student(session, viewer, student_id)
    return _goals(session, PlanGoal.plan_id.in_(
        select(ActionPlan.id).where(ActionPlan.student_id == student_id)))


def _goals(session: Session, which) -> pd.DataFrame:
    return read_frame(session,
        select(PlanGoal.id, PlanGoal.plan_id, PlanGoal.text, PlanGoal.due_date,
               PlanGoal.status)
        .where(which).order_by(PlanGoal.plan_id, PlanGoal.position),
        GOAL_COLUMNS)


def set_phase(session: Session, viewer: Viewer, plan_id: int, version: int,
              phase: str) -> int:
    """Move an open plan to another phase; returns the new version."""
    plan = writable_plan(session, viewer, plan_id)
    if phase not in set(PlanPhase):
        raise InputError(_("Välj en fas."))
    before, new = save_versioned(session, ActionPlan, plan_id, version, {"phase": phase},
                                 viewer.user_id)
    log_event(session, viewer, AuditAction.UPDATE, AuditEntity.ACTION_PLAN, plan_id,
              student_id=plan.student_id, before={"phase": str(before["phase"])},
              after={"phase": phase})
    return new


def set_goal_status(session: Session, viewer: Viewer, goal_id: int, status: str) -> None:
    """Mark a step goal as reached or dropped (or open again)."""
    goal = session.get(PlanGoal, goal_id)
    plan = writable_plan(session, viewer, goal.plan_id if goal is not None else -1)
    if status not in set(PlanGoalStatus):
        raise InputError(_("Välj ett läge för delmålet."))
    before = goal.status
    goal.status = status
    log_event(session, viewer, AuditAction.UPDATE, AuditEntity.PLAN_GOAL, goal_id,
              student_id=plan.student_id, before={"status": str(before)},
              after={"status": status})


def link_measure(session: Session, viewer: Viewer, plan_id: int, measure_id: int) -> None:
    """Let one of the student's measures carry the plan."""
    plan = writable_plan(session, viewer, plan_id)
    measure = session.get(Measure, measure_id)
    if measure is None or measure.student_id != plan.student_id:
        raise InputError(_("Åtgärden finns inte bland elevens åtgärder."))
    measure.plan_id = plan.id
    log_event(session, viewer, AuditAction.UPDATE, AuditEntity.MEASURE, measure_id,
              student_id=plan.student_id, after={"plan_id": plan.id})


def close_plan(session: Session, viewer: Viewer, plan_id: int, version: int, outcome: str,
               learned: str, today: dt.date) -> int:
    """Close the plan with its evaluation, and keep the student's absence (at every school)
    in the EFFECT_WEEKS whole weeks before the plan's start week against the same number of
    whole weeks before this one."""
    plan = writable_plan(session, viewer, plan_id)
    before = absence_weeks_before(session, plan.student_id, plan.start_date)
    after = absence_weeks_before(session, plan.student_id, today)
    return record_close(session, viewer, plan, version, outcome, learned, today,
                        (before, after))


def record_close(session: Session, viewer: Viewer, plan: ActionPlan, version: int,
                 outcome: str, learned: str, closed_on: dt.date,
                 absence: tuple[float | None, float | None]) -> int:
    """Close a plan of any level (the caller checked that the viewer writes it) with its
    evaluation and the absence before and after it; returns the new version."""
    if outcome not in set(PlanOutcome):
        raise InputError(_("Välj om målet nåddes."))
    learned = clean_text(N_("Vad ni lärde er"), learned)
    _old, new = save_versioned(session, ActionPlan, plan.id, version, {
        "closed_on": closed_on, "outcome": outcome, "learned": learned,
        "absence_before": absence[0], "absence_after": absence[1]}, viewer.user_id)
    log_event(session, viewer, AuditAction.UPDATE, AuditEntity.ACTION_PLAN, plan.id,
              student_id=plan.student_id, after={"outcome": outcome,
                                                 "closed_on": closed_on.isoformat()})
    return new


def record_review(session: Session, viewer: Viewer, plan: ActionPlan, version: int,
                  day: dt.date | None, note: str, next_review: dt.date | None,
                  today: dt.date) -> int:
    """A follow-up of an open plan of any level (the caller checked that the viewer writes
    it) held on `day`: what was seen, and when the next one is (it becomes the plan's next
    review). Returns the plan's new version."""
    if day is None or day > today or day < plan.start_date:
        raise InputError(_("Uppföljningen ska ligga mellan planens start och i dag."))
    note = clean_text(N_("Vad ni såg"), note, required=True)
    if next_review is not None and next_review <= day:
        raise InputError(_("Nästa uppföljning ska ligga efter den här."))
    changes = {"review_date": next_review} if next_review is not None else {}
    _before, new = save_versioned(session, ActionPlan, plan.id, version, changes,
                                  viewer.user_id)
    review = PlanReview(plan_id=plan.id, date=day, note=note, next_review=next_review,
                        author_id=viewer.user_id, created_at=utcnow())
    session.add(review)
    session.flush()
    log_event(session, viewer, AuditAction.CREATE, AuditEntity.PLAN_REVIEW, review.id,
              student_id=plan.student_id, after={"date": day.isoformat()})
    return new


def writable_plan(session: Session, viewer: Viewer, plan_id: int) -> ActionPlan:
    _require_writer(viewer)
    plan = readable_plan(session, viewer, plan_id)
    if plan.closed_on is not None:
        raise InputError(_("Planen är avslutad."))
    return plan


def absence_weeks_before(session: Session, student_id: int, day: dt.date) -> float | None:
    """The absence share in the EFFECT_WEEKS whole weeks before the week of `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    weeks = [week_of(monday - dt.timedelta(weeks=n)) for n in range(1, EFFECT_WEEKS + 1)]
    summary = StudentWeekSummary
    scheduled, absent = session.execute(
        select(func.coalesce(func.sum(summary.scheduled), 0),
               func.coalesce(func.sum(summary.absent), 0))
        .where(summary.student_id == student_id,
               or_(*[and_(summary.iso_year == year, summary.iso_week == week)
                     for year, week in weeks]))).one()
    return share(absent, scheduled)
