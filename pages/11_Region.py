"""Region: the regional indicators per municipality and term, for project leaders. Only
aggregates, with small cells suppressed; the definitions are on the page."""

import streamlit as st

from lib import charts
from lib.db import session_scope
from lib.exports import export_file
from lib.indicators import (
    CAVEAT,
    DEFINITIONS,
    EFFECT_HIDDEN_NOTE,
    HIDDEN_NOTE,
    effect_of_measures,
    indicators_excel,
    region_indicators,
)
from lib.ui.downloads import XLSX, audited_download
from lib.ui.guard import guard
from lib.ui.pickers import term_picker
from lib.ui.tables import show_table, table_or_note

viewer = guard("region", "Region")
st.title("Regionala indikatorer")
term = term_picker()
with session_scope() as session:
    result = region_indicators(session, viewer, term.id)
    effect = effect_of_measures(session, viewer, term.id)

st.caption(f"Termin {result.term_code}"
           + (f", jämfört med {result.previous_code}" if result.previous_code else "")
           + ". " + HIDDEN_NOTE)
with st.expander("Definitioner", expanded=False):
    st.markdown(DEFINITIONS)

st.subheader("Per kommun")
show_table(result.table)
st.plotly_chart(charts.indicator_trend(result.trend), key="trend")

st.subheader("Från identifierad till förbättrad")
show_table(result.funnel)

st.subheader("Genomförda möten per skola")
table_or_note(result.meetings, "Inga genomförda möten den här terminen.")

st.subheader("Effekt av åtgärder")
st.caption(f"{CAVEAT} {EFFECT_HIDDEN_NOTE}")
table_or_note(effect, "Inga åtgärder den här terminen.")

audited_download(lambda session: export_file(
    session, viewer, lambda: indicators_excel(result, effect), what="region_indicators",
    rows=len(result.table), note=f"Regionala indikatorer {result.term_code}"),
    "Exportera till Excel", f"indikatorer-{result.term_code}.xlsx", XLSX)
