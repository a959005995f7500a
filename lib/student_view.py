"""The follow-up sections of the student page: measures and their effect, meetings,
feedback and the coach's contact log, with the forms that add to them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import streamlit as st

from lib import plain
from lib.access import AccessDenied, Role, Viewer
from lib.contacts import KINDS as CONTACT_KINDS
from lib.contacts import add_contact
from lib.db import session_scope
from lib.feedback import send_feedback
from lib.followup import StudentFollowUp
from lib.measures import EFFECT_WEEKS, KINDS, OWNERS, add_measure
from lib.meetings import schools_for_planning
from lib.records import InputError
from lib.ui import flash, show_table, table_or_note


def measure_form(key: str, start: dt.date, on_submit: Callable[..., None]) -> None:
    """Agree a new measure; `on_submit` receives the fields as keywords."""
    with st.form(key, clear_on_submit=True):
        st.markdown("**Ny åtgärd**")
        kind = st.selectbox("Åtgärd", list(KINDS), format_func=KINDS.get)
        owner = st.radio("Ansvarig", list(OWNERS), format_func=OWNERS.get, horizontal=True)
        owner_name = st.text_input("Namn på ansvarig",
                                   help="Krävs när en namngiven person ansvarar.")
        left, right = st.columns(2)
        start_date = left.date_input("Start", value=start, format="YYYY-MM-DD")
        follow_up = right.date_input("Uppföljning", value=start + dt.timedelta(weeks=4),
                                     format="YYYY-MM-DD")
        description = st.text_area("Beskrivning", height=80)
        if st.form_submit_button("Lägg till åtgärd", icon=":material/add_task:"):
            on_submit(kind=kind, owner_kind=owner, owner_name=owner_name,
                      start_date=start_date, follow_up_date=follow_up,
                      description=description)


def _write(action: Callable[..., object], done: str, **fields) -> None:
    """Run one write; a Swedish message on bad input, a notice and a rerun on success."""
    try:
        with session_scope(write=True) as session:
            action(session, **fields)
    except (InputError, AccessDenied) as error:
        st.error(plain.markdown(str(error)))
        return
    flash(done)
    st.rerun()


def follow_up_sections(viewer: Viewer, student_id: int, follow: StudentFollowUp) -> None:
    today = dt.date.today()
    st.subheader("Åtgärder")
    if follow.measures.empty:
        st.caption("Inga åtgärder ännu.")
    else:
        show_table(follow.measures[["Åtgärd", "Beskrivning", "Ansvarig", "Start", "Uppföljning",
                                    "Status", "Läge", "Utfall", "Skola"]])
        st.markdown(f"**Frånvaro {EFFECT_WEEKS} veckor före och efter varje åtgärd**")
        st.caption("Före: veckorna före startveckan. Efter: veckorna efter den. En förändring "
                   "visar vad som hände, inte att åtgärden var orsaken.")
        show_table(follow.effect)
    measure_form("student_measure", today, lambda **fields: _write(
        lambda session, **f: add_measure(session, viewer, student_id, **f),
        "Åtgärden är sparad.", **fields))

    st.subheader("Möten")
    table_or_note(follow.meetings, "Eleven har inte varit uppe på något möte ännu.")

    st.subheader("Återkoppling")
    table_or_note(follow.feedback.drop(columns=["version"]), "Ingen återkoppling om eleven ännu.")
    if viewer.role in (Role.COACH, Role.SCHOOL_STAFF):
        _feedback_form(viewer, student_id)

    if follow.contacts is not None:
        st.subheader("Kontaktlogg")
        table_or_note(follow.contacts, "Inga kontakter loggade.")
        with st.form("contact", clear_on_submit=True):
            left, right = st.columns(2)
            kind = left.selectbox("Kontakt", list(CONTACT_KINDS), format_func=CONTACT_KINDS.get)
            day = right.date_input("Datum", value=today, max_value=today, format="YYYY-MM-DD")
            note = st.text_area("Anteckning", height=80)
            if st.form_submit_button("Logga kontakt"):
                _write(lambda session: add_contact(session, viewer, student_id, kind, day,
                                                   note, today=today), "Kontakten är loggad.")


def _feedback_form(viewer: Viewer, student_id: int) -> None:
    with session_scope() as session:
        schools = dict(schools_for_planning(session, viewer))
    if not schools:
        return
    with st.form("student_feedback", clear_on_submit=True):
        school_id = st.selectbox("Skola", list(schools), format_func=schools.get)
        text = st.text_area("Ny återkoppling om eleven",
                            help="Coach → skola eller skola → coach; mottagaren kvitterar.")
        if st.form_submit_button("Skicka återkoppling"):
            _write(lambda session: send_feedback(session, viewer, text, student_id=student_id,
                                                 school_id=school_id),
                   "Återkopplingen är skickad.")
