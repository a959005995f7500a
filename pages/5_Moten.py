"""Möten: plan the termly review meetings and hold them together. A meeting is addressed
as ?mote=<id>, the student in meeting mode as &punkt=<agenda item id>."""

import streamlit as st

from lib import formats, plain
from lib.access import AccessDenied
from lib.agenda import list_agenda
from lib.clock import local_today, utcnow
from lib.db import session_scope
from lib.i18n import N_, _
from lib.measures import add_measure
from lib.meetings import get_meeting, open_item
from lib.ui import cadence, meeting_frame, planning
from lib.ui import meeting as meeting_mode
from lib.ui.forms import flash, kept_expander
from lib.ui.guard import guard
from lib.ui.pickers import query_int, term_picker
from lib.ui.plans import plans_in_meeting
from lib.ui.student import measure_form
from lib.ui.tables import show_table

# An open meeting is shown on a projector: the student gets the whole width.
viewer = guard("meetings", N_("Möten"),
               sidebar="collapsed" if "mote" in st.query_params else "auto")
meeting_id = query_int("mote")

# --- All meetings, and planning a new one -------------------------------------------------
if meeting_id is None:
    st.title(_("Möten"))
    flash()
    term = term_picker()
    cadence.cadence_notice(viewer, term)
    planning.meeting_list(viewer, term)
    st.subheader(_("Planera ett möte"))
    planning.planning_form(viewer, term)
    st.stop()

# --- One meeting ------------------------------------------------------------------------------
try:
    with session_scope() as session:
        meeting = get_meeting(session, viewer, meeting_id)
        items = list_agenda(session, viewer, meeting_id)
except AccessDenied as denied:
    st.error(str(denied))
    st.stop()

meeting_frame.header(viewer, meeting)
if items.empty:
    st.info(_("Inga elever från kommunen på den här skolan den här terminen."))
    meeting_frame.meeting_feedback(viewer, meeting_id)
    st.stop()

# Meeting mode: one student at a time. On a classroom projector (1024×768) the student's name,
# flag, frozen figures and the save button are on screen at once; the chart is full width
# and the fields are below it.
item_id = meeting_frame.step_through(items)
with session_scope() as session:
    entry = open_item(session, viewer, item_id)
opened = st.session_state.setdefault(f"opened_{meeting_id}", utcnow())

name, save = st.columns([5, 1], vertical_alignment="center")
name.header(plain.markdown(entry.name))
meeting_mode.save_button(viewer, entry, save)
meeting_mode.figures_line(entry)
meeting_mode.messages(viewer, entry)
measures = meeting_mode.student_measures(viewer, entry, meeting)
meeting_mode.student_chart(viewer, entry, measures)
meeting_mode.pattern_and_support(viewer, entry, meeting)
meeting_mode.editor(viewer, entry, locked=meeting.approved)

left, right = st.columns([1, 1])
with left:
    # Today, not the meeting's date: a measure agreed when the minutes are read afterwards
    # starts when it is agreed, and is not overdue the moment it is made.
    measure_form(f"measure_{item_id}", local_today(), lambda session, **fields: add_measure(
        session, viewer, entry.student_id, meeting_id=meeting_id, **fields), viewer=viewer)
    meeting_mode.measures_table(measures)
    plans_in_meeting(viewer, entry.student_id)
with right:
    meeting_mode.live_panel(meeting_id, item_id, opened)
meeting_frame.meeting_feedback(viewer, meeting_id)
with kept_expander(_("Dagordning: {students}, flaggade först").format(
        students=formats.count(len(items), _("elev"), _("elever"))),
        f"agenda_open_{meeting_id}") as agenda:
    if agenda.open:
        show_table(items, hide=("id", "student_id"))
