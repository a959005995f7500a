"""Återkoppling: feedback between the coach and the schools. The inbox holds what the
other side sent; each item can be acknowledged, with an answer."""

import streamlit as st

from lib import plain
from lib.access import AccessDenied, Role
from lib.db import session_scope
from lib.feedback import acknowledge, list_feedback, send_feedback
from lib.guard import guard
from lib.meetings import schools_for_planning
from lib.records import Conflict, InputError
from lib.students import search_students
from lib.ui import flash, table_or_note

viewer = guard("feedback", "Återkoppling")
st.title("Återkoppling")
flash()
writes = viewer.role in (Role.COACH, Role.SCHOOL_STAFF)
SHOWN = ["Från", "Skola", "Kommun", "Elev", "Möte", "Återkoppling", "Skickad", "Kvitterad",
         "Svar"]

with session_scope() as session:
    inbox = list_feedback(session, viewer, inbox=True)
    everything = list_feedback(session, viewer)
unread = inbox[inbox["Kvitterad"] == ""]
tabs = st.tabs([f"Inkorg ({len(unread)} nya)", "All återkoppling", "Skriv återkoppling"])

with tabs[0]:
    table_or_note(inbox[SHOWN], "Inkorgen är tom.")
    if not unread.empty:
        labels = {int(r.id): f"{r.Från}, {r.Skickad}: {r.Återkoppling[:60]}"
                  for r in unread.itertuples()}
        with st.form("acknowledge"):
            chosen = st.selectbox("Kvittera", list(labels), format_func=labels.get)
            answer = st.text_area("Svar (frivilligt)")
            if st.form_submit_button("Kvittera som läst"):
                version = int(unread.set_index("id").loc[chosen, "version"])
                try:
                    with session_scope(write=True) as session:
                        acknowledge(session, viewer, chosen, version, answer)
                except (Conflict, InputError, AccessDenied) as error:
                    st.error(plain.markdown(str(error)))  # a conflict names who saved
                else:
                    flash("Återkopplingen är kvitterad.")
                    st.rerun()

with tabs[1]:
    table_or_note(everything[["Riktning", *SHOWN]], "Ingen återkoppling ännu.")

with tabs[2]:
    if not writes:
        st.caption("Återkoppling skrivs av ungdomscoacher och skolpersonal.")
    else:
        with session_scope() as session:
            schools = dict(schools_for_planning(session, viewer))
            students = dict(search_students(session, viewer, limit=2000))
        with st.form("send_feedback", clear_on_submit=True):
            school_id = st.selectbox("Skola", list(schools), format_func=schools.get)
            student_id = st.selectbox("Elev", list(students), format_func=students.get,
                                      index=None, placeholder="Välj eleven det gäller")
            text = st.text_area("Återkoppling")
            if st.form_submit_button("Skicka", type="primary"):
                try:
                    if student_id is None:
                        raise InputError("Välj eleven det gäller. Återkoppling om ett möte "
                                         "skrivs i mötet.")
                    with session_scope(write=True) as session:
                        send_feedback(session, viewer, text, student_id=student_id,
                                      school_id=school_id)
                except (InputError, AccessDenied) as error:
                    st.error(str(error))
                else:
                    flash("Återkopplingen är skickad.")
                    st.rerun()
