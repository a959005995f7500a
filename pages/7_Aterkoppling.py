"""Återkoppling: feedback between the coach and the schools. The inbox holds what the
other side sent; each item can be acknowledged, with an answer."""

import datetime as dt

import streamlit as st

from lib.access import Role
from lib.db import session_scope
from lib.feedback import acknowledge, feedback_schools, list_feedback, send_feedback
from lib.students import search_students
from lib.ui.forms import form_key, form_notice, kept_form, kept_tabs, run_write
from lib.ui.guard import guard
from lib.ui.tables import table_or_note

viewer = guard("feedback", "Återkoppling")
st.title("Återkoppling")
writes = viewer.role in (Role.COACH, Role.SCHOOL_STAFF)
SHOWN = ["Från", "Skola", "Kommun", "Elev", "Möte", "Återkoppling", "Skickad", "Kvitterad",
         "Svar"]

with session_scope() as session:
    inbox = list_feedback(session, viewer, inbox=True)
    everything = list_feedback(session, viewer)
unread = inbox[inbox["Kvitterad"] == ""]
tabs = kept_tabs([f"Inkorg ({len(unread)} nya)", "All återkoppling", "Skriv återkoppling"],
                 "feedback_tabs")

with tabs[0]:
    table_or_note(inbox[SHOWN], "Inkorgen är tom.")
    if not unread.empty:
        labels = {int(r.id): f"{r.Från}, {r.Skickad}: {r.Återkoppling[:60]}"
                  for r in unread.itertuples()}
        with kept_form("acknowledge"):
            chosen = st.selectbox("Kvittera", list(labels), format_func=labels.get)
            answer = st.text_area("Svar (frivilligt)")
            if st.form_submit_button("Kvittera som läst"):
                version = int(unread.set_index("id").loc[chosen, "version"])
                run_write(lambda session: acknowledge(session, viewer, chosen, version, answer),
                          form="acknowledge", success="Återkopplingen är kvitterad.")
    else:
        form_notice("acknowledge")  # the last one was acknowledged

with tabs[1]:
    table_or_note(everything[["Riktning", *SHOWN]], "Ingen återkoppling ännu.")


def send(student_id: int | None, school_id: int | None, text: str) -> None:
    if student_id is None:
        st.error("Välj eleven det gäller. Återkoppling om ett möte skrivs i mötet.")
        return
    run_write(lambda session: send_feedback(session, viewer, text, student_id=student_id,
                                            school_id=school_id),
              form="send_feedback", success="Återkopplingen är skickad.")


with tabs[2]:
    if not writes:
        st.caption("Återkoppling skrivs av ungdomscoacher och skolpersonal.")
    else:
        with session_scope() as session:
            students = dict(search_students(session, viewer, limit=2000))
        # Outside the form, so that the school box offers the chosen student's schools.
        student_id = st.selectbox("Elev", list(students), format_func=students.get,
                                  index=None, placeholder="Välj eleven det gäller",
                                  key=f"{form_key('send_feedback')}_student")
        schools = {}
        if student_id is not None:
            with session_scope() as session:
                schools = dict(feedback_schools(session, viewer, student_id,
                                                dt.date.today()))
        with kept_form("send_feedback"):
            school_id = st.selectbox("Skola", list(schools), format_func=schools.get,
                                     placeholder="Välj eleven först",
                                     help="Skolor där eleven går eller har gått; den "
                                          "nuvarande först.")
            text = st.text_area("Återkoppling")
            if st.form_submit_button("Skicka", type="primary"):
                send(student_id, school_id, text)
