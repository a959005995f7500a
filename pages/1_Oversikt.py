"""Översikt: the first page after login, per role."""

import streamlit as st

from lib import formats, plain
from lib.access import Role
from lib.db import session_scope
from lib.overview import municipality_overview, scope_overview
from lib.ui.guard import guard
from lib.ui.pickers import term_picker
from lib.ui.tables import show_table, student_table

viewer = guard("overview", "Översikt")
st.title("Översikt")
term = term_picker()

if viewer.role == Role.PROJECT_LEADER:
    with session_scope() as session:
        table = municipality_overview(session, viewer, term.id)
    st.caption("Sammanställning per hemkommun. Andelar som bygger på färre än 10 elever visas "
               "som \"..\".")
    show_table(table)
    st.stop()

with session_scope() as session:
    overview = scope_overview(session, viewer, term.id)

st.caption(f"{plain.markdown(viewer.name)}, {viewer.role_label.lower()} · termin {term.code}")
first, second, third = st.columns(3)
first.metric("Elever med frånvarodata", formats.number(overview.students))
second.metric("Frånvaro ≥ 15 %", formats.percent(overview.share_watch),
              help=formats.count(overview.over_watch, "elev", "elever"))
third.metric("Frånvaro ≥ 20 %", formats.percent(overview.share_high),
             help=formats.count(overview.over_high, "elev", "elever"))

st.subheader("Per skola")
show_table(overview.per_school)

st.subheader("Elever över bevakningsnivån")
if overview.flagged.empty:
    st.info("Inga elever över bevakningsnivån den här terminen.")
else:
    student_table(overview.flagged, key="flagged_students")
