"""Plans at group level (module 2 of the source material): a class, a group, a school or a
municipality plan, on the one plan model (ActionPlan.level; a student's own plan is
lib.plans'). Based on a mapping run and its analysis, or on a method meeting. What is
decided are insatser (measures for the students) and förändringar (changes to teaching,
organisation or environment); the plan has a goal, an owner, a start, follow-up dates and
entries, and an evaluation at close; its after-effects are lib.group_plan_effects'.

Class, group and school plans are written by the school's staff and by the coaches whose
students attend the school (the joint work), and read by them and administrators. A
municipality plan is written by that municipality's coaches, and read by them,
administrators and the staff of the school its method meeting was about. Project leaders
see none: plans are operational notes. Out of scope answers as missing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import ColumnElement, and_, delete, false, func, or_, select
from sqlalchemy.orm import Session

from data_models.codes import (
    AuditAction,
    AuditEntity,
    ChangeArea,
    InstrumentLevel,
    PlanItemKind,
    PlanLevel,
    PlanPhase,
    Role,
)
from data_models.models import (
    ActionPlan,
    ConnectednessRun,
    MethodMeeting,
    Municipality,
    PlanItem,
    PlanReview,
    RunAnalysis,
    School,
    User,
)
from lib.access import AccessDenied, Viewer, school_clause
from lib.audit import log_event
from lib.clock import local_today, utcnow
from lib.frames import read_frame
from lib.group_plan_effects import AfterEffects, after_effects, group_absence
from lib.i18n import N_, _
from lib.method_meetings import meeting_clause as method_meeting_clause
from lib.plans import NOT_FOUND, record_close, record_review
from lib.versioning import MAX_LINE, InputError, clean_text, save_versioned

GROUP_LEVELS = (PlanLevel.CLASS, PlanLevel.GROUP, PlanLevel.SCHOOL, PlanLevel.MUNICIPALITY)
SCHOOL_LEVELS = (PlanLevel.CLASS, PlanLevel.GROUP, PlanLevel.SCHOOL)
MAX_ITEMS = 20
MAX_GROUP = 40  # ActionPlan.group_name
LIST_COLUMNS = ["id", "version", "plan_level", "school", "municipality", "group_name",
                "plan_goal", "plan_owner", "start", "review", "last_review", "closed_on",
                "plan_outcome", "school_id", "municipality_id", "run_id", "method_meeting_id"]
REFUSED = N_("Du kan inte skriva planer för den skolan eller kommunen.")
ITEM_COLUMNS = ["id", "item_kind", "change_area", "item_text"]
FOLLOW_UP_COLUMNS = ["id", "plan_id", "date", "review_note", "next_review", "by"]

Item = tuple[str, str | None, str]  # (PlanItemKind, ChangeArea or None, text)


@dataclass(frozen=True)
class GroupPlanInput:
    """What the group plan form (or a method meeting) sends."""

    level: str
    goal: str
    owner: str
    start_date: dt.date | None
    review_date: dt.date | None
    items: tuple[Item, ...] = ()
    school_id: int | None = None
    municipality_id: int | None = None
    group_name: str = ""
    run_id: int | None = None
    analysis_id: int | None = None
    method_meeting_id: int | None = None


@dataclass(frozen=True)
class GroupPlanChange:
    """The plan's goal, owner, dates and decided items as edited."""

    goal: str
    owner: str
    start_date: dt.date | None
    review_date: dt.date | None
    items: tuple[Item, ...]


@dataclass(frozen=True)
class GroupPlanFacts:
    """One group plan as plain values (no ORM object outlives the session)."""

    id: int
    version: int
    level: str  # PlanLevel
    school_id: int | None
    school: str
    municipality_id: int | None
    municipality: str
    group_name: str
    goal: str
    owner: str
    start_date: dt.date
    review_date: dt.date
    closed_on: dt.date | None
    outcome: str | None  # PlanOutcome
    learned: str
    absence_before: float | None  # stored at close
    absence_after: float | None
    run_id: int | None
    analysis_id: int | None
    method_meeting_id: int | None


def group_plan_clause(viewer: Viewer, write: bool = False) -> ColumnElement[bool]:
    """The group plans the viewer may read (or, with `write`, write)."""
    at_school = ActionPlan.level.in_(SCHOOL_LEVELS)
    in_municipality = ActionPlan.level == PlanLevel.MUNICIPALITY
    if viewer.role == Role.ADMIN:
        return false() if write else ActionPlan.level.in_(GROUP_LEVELS)
    if viewer.role == Role.SCHOOL_STAFF:
        own = and_(at_school, ActionPlan.school_id.in_(viewer.school_ids))
        if write:
            return own
        named = select(MethodMeeting.id).where(MethodMeeting.school_id.in_(viewer.school_ids))
        return or_(own, and_(in_municipality, ActionPlan.method_meeting_id.in_(named)))
    if viewer.role == Role.COACH:
        return or_(and_(at_school, ActionPlan.school_id.in_(
                       select(School.id).where(school_clause(viewer)))),
                   and_(in_municipality,
                        ActionPlan.municipality_id.in_(viewer.municipality_ids)))
    return false()


def readable_group_plan(session: Session, viewer: Viewer, plan_id: int,
                        write: bool = False) -> ActionPlan:
    """The group plan, when the viewer may read (or write) it; one answer for missing and
    out of scope."""
    plan = session.scalar(select(ActionPlan).where(ActionPlan.id == plan_id,
                                                   group_plan_clause(viewer, write)))
    if plan is None:
        raise AccessDenied(_(NOT_FOUND), viewer=viewer, what=AuditEntity.ACTION_PLAN,
                           what_id=plan_id)
    return plan


def writable_group_plan(session: Session, viewer: Viewer, plan_id: int) -> ActionPlan:
    """The open group plan, when the viewer writes it."""
    plan = readable_group_plan(session, viewer, plan_id, write=True)
    if plan.closed_on is not None:
        raise InputError(_("Planen är avslutad."))
    return plan


def writes_at(session: Session, viewer: Viewer, level: str, school_id: int | None,
              municipality_id: int | None) -> bool:
    """Whether the viewer may write a plan of `level` for that school or municipality."""
    if level == PlanLevel.MUNICIPALITY:
        return viewer.role == Role.COACH and municipality_id in viewer.municipality_ids
    if viewer.role == Role.SCHOOL_STAFF:
        return school_id in viewer.school_ids
    if viewer.role == Role.COACH and school_id is not None:
        return session.scalar(select(School.id).where(School.id == school_id,
                                                      school_clause(viewer))) is not None
    return False


@dataclass(frozen=True)
class PlanBasis:
    """A class run a class plan can be decided from: its school, class and analysis."""

    run_id: int
    school_id: int
    school: str
    group_name: str
    date: dt.date
    analysis_id: int | None


def run_basis(session: Session, viewer: Viewer, run_id: int) -> PlanBasis | None:
    """The class run as the basis of a new class plan, when the viewer writes plans for
    its school; None otherwise (also for a missing run)."""
    run = session.get(ConnectednessRun, run_id)
    if run is None or run.level != InstrumentLevel.CLASS or not writes_at(
            session, viewer, PlanLevel.CLASS, run.school_id, None):
        return None
    return PlanBasis(run_id=run.id, school_id=run.school_id,
                     school=session.get(School, run.school_id).name,
                     group_name=run.group_name, date=run.date,
                     analysis_id=session.scalar(select(RunAnalysis.id).where(
                         RunAnalysis.run_id == run.id)))


def create_group_plan(session: Session, viewer: Viewer, data: GroupPlanInput) -> int:
    """A new group plan with what it decides; returns its id."""
    if data.level not in GROUP_LEVELS:
        raise InputError(_("Välj planens nivå."))
    goal, owner = _goal_and_owner(data.goal, data.owner)
    _check_dates(data.start_date, data.review_date)
    items = checked_items(data.items)
    where = _subject(session, viewer, data)
    if not writes_at(session, viewer, data.level, where["school_id"], where["municipality_id"]):
        raise _refused(viewer)
    record = ActionPlan(
        level=data.level, student_id=None, **where, goal=goal, owner=owner,
        phase=PlanPhase.IMPLEMENTATION, start_date=data.start_date,
        review_date=data.review_date, learned="", coach_responsible="",
        school_responsible="", version=1, created_by=viewer.user_id, created_at=utcnow())
    session.add(record)
    session.flush()
    _write_items(session, record.id, items)
    log_event(session, viewer, AuditAction.CREATE, AuditEntity.ACTION_PLAN, record.id,
              after={"level": str(data.level), "items": len(items),
                     "start": data.start_date.isoformat(), "run_id": where["run_id"],
                     "method_meeting_id": where["method_meeting_id"]})
    return record.id


def _refused(viewer: Viewer) -> AccessDenied:
    return AccessDenied(_(REFUSED), viewer=viewer, what=AuditEntity.ACTION_PLAN)


def _goal_and_owner(goal: str, owner: str) -> tuple[str, str]:
    return (clean_text(N_("Målet"), goal, required=True),
            clean_text(N_("Ansvarig"), owner, MAX_LINE, required=True))


def _check_dates(start: dt.date | None, review: dt.date | None) -> None:
    if start is None or review is None:
        raise InputError(_("Ange startdatum och datum för uppföljning av planen."))
    if review < start:
        raise InputError(_("Uppföljningen av planen kan inte ligga före dess start."))


def checked_items(items) -> list[tuple[str, str | None, str]]:
    """The decided items with text: a kind each, and an area for a change."""
    kept = []
    for kind, area, text in items:
        text = clean_text(N_("Beskrivningen"), text)
        if not text:
            continue
        if kind not in set(PlanItemKind):
            raise InputError(_("Välj om \"{text}\" är en insats eller en förändring.")
                             .format(text=text))
        if kind == PlanItemKind.CHANGE and area not in set(ChangeArea):
            raise InputError(_("Välj vad förändringen \"{text}\" gäller.").format(text=text))
        kept.append((kind, area if kind == PlanItemKind.CHANGE else None, text))
    if len(kept) > MAX_ITEMS:
        raise InputError(_("En plan har högst {count} insatser och förändringar.")
                         .format(count=MAX_ITEMS))
    return kept


def _subject(session: Session, viewer: Viewer, data: GroupPlanInput) -> dict:
    """Whom the plan is about and what it is based on, checked against each other: a
    run's school and class, the run's analysis, the method meeting's municipality."""
    school_id, group = data.school_id, clean_text(N_("Klassen eller gruppen"),
                                                  data.group_name, MAX_GROUP)
    run_id, analysis_id = data.run_id, data.analysis_id
    if analysis_id is not None:
        analysed = session.scalar(select(RunAnalysis.run_id).where(
            RunAnalysis.id == analysis_id))
        if analysed is None and run_id is None:
            raise _refused(viewer)  # as for an analysis of a run out of scope
        if analysed is None or (run_id is not None and analysed != run_id):
            raise InputError(_("Analysen hör inte till kartläggningen."))
        run_id = analysed
    if run_id is not None:
        run = session.get(ConnectednessRun, run_id)
        if run is None or run.level != InstrumentLevel.CLASS or not writes_at(
                session, viewer, PlanLevel.CLASS, run.school_id, None):
            raise _refused(viewer)  # missing and out of scope alike
        if school_id is not None and run.school_id != school_id:
            raise InputError(_("Kartläggningen hör inte till skolan."))
        school_id, group = run.school_id, group or run.group_name
    if data.level == PlanLevel.MUNICIPALITY:
        if data.municipality_id is None:
            raise InputError(_("Välj kommun."))
        school_id, group = None, ""
    elif school_id is None:
        raise InputError(_("Välj skola."))
    elif data.level == PlanLevel.SCHOOL:
        group = ""
    elif not group:
        raise InputError(_("Ange klassen eller gruppen."))
    _check_meeting(session, viewer, data, school_id)
    return {"school_id": school_id, "group_name": group, "run_id": run_id,
            "analysis_id": analysis_id, "method_meeting_id": data.method_meeting_id,
            "municipality_id": data.municipality_id if school_id is None else None}


def _check_meeting(session: Session, viewer: Viewer, data: GroupPlanInput,
                   school_id: int | None) -> None:
    if data.method_meeting_id is None:
        return
    meeting = session.scalar(select(MethodMeeting).where(
        MethodMeeting.id == data.method_meeting_id, method_meeting_clause(viewer)))
    if meeting is None:
        raise _refused(viewer)  # missing and out of the writer's reading alike
    if (
            school_id is None and meeting.municipality_id != data.municipality_id) or (
            school_id is not None and meeting.school_id != school_id):
        raise InputError(_("Metodmötet hör inte till planens skola eller kommun."))


def _write_items(session: Session, plan_id: int, items) -> None:
    session.add_all([PlanItem(plan_id=plan_id, position=number, kind=kind, area=area,
                              text=text)
                     for number, (kind, area, text) in enumerate(items, start=1)])


def group_plan_list(session: Session, viewer: Viewer, school_id: int | None = None,
                    municipality_id: int | None = None, method_meeting_id: int | None = None,
                    run_id: int | None = None) -> pd.DataFrame:
    """The group plans in the viewer's scope (optionally of one school, municipality,
    method meeting or run), open ones first, then the latest (LIST_COLUMNS)."""
    reviewed = (select(func.max(PlanReview.date)).where(PlanReview.plan_id == ActionPlan.id)
                .scalar_subquery())
    query = (select(ActionPlan.id, ActionPlan.version, ActionPlan.level, School.name,
                    Municipality.name, ActionPlan.group_name, ActionPlan.goal,
                    ActionPlan.owner, ActionPlan.start_date, ActionPlan.review_date,
                    reviewed, ActionPlan.closed_on, ActionPlan.outcome, ActionPlan.school_id,
                    ActionPlan.municipality_id, ActionPlan.run_id,
                    ActionPlan.method_meeting_id)
             .outerjoin(School, School.id == ActionPlan.school_id)
             .outerjoin(Municipality, Municipality.id == ActionPlan.municipality_id)
             .where(group_plan_clause(viewer)))
    for column, value in ((ActionPlan.school_id, school_id),
                          (ActionPlan.municipality_id, municipality_id),
                          (ActionPlan.method_meeting_id, method_meeting_id),
                          (ActionPlan.run_id, run_id)):
        if value is not None:
            query = query.where(column == value)
    return read_frame(session, query.order_by(
        ActionPlan.closed_on.is_not(None), ActionPlan.start_date.desc(),
        ActionPlan.id.desc()), LIST_COLUMNS)


def plan_facts(session: Session, viewer: Viewer, plan_id: int) -> GroupPlanFacts:
    """The plan's own fields, when the viewer may read it."""
    plan = readable_group_plan(session, viewer, plan_id)
    school = session.get(School, plan.school_id) if plan.school_id else None
    municipality = (session.get(Municipality, plan.municipality_id)
                    if plan.municipality_id else None)
    return GroupPlanFacts(
        id=plan.id, version=plan.version, level=str(plan.level), school_id=plan.school_id,
        school=school.name if school else "", municipality_id=plan.municipality_id,
        municipality=municipality.name if municipality else "", group_name=plan.group_name,
        goal=plan.goal, owner=plan.owner, start_date=plan.start_date,
        review_date=plan.review_date, closed_on=plan.closed_on,
        outcome=str(plan.outcome) if plan.outcome else None, learned=plan.learned or "",
        absence_before=plan.absence_before, absence_after=plan.absence_after,
        run_id=plan.run_id, analysis_id=plan.analysis_id,
        method_meeting_id=plan.method_meeting_id)


@dataclass(frozen=True)
class GroupPlanView:
    """A group plan as its page shows it."""

    plan: GroupPlanFacts
    items: pd.DataFrame  # ITEM_COLUMNS
    follow_ups: pd.DataFrame  # FOLLOW_UP_COLUMNS, the latest first
    effects: AfterEffects
    writable: bool  # the viewer may follow it up, change and close it (while open)


def get_group_plan(session: Session, viewer: Viewer, plan_id: int) -> GroupPlanView:
    """The plan with what it decides, its follow-ups and its after-effects."""
    plan = readable_group_plan(session, viewer, plan_id)
    return GroupPlanView(
        plan=plan_facts(session, viewer, plan_id), items=plan_items(session, plan_id),
        follow_ups=plan_follow_ups(session, plan_id),
        effects=after_effects(session, viewer, plan),
        writable=plan.closed_on is None and writes_at(
            session, viewer, plan.level, plan.school_id, plan.municipality_id))


def plan_items(session: Session, plan_id: int) -> pd.DataFrame:
    """A plan's decided items in order (ITEM_COLUMNS); the caller checked the plan."""
    items = read_frame(session,
        select(PlanItem.id, PlanItem.kind, PlanItem.area, PlanItem.text)
        .where(PlanItem.plan_id == plan_id).order_by(PlanItem.position), ITEM_COLUMNS)
    area = items["change_area"].astype(object)
    items["change_area"] = area.where(area.notna(), None)  # an insats has no area
    return items


def plan_follow_ups(session: Session, plan_id: int) -> pd.DataFrame:
    """A plan's follow-up entries, the latest first; the caller checked the plan."""
    return read_frame(session,
        select(PlanReview.id, PlanReview.plan_id, PlanReview.date, PlanReview.note,
               PlanReview.next_review, User.display_name)
        .join(User, User.id == PlanReview.author_id).where(PlanReview.plan_id == plan_id)
        .order_by(PlanReview.date.desc(), PlanReview.id.desc()), FOLLOW_UP_COLUMNS)


def add_follow_up(session: Session, viewer: Viewer, plan_id: int, date: dt.date | None,
                  note: str, next_review: dt.date | None, expected_version: int) -> int:
    """A follow-up entry on `date` (what was seen); `next_review` becomes the plan's next
    follow-up date. Returns the plan's new version."""
    plan = writable_group_plan(session, viewer, plan_id)
    return record_review(session, viewer, plan, expected_version, date, note, next_review,
                         local_today())


def update_group_plan(session: Session, viewer: Viewer, plan_id: int, expected_version: int,
                      change: GroupPlanChange) -> int:
    """Change the plan's goal, owner, dates or decided items; returns the new version.
    Nothing changed is refused."""
    plan = writable_group_plan(session, viewer, plan_id)
    goal, owner = _goal_and_owner(change.goal, change.owner)
    _check_dates(change.start_date, change.review_date)
    items = checked_items(change.items)
    wanted = {"goal": goal, "owner": owner, "start_date": change.start_date,
              "review_date": change.review_date}
    changed = {name: value for name, value in wanted.items() if getattr(plan, name) != value}
    old_items = [(row.item_kind, row.change_area, row.item_text)
                 for row in plan_items(session, plan_id).itertuples()]
    new_items = items != old_items
    if not changed and not new_items:
        raise InputError(_("Inget är ändrat i planen."))
    _before, version = save_versioned(session, ActionPlan, plan_id, expected_version, changed,
                                      viewer.user_id)
    if new_items:
        session.execute(delete(PlanItem).where(PlanItem.plan_id == plan_id))
        _write_items(session, plan_id, items)
    log_event(session, viewer, AuditAction.UPDATE, AuditEntity.ACTION_PLAN, plan_id,
              after={"changed": sorted(changed) + (["items"] if new_items else [])})
    return version


def close_group_plan(session: Session, viewer: Viewer, plan_id: int, closed_on: dt.date | None,
                     outcome: str, learned: str, expected_version: int) -> int:
    """Close the plan with its evaluation (was the goal met, what was learned), keeping the
    group's absence in the weeks before and after the start; returns the new version."""
    plan = writable_group_plan(session, viewer, plan_id)
    if closed_on is None or closed_on < plan.start_date or closed_on > local_today():
        raise InputError(_("Planen avslutas mellan sin start och i dag."))
    absence = group_absence(session, plan)
    return record_close(session, viewer, plan, expected_version, outcome, learned, closed_on,
                        (absence.before, absence.after))
