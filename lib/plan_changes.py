"""What happens to an action plan after it is written: it is approved with the student,
followed up (a review: when, what was seen, the next one), and changed. A change to an
approved plan is an amendment: it states its reason, and the plan keeps what changed, when
and by whom. Every change states the version it edited (lib.versioning)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_models.codes import AuditAction, AuditEntity, PlanGoalStatus
from data_models.models import ActionPlan, PlanAmendment, PlanGoal, PlanReview, User
from lib import formats
from lib.access import require_student
from lib.audit import log_event
from lib.clock import utcnow
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.plans import MAX_GOALS, checked_goals, readable_plan, record_review, writable_plan
from lib.versioning import MAX_LINE, InputError, clean_text, save_versioned

REVIEW_COLUMNS = ["id", "plan_id", "date", "review_note", "next_review", "by"]
AMENDMENT_COLUMNS = ["id", "plan_id", "changed_at", "change", "change_reason", "by"]
# The words an amendment names a changed field with, in the plan form's terms.
FIELDS = {"goal": N_("Elevens mål"), "review_date": N_("Nästa uppföljning"),
          "coach_responsible": N_("Ansvarig hos coachen"),
          "school_responsible": N_("Ansvarig på skolan")}


@dataclass(frozen=True)
class PlanChange:
    """The plan form's fields as edited; `new_goal`: a step goal to add (text, date)."""

    goal: str
    review_date: dt.date | None
    coach_responsible: str = ""
    school_responsible: str = ""
    new_goal: tuple[str, dt.date | None] = ("", None)


def approve_plan(session: Session, viewer, plan_id: int, version: int, day: dt.date,
                 approved_by: str, today: dt.date) -> int:
    """The plan is agreed with the student (and whoever else signs it) on `day`; later
    changes are amendments. Returns the new version."""
    plan = writable_plan(session, viewer, plan_id)
    if plan.approved_on is not None:
        raise InputError(_("Planen är redan godkänd."))
    approved_by = clean_text(N_("Godkänd av"), approved_by, MAX_LINE, required=True)
    if day is None or day > today or day < plan.start_date:
        raise InputError(_("Godkännandet ska ligga mellan planens start och i dag."))
    _before, new = save_versioned(session, ActionPlan, plan_id, version,
                                  {"approved_on": day, "approved_by": approved_by},
                                  viewer.user_id)
    log_event(session, viewer, AuditAction.UPDATE, AuditEntity.ACTION_PLAN, plan_id,
              student_id=plan.student_id, after={"approved_on": day.isoformat()})
    return new


def change_plan(session: Session, viewer, plan_id: int, version: int, change: PlanChange,
                reason: str = "") -> int:
    """Change the plan's goal, next review, responsible people, or add a step goal. On an
    approved plan the reason is required and the change is kept as an amendment. Returns
    the new version; nothing changed is refused."""
    plan = writable_plan(session, viewer, plan_id)
    wanted = {
        "goal": clean_text(N_("Elevens mål"), change.goal, required=True),
        "review_date": change.review_date,
        "coach_responsible": clean_text(N_("Ansvarig hos coachen"), change.coach_responsible,
                                        MAX_LINE),
        "school_responsible": clean_text(N_("Ansvarig på skolan"), change.school_responsible,
                                         MAX_LINE),
    }
    if change.review_date is None:
        raise InputError(_("Ange datum för nästa uppföljning."))
    if change.review_date < plan.start_date:
        raise InputError(_("Uppföljningen av planen kan inte ligga före dess start."))
    changed = {name: value for name, value in wanted.items() if getattr(plan, name) != value}
    goal_text, goal_due = (change.new_goal[0] or "").strip(), change.new_goal[1]
    if goal_text:
        goal_text = _new_goal(session, plan, goal_text, goal_due)
    if not changed and not goal_text:
        raise InputError(_("Inget är ändrat i planen."))
    reason = clean_text(N_("Varför planen ändras"), reason, required=plan.approved_on is not None)
    what = [_described(name, getattr(plan, name), value) for name, value in changed.items()]
    if goal_text:
        what.append(_("Nytt delmål: {goal} (senast {due})").format(
            goal=goal_text, due=formats.date(goal_due)))
    # The version moves also when only a step goal is added: the plan as a whole changed.
    _before, new = save_versioned(session, ActionPlan, plan_id, version, changed,
                                  viewer.user_id)
    if goal_text:
        position = session.scalar(select(func.coalesce(func.max(PlanGoal.position), 0)).where(
            PlanGoal.plan_id == plan_id)) + 1
        session.add(PlanGoal(plan_id=plan_id, position=position, text=goal_text,
                             due_date=goal_due, status=PlanGoalStatus.OPEN))
    if plan.approved_on is not None:
        session.add(PlanAmendment(plan_id=plan_id, version=new, change="; ".join(what),
                                  reason=reason, author_id=viewer.user_id,
                                  created_at=utcnow()))
    log_event(session, viewer, AuditAction.UPDATE, AuditEntity.ACTION_PLAN, plan_id,
              student_id=plan.student_id,
              after={"changed": sorted(changed) + (["goal_added"] if goal_text else []),
                     "amendment": plan.approved_on is not None})
    return new


def _new_goal(session: Session, plan: ActionPlan, text: str, due: dt.date | None) -> str:
    [(text, _due)] = checked_goals(((text, due),), plan.start_date)
    if session.scalar(select(func.count(PlanGoal.id)).where(
            PlanGoal.plan_id == plan.id)) >= MAX_GOALS:
        raise InputError(_("En plan har högst {count} delmål.").format(count=MAX_GOALS))
    return text


def _described(name: str, before, after) -> str:
    """One changed field, in the language of the run: "Nästa uppföljning: 2026-01-10 →
    2026-02-01"."""
    def shown(value) -> str:
        return formats.date(value) if isinstance(value, dt.date) else (value or "–")

    return f"{_(FIELDS[name])}: {shown(before)} → {shown(after)}"


def review_plan(session: Session, viewer, plan_id: int, version: int, day: dt.date | None,
                note: str, next_review: dt.date | None, today: dt.date) -> int:
    """A follow-up of the plan held on `day`: what was seen, and when the next one is (it
    becomes the plan's next review). Returns the plan's new version."""
    return record_review(session, viewer, writable_plan(session, viewer, plan_id), version,
                         day, note, next_review, today)


@dataclass(frozen=True)
class PlanFollowUps:
    """The follow-ups and the amendments of a student's plans (plan_id says whose)."""

    reviews: pd.DataFrame  # REVIEW_COLUMNS
    amendments: pd.DataFrame  # AMENDMENT_COLUMNS


def plan_reviews(session: Session, viewer, plan_id: int) -> pd.DataFrame:
    """The plan's follow-ups, the latest first."""
    readable_plan(session, viewer, plan_id)
    return _reviews(session, PlanReview.plan_id == plan_id)


def plan_amendments(session: Session, viewer, plan_id: int) -> pd.DataFrame:
    """The changes made to the plan after its approval, the latest first."""
    readable_plan(session, viewer, plan_id)
    return _amendments(session, PlanAmendment.plan_id == plan_id)


def student_plan_follow_ups(session: Session, viewer, student_id: int) -> PlanFollowUps:
    """The follow-ups and amendments of all the student's plans, in two reads."""
    require_student(session, viewer, student_id)
    plans = select(ActionPlan.id).where(ActionPlan.student_id == student_id)
    return PlanFollowUps(reviews=_reviews(session, PlanReview.plan_id.in_(plans)),
                         amendments=_amendments(session, PlanAmendment.plan_id.in_(plans)))


def _reviews(session: Session, which) -> pd.DataFrame:
    return read_frame(session,
        select(PlanReview.id, PlanReview.plan_id, PlanReview.date, PlanReview.note,
               PlanReview.next_review, User.display_name)
        .join(User, User.id == PlanReview.author_id).where(which)
        .order_by(PlanReview.date.desc(), PlanReview.id.desc()), REVIEW_COLUMNS)


def _amendments(session: Session, which) -> pd.DataFrame:
    return read_frame(session,
        select(PlanAmendment.id, PlanAmendment.plan_id, PlanAmendment.created_at,
               PlanAmendment.change, PlanAmendment.reason, User.display_name)
        .join(User, User.id == PlanAmendment.author_id).where(which)
        .order_by(PlanAmendment.created_at.desc(), PlanAmendment.id.desc()),
        AMENDMENT_COLUMNS)
