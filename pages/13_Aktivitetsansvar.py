"""Aktivitetsansvar: the municipality's young people under 20 who left upper-secondary school
(KAA), the ones whose next contact step is due first; one episode as ?arende=<id>."""

import streamlit as st

from lib import formats
from lib.access import AccessDenied, Role
from lib.clock import local_today
from lib.codes import KaaDueState
from lib.db import session_scope
from lib.i18n import N_, _
from lib.kaa import get_episode, kaa_list
from lib.ui.forms import flash
from lib.ui.guard import guard
from lib.ui.kaa import attempt_form, facts, measure_form, occupation_form, records
from lib.ui.pickers import url_record
from lib.ui.tables import show_table

viewer = guard("kaa", N_("Aktivitetsansvar"))
st.title(_("Aktivitetsansvar"))
st.caption(_("Unga under 20 som är folkbokförda i kommunen och har lämnat gymnasieskolan: "
             "kontakt enligt kontakttrappan, sysselsättning, insatser och uppföljning."))
flash()
today = local_today()

every = st.toggle(_("Visa även avslutade ärenden"), key="kaa_all")
try:
    with session_scope() as session:
        table = kaa_list(session, viewer, today, open_only=not every)
except AccessDenied as denied:
    st.info(str(denied))
    st.stop()

states = table["due_state"]
metrics = st.columns(3)
metrics[0].metric(_("Öppna ärenden"), formats.number((states != KaaDueState.CLOSED).sum()))
metrics[1].metric(_("Kontaktförsök försenat"),
                  formats.number((states == KaaDueState.OVERDUE).sum()))
metrics[2].metric(_("Kontakt nådd"), formats.number((states == KaaDueState.CONTACTED).sum()))
if table.empty:
    st.info(_("Inga ärenden."))
    st.stop()
show_table(table)

names = {int(i): f"{s} ({formats.date(d)})" for i, s, d in
         zip(table["id"], table["student"], table["opened_on"], strict=True)}
chosen = url_record(_("Ärende"), names, "arende", _("Välj ett ärende"))
if chosen is None:
    st.stop()

with session_scope() as session:
    episode = get_episode(session, viewer, chosen, today)
st.header(episode.student)
facts(viewer, episode)
records(episode)
if viewer.role != Role.ADMIN and episode.closed_on is None:
    left, right = st.columns(2)
    with left:
        attempt_form(viewer, episode, today)
    with right:
        occupation_form(viewer, episode, today)
        measure_form(viewer, episode, today)
