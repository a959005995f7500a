"""Region: the regional indicators per municipality and term, for project leaders. Only
aggregates, with small cells suppressed; the definitions are on the page."""

import streamlit as st

from lib import charts
from lib.clock import local_today
from lib.db import session_scope
from lib.exports import export_file
from lib.i18n import N_, _
from lib.indicators import HIDDEN_NOTE, definitions, indicators_excel, region_indicators
from lib.measure_effects import CAVEAT, EFFECT_HIDDEN_NOTE, effect_of_measures
from lib.school_results import with_results
from lib.talk_indicators import definitions as talk_definitions
from lib.talk_indicators import talk_indicators
from lib.transition_indicators import transition_indicators
from lib.ui.downloads import XLSX, audited_download
from lib.ui.figures import plot
from lib.ui.guard import guard
from lib.ui.pickers import term_picker
from lib.ui.region_results import region_results_section
from lib.ui.shared_goals import goals_panel
from lib.ui.tables import show_table, table_or_note
from lib.ui.transitions import transition_figures

viewer = guard("region", N_("Region"))
st.title(_("Regionala indikatorer"))
term = term_picker()
with session_scope() as session:
    result = region_indicators(session, viewer, term.id)
    effect = effect_of_measures(session, viewer, term.id)
    talks = talk_indicators(session, viewer, term.id)
    transitions = transition_indicators(session, viewer, term.id, local_today())

st.caption((_("Termin {term}, jämfört med {previous}.") if result.previous_code
            else _("Termin {term}.")).format(term=result.term_code,
                                             previous=result.previous_code)
           + " " + _(HIDDEN_NOTE))
with st.expander(_("Definitioner"), expanded=False):
    st.markdown(definitions())

st.subheader(_("Per kommun"))
show_table(result.table)
plot(charts.indicator_trend, result.trend, key="trend")
goals_panel(viewer, term)

st.subheader(_("Från identifierad till förbättrad"))
show_table(result.funnel)

st.subheader(_("Elevsamtal och handlingsplaner"))
with st.expander(_("Definitioner, elevsamtal och handlingsplaner"), expanded=False):
    st.markdown(talk_definitions())
show_table(talks.table)
if talks.categories.empty:
    st.caption(_("Inga elevsamtal den här terminen."))
else:
    show_table(talks.categories)
    plot(charts.talk_categories, talks.categories, key="talk_categories")

st.subheader(_("Övergångar: nya elever, studieavbrott och aktivitetsansvar"))
transition_figures(transitions)

results = region_results_section(viewer, term)

st.subheader(_("Genomförda möten per skola"))
table_or_note(result.meetings, _("Inga genomförda möten den här terminen."))

st.subheader(_("Effekt av åtgärder"))
st.caption(f"{_(CAVEAT)} {_(EFFECT_HIDDEN_NOTE)}")
table_or_note(effect, _("Inga åtgärder den här terminen."))

audited_download(lambda session: export_file(
    session, viewer,
    lambda: with_results(indicators_excel(result, effect, talks, transitions), results),
    what="region_indicators", rows=len(result.table),
    note=f"Regionala indikatorer {result.term_code}"),
    _("Exportera till Excel"), _("indikatorer-{term}.xlsx").format(term=result.term_code), XLSX)
