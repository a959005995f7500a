"""Action plans on the student page: the student's plans with their step goals, the forms
that move a plan on (phase, goals, the measures that carry it, the closing evaluation),
and the form for a new plan."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from data_models.codes import PlanGoalStatus, PlanOutcome, PlanPhase
from lib import formats, plain
from lib.access import Role, Viewer, writes_follow_up
from lib.clock import local_today
from lib.db import session_scope
from lib.i18n import _
from lib.labels import choices, word
from lib.plan_changes import (
    PlanChange,
    PlanFollowUps,
    approve_plan,
    change_plan,
    review_plan,
    student_plan_follow_ups,
)
from lib.plan_document import export_plan, file_name
from lib.plans import (
    PlanInput,
    close_plan,
    create_plan,
    deciding_meetings,
    link_measure,
    list_plans,
    set_goal_status,
    set_phase,
    student_plan_goals,
)
from lib.ui.downloads import PDF, audited_download
from lib.ui.forms import form_notice, kept_expander, kept_form, kept_tabs, run_write
from lib.ui.tables import show_table, table_or_note
from lib.ui.talks import measure_name

STEP_ROWS = 3  # step goals the new-plan form offers
SHOWN = ["start", "plan_phase", "goal", "review", "last_review", "coach_responsible",
         "school_responsible", "approved_on", "goals_reached", "goals", "closed_on",
         "plan_outcome", "absence_before", "absence_after"]


def plan_section(viewer: Viewer, student_id: int, talks: pd.DataFrame,
                 measures: pd.DataFrame | None) -> None:
    """The student's plans and the forms that move them on; `talks` and `measures` as the
    talk section read them (lib.ui.talks.talk_section)."""
    writes = writes_follow_up(viewer)
    with session_scope() as session:
        plans = list_plans(session, viewer, student_id)
        every_goal = student_plan_goals(session, viewer, student_id)
        follow_ups = student_plan_follow_ups(session, viewer, student_id)
        meetings = deciding_meetings(session, viewer, student_id) if writes else None
    st.subheader(_("Handlingsplaner"))
    table_or_note(plans[SHOWN], _("Ingen handlingsplan ännu."))
    goals = {plan_id: every_goal[every_goal["plan_id"] == plan_id].reset_index(drop=True)
             for plan_id in plans["id"]}
    for plan in plans.itertuples():
        form_notice(f"plan_{plan.id}_close")  # its form is gone once the plan is closed
        form_notice(f"plan_{plan.id}_approve")  # and this one once it is approved
        with kept_expander(_title(plan), f"plan_open_{plan.id}"):
            plan_details(viewer, plan, goals[plan.id], follow_ups)
            if writes and pd.isna(plan.closed_on):
                _plan_forms(viewer, plan, goals[plan.id], measures)
    if writes:
        _new_plan_form(viewer, student_id, talks, meetings)


def plans_in_meeting(viewer: Viewer, student_id: int) -> None:
    """The student's open plans in meeting mode, to read together: goal, phase, step goals,
    follow-ups and the PDF; they are written on the student page."""
    with session_scope() as session:
        plans = list_plans(session, viewer, student_id)
        open_plans = plans[plans["closed_on"].isna()]
        if not open_plans.empty:  # most students have none: their goals are not read
            every_goal = student_plan_goals(session, viewer, student_id)
            follow_ups = student_plan_follow_ups(session, viewer, student_id)
    st.markdown("**" + _("Handlingsplaner") + "**")
    if open_plans.empty:
        st.caption(_("Ingen öppen handlingsplan. Den skrivs på elevens sida."))
        return
    for plan in open_plans.itertuples():
        with kept_expander(_title(plan), f"meeting_plan_open_{plan.id}", expanded=True):
            st.caption(_("Fas: {phase} · nästa uppföljning {review}").format(
                phase=word(PlanPhase, plan.plan_phase), review=formats.date(plan.review)))
            plan_details(viewer, plan, every_goal[every_goal["plan_id"] == plan.id],
                         follow_ups)


def _title(plan) -> str:
    """An expander's label for the plan: its start and the student's goal, as text."""
    title = _("Plan från {start}: {goal}").format(start=formats.date(plan.start),
                                                   goal=" ".join(plan.goal.split()))
    return plain.markdown(title[:120])


def plan_details(viewer: Viewer, plan, goals: pd.DataFrame, follow_ups: PlanFollowUps) -> None:
    """A plan's step goals, follow-ups and changes after approval, and its PDF (`plan`: a
    row of lib.plans.list_plans; `follow_ups`: those of the student's plans)."""
    reviews = follow_ups.reviews[follow_ups.reviews["plan_id"] == plan.id]
    changes = follow_ups.amendments[follow_ups.amendments["plan_id"] == plan.id]
    if pd.isna(plan.approved_on):
        st.caption(_("Inte godkänd ännu: planen kan ändras fritt tills den är godkänd."))
    else:
        st.caption(_("Godkänd {date} av {who}. Ändringar sparas med sitt skäl.").format(
            date=formats.date(plan.approved_on), who=plain.markdown(plan.approved_by)))
    table_or_note(goals, _("Planen har inga delmål."))
    st.markdown("**" + _("Uppföljningar") + "**")
    table_or_note(reviews, _("Planen har inte följts upp ännu."))
    if not changes.empty:
        st.markdown("**" + _("Ändringar efter godkännandet") + "**")
        show_table(changes)
    audited_download(lambda session: export_plan(session, viewer, plan.id),
                     _("Skriv ut planen (PDF)"), file_name(plan.id), PDF,
                     key=f"plan_pdf_{plan.id}")


def follow_up_fields(form: str) -> tuple[dt.date, dt.date | None, str]:
    """A plan's follow-up, of any level: the day it was held, the next one, what was seen."""
    left, right = st.columns(2)
    day = left.date_input(_("Uppföljningens datum"), value=local_today(),
                          max_value=local_today(), format="YYYY-MM-DD", key=f"{form}_day")
    upcoming = right.date_input(_("Nästa uppföljning"), value=None, format="YYYY-MM-DD",
                                key=f"{form}_next")
    return day, upcoming, st.text_area(_("Vad ni såg"), height=80, key=f"{form}_note")


def _plan_forms(viewer: Viewer, plan, goals: pd.DataFrame, measures: pd.DataFrame) -> None:
    key = f"plan_{plan.id}"
    version = int(plan.version)
    follow, change, steps, close = kept_tabs(
        [_("Följ upp"), _("Ändra"), _("Fas och delmål"), _("Avsluta")], f"{key}_tabs")
    with follow, kept_form(f"{key}_review") as form:
        day, upcoming, note = follow_up_fields(form)
        if st.form_submit_button(_("Spara uppföljningen")):
            run_write(lambda session: review_plan(session, viewer, plan.id, version, day, note,
                                                  upcoming, local_today()),
                      form=f"{key}_review", success=_("Uppföljningen är sparad."))
    with change:
        if pd.isna(plan.approved_on):
            _approve_form(viewer, key, plan.id, version)
        _change_form(viewer, key, plan)
    with steps:
        _phase_and_goal_forms(viewer, key, plan, goals, measures)
    outcomes = choices(PlanOutcome)
    with close, kept_form(f"{key}_close") as form:
        outcome = st.radio(_("Nåddes målet?"), list(outcomes), format_func=outcomes.get,
                           horizontal=True, key=f"{form}_outcome")
        learned = st.text_area(_("Vad ni lärde er"), height=80, key=f"{form}_learned")
        if st.form_submit_button(_("Avsluta planen")):
            run_write(lambda session: close_plan(session, viewer, plan.id, version,
                                                 outcome, learned, local_today()),
                      form=f"{key}_close", success=_("Planen är avslutad."))


def _approve_form(viewer: Viewer, key: str, plan_id: int, version: int) -> None:
    with kept_form(f"{key}_approve") as form:
        left, right = st.columns([1, 2])
        day = left.date_input(_("Godkänd den"), value=local_today(), max_value=local_today(),
                              format="YYYY-MM-DD", key=f"{form}_day")
        who = right.text_input(_("Godkänd av"), key=f"{form}_who",
                               help=_("Eleven, och vårdnadshavare när eleven är under 18."))
        if st.form_submit_button(_("Godkänn planen")):
            run_write(lambda session: approve_plan(session, viewer, plan_id, version, day, who,
                                                   local_today()),
                      form=f"{key}_approve", success=_("Planen är godkänd."))


def _change_form(viewer: Viewer, key: str, plan) -> None:
    approved = not pd.isna(plan.approved_on)
    with kept_form(f"{key}_change") as form:
        goal = st.text_area(_("Elevens mål, med elevens ord"), value=plan.goal, height=80,
                            key=f"{form}_goal")
        left, middle, right = st.columns(3)
        review = left.date_input(_("Nästa uppföljning"), value=plan.review,
                                 format="YYYY-MM-DD", key=f"{form}_review")
        coach = middle.text_input(_("Ansvarig hos coachen"), value=plan.coach_responsible,
                                  key=f"{form}_coach")
        school = right.text_input(_("Ansvarig på skolan"), value=plan.school_responsible,
                                  key=f"{form}_school")
        left, right = st.columns([3, 1])
        step = left.text_input(_("Nytt delmål"), key=f"{form}_step")
        due = right.date_input(_("Senast"), value=None, format="YYYY-MM-DD", key=f"{form}_due")
        reason = st.text_input(_("Varför planen ändras"), key=f"{form}_reason") if approved \
            else ""
        if st.form_submit_button(_("Spara ändringen")):
            change = PlanChange(goal=goal, review_date=review, coach_responsible=coach,
                                school_responsible=school, new_goal=(step, due))
            run_write(lambda session: change_plan(session, viewer, plan.id, int(plan.version),
                                                  change, reason),
                      form=f"{key}_change", success=_("Planen är ändrad."))


def _phase_and_goal_forms(viewer: Viewer, key: str, plan, goals: pd.DataFrame,
                          measures: pd.DataFrame) -> None:
    phases = choices(PlanPhase)
    with kept_form(f"{key}_phase") as form:
        phase = st.selectbox(_("Fas"), list(phases), format_func=phases.get,
                             index=list(phases).index(plan.plan_phase), key=f"{form}_phase")
        if st.form_submit_button(_("Spara fas")):
            run_write(lambda session: set_phase(session, viewer, plan.id, int(plan.version),
                                                phase),
                      form=f"{key}_phase", success=_("Planen är sparad."))
    if not goals.empty:
        texts = dict(zip(goals["id"], goals["goal_text"], strict=True))
        statuses = choices(PlanGoalStatus)
        with kept_form(f"{key}_goal") as form:
            left, right = st.columns(2)
            goal_id = left.selectbox(_("Delmål"), list(texts), format_func=texts.get,
                                     key=f"{form}_goal")
            status = right.selectbox(_("Läge"), list(statuses), format_func=statuses.get,
                                     key=f"{form}_status")
            if st.form_submit_button(_("Spara delmål")):
                run_write(lambda session: set_goal_status(session, viewer, int(goal_id),
                                                          status),
                          form=f"{key}_goal", success=_("Delmålet är sparat."))
    if not measures.empty:
        named = {int(row.id): measure_name(row) for row in measures.itertuples()}
        with kept_form(f"{key}_measure") as form:
            measure_id = st.selectbox(_("Åtgärd som bär planen"), list(named),
                                      format_func=named.get, key=f"{form}_measure")
            if st.form_submit_button(_("Koppla åtgärden till planen")):
                run_write(lambda session: link_measure(session, viewer, plan.id, measure_id),
                          form=f"{key}_measure", success=_("Åtgärden är kopplad till planen."))
def _new_plan_form(viewer: Viewer, student_id: int, talks: pd.DataFrame,
                   meetings: pd.DataFrame) -> None:
    key = f"new_plan_{student_id}"
    today = local_today()
    based_on = {None: _("Inget samtal"), **{int(row.id): _("Samtal {date} · {held_by}").format(
        date=formats.date(row.date), held_by=row.held_by) for row in talks.itertuples()}}
    decided_at = {None: _("Inget möte"), **{
        int(row.id): _("Genomgång {date} · {school}").format(date=formats.date(row.date),
                                                            school=row.school)
        for row in meetings.itertuples()}}
    with kept_form(key) as form:
        st.markdown("**" + _("Ny handlingsplan") + "**")
        goal = st.text_area(_("Elevens mål, med elevens ord"), height=80)
        left, middle, right = st.columns(3)
        start = left.date_input(_("Planens start"), value=today, format="YYYY-MM-DD",
                                key=f"{form}_start")
        review = middle.date_input(_("Nästa uppföljning"), value=today + dt.timedelta(weeks=6),
                                   format="YYYY-MM-DD", key=f"{form}_review")
        talk_id = right.selectbox(_("Bygger på"), list(based_on), format_func=based_on.get,
                                  key=f"{form}_talk")
        left, middle, right = st.columns(3)
        meeting_id = right.selectbox(_("Beslutad på möte"), list(decided_at),
                                     format_func=decided_at.get, key=f"{form}_meeting")
        coach = left.text_input(_("Ansvarig hos coachen"),
                                value=viewer.name if viewer.role == Role.COACH else "")
        school = middle.text_input(_("Ansvarig på skolan"),
                                  value=viewer.name if viewer.role == Role.SCHOOL_STAFF else "")
        steps = []
        for number in range(1, STEP_ROWS + 1):
            left, right = st.columns([3, 1])
            text = left.text_input(_("Delmål {number}").format(number=number),
                                   key=f"{form}_step_{number}")
            due = right.date_input(_("Senast"), value=None, format="YYYY-MM-DD",
                                   key=f"{form}_due_{number}")
            steps.append((text, due))
        if st.form_submit_button(_("Spara planen"), icon=":material/save:"):
            plan = PlanInput(goal=goal, start_date=start, review_date=review,
                             coach_responsible=coach, school_responsible=school,
                             goals=tuple(steps), talk_id=talk_id, meeting_id=meeting_id)
            run_write(lambda session: create_plan(session, viewer, student_id, plan),
                      form=key, success=_("Planen är sparad."))
