"""Elev: one student's summary. Addressed by internal id (?elev=123), never by
personal identity number."""

import streamlit as st

from lib.access import AccessDenied
from lib.db import session_scope
from lib.guard import guard
from lib.students import get_student, search_students
from lib.ui import show_table

viewer = guard("student", "Elev")
st.title("Elev")

text = st.text_input("Sök elev på namn", key="student_search")
with session_scope() as session:
    options = search_students(session, viewer, text)
labels = {student_id: label for student_id, label in options}
chosen = st.selectbox("Elev", list(labels), format_func=labels.get, index=None,
                      placeholder="Välj en elev")
if chosen is not None:
    st.query_params["elev"] = str(chosen)

raw_id = st.query_params.get("elev")
if raw_id is None:
    st.info("Välj en elev för att se frånvaro och inskrivningar.")
    st.stop()

summary, error = None, None
try:
    with session_scope(write=True) as session:  # writes the audit event for this view
        summary = get_student(session, viewer, int(raw_id))
except (AccessDenied, ValueError) as denied:
    error = str(denied) if isinstance(denied, AccessDenied) else "Ogiltig elev i adressen."
if summary is None:
    st.error(error)
    st.stop()

st.header(summary.name)
st.caption(f"Personnummer {summary.personal_number_masked} · hemkommun "
           f"{summary.home_municipality}")
st.subheader("Frånvaro per termin")
show_table(summary.terms)
st.subheader("Inskrivningar")
show_table(summary.enrolments)
