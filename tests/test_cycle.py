"""The follow-up cycle of a student in a term, derived from the records: flagged → talk →
plan → fed back to the school → followed up; on the student page as one line."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from data_models.models import Feedback
from lib.access import AccessDenied
from lib.agenda import list_agenda
from lib.cycle import follow_up_cycle, stale_plan_students
from lib.dashboards import watch_list
from lib.feedback import send_feedback
from lib.meetings import plan_meeting
from lib.plan_changes import review_plan
from lib.plans import PlanInput, close_plan, create_plan
from lib.talks import TalkInput, record_talk
from tests.apptest import login, texts

TALKED = dt.date(2025, 10, 1)


def _steps(read, viewer, world, who="coach_a"):
    with read() as session:
        return [(s.step.value, s.done, s.on)
                for s in follow_up_cycle(session, viewer(who), world["anna"], world["HT2025"])]


def test_the_cycle_follows_the_records_step_by_step(write, read, world, viewer):
    coach = viewer("coach_a")
    assert _steps(read, viewer, world) == [
        ("flagged", True, None), ("talk", False, None), ("plan", False, None),
        ("fed_back", False, None), ("followed_up", False, None)]
    with write() as session:
        record_talk(session, coach, world["anna"], TalkInput(date=TALKED, held_by="Coach A"),
                    TALKED)
        plan_id = create_plan(session, coach, world["anna"], PlanInput(
            goal="Komma i tid.", start_date=TALKED, review_date=dt.date(2025, 11, 12)))
        sent = send_feedback(session, coach, "Anna har en plan.", student_id=world["anna"],
                             school_id=world["SB"])
        session.execute(update(Feedback).where(Feedback.id == sent).values(
            created_at=dt.datetime(2025, 10, 2, 23, 30)))  # 3 October in Sweden
    steps = _steps(read, viewer, world)
    assert steps[1:4] == [("talk", True, TALKED), ("plan", True, TALKED),
                          ("fed_back", True, dt.date(2025, 10, 3))]
    assert steps[4] == ("followed_up", False, None)
    with write() as session:
        close_plan(session, coach, plan_id, 1, "met", "", dt.date(2025, 11, 12))
    assert _steps(read, viewer, world)[4] == ("followed_up", True, dt.date(2025, 11, 12))
    with write() as session:  # a review before the close: the follow-up came earlier
        review_plan(session, coach, plan_id2 := create_plan(session, coach, world["anna"],
                    PlanInput(goal="Sova.", start_date=TALKED,
                              review_date=TALKED)), 1, dt.date(2025, 10, 20),
                    "Bättre morgnar.", None, dt.date(2025, 10, 20))
    assert plan_id2 and _steps(read, viewer, world)[4] == (
        "followed_up", True, dt.date(2025, 10, 20))
    # The school sees the same cycle; the spring term had none of it.
    assert _steps(read, viewer, world, "staff_sb") == _steps(read, viewer, world)
    with read() as session:
        spring = follow_up_cycle(session, coach, world["anna"], world["VT2025"])
    assert [s.done for s in spring] == [False] * 5


@pytest.mark.parametrize("username", ["coach_c", "staff_sc", "leader_north"])
def test_out_of_scope_viewers_see_no_cycle(read, world, viewer, username):
    with read() as session, pytest.raises(AccessDenied):
        follow_up_cycle(session, viewer(username), world["anna"], world["HT2025"])


def test_the_student_page_shows_the_cycle(app_env, world):
    at = login("coach_a", page="pages/3_Elev.py")
    at.query_params["elev"] = str(world["anna"])
    at.run()
    assert ("Uppföljning HT2025: ✓ Flaggad → ○ Samtal → ○ Plan → ○ Återkopplad till skolan "
            "→ ○ Följd upp") in texts(at)


def test_the_watch_list_shows_the_cycle_and_finds_those_without_a_talk(write, read, world,
                                                                      viewer):
    staff = viewer("staff_sb")
    with write() as session:
        record_talk(session, staff, world["anna"], TalkInput(date=TALKED, held_by="Mentor"),
                    TALKED)
    with read() as session:
        every = watch_list(session, staff, world["HT2025"]).set_index("id")
        untalked = watch_list(session, staff, world["HT2025"], without_talk=True)
    assert every.loc[world["anna"], ["cycle", "next_step"]].tolist() == ["✓ ✓ ○ ○ ○", "plan"]
    assert every.loc[world["bo"], ["cycle", "next_step"]].tolist() == ["✓ ○ ○ ○ ○", "talk"]
    assert untalked["id"].tolist() == [world["bo"]]


def test_plans_without_follow_up_for_six_weeks_are_found_whatever_the_absence(
        write, read, world, viewer):
    coach = viewer("coach_a")
    today = dt.date(2025, 11, 10)
    with write() as session:  # cleo is at 5 %: never on the watch list
        plan_id = create_plan(session, coach, world["cleo"], PlanInput(
            goal="Läxor.", start_date=dt.date(2025, 9, 1), review_date=dt.date(2025, 10, 13)))
        create_plan(session, coach, world["anna"], PlanInput(
            goal="Komma i tid.", start_date=dt.date(2025, 10, 6),
            review_date=dt.date(2025, 11, 17)))  # started five weeks ago
    with read() as session:
        stale = watch_list(session, coach, world["HT2025"], stale_plans_on=today)
        assert stale_plan_students(session, viewer("coach_c"), today) == set()
    assert stale["id"].tolist() == [world["cleo"]]
    assert stale["absence"].tolist() == [0.05]
    with write() as session:
        review_plan(session, coach, plan_id, 1, dt.date(2025, 10, 1), "Läxhjälp fungerar.",
                    None, today)
    with read() as session:
        assert stale_plan_students(session, coach, today) == set()
        # Seven weeks later both plans are overdue for a follow-up.
        later = today + dt.timedelta(weeks=7)
        assert stale_plan_students(session, coach, later) == {world["cleo"], world["anna"]}


def test_the_agenda_shows_where_each_student_is_in_the_cycle(write, read, world, viewer):
    coach = viewer("coach_a")
    with write() as session:
        meeting_id = plan_meeting(session, coach, school_id=world["SB"],
                                  municipality_id=world["A"], term_id=world["HT2025"],
                                  date=dt.date(2025, 11, 20))
        record_talk(session, coach, world["anna"], TalkInput(date=TALKED, held_by="Coach A"),
                    TALKED)
    with read() as session:
        agenda = list_agenda(session, coach, meeting_id).set_index("student_id")
    assert agenda.loc[world["anna"], ["cycle", "next_step"]].tolist() == ["✓ ✓ ○ ○ ○", "plan"]


def test_the_watch_page_filters_on_the_cycle(app_env, write, world, viewer):
    at = login("staff_sb", page="pages/4_Bevakning.py")
    at.run()
    at.radio[0].set_value("no_talk").run()
    assert not at.exception
    assert "2 elever" in texts(at)
    with write() as session:
        record_talk(session, viewer("staff_sb"), world["anna"],
                    TalkInput(date=TALKED, held_by="Mentor"), TALKED)
    at.run()
    assert "1 elev ·" in texts(at)
    at.radio[0].set_value("stale_plan").run()
    assert "0 elever" in texts(at) and "oavsett frånvaro" in texts(at)
