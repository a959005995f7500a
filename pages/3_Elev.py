"""Elev: one student's absence over time, patterns, courses and enrolments. Addressed by
internal id (?elev=123), never by personal identity number."""

import streamlit as st

from lib import charts, formats, plain
from lib.access import AccessDenied
from lib.analytics import running_shown, running_week_rule
from lib.clock import local_today
from lib.dashboards import student_absence
from lib.db import session_scope
from lib.students import get_student, search_students
from lib.ui.forms import flash
from lib.ui.guard import guard
from lib.ui.pickers import query_int, term_picker
from lib.ui.student import follow_up_sections
from lib.ui.tables import show_table
from lib.visit_pack import build_student_follow_up

viewer = guard("student", "Elev")
st.title("Elev")
flash()

text = st.text_input("Sök elev på namn", key="student_search")
with session_scope() as session:
    options = search_students(session, viewer, text)
labels = {student_id: label for student_id, label in options}
chosen = st.selectbox("Elev", list(labels), format_func=labels.get, index=None,
                      placeholder="Välj en elev")
if chosen is not None:
    st.query_params["elev"] = str(chosen)

if st.query_params.get("elev") is None:
    st.info("Välj en elev för att se frånvaro och inskrivningar.")
    st.stop()
student_id = query_int("elev")

summary = absence = error = None
try:
    if student_id is None:
        raise ValueError
    with session_scope() as session:  # the services log the view as it ends
        summary = get_student(session, viewer, student_id)
        absence = student_absence(session, viewer, student_id)
        follow = build_student_follow_up(session, viewer, student_id, local_today())
except AccessDenied as denied:
    error = str(denied)
except ValueError:
    error = "Ogiltig elev i adressen."
if summary is None:
    st.error(error)
    st.stop()

st.header(plain.markdown(summary.name))
st.caption(f"Personnummer {plain.markdown(summary.personal_number_masked)} · hemkommun "
           f"{plain.markdown(summary.home_municipality)}")

columns = st.columns(3)
latest = summary.terms.iloc[0] if not summary.terms.empty else None
columns[0].metric("Frånvaro senaste terminen",
                  "–" if latest is None else formats.percent(latest["Frånvaro"], missing="–"),
                  help=None if latest is None else latest["Termin"])
columns[1].metric("Ogiltig frånvaro",
                  "–" if latest is None else formats.percent(latest["Ogiltig"], missing="–"))
columns[2].metric("Längsta följd av hela frånvarodagar",
                  formats.count(absence.longest_run, "dag", "dagar"))

if absence.weekly.empty:
    st.info("Ingen frånvarodata att visa.")
else:
    st.plotly_chart(charts.stacked_weeks(absence.weekly, absence.watch, absence.high,
                                         markers=follow.markers), key="weeks")
    running = running_shown(absence.weekly)
    if running is not None:
        st.caption(running_week_rule(running))
    # One calendar per term: weeks of two years side by side would read as one.
    term = term_picker()
    days = absence.days_in(term.id)
    if days.empty:
        st.info(f"Ingen frånvarodata för eleven terminen {term.code}.")
    else:
        st.plotly_chart(charts.calendar(days, f"Frånvaro per dag, {term.code}"),
                        key="calendar")
    left, right = st.columns(2)
    left.plotly_chart(charts.pattern(absence.weekday, "Frånvaro per veckodag", absence.watch,
                                     absence.high), key="weekday")
    if not absence.lessons.empty:
        right.plotly_chart(charts.pattern(absence.lessons, "Frånvaro per lektionsstart",
                                          absence.watch, absence.high), key="lessons")

left, right = st.columns(2)
with left:
    st.subheader("Frånvaro per termin")
    show_table(summary.terms)
with right:
    st.subheader("Frånvaro per månad")
    show_table(absence.months)
if not absence.courses.empty:
    st.subheader("Kurser")
    show_table(absence.courses)
st.subheader("Inskrivningar")
show_table(summary.enrolments)

follow_up_sections(viewer, summary.id, follow)
