"""Defaults that fit the person (AppTest): the school page opens on the school with most of
the coach's students, or on the one last opened in this session; the follow-up form on the
measures page opens on the next measure due; a new measure's owner is the creator's side."""

from __future__ import annotations

import datetime as dt

from data_models.models import Enrolment, School
from lib import summaries
from lib.measures import add_measure, update_measure
from lib.meetings import plan_meeting
from tests.apptest import login, widget
from tests.factories import absence, add_student

SCHOOL = "pages/2_Skola.py"


def _third_alfa_student_at_sb(write, world) -> None:
    """Skola SB gets three of Alfa's students (Anna, Eva and Hugo), Skola SA two (Cleo and
    Eva); by name SA comes first."""
    with write() as session:
        add_student(session, "Hugo", "20080808", 994, world["A"], world["SB"], world["HT2025"])


def test_the_coachs_school_page_opens_on_the_school_with_most_of_their_students(
        app_env, world, write):
    _third_alfa_student_at_sb(write, world)
    at = login("coach_a", page=SCHOOL)
    assert at.subheader[0].value == "Skola SB · HT2025"
    assert {m.label: m.value for m in at.metric}["Elever"] == "3"
    assert at.query_params["skola"] == str(world["SB"])


def test_the_school_page_reopens_on_the_school_last_opened_in_the_session(app_env, world,
                                                                           write):
    _third_alfa_student_at_sb(write, world)
    with write() as session:  # neither first by name nor with most students
        sd = School(unit_code="90010002", name="Skola SD", municipality_id=world["A"])
        session.add(sd)
        session.flush()
        session.add(Enrolment(student_id=world["cleo"], school_id=sd.id, programme="NA",
                              class_name="NA1A", school_year=1,
                              start_date=dt.date(2025, 8, 18)))
        session.add(absence(world["cleo"], sd.id, dt.date(2025, 9, 2), world["HT2025"], 1000,
                            0, 0))
        summaries.refresh_all(session)
        sd_id = sd.id
    at = login("coach_a", page=SCHOOL)
    widget(at.selectbox, "Skola").set_value(sd_id).run()
    assert at.subheader[0].value == "Skola SD · HT2025"
    at.switch_page("pages/1_Oversikt.py").run()
    at.query_params.pop("skola", None)  # as a link in the sidebar opens the page: bare
    at.switch_page(SCHOOL).run()
    assert at.subheader[0].value == "Skola SD · HT2025"


def test_the_follow_up_form_opens_on_the_next_measure_due(app_env, world, write, viewer):
    coach = viewer("coach_a")
    with write() as session:
        done = add_measure(session, coach, world["anna"], kind="mi", owner_kind="coach",
                           start_date=dt.date(2025, 9, 1), follow_up_date=dt.date(2025, 9, 8))
        add_measure(session, coach, world["cleo"], kind="bup", owner_kind="coach",
                    start_date=dt.date(2025, 9, 1), follow_up_date=dt.date(2025, 11, 3))
        next_due = add_measure(session, coach, world["anna"], kind="structure",
                               owner_kind="coach", start_date=dt.date(2025, 9, 1),
                               follow_up_date=dt.date(2025, 10, 6))
        update_measure(session, coach, done, 1, status="done", outcome="Klart.",
                       stop_reason="", follow_up_date=dt.date(2025, 9, 8))
    at = login("coach_a", page="pages/6_Atgarder.py")
    assert widget(at.selectbox, "Åtgärd").value == next_due
    assert widget(at.selectbox, "Status").value == "planned"


def test_a_new_measure_is_owned_by_the_creators_side(app_env, world, write, viewer):
    with write() as session:
        meeting_id = plan_meeting(session, viewer("coach_a"), school_id=world["SB"],
                                  term_id=world["HT2025"], municipality_id=world["A"],
                                  date=dt.date(2025, 10, 1))
    owners = {}
    for username in ("coach_a", "staff_sb"):
        at = login(username, page="pages/3_Elev.py")
        at.query_params["elev"] = str(world["anna"])
        at.run()
        owners[username, "student"] = widget(at.radio, "Ansvarig").value
        at = login(username, page="pages/5_Moten.py")
        at.query_params["mote"] = str(meeting_id)
        at.run()
        owners[username, "meeting"] = widget(at.radio, "Ansvarig").value
    assert owners == {("coach_a", "student"): "coach", ("coach_a", "meeting"): "coach",
                      ("staff_sb", "student"): "school", ("staff_sb", "meeting"): "school"}
