"""Method meetings across agencies (lib/method_meetings.py): an anonymised case that refuses
personal identity numbers, participants from several agencies, versioned texts, who reads
and writes, and what the meeting decides (a group plan and shared goals)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data_models.models import AuditEvent, MethodMeeting, MethodParticipant
from lib import clock
from lib.access import AccessDenied
from lib.group_plans import GroupPlanInput, create_group_plan
from lib.method_meetings import (
    MeetingChange,
    MeetingInput,
    ParticipantInput,
    create_meeting,
    get_meeting,
    meeting_choices,
    meeting_list,
    update_meeting,
)
from lib.shared_goals import GoalInput, set_goal
from lib.versioning import Conflict, InputError
from tests.factories import personal_number

DAY = dt.date(2025, 10, 1)
MISSING = 987_654
CASE = "En elev i år 2 som har slutat komma på måndagar sedan i våras."
PEOPLE = (ParticipantInput("Lena Berg", "school", "Skola SB"),
          ParticipantInput("Coach A", "youth_coach", "Alfa kommun"),
          ParticipantInput("Sara Ek", "social_services", "Socialtjänsten Alfa"),
          ParticipantInput("Per Holm", "health", "BUP"),
          ParticipantInput("", "other", ""))  # an empty row of the editor


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(clock, "today_source", lambda: DAY)


def meeting(world, **changes) -> MeetingInput:
    values = {"municipality_id": world["A"], "school_id": world["SB"], "date": DAY,
              "title": "Måndagsfrånvaro", "participants": PEOPLE, "case_description": CASE,
              "inventory": "Skolan: mentorssamtal. Coachen: väckning.",
              "problem_picture": "Otrygg start på veckan.", "strategies": "En vuxen möter."}
    return MeetingInput(**{**values, **changes})


def create(write, viewer, world, who="coach_a", **changes) -> int:
    with write() as session:
        return create_meeting(session, viewer(who), meeting(world, **changes))


def refused(write, call) -> str:
    with pytest.raises((AccessDenied, InputError)) as error, write() as session:
        call(session)
    return f"{type(error.value).__name__}: {error.value}"


def test_a_coach_records_a_meeting_across_agencies(write, read, world, viewer):
    meeting_id = create(write, viewer, world)
    with read() as session:
        view = get_meeting(session, viewer("coach_a"), meeting_id)
        listed = meeting_list(session, viewer("coach_a"))
    assert (view.municipality, view.school, view.case_description) == ("Alfa", "Skola SB", CASE)
    assert list(view.participants["agency"]) == ["school", "youth_coach", "social_services",
                                                 "health"]
    assert view.writable and view.plans.empty and view.goals.empty
    assert listed[["title", "participant_count", "goal_count"]].values.tolist() == [
        ["Måndagsfrånvaro", 4, 0]]


def test_the_log_says_what_changed_never_what_the_case_says(write, read, world, viewer):
    meeting_id = create(write, viewer, world)
    with write() as session:
        update_meeting(session, viewer("staff_sb"), meeting_id, 1, MeetingChange(
            title="Måndagsfrånvaro", date=DAY, case_description=CASE,
            inventory="Ny inventering.", problem_picture="Otrygg start på veckan.",
            strategies="En vuxen möter."))
    with read() as session:
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "method_meeting").order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].details == {"after": {"changed": ["inventory"], "version": 2}}
    logged = str([(e.details, e.note) for e in events])
    assert "måndagar" not in logged and "inventering" not in logged.lower()


@pytest.mark.parametrize("number", [
    personal_number("20080101", 980),  # 12 digits, valid
    "080101-9806",  # 10 digits with the separator (valid check digit)
    "20080161-1234",  # a coordination number shape (day + 60), any check digit
    "200801019807",  # a wrong check digit is still a person's number mistyped
])
def test_a_case_with_a_personal_number_is_refused(write, read, world, viewer, number):
    text = refused(write, lambda s: create_meeting(s, viewer("coach_a"), meeting(
        world, inventory=f"Gäller {number}, se akten.")))
    assert "liknar ett personnummer" in text and "utan namn" in text
    assert refused(write, lambda s: create_meeting(s, viewer("coach_a"), meeting(
        world, title=f"Elev {number}"))).startswith("InputError")
    with read() as session:
        assert session.scalars(select(MethodMeeting)).all() == []


def test_figures_and_dates_in_a_case_are_not_taken_for_personal_numbers(write, world, viewer):
    create(write, viewer, world, case_description=(
        "Frånvaron steg från 12 % till 34 % mellan 2025-08-18 och 2025-10-01; "
        "3 av 28 elever i klassen, 1 200 minuter, diarienummer 2025-1234."))


def test_a_changed_meeting_is_saved_against_its_version(write, read, world, viewer):
    meeting_id = create(write, viewer, world)
    change = MeetingChange(title="Nytt namn", date=DAY, case_description=CASE,
                           participants=(ParticipantInput("Ola Ny", "other", "Polisen"),))
    with write() as session:
        assert update_meeting(session, viewer("coach_a"), meeting_id, 1, change) == 2
    with pytest.raises(Conflict) as conflict, write() as session:
        update_meeting(session, viewer("staff_sb"), meeting_id, 1, change)
    assert conflict.value.by == "Coach A" and conflict.value.version == 2
    with read() as session:
        view = get_meeting(session, viewer("staff_sb"), meeting_id)
        assert session.scalars(select(MethodParticipant.name)).all() == ["Ola Ny"]
    assert (view.title, view.inventory, view.version) == ("Nytt namn", "", 2)


def test_readers_writers_and_the_rest_see_it_as_missing(write, read, world, viewer):
    meeting_id = create(write, viewer, world)
    with read() as session:
        assert not get_meeting(session, viewer("admin"), meeting_id).writable
        assert len(meeting_list(session, viewer("staff_sb"))) == 1
        assert meeting_list(session, viewer("staff_sc")).empty
        assert meeting_list(session, viewer("coach_c")).empty
    with pytest.raises(AccessDenied), read() as session:
        meeting_list(session, viewer("leader_north"))  # project leaders see no meetings
    change = MeetingChange(title="X", date=DAY)
    calls = [lambda s, i, w=who: get_meeting(s, viewer(w), i)
             for who in ("coach_c", "staff_sc", "leader_north")]
    calls += [lambda s, i, w=who: update_meeting(s, viewer(w), i, 1, change)
              for who in ("coach_c", "staff_sc", "leader_north", "admin")]
    for call in calls:
        assert refused(write, lambda s, c=call: c(s, meeting_id)) == \
            refused(write, lambda s, c=call: c(s, MISSING))
    with pytest.raises(AccessDenied), write() as session:
        update_meeting(session, viewer("admin"), meeting_id, 1, change)  # admins read


def test_who_may_hold_a_meeting_with_whom(write, read, world, viewer):
    with read() as session:
        municipalities, schools = meeting_choices(session, viewer("coach_a"))
        assert set(municipalities) == {world["A"]}
        assert set(schools) == {world["SA"], world["SB"]}
        municipalities, schools = meeting_choices(session, viewer("staff_sb"))
        assert set(municipalities) == {world["A"], world["B"]}  # anna's and eva's, bo's
        assert set(schools) == {world["SB"]}
    assert "Välj en kommun" in refused(write, lambda s: create_meeting(
        s, viewer("coach_c"), meeting(world)))
    assert "Välj en skola" in refused(write, lambda s: create_meeting(
        s, viewer("coach_c"), meeting(world, municipality_id=world["C"])))
    assert "Välj din skola" in refused(write, lambda s: create_meeting(
        s, viewer("staff_sb"), meeting(world, school_id=None)))
    assert "Välj verksamhet" in refused(write, lambda s: create_meeting(
        s, viewer("coach_a"), meeting(world, participants=(ParticipantInput("A", "x"),))))
    assert "Fyll i rubriken" in refused(write, lambda s: create_meeting(
        s, viewer("coach_a"), meeting(world, title=" ")))
    create(write, viewer, world, who="staff_sb", municipality_id=world["B"])
    create(write, viewer, world, school_id=None)  # a meeting of the municipality alone


def test_the_meeting_decides_a_group_plan_and_shared_goals(write, read, world, viewer):
    meeting_id = create(write, viewer, world)
    with write() as session:
        create_group_plan(session, viewer("staff_sb"), GroupPlanInput(
            level="school", goal="Fler är i skolan på måndagar.", owner="Rektor",
            start_date=DAY, review_date=DAY + dt.timedelta(days=60),
            items=(("measure", None, "Frukost på måndagar."),), school_id=world["SB"],
            method_meeting_id=meeting_id))
        set_goal(session, viewer("coach_a"), GoalInput(
            municipality_id=world["A"], indicator="share_20", direction="at_most",
            target=0.15, by_term="VT2027", method_meeting_id=meeting_id))
    with read() as session:
        view = get_meeting(session, viewer("coach_a"), meeting_id)
        listed = meeting_list(session, viewer("coach_a"))
    assert list(view.plans["plan_goal"]) == ["Fler är i skolan på måndagar."]
    assert list(view.goals["by_term"]) == ["VT2027"]
    assert list(view.goals["method_meeting"]) == ["Måndagsfrånvaro"]
    assert listed["goal_count"].tolist() == [1]
    with read() as session:  # the school's staff read the goal set at their meeting
        assert list(get_meeting(session, viewer("staff_sb"), meeting_id).goals["by_term"]) \
            == ["VT2027"]


def test_a_goal_names_only_a_meeting_of_its_own_municipality_that_the_setter_sees(
        write, world, viewer):
    meeting_id = create(write, viewer, world)
    data = GoalInput(municipality_id=world["C"], indicator="share_20", direction="at_most",
                     target=0.15, by_term="VT2027", method_meeting_id=meeting_id)
    assert "Metodmötet finns inte" in refused(write, lambda s: set_goal(s, viewer("coach_c"),
                                                                        data))
    assert "en annan kommun" in refused(write, lambda s: set_goal(s, viewer("admin"), data))


# --- On the page ------------------------------------------------------------------------

PAGE = "pages/17_Metodmoten.py"


def test_a_coach_holds_a_meeting_on_the_page_without_a_personal_number(app_env, world, read):
    from tests.apptest import count, login, texts, widget

    at = login("coach_a", page=PAGE)
    assert not at.exception
    assert "Beskriv fallet utan namn" in texts(at)
    widget(at.text_input, "Rubrik").input("Måndagsfrånvaro")
    widget(at.text_area, "Fallbeskrivning").input(f"Gäller {personal_number('20080101', 980)}.")
    widget(at.button, "Skapa metodmötet").click()
    at.run()
    assert "liknar ett personnummer" in texts(at) and count(read, MethodMeeting) == 0
    widget(at.text_area, "Fallbeskrivning").input(CASE)
    widget(at.button, "Skapa metodmötet").click()
    at.run()
    assert not at.exception and count(read, MethodMeeting) == 1
    assert str(at.query_params["metodmote"]).strip("[]'") == "1"  # the new meeting is open
    shown = texts(at)
    assert "Metodmötet är skapat." in shown and "Besluta gruppplan" in shown
    new, chosen = (w for w in at.text_area if w.label == "Fallbeskrivning")
    assert (new.value, chosen.value) == ("", CASE)  # the new-meeting form is empty again


def test_a_project_leader_sees_no_meetings_and_an_admin_reads_them(app_env, write, world,
                                                                  viewer):
    from tests.apptest import login, texts

    create(write, viewer, world)
    leader = login("leader_north", page=PAGE)
    assert not leader.exception and "Måndagsfrånvaro" not in texts(leader)
    admin = login("admin", page=PAGE)
    admin.query_params["metodmote"] = "1"
    admin.run()
    shown = texts(admin)
    assert not admin.exception and CASE in shown and "Spara metodmötet" not in shown


# --- Demo -------------------------------------------------------------------------------

def test_the_demo_meeting_on_a_small_demo(write, read):
    from data_models.models import User, UserScope
    from lib.access import load_viewer
    from lib.demo import DemoSpec, seed_demo
    from lib.demo_method_meetings import seed_method_meetings

    end = dt.date(2025, 11, 20)
    with write() as session:
        seed_demo(session, DemoSpec(students=120, end_date=end, bcrypt_rounds=4))
        coach = session.scalars(select(User).where(User.username == "coach")).one()
        rector = session.scalars(select(User).where(User.username == "rektor")).one()
        scope = {s.user_id: s for s in session.scalars(select(UserScope))}
        counts = seed_method_meetings(session, coach.id, scope[coach.id].municipality_id,
                                      scope[rector.id].school_id, end)
    assert counts == {"method_meetings": 1, "method_meeting_plans": 1, "shared_goals": 2}
    with read() as session:
        for who in ("coach", "rektor"):
            me = load_viewer(session, session.scalars(select(User).where(
                User.username == who)).one())
            view = get_meeting(session, me, int(meeting_list(session, me)["id"].iloc[0]))
            assert len(view.plans) == 1 and len(view.goals) == 1
        assert set(view.participants["agency"]) == {"school", "youth_coach", "social_services",
                                                    "health"}


def test_the_schools_staff_change_the_inventory_on_the_page(app_env, write, read, world,
                                                            viewer):
    from tests.apptest import login, texts, widget

    meeting_id = create(write, viewer, world)
    at = login("staff_sb", page=PAGE)
    at.query_params["metodmote"] = str(meeting_id)
    at.run()
    assert not at.exception and "Sätt målet" not in texts(at)  # staff set no goals
    widget(at.text_area, "Inventering").input("Skolan: mentorssamtal. BUP: väntelista.")
    widget(at.button, "Spara metodmötet").click()
    at.run()
    assert not at.exception and "Metodmötet är sparat." in texts(at)
    with read() as session:
        stored = session.get(MethodMeeting, meeting_id)
        assert (stored.version, stored.inventory) == (
            2, "Skolan: mentorssamtal. BUP: väntelista.")
        assert len(session.scalars(select(MethodParticipant)).all()) == 4  # kept as they were
