"""Återkoppling: feedback and messages between the coach and the schools, and the alerts of
the latest imports. The inbox holds what the other side sent; each item can be
acknowledged, with an answer."""


import streamlit as st

from lib import formats
from lib.access import writes_follow_up
from lib.clock import local_today
from lib.db import session_scope
from lib.feedback import acknowledge, feedback_schools, list_feedback, send_feedback
from lib.i18n import N_, _
from lib.students import search_students
from lib.ui import alerts
from lib.ui.forms import form_key, form_notice, kept_form, kept_tabs, run_write
from lib.ui.guard import guard
from lib.ui.tables import table_or_note

viewer = guard("feedback", N_("Återkoppling"))
st.title(_("Återkoppling"))
writes = writes_follow_up(viewer)
SHOWN = ["author", "school", "municipality", "student", "meeting_date", "talk_date", "feedback",
         "sent_at", "acknowledged_at", "acknowledged_by", "answer"]

with session_scope() as session:
    inbox = list_feedback(session, viewer, inbox=True)
    everything = list_feedback(session, viewer)
unread = inbox[inbox["acknowledged_at"].isna()]
tabs = kept_tabs([_("Inkorg ({count} nya)").format(count=formats.number(len(unread))),
                  _("Larm ({count} nya)").format(count=formats.number(alerts.open_count(viewer))),
                  _("All återkoppling"), _("Skriv återkoppling")], "feedback_tabs")

with tabs[0]:
    table_or_note(inbox[SHOWN], _("Inkorgen är tom."))
    if not unread.empty:
        labels = {int(r.id): f"{r.author}, {formats.moment(r.sent_at)}: {r.feedback[:60]}"
                  for r in unread.itertuples()}
        with kept_form("acknowledge"):
            chosen = st.selectbox(_("Kvittera"), list(labels), format_func=labels.get)
            answer = st.text_area(_("Svar (frivilligt)"))
            if st.form_submit_button(_("Kvittera som läst")):
                version = int(unread.set_index("id").loc[chosen, "version"])
                run_write(lambda session: acknowledge(session, viewer, chosen, version, answer),
                          form="acknowledge", success=_("Återkopplingen är kvitterad."))
    else:
        form_notice("acknowledge")  # the last one was acknowledged

with tabs[1]:
    alerts.alerts_tab(viewer)

with tabs[2]:
    table_or_note(everything[["direction", *SHOWN]], _("Ingen återkoppling ännu."))


def send(student_id: int | None, school_id: int | None, text: str) -> None:
    if student_id is None:
        st.error(_("Välj eleven det gäller. Återkoppling om ett möte skrivs i mötet, och ett "
                   "meddelande utan elev under Samverkan, fliken Meddelanden."))
        return
    run_write(lambda session: send_feedback(session, viewer, text, student_id=student_id,
                                            school_id=school_id),
              form="send_feedback", success=_("Återkopplingen är skickad."))


with tabs[3]:
    if not writes:
        st.caption(_("Återkoppling skrivs av ungdomscoacher och skolpersonal."))
    else:
        st.caption(_("Ett meddelande utan elev, om rutiner eller samarbetet, skriver du under "
                     "Samverkan, fliken Meddelanden."))
        st.page_link("pages/15_Samverkan.py", label=_("Till Samverkan"),
                     icon=":material/handshake:")
        with session_scope() as session:
            students = dict(search_students(session, viewer, limit=2000))
        # Outside the form, so that the school box offers the chosen student's schools.
        student_id = st.selectbox(_("Elev"), list(students), format_func=students.get,
                                  index=None, placeholder=_("Välj eleven det gäller"),
                                  key=f"{form_key('send_feedback')}_student")
        schools = {}
        if student_id is not None:
            with session_scope() as session:
                schools = dict(feedback_schools(session, viewer, student_id,
                                                local_today()))
        with kept_form("send_feedback"):
            school_id = st.selectbox(_("Skola"), list(schools), format_func=schools.get,
                                     placeholder=_("Välj eleven först"),
                                     help=_("Skolor där eleven går eller har gått; den "
                                            "nuvarande först."))
            text = st.text_area(_("Återkoppling"))
            if st.form_submit_button(_("Skicka"), type="primary"):
                send(student_id, school_id, text)
