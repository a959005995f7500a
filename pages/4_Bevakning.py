"""Bevakning: students over the watch or high level, or rising, across the viewer's scope."""

import streamlit as st

from lib import formats
from lib.analytics import TREND_RULE
from lib.dashboards import watch_level_labels, watch_list
from lib.db import session_scope
from lib.ui.downloads import excel_download
from lib.ui.guard import guard
from lib.ui.pickers import term_picker
from lib.ui.tables import student_table

viewer = guard("watch", "Bevakning")
st.title("Bevakning")
term = term_picker()

with session_scope() as session:
    levels = {**watch_level_labels(session, viewer),
              "unattended": "Flaggade utan åtgärd eller anteckning sedan förra mötet"}
wanted = st.query_params.get("niva", "watch")
level = st.radio("Visa elever", list(levels), format_func=levels.get, horizontal=True,
                 index=list(levels).index(wanted) if wanted in levels else 0)
st.query_params["niva"] = level
rising = st.checkbox("Ta också med elever med stigande frånvaro", value=True, key="rising",
                     help=TREND_RULE)

with session_scope() as session:
    table = watch_list(session, viewer, term.id, "watch" if level == "unattended" else level,
                       rising, term.start_date if level == "unattended" else None)

st.caption(f"{formats.count(len(table), 'elev', 'elever')} · termin {term.code} · "
           "nivåerna följer elevens hemkommun")
if level == "unattended":
    st.caption("Flaggade elever utan ny åtgärd, kontakt eller mötesanteckning sedan det senaste "
               "mötet där de togs upp (eller sedan terminsstart om de inte har tagits upp).")
student_table(table, key="watch_students")
if not table.empty:
    excel_download(viewer, table, "Bevakning", f"{term.code}, {levels[level].lower()}",
                   "watch_list", f"bevakning-{term.code}.xlsx")
