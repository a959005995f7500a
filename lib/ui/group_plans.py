"""The plans tab: the group plans in the viewer's scope, the form that decides a class plan
from the chosen mapping run (?kartlaggning=<run id>) and its analysis, and one plan opened —
what it decides, its follow-ups, its after-effects, and the forms that follow it up,
change it and close it with an evaluation. `group_plan_panel` also serves the method
meeting page."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from data_models.codes import ChangeArea, PlanItemKind, PlanLevel, PlanOutcome
from lib import formats, plain
from lib.access import AccessDenied, Viewer, writes_follow_up
from lib.clock import local_today
from lib.db import session_scope
from lib.group_plan_effects import AfterEffects, RunChange
from lib.group_plans import (
    GroupPlanChange,
    GroupPlanInput,
    GroupPlanView,
    PlanBasis,
    add_follow_up,
    close_group_plan,
    create_group_plan,
    get_group_plan,
    group_plan_list,
    run_basis,
    update_group_plan,
)
from lib.i18n import N_, _
from lib.labels import choices, word
from lib.ui.forms import form_notice, kept_form, kept_tabs, run_write
from lib.ui.pickers import query_int, url_record
from lib.ui.plans import follow_up_fields
from lib.ui.tables import show_table, table_or_note

RUN_PARAM = "kartlaggning"  # the chosen run's id, shared by the page's tabs
PLAN_PARAM = "gruppplan"  # the opened plan's id
SHOWN = ["plan_level", "school", "municipality", "group_name", "plan_goal", "plan_owner",
         "start", "review", "last_review", "closed_on", "plan_outcome"]
FOLLOW_UP_SHOWN = ["date", "review_note", "next_review", "by"]


def plans_tab(viewer: Viewer) -> None:
    """The group plans in scope, one opened, and a new class plan from the chosen run."""
    run_id = query_int(RUN_PARAM)
    with session_scope() as session:
        plans = group_plan_list(session, viewer)
        basis = run_basis(session, viewer, run_id) if run_id is not None else None
    st.subheader(_("Planer på gruppnivå"))
    table_or_note(plans[SHOWN], _("Ingen plan på gruppnivå ännu."))
    if not plans.empty:
        labels = {int(row.id): plan_label(row) for row in plans.itertuples()}
        plan_id = url_record(_("Öppna plan"), labels, PLAN_PARAM, _("Välj plan"))
        if plan_id is not None:
            group_plan_panel(viewer, plan_id)
    if basis is not None:
        _new_class_plan(viewer, basis)
    elif writes_follow_up(viewer):
        st.caption(_("Välj en klasskartläggning under fliken Kartläggningar för att besluta "
                     "en klassplan utifrån den."))


def plan_label(row) -> str:
    """A plan as the picker names it: level, where, class, start and goal."""
    where = row.group_name or row.school or row.municipality or "–"
    return _("{level} {where} från {start}: {goal}").format(
        level=word(PlanLevel, row.plan_level), where=where, start=formats.date(row.start),
        goal=" ".join(str(row.plan_goal).split())[:80])


def group_plan_panel(viewer: Viewer, plan_id: int) -> None:
    """One group plan: what it decides, follow-ups, after-effects; for its writers the
    forms that follow it up, change it and close it."""
    for form in ("follow", "change", "close"):
        form_notice(f"group_plan_{plan_id}_{form}")  # the forms are gone once it is closed
    try:
        with session_scope() as session:
            view = get_group_plan(session, viewer, plan_id)
    except AccessDenied as refused:
        st.error(str(refused))
        return
    _plan_text(view)
    _effects(view.effects, view.plan.run_id is not None)
    if view.writable:
        _plan_forms(viewer, view)


def _plan_text(view: GroupPlanView) -> None:
    plan = view.plan
    where = " · ".join(part for part in (plan.school or plan.municipality, plan.group_name)
                       if part)
    st.markdown("**" + plain.markdown(_("{level}: {where}").format(
        level=word(PlanLevel, plan.level), where=where or "–")) + "**")
    st.caption(plain.markdown(_("Ansvarig: {owner} · start {start} · nästa uppföljning "
                                "{review}").format(
        owner=plan.owner or "–", start=formats.date(plan.start_date),
        review=formats.date(plan.review_date))))
    st.text(plan.goal)
    st.markdown("**" + _("Insatser och förändringar") + "**")
    table_or_note(view.items, _("Planen har inga beslutade insatser eller förändringar."))
    st.markdown("**" + _("Uppföljningar") + "**")
    table_or_note(view.follow_ups[FOLLOW_UP_SHOWN], _("Planen har inte följts upp ännu."))
    if plan.closed_on is not None:
        st.markdown("**" + plain.markdown(_("Avslutad {date}: {outcome}").format(
            date=formats.date(plan.closed_on), outcome=word(PlanOutcome, plan.outcome)))
            + "**")
        st.text(plan.learned or "–")


def _effects(effects: AfterEffects, has_run: bool) -> None:
    st.markdown("**" + _("Efter planen") + "**")
    if effects.absence_hidden:
        st.caption(_("Frånvaron visas inte: gruppen har för få elever."))
    elif effects.absence_before is None and effects.absence_after is None:
        st.caption(_("Ingen frånvaro registrerad veckorna kring planens start."))
    else:
        left, right = st.columns(2)
        left.metric(_("Frånvaro 4 veckor före"), formats.percent(effects.absence_before))
        right.metric(_("Frånvaro 4 veckor efter"), formats.percent(effects.absence_after))
    if not has_run:
        return
    if effects.run_change == RunChange.SHOWN:
        st.caption(_("Kartläggningen {date} jämförd med planens kartläggning:").format(
            date=formats.date(effects.next_run_date)))
        show_table(effects.dimensions[["dimension", "mean_before", "mean_after",
                                       "mean_change"]], hide=())
    elif effects.run_change == RunChange.TOO_FEW:
        st.caption(_("Förändringen i kartläggningen visas inte: för få har svarat."))
    else:
        st.caption(_("Klassen har inte kartlagts igen ännu."))


def _plan_forms(viewer: Viewer, view: GroupPlanView) -> None:
    plan = view.plan
    key = f"group_plan_{plan.id}"
    follow, change, close = kept_tabs(
        [_("Lägg till uppföljning"), _("Ändra"), _("Avsluta")], f"{key}_tabs")
    with follow, kept_form(f"{key}_follow") as form:
        day, upcoming, note = follow_up_fields(form)
        if st.form_submit_button(_("Lägg till uppföljning")):
            run_write(lambda session: add_follow_up(session, viewer, plan.id, day, note,
                                                    upcoming, plan.version),
                      form=f"{key}_follow", success=_("Uppföljningen är sparad."))
    with change, kept_form(f"{key}_change") as form:
        goal, owner, start, review = _plan_fields(form, plan.goal, plan.owner,
                                                  plan.start_date, plan.review_date)
        items = items_fields(f"{form}_items", view.items)
        if st.form_submit_button(_("Spara ändringen")):
            data = GroupPlanChange(goal=goal, owner=owner, start_date=start,
                                   review_date=review, items=items)
            run_write(lambda session: update_group_plan(session, viewer, plan.id,
                                                        plan.version, data),
                      form=f"{key}_change", success=_("Planen är ändrad."))
    outcomes = choices(PlanOutcome)
    with close, kept_form(f"{key}_close") as form:
        day = st.date_input(_("Avslutad den"), value=local_today(), max_value=local_today(),
                            format="YYYY-MM-DD", key=f"{form}_day")
        outcome = st.radio(_("Nåddes målet?"), list(outcomes), format_func=outcomes.get,
                           horizontal=True, key=f"{form}_outcome")
        learned = st.text_area(_("Vad ni lärde er"), height=80, key=f"{form}_learned")
        if st.form_submit_button(_("Avsluta planen")):
            run_write(lambda session: close_group_plan(session, viewer, plan.id, day, outcome,
                                                       learned, plan.version),
                      form=f"{key}_close", success=_("Planen är avslutad."))


def _plan_fields(form: str, goal: str, owner: str, start: dt.date, review: dt.date):
    goal = st.text_area(_("Planens mål"), value=goal, height=68, key=f"{form}_goal")
    left, middle, right = st.columns(3)
    owner = left.text_input(_("Ansvarig"), value=owner, max_chars=120, key=f"{form}_owner")
    start = middle.date_input(_("Start"), value=start, format="YYYY-MM-DD", key=f"{form}_start")
    review = right.date_input(_("Första uppföljning"), value=review, format="YYYY-MM-DD",
                              key=f"{form}_review")
    return goal, owner, start, review


# What a plan decides, one text area each: measures, and changes by area (one per line).
ITEM_FIELDS_SHOWN = ((PlanItemKind.MEASURE, None, N_("Insatser (en per rad)")),
                     (PlanItemKind.CHANGE, ChangeArea.TEACHING,
                      N_("Förändringar i undervisningen (en per rad)")),
                     (PlanItemKind.CHANGE, ChangeArea.ORGANISATION,
                      N_("Förändringar i organisationen (en per rad)")),
                     (PlanItemKind.CHANGE, ChangeArea.ENVIRONMENT,
                      N_("Förändringar i miljön (en per rad)")),
                     (PlanItemKind.CHANGE, ChangeArea.OTHER,
                      N_("Andra förändringar (en per rad)")))


def items_fields(key: str, items: pd.DataFrame | None = None
                 ) -> tuple[tuple[str, str | None, str], ...]:
    """What the plan decides, typed one per line under its kind and area; the plan's
    current items filled in. Returns them as the service takes them, empty lines left out."""
    decided = []
    for kind, area, label in ITEM_FIELDS_SHOWN:
        mine = [] if items is None else [
            row.item_text for row in items.itertuples()
            if row.item_kind == kind and (None if pd.isna(row.change_area)
                                          else row.change_area) == area]
        typed = st.text_area(_(label), value="\n".join(mine), height=68,
                             key=f"{key}_{kind}_{area or 'all'}")
        decided += [(kind.value, area.value if area else None, line.strip())
                    for line in typed.splitlines() if line.strip()]
    return tuple(decided)


def _new_class_plan(viewer: Viewer, basis: PlanBasis) -> None:
    name = f"new_class_plan_{basis.run_id}"
    st.markdown("**" + plain.markdown(_("Besluta en klassplan för {group} ({school}), "
                                        "utifrån kartläggningen {date}").format(
        group=basis.group_name, school=basis.school, date=formats.date(basis.date))) + "**")
    if basis.analysis_id is None:
        st.caption(_("Kartläggningen har ingen sparad analys ännu: planen bygger då bara på "
                     "resultatet."))
    with kept_form(name) as form:
        today = local_today()
        goal, owner, start, review = _plan_fields(form, "", viewer.name, today,
                                                  today + dt.timedelta(weeks=6))
        items = items_fields(f"{form}_items")
        if st.form_submit_button(_("Besluta planen"), icon=":material/task_alt:"):
            data = GroupPlanInput(
                level=PlanLevel.CLASS, goal=goal, owner=owner, start_date=start,
                review_date=review, items=items, school_id=basis.school_id,
                group_name=basis.group_name, run_id=basis.run_id,
                analysis_id=basis.analysis_id)
            run_write(lambda session: create_group_plan(session, viewer, data), form=name,
                      success=_("Klassplanen är beslutad."))
