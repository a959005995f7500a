"""Övergångar: a school's new year-1 students of a term, each with the hand-over from
compulsory school and the early follow-up talk due by week N of the first term. Addressed
as ?skola=<id>&termin=<code>&elev=<id>."""

import streamlit as st

from lib import formats
from lib.access import AccessDenied
from lib.clock import local_today
from lib.codes import EarlyTalkState
from lib.db import session_scope
from lib.i18n import N_, _
from lib.organisation import schools_in_scope
from lib.transitions import get_early_talk, get_hand_over, incoming_students
from lib.ui.forms import flash
from lib.ui.guard import guard
from lib.ui.pickers import term_picker, url_record, url_select
from lib.ui.tables import show_table
from lib.ui.transitions import (
    early_talk_form,
    hand_over_form,
    hand_over_list,
    hand_over_summary,
)

viewer = guard("transitions", N_("Övergångar"))
st.title(_("Övergångar"))
st.caption(_("Nya elever i årskurs 1: överlämningen från grundskolan och det tidiga "
             "uppföljningssamtalet under den första terminen."))
flash()
today = local_today()

with session_scope() as session:
    schools = dict(schools_in_scope(session, viewer))
if not schools:
    st.info(_("Du har inga skolor att visa."))
    st.stop()
left, right = st.columns([2, 1])
with left:
    school_id = url_select(_("Skola"), list(schools), "skola", next(iter(schools)),
                           format_func=schools.get)
with right:
    term = term_picker()

hand_over_list(viewer, school_id, schools[school_id], today)
try:
    with session_scope() as session:
        incoming = incoming_students(session, viewer, school_id, term.id, today)
except AccessDenied as denied:
    st.error(str(denied))
    st.stop()

if incoming.empty:
    st.info(_("Inga nya elever i årskurs 1 på skolan terminen {term}.").format(term=term.code))
    st.stop()

states = incoming["early_talk_state"]
metrics = st.columns(4)
metrics[0].metric(_("Nya elever"), formats.number(len(incoming)))
metrics[1].metric(_("Med överlämning"), formats.number(incoming["hand_over"].notna().sum()))
metrics[2].metric(_("Tidigt samtal i tid"),
                  formats.number((states == EarlyTalkState.DONE).sum()))
metrics[3].metric(_("Tidigt samtal försenat"),
                  formats.number((states == EarlyTalkState.OVERDUE).sum()))
show_table(incoming)

names = dict(zip(incoming["id"], incoming["student"], strict=True))
chosen = url_record(_("Elev"), names, "elev", _("Välj en ny elev"))
if chosen is None:
    st.stop()

with session_scope() as session:
    hand_over = get_hand_over(session, viewer, chosen, school_id)
    early_talk = get_early_talk(session, viewer, chosen, school_id)
row = incoming[incoming["id"] == chosen].iloc[0]

st.header(names[chosen])
hand_over_column, talk_column = st.columns(2)
with hand_over_column:
    st.subheader(_("Överlämning"))
    if hand_over is None:
        st.caption(_("Ingen överlämning registrerad."))
    else:
        hand_over_summary(hand_over)
    hand_over_form(viewer, chosen, school_id, hand_over, today)
with talk_column:
    st.subheader(_("Tidigt uppföljningssamtal"))
    st.caption(_("Senast {day}.").format(day=formats.date(row["early_talk_due"])))
    early_talk_form(viewer, chosen, school_id, early_talk, today)
