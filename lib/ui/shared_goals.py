"""Shared goals on screen: the list with the form that sets, changes and removes a goal
(the Metodmöten page), and the compact panel of each goal against the actual figure (the
Region page and Översikt)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import formats, plain
from lib.access import Role, Viewer
from lib.clock import local_today
from lib.codes import GoalDirection, GoalIndicator
from lib.db import session_scope
from lib.goal_charts import goal_trend
from lib.i18n import _
from lib.labels import choices, word
from lib.shared_goals import (
    SETTERS,
    GoalInput,
    current_term_code,
    goal_list,
    goal_municipalities,
    goals_against_actual,
    remove_goal,
    set_goal,
    term_key,
    update_goal,
)
from lib.ui.figures import plot
from lib.ui.forms import kept_form, run_write
from lib.ui.tables import show_table, table_or_note

LIST_HIDE = ("id", "method_meeting_id")
PANEL = ["municipality", "goal_indicator", "goal_direction", "target", "by_term", "actual",
         "goal_state", "gap"]
TERMS_AHEAD = 10  # the terms a goal can be set by: this one and the next nine


def goals_tab(viewer: Viewer) -> None:
    """The shared goals in the viewer's scope; set, change or remove one."""
    with session_scope() as session:
        goals = goal_list(session, viewer)
        municipalities = goal_municipalities(session, viewer)
    st.caption(_("Kommunernas mål på regionens indikatorer, till exempel andelen elever med "
                 "minst 20 % frånvaro högst 15 % senast VT2027. Utfallet visas på "
                 "Region-sidan och på Översikt."))
    if viewer.role == Role.SCHOOL_STAFF:
        st.info(_("Gemensamma mål sätts av kommunernas ungdomscoacher och regionens "
                  "projektledare."))
        return
    table_or_note(goals, _("Inga gemensamma mål ännu."), hide=LIST_HIDE)
    if not municipalities:
        return
    goal_form(viewer, municipalities, "new_shared_goal")
    if not goals.empty:
        change_goal(viewer, goals)


def _term_options(current: str | None = None) -> list[str]:
    """This term and the coming ones ("HT2026", "VT2027", …), and the goal's own term."""
    year, half = term_key(current_term_code(local_today()))
    codes = []
    for step in range(TERMS_AHEAD):
        number = half + step
        codes.append(f"{'HT' if number % 2 else 'VT'}{year + number // 2}")
    return ([current] if current and current not in codes else []) + codes


def goal_form(viewer: Viewer, municipalities: dict[int, str], name: str,
              method_meeting_id: int | None = None) -> None:
    """A form that sets a new goal, for one of `municipalities` (and a method meeting)."""
    indicators, directions = choices(GoalIndicator), choices(GoalDirection)
    with kept_form(name):
        st.markdown("**" + _("Sätt ett gemensamt mål") + "**")
        municipality = st.selectbox(_("Kommun"), list(municipalities),
                                    format_func=municipalities.get)
        left, middle, right, last = st.columns(4)
        indicator = left.selectbox(_("Indikator"), list(indicators), format_func=indicators.get,
                                   index=1)
        direction = middle.selectbox(_("Riktning"), list(directions), format_func=directions.get)
        target = right.number_input(_("Mål (%)"), min_value=0.0, max_value=100.0, value=15.0,
                                    step=0.5)
        by_term = last.selectbox(_("Senast"), _term_options())
        note = st.text_area(_("Kommentar"), height=68)
        if st.form_submit_button(_("Sätt målet"), icon=":material/flag:"):
            data = GoalInput(municipality, indicator, direction, target / 100, by_term, note,
                             method_meeting_id)
            run_write(lambda session: set_goal(session, viewer, data), form=name,
                      success=_("Målet är satt."))


def change_goal(viewer: Viewer, goals: pd.DataFrame) -> None:
    """Choose a goal; change it, or remove it."""
    labels = {int(r.id): _goal_label(r) for r in goals.itertuples()}
    chosen = st.selectbox(_("Ändra eller ta bort ett mål"), list(labels),
                          format_func=labels.get, index=None, placeholder=_("Välj ett mål"))
    if chosen is None:
        return
    row = goals.set_index("id").loc[chosen]
    indicators, directions = choices(GoalIndicator), choices(GoalDirection)
    name = f"shared_goal_{chosen}_{row['version']}"
    with kept_form(name):
        left, middle, right, last = st.columns(4)
        indicator = left.selectbox(_("Indikator"), list(indicators), format_func=indicators.get,
                                   index=list(indicators).index(row["goal_indicator"]))
        direction = middle.selectbox(_("Riktning"), list(directions), format_func=directions.get,
                                     index=list(directions).index(row["goal_direction"]))
        target = right.number_input(_("Mål (%)"), min_value=0.0, max_value=100.0,
                                    value=round(float(row["target"]) * 100, 1), step=0.5)
        terms = _term_options(row["by_term"])
        by_term = last.selectbox(_("Senast"), terms, index=terms.index(row["by_term"]))
        note = st.text_area(_("Kommentar"), value=row["goal_note"], height=68)
        save, remove = st.columns(2)
        if save.form_submit_button(_("Spara målet"), icon=":material/save:"):
            data = GoalInput(int(row["municipality_id"]), indicator, direction, target / 100,
                             by_term, note, _meeting(row["method_meeting_id"]))
            run_write(lambda session: update_goal(session, viewer, chosen,
                                                  int(row["version"]), data),
                      success=_("Målet är sparat."))
        if remove.form_submit_button(_("Ta bort målet"), icon=":material/delete:"):
            run_write(lambda session: remove_goal(session, viewer, chosen, int(row["version"])),
                      success=_("Målet är borttaget."))


def _meeting(value) -> int | None:
    return None if pd.isna(value) else int(value)


def _goal_label(row) -> str:
    """"Alfa: Andel ≥ 20 % högst 15 % senast VT2027"."""
    return _("{municipality}: {indicator} {direction} {target} senast {term}").format(
        municipality=row.municipality, indicator=word(GoalIndicator, row.goal_indicator),
        direction=word(GoalDirection, row.goal_direction), target=formats.level(row.target),
        term=row.by_term)


def goals_panel(viewer: Viewer, term) -> None:
    """"Gemensamma mål": each goal in scope against the actual figure in `term` (the
    Region page's own figure, hidden where the page hides it), with its trend. Nothing
    when there are no goals in scope."""
    if viewer.role not in SETTERS or term is None:
        return
    with session_scope() as session:
        result = goals_against_actual(session, viewer, term.id)
    if result.empty:
        return
    st.subheader(_("Gemensamma mål"))
    st.caption(_("Utfallet terminen {term} är samma siffra som på Region-sidan. \"..\" "
                 "betyder att siffran döljs för att skydda små grupper; då är läget "
                 "okänt.").format(term=plain.markdown(term.code)))
    now = result[result["current"]]
    show_table(now[["id", *PANEL]])
    with st.expander(_("Utveckling per termin"), expanded=False):
        for row in now.itertuples():
            st.markdown("**" + plain.markdown(_goal_label(row)) + "**")
            plot(goal_trend, result[result["id"] == row.id], row.goal_indicator,
                 float(row.target), row.goal_direction, row.by_term, key=f"goal_{row.id}")
