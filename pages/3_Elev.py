"""Elev: one student's absence over time, patterns, courses and enrolments. Addressed by
internal id (?elev=123), never by personal identity number."""

import streamlit as st

from lib import charts, formats, plain
from lib.access import AccessDenied
from lib.analytics import running_shown, running_week_rule
from lib.clock import local_today
from lib.db import session_scope
from lib.i18n import N_, _
from lib.student_absence import student_absence
from lib.students import get_student, search_students
from lib.ui import connectedness
from lib.ui.figures import plot
from lib.ui.forms import flash
from lib.ui.guard import guard
from lib.ui.interruptions import interruptions_section
from lib.ui.pickers import query_int, term_picker
from lib.ui.student import cycle_line, follow_up_sections
from lib.ui.tables import show_table
from lib.visit_pack import build_student_follow_up

viewer = guard("student", N_("Elev"))
st.title(_("Elev"))
flash()

text = st.text_input(_("Sök elev på namn"), key="student_search")
with session_scope() as session:
    options = search_students(session, viewer, text)
labels = {student_id: label for student_id, label in options}
chosen = st.selectbox(_("Elev"), list(labels), format_func=labels.get, index=None,
                      placeholder=_("Välj en elev"))
if chosen is not None:
    st.query_params["elev"] = str(chosen)

if st.query_params.get("elev") is None:
    st.info(_("Välj en elev för att se frånvaro och inskrivningar."))
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
    error = _("Ogiltig elev i adressen.")
if summary is None:
    st.error(error)
    st.stop()

st.header(plain.markdown(summary.name))
st.caption(_("Personnummer {number} · hemkommun {municipality}").format(
    number=plain.markdown(summary.personal_number_masked),
    municipality=plain.markdown(summary.home_municipality)))
cycle_line(viewer, summary.id)

columns = st.columns(3)
latest = summary.terms.iloc[0] if not summary.terms.empty else None
columns[0].metric(_("Frånvaro senaste terminen"),
                  "–" if latest is None else formats.percent(latest["absence"], missing="–"),
                  help=None if latest is None else latest["term"])
columns[1].metric(_("Ogiltig frånvaro"),
                  "–" if latest is None else formats.percent(latest["invalid"], missing="–"))
columns[2].metric(_("Längsta följd av hela frånvarodagar"),
                  formats.count(absence.longest_run, _("dag"), _("dagar")))

if absence.weekly.empty:
    st.info(_("Ingen frånvarodata att visa."))
else:
    plot(charts.stacked_weeks, absence.weekly, absence.watch, absence.high,
         markers=follow.markers, key="weeks")
    running = running_shown(absence.weekly)
    if running is not None:
        st.caption(running_week_rule(running))
    # One calendar per term: weeks of two years side by side would read as one.
    term = term_picker()
    days = absence.days_in(term.id)
    if days.empty:
        st.info(_("Ingen frånvarodata för eleven terminen {term}.").format(term=term.code))
    else:
        plot(charts.calendar, days, _("Frånvaro per dag, {term}").format(term=term.code),
             key="calendar")
    left, right = st.columns(2)
    plot(charts.pattern, absence.weekday, _("Frånvaro per veckodag"), absence.watch,
         absence.high, key="weekday", where=left)
    if not absence.lessons.empty:
        plot(charts.pattern, absence.lessons, _("Frånvaro per lektionsstart"), absence.watch,
             absence.high, key="lessons", where=right)

left, right = st.columns(2)
with left:
    st.subheader(_("Frånvaro per termin"))
    show_table(summary.terms)
with right:
    st.subheader(_("Frånvaro per månad"))
    show_table(absence.months)
if not absence.courses.empty:
    st.subheader(_("Kurser"))
    show_table(absence.courses)
st.subheader(_("Inskrivningar"))
show_table(summary.enrolments)
interruptions_section(viewer, summary.id, local_today())
connectedness.student_section(viewer, summary.id)

follow_up_sections(viewer, summary.id, follow)
