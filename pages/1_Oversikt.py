"""Översikt: the first page after login, per role."""

import streamlit as st

from lib import formats, plain
from lib.access import Role
from lib.clock import local_today
from lib.db import session_scope
from lib.i18n import N_, _
from lib.overview import municipality_overview, scope_overview
from lib.transition_indicators import transition_indicators
from lib.ui import cadence, school_results, shared_goals
from lib.ui.guard import guard
from lib.ui.pickers import term_picker
from lib.ui.tables import show_table, student_table
from lib.ui.transitions import transition_figures

viewer = guard("overview", N_("Översikt"))
st.title(_("Översikt"))
term = term_picker()

if viewer.role == Role.PROJECT_LEADER:
    with session_scope() as session:
        table = municipality_overview(session, viewer, term.id)
    st.caption(_("Sammanställning per hemkommun. Andelar som bygger på färre än 10 elever "
                 "visas som \"..\"."))
    show_table(table)
    shared_goals.goals_panel(viewer, term)
    st.stop()

with session_scope() as session:
    overview = scope_overview(session, viewer, term.id)

st.caption(_("{name}, {role} · termin {term}").format(
    name=plain.markdown(viewer.name), role=viewer.role_label.lower(), term=term.code))
first, second, third = st.columns(3)
first.metric(_("Elever med frånvarodata"), formats.number(overview.students))
second.metric(_("Frånvaro ≥ 15 %"), formats.percent(overview.share_watch),
              help=formats.count(overview.over_watch, _("elev"), _("elever")))
third.metric(_("Frånvaro ≥ 20 %"), formats.percent(overview.share_high),
             help=formats.count(overview.over_high, _("elev"), _("elever")))

if viewer.role == Role.COACH:
    shared_goals.goals_panel(viewer, term)
st.subheader(_("Per skola"))
show_table(overview.per_school)
cadence.cadence_notice(viewer, term)
if viewer.role == Role.SCHOOL_STAFF:
    school_results.school_leader_view(viewer, term)

st.subheader(_("Elever över bevakningsnivån"))
if overview.flagged.empty:
    st.info(_("Inga elever över bevakningsnivån den här terminen."))
else:
    student_table(overview.flagged, key="flagged_students")

if viewer.role == Role.COACH:
    st.subheader(_("Övergångar i kommunen"))
    with session_scope() as session:
        transitions = transition_indicators(session, viewer, term.id, local_today())
    transition_figures(transitions)
