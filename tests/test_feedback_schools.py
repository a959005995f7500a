"""Feedback about a student goes to a school the student attends or attended: the service
lists those schools for the viewer, the current one first; sending to another is refused in
Swedish; the student page presets the current school."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from data_models.models import Enrolment, Feedback
from lib.access import AccessDenied
from lib.feedback import feedback_schools, send_feedback
from lib.versioning import InputError
from tests.apptest import login, widget

TODAY = dt.date(2025, 10, 1)
MISSING = 999_999


def _anna_moved_from_sa_to_sb(write, world) -> None:
    """Anna was at Skola SA in the spring (VT2025) before Skola SB this autumn."""
    with write() as session:
        session.add(Enrolment(student_id=world["anna"], school_id=world["SA"],
                              programme="NA", class_name="NA1A", school_year=1,
                              start_date=dt.date(2025, 1, 7), end_date=dt.date(2025, 6, 13)))


def test_the_students_schools_current_first_within_the_viewers_scope(write, read, world,
                                                                      viewer):
    _anna_moved_from_sa_to_sb(write, world)
    with read() as session:
        assert feedback_schools(session, viewer("coach_a"), world["anna"], TODAY) == [
            (world["SB"], "Skola SB"), (world["SA"], "Skola SA")]
        # In the spring Skola SA was the current one.
        assert [s for s, _ in feedback_schools(session, viewer("coach_a"), world["anna"],
                                               dt.date(2025, 3, 1))] == [world["SA"],
                                                                         world["SB"]]
        assert feedback_schools(session, viewer("staff_sb"), world["anna"], TODAY) == [
            (world["SB"], "Skola SB")]


def test_out_of_scope_students_look_like_missing_ones(write, read, world, viewer):
    answers = []
    with read() as session:
        for student_id in (world["anna"], MISSING):
            with pytest.raises(AccessDenied) as refused:
                feedback_schools(session, viewer("coach_c"), student_id, TODAY)
            answers.append(str(refused.value))
    assert answers[0] == answers[1]


def test_feedback_to_a_school_the_student_never_attended_is_refused(write, read, world,
                                                                     viewer):
    with pytest.raises(InputError, match="inte varit inskriven på den skolan"), \
            write() as session:
        send_feedback(session, viewer("coach_a"), "Hej", student_id=world["anna"],
                      school_id=world["SA"])
    with read() as session:
        assert session.scalar(select(func.count()).select_from(Feedback)) == 0
    _anna_moved_from_sa_to_sb(write, world)
    with write() as session:  # a school she attended before
        send_feedback(session, viewer("coach_a"), "Hej", student_id=world["anna"],
                      school_id=world["SA"])


def test_the_student_page_offers_the_students_schools_current_first(app_env, world, write):
    _anna_moved_from_sa_to_sb(write, world)
    at = login("coach_a", page="pages/3_Elev.py")
    at.query_params["elev"] = str(world["anna"])
    at.run()
    box = [s for s in at.selectbox if s.label == "Skola"]
    assert len(box) == 1 and box[0].options == ["Skola SB", "Skola SA"]
    assert box[0].value == world["SB"]
    widget(at.text_area, "Ny återkoppling om eleven").input("Anna mår bättre.")
    widget(at.button, "Skicka återkoppling").click().run()
    with write() as session:
        assert session.scalars(select(Feedback.school_id)).all() == [world["SB"]]
