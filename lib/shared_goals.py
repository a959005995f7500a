"""Shared goals (gemensamma mål): a municipality's target on a regional indicator by a term,
"Andel ≥ 20 %: högst 15 % senast VT2027", set at a method meeting or on its own, and
followed against the actual figures term by term.

The actual figures are the Region page's own (lib.indicators.municipality_table, with its
suppression): a figure hidden there stays hidden here, and the goal's state in that term
is unknown. Project leaders set goals for the municipalities of their region, coaches for
their own municipalities, administrators for any; everyone who sees a municipality's
indicators reads its goals, and the staff of a school read the goals set at a method
meeting with it. Versioned and audited."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from data_models.codes import (
    AuditAction,
    AuditEntity,
    GoalDirection,
    GoalIndicator,
    GoalState,
    Role,
)
from data_models.models import MethodMeeting, Municipality, SharedGoal, Term
from lib.access import AccessDenied, Viewer, municipality_clause, require_role
from lib.audit import log_event
from lib.clock import local_today, utcnow
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.indicators import municipality_table
from lib.method_meetings import meeting_clause, readable_meeting
from lib.shared_reads import shared
from lib.versioning import InputError, clean_text, save_versioned

NOT_FOUND = N_("Målet finns inte, eller så har du inte behörighet till det.")
MUNICIPALITY_NOT_FOUND = N_("Kommunen finns inte, eller så har du inte behörighet till den.")
TERM_CODE = re.compile(r"^(HT|VT)(\d{4})$")
SETTERS = (Role.ADMIN, Role.PROJECT_LEADER, Role.COACH)
GOAL_COLUMNS = ["id", "version", "municipality_id", "municipality", "goal_indicator",
                "goal_direction", "target", "by_term", "goal_note", "method_meeting_id",
                "method_meeting"]
ACTUAL_COLUMNS = [*GOAL_COLUMNS, "term", "actual", "goal_state", "gap", "current"]
EPSILON = 1e-9  # a share equal to the target reaches it, whatever the float rounding


@dataclass(frozen=True)
class GoalInput:
    """What the goal form sends. `target` is a share, 0–1 (15 % is 0.15)."""

    municipality_id: int | None
    indicator: str
    direction: str
    target: float | None
    by_term: str
    note: str = ""
    method_meeting_id: int | None = None


def term_key(code: str) -> tuple[int, int] | None:
    """"VT2027" → (2027, 0), "HT2027" → (2027, 1): terms in calendar order; None when the
    code is not a term."""
    match = TERM_CODE.match((code or "").strip().upper())
    if match is None:
        return None
    return int(match.group(2)), 0 if match.group(1) == "VT" else 1


def current_term_code(today: dt.date) -> str:
    """The term a day falls in by the calendar: VT January–June, HT July–December."""
    return f"{'VT' if today.month <= 6 else 'HT'}{today.year}"


def _checked(session: Session, viewer: Viewer, data: GoalInput) -> dict:
    """The goal's stored values, or InputError."""
    if data.indicator not in set(GoalIndicator):
        raise InputError(_("Välj en indikator."))
    if data.direction not in set(GoalDirection):
        raise InputError(_("Välj om målet är högst eller minst."))
    if data.target is None or not 0 <= data.target <= 1:
        raise InputError(_("Ange målet som en andel mellan 0 och 100 %."))
    code = (data.by_term or "").strip().upper()
    key = term_key(code)
    if key is None:
        raise InputError(_("Ange terminen som HT eller VT och ett år, till exempel VT2027."))
    now = current_term_code(local_today())
    if key < term_key(now):
        raise InputError(_("Terminen kan inte ligga före innevarande termin ({term}).")
                         .format(term=now))
    if data.method_meeting_id is not None:
        meeting = readable_meeting(session, viewer, data.method_meeting_id)
        if meeting.municipality_id != data.municipality_id:
            raise InputError(_("Metodmötet hölls av en annan kommun."))
    return {"indicator": GoalIndicator(data.indicator),
            "direction": GoalDirection(data.direction), "target": float(data.target),
            "by_term": code, "note": clean_text(N_("Kommentaren"), data.note),
            "method_meeting_id": data.method_meeting_id}


def _require_municipality(session: Session, viewer: Viewer, municipality_id: int | None) -> None:
    """The municipality, when the viewer may set its goals; one answer for missing and out
    of scope."""
    require_role(viewer, *SETTERS)
    found = session.scalar(select(Municipality.id).where(
        Municipality.id == municipality_id, municipality_clause(viewer)))
    if found is None:
        raise AccessDenied(_(MUNICIPALITY_NOT_FOUND), viewer=viewer,
                           what=AuditEntity.MUNICIPALITY, what_id=municipality_id)


def _goal(session: Session, viewer: Viewer, goal_id: int) -> SharedGoal:
    """The goal, when the viewer may change it (everyone who may read a goal may change
    it); one answer for missing and out of scope."""
    require_role(viewer, *SETTERS)
    goal = session.scalars(select(SharedGoal)
                           .join(Municipality, Municipality.id == SharedGoal.municipality_id)
                           .where(SharedGoal.id == goal_id, municipality_clause(viewer))).first()
    if goal is None:
        raise AccessDenied(_(NOT_FOUND), viewer=viewer, what=AuditEntity.SHARED_GOAL,
                           what_id=goal_id)
    return goal


def _logged(values: dict) -> dict:
    """A goal's values for the audit log (the comment left out)."""
    return {name: value for name, value in values.items() if name != "note"}


def set_goal(session: Session, viewer: Viewer, data: GoalInput) -> int:
    """A new shared goal for a municipality."""
    _require_municipality(session, viewer, data.municipality_id)
    values = _checked(session, viewer, data)
    goal = SharedGoal(municipality_id=data.municipality_id, **values, version=1,
                      created_by=viewer.user_id, created_at=utcnow())
    session.add(goal)
    session.flush()
    log_event(session, viewer, AuditAction.CREATE, AuditEntity.SHARED_GOAL, goal.id,
              after={"municipality_id": data.municipality_id, **_logged(values)})
    return goal.id


def update_goal(session: Session, viewer: Viewer, goal_id: int, expected_version: int,
                data: GoalInput) -> int:
    """Change a goal against the version the user edited (Conflict when someone else
    saved in between); the new version. A goal stays with its municipality."""
    goal = _goal(session, viewer, goal_id)
    if data.municipality_id != goal.municipality_id:
        raise InputError(_("Ett mål kan inte flyttas till en annan kommun."))
    values = _checked(session, viewer, data)
    before, version = save_versioned(session, SharedGoal, goal_id, expected_version, values,
                                     viewer.user_id)
    log_event(session, viewer, AuditAction.UPDATE, AuditEntity.SHARED_GOAL, goal_id,
              before=_logged(before), after=_logged(values))
    return version


def remove_goal(session: Session, viewer: Viewer, goal_id: int, expected_version: int) -> None:
    """Remove a goal, if no one changed it since the user saw it."""
    goal = _goal(session, viewer, goal_id)
    save_versioned(session, SharedGoal, goal_id, expected_version, {}, viewer.user_id)
    values = {"municipality_id": goal.municipality_id, "indicator": goal.indicator,
              "target": goal.target, "by_term": goal.by_term}
    session.execute(delete(SharedGoal).where(SharedGoal.id == goal_id))
    log_event(session, viewer, AuditAction.DELETE, AuditEntity.SHARED_GOAL, goal_id,
              before=values)


def goal_list(session: Session, viewer: Viewer,
              method_meeting_id: int | None = None) -> pd.DataFrame:
    """The goals of the municipalities in the viewer's scope, and those set at the method
    meetings the viewer reads (school staff: at meetings with their school); of one
    method meeting, when given. By municipality and term."""
    query = (select(SharedGoal.id, SharedGoal.version, SharedGoal.municipality_id,
                    Municipality.name, SharedGoal.indicator, SharedGoal.direction,
                    SharedGoal.target, SharedGoal.by_term, SharedGoal.note,
                    SharedGoal.method_meeting_id, MethodMeeting.title)
             .join(Municipality, Municipality.id == SharedGoal.municipality_id)
             .outerjoin(MethodMeeting, MethodMeeting.id == SharedGoal.method_meeting_id)
             .where(or_(municipality_clause(viewer), SharedGoal.method_meeting_id.in_(
                 select(MethodMeeting.id).where(meeting_clause(viewer))))))
    if method_meeting_id is not None:
        query = query.where(SharedGoal.method_meeting_id == method_meeting_id)
    goals = read_frame(session, query.order_by(Municipality.name, SharedGoal.id), GOAL_COLUMNS)
    order = goals["by_term"].map(term_key)
    return goals.iloc[sorted(range(len(goals)), key=lambda i: (goals["municipality"].iloc[i],
                                                               order.iloc[i]))
                      ].reset_index(drop=True)


def goals_against_actual(session: Session, viewer: Viewer, term_id: int) -> pd.DataFrame:
    """Each goal in scope against the actual figure of its municipality, in the chosen
    term and every term before it (the trend): one row per goal and term, `current` on
    the chosen term's rows. `actual` is the Region page's suppressed share (None where it
    is hidden), `goal_state` reached, not reached or unknown, `gap` the actual figure
    less the target in percentage points."""
    return shared(session, viewer, "goals_against_actual", (term_id,),
                  lambda: _goals_against_actual(session, viewer, term_id))


def _goals_against_actual(session: Session, viewer: Viewer, term_id: int) -> pd.DataFrame:
    goals = goal_list(session, viewer)
    chosen = session.get(Term, term_id)
    if goals.empty or chosen is None:
        return pd.DataFrame(columns=ACTUAL_COLUMNS)
    terms = session.scalars(select(Term).where(Term.start_date <= chosen.start_date)
                            .order_by(Term.start_date)).all()
    frames = []
    for term in terms:
        table = municipality_table(session, viewer, term.id)
        shares = table[~table["is_total"]].set_index("municipality")
        rows = goals.assign(term=term.code, current=term.id == chosen.id)
        rows["actual"] = [_share(shares, name, indicator) for name, indicator in
                          zip(rows["municipality"], rows["goal_indicator"], strict=True)]
        frames.append(rows)
    result = pd.concat(frames, ignore_index=True)
    result["goal_state"] = [goal_state(a, t, d) for a, t, d in zip(
        result["actual"], result["target"], result["goal_direction"], strict=True)]
    result["gap"] = [None if _missing(a) else (a - t) * 100
                     for a, t in zip(result["actual"], result["target"], strict=True)]
    return result[ACTUAL_COLUMNS]


def _share(shares: pd.DataFrame, municipality: str, indicator: str) -> float | None:
    if municipality not in shares.index:
        return None
    value = shares.at[municipality, indicator]
    return None if _missing(value) else float(value)


def _missing(value) -> bool:
    return value is None or value != value  # None or NaN


def goal_state(actual: float | None, target: float, direction: str) -> GoalState:
    """Reached when the figure is at or under (at most) or at or over (at least) the
    target; unknown when the figure is hidden or missing."""
    if _missing(actual):
        return GoalState.UNKNOWN
    if direction == GoalDirection.AT_MOST:
        reached = actual <= target + EPSILON
    else:
        reached = actual >= target - EPSILON
    return GoalState.REACHED if reached else GoalState.NOT_REACHED


def goal_municipalities(session: Session, viewer: Viewer) -> dict[int, str]:
    """The municipalities the viewer may set goals for."""
    if viewer.role not in SETTERS:
        return {}
    return dict(session.execute(select(Municipality.id, Municipality.name)
                                .where(municipality_clause(viewer))
                                .order_by(Municipality.name)).all())
