"""Plans at group level (lib/group_plans.py, lib/group_plan_effects.py): a class plan from a
run and its analysis, who writes and reads each level (out of scope answers as missing),
follow-ups, changes and the evaluation at close with their versions, bad input, and the
after-effects with their limits (the next run's change, the class's absence)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from data_models.codes import (
    AuditEntity,
    ChangeArea,
    PlanItemKind,
    PlanLevel,
    PlanOutcome,
)
from data_models.models import (
    ActionPlan,
    AuditEvent,
    MethodMeeting,
    PlanItem,
    PlanReview,
    RunAnalysis,
)
from lib.access import AccessDenied
from lib.clock import utcnow
from lib.group_plan_effects import RunChange
from lib.group_plans import (
    GroupPlanChange,
    GroupPlanInput,
    add_follow_up,
    close_group_plan,
    create_group_plan,
    get_group_plan,
    group_plan_list,
    update_group_plan,
)
from lib.plans import NOT_FOUND
from lib.run_analysis import AnalysisInput, save_analysis
from lib.versioning import Conflict, InputError
from tests.plan_world import (
    GROUP,
    NEXT_DATE,
    RUN_DATE,
    START,
    add_class,
    add_instrument,
    add_run,
    same_answers,
)

ITEMS = ((PlanItemKind.MEASURE, None, "Mentorssamtal varannan vecka"),
         (PlanItemKind.CHANGE, ChangeArea.TEACHING, "Kortare genomgångar, mer eget arbete"))


@pytest.fixture
def mapped(write, world, viewer):
    """A class run at SB (six respondents) with the staff's analysis."""
    with write() as session:
        ids = add_instrument(session, world)
        ids["run"] = add_run(session, world, ids, same_answers(6, 3, 3, 2))
        save_analysis(session, viewer("staff_sb"), ids["run"], AnalysisInput(
            RUN_DATE, "Rektor, mentor", "", {}), 0)
        ids["analysis"] = session.scalar(select(RunAnalysis.id))
    return ids


def _class_plan(mapped, **changes) -> GroupPlanInput:
    data = GroupPlanInput(level=PlanLevel.CLASS, goal="Fler elever känner sig delaktiga",
                          owner="Rektor SB", start_date=START,
                          review_date=START + dt.timedelta(weeks=6), items=ITEMS,
                          run_id=mapped["run"], analysis_id=mapped["analysis"])
    return dataclasses.replace(data, **changes)


def _create(write, viewer, data, username="staff_sb") -> int:
    with write() as session:
        return create_group_plan(session, viewer(username), data)


def test_a_class_plan_from_the_run_takes_its_school_and_class(write, read, world, viewer,
                                                              mapped):
    plan_id = _create(write, viewer, _class_plan(mapped))
    with read() as session:
        view = get_group_plan(session, viewer("staff_sb"), plan_id)
        stored = session.get(ActionPlan, plan_id)
        assert stored.student_id is None and stored.level == PlanLevel.CLASS
        event = session.scalar(select(AuditEvent).where(
            AuditEvent.entity == AuditEntity.ACTION_PLAN, AuditEvent.entity_id == plan_id))
    assert (view.plan.school_id, view.plan.group_name, view.plan.run_id) == (
        world["SB"], GROUP, mapped["run"])
    assert view.plan.school == "Skola SB" and view.writable
    assert view.items[["item_kind", "change_area", "item_text"]].values.tolist() == [
        ["measure", None, "Mentorssamtal varannan vecka"],
        ["change", "teaching", "Kortare genomgångar, mer eget arbete"]]
    assert event.action == "create" and event.details["after"]["level"] == "class"


def test_who_reads_and_writes_a_class_plan_and_others_find_it_missing(write, read, viewer,
                                                                      mapped):
    plan_id = _create(write, viewer, _class_plan(mapped))
    # The coach of Alfa, whose students attend SB, joins the work; Gamma's coach cannot.
    coach_plan = _create(write, viewer, _class_plan(mapped, owner="Coach A"), "coach_a")
    with read() as session:
        for username in ("staff_sb", "coach_a", "admin"):
            assert set(group_plan_list(session, viewer(username))["id"]) == {plan_id,
                                                                           coach_plan}
            assert get_group_plan(session, viewer(username), plan_id).plan.id == plan_id
        assert not get_group_plan(session, viewer("admin"), plan_id).writable
        with pytest.raises(AccessDenied) as missing:
            get_group_plan(session, viewer("staff_sb"), 999_999)
        for username in ("coach_c", "staff_sc", "leader_north"):
            assert group_plan_list(session, viewer(username)).empty
            with pytest.raises(AccessDenied) as refused:
                get_group_plan(session, viewer(username), plan_id)
            assert str(refused.value) == str(missing.value) == NOT_FOUND
    for username in ("coach_c", "staff_sc", "leader_north", "admin"):
        with pytest.raises(AccessDenied), write() as session:
            create_group_plan(session, viewer(username), _class_plan(mapped))
        with pytest.raises(AccessDenied), write() as session:
            add_follow_up(session, viewer(username), plan_id, START, "Sett", None, 1)
        with pytest.raises(AccessDenied), write() as session:
            close_group_plan(session, viewer(username), plan_id, START, PlanOutcome.MET, "", 1)


def test_every_service_answers_out_of_scope_as_missing(engine, write, viewer, mapped):
    from sqlalchemy.orm import Session

    plan_id = _create(write, viewer, _class_plan(mapped))
    change = GroupPlanChange(goal="x", owner="y", start_date=START, review_date=START,
                             items=())
    calls = {
        "get_group_plan": lambda s, v, i: get_group_plan(s, v, i),
        "add_follow_up": lambda s, v, i: add_follow_up(s, v, i, START, "x", None, 1),
        "update_group_plan": lambda s, v, i: update_group_plan(s, v, i, 1, change),
        "close_group_plan": lambda s, v, i: close_group_plan(s, v, i, START, "met", "", 1),
        "create_group_plan(run)": lambda s, v, i: create_group_plan(
            s, v, _class_plan(mapped, run_id=mapped["run"] if i == plan_id else i,
                              analysis_id=None)),
        "create_group_plan(analysis)": lambda s, v, i: create_group_plan(
            s, v, _class_plan(mapped, run_id=None,
                              analysis_id=mapped["analysis"] if i == plan_id else i)),
    }

    def outcome(call, who, record_id):
        session = Session(bind=engine)
        try:
            return ("answer", call(session, viewer(who), record_id))
        except (AccessDenied, InputError, Conflict) as error:
            return (type(error).__name__, str(error))
        finally:
            session.rollback()
            session.close()

    for who in ("coach_c", "staff_sc", "leader_north", "leader_south"):
        for name, call in calls.items():
            assert outcome(call, who, plan_id) == outcome(call, who, 999_999), (who, name)


def test_a_municipality_plan_is_the_coachs_and_read_by_the_meetings_school(write, read,
                                                                           world, viewer):
    with write() as session:
        meeting = MethodMeeting(municipality_id=world["A"], school_id=world["SB"],
                                date=START, title="Case: frånvaro i åk 1", version=1,
                                created_by=world["user:coach_a"], created_at=utcnow())
        session.add(meeting)
        session.flush()
        meeting_id = meeting.id
    data = GroupPlanInput(level=PlanLevel.MUNICIPALITY, goal="Gemensam rutin vid frånvaro",
                          owner="Coach A", start_date=START, review_date=START,
                          municipality_id=world["A"], method_meeting_id=meeting_id)
    plan_id = _create(write, viewer, data, "coach_a")
    with read() as session:
        assert list(group_plan_list(session, viewer("staff_sb"),
                                    method_meeting_id=meeting_id)["id"]) == [plan_id]
        assert not get_group_plan(session, viewer("staff_sb"), plan_id).writable
        for username in ("coach_c", "staff_sc", "leader_north"):
            with pytest.raises(AccessDenied):
                get_group_plan(session, viewer(username), plan_id)
    for username in ("staff_sb", "coach_c"):
        with pytest.raises(AccessDenied), write() as session:
            create_group_plan(session, viewer(username), data)
        with pytest.raises(AccessDenied), write() as session:
            add_follow_up(session, viewer(username), plan_id, START, "Sett", None, 1)
    with pytest.raises(InputError), write() as session:  # the meeting is Alfa's, not Gamma's
        create_group_plan(session, viewer("coach_a"),
                          dataclasses.replace(data, municipality_id=world["C"]))


def test_follow_ups_move_the_next_date_and_state_their_version(write, read, viewer, mapped):
    plan_id = _create(write, viewer, _class_plan(mapped))
    staff = viewer("staff_sb")
    first, later = START + dt.timedelta(weeks=6), START + dt.timedelta(weeks=12)
    with write() as session:
        assert add_follow_up(session, staff, plan_id, first, "Fler på mentorstiden.",
                             later, 1) == 2
        assert add_follow_up(session, staff, plan_id, later, "Färre sena ankomster.",
                             None, 2) == 3
    with pytest.raises(Conflict), write() as session:
        add_follow_up(session, staff, plan_id, later, "Gammal version", None, 2)
    with pytest.raises(InputError, match="mellan planens start och i dag"), write() as session:
        add_follow_up(session, staff, plan_id, START - dt.timedelta(days=1), "Före", None, 3)
    with read() as session:
        view = get_group_plan(session, staff, plan_id)
        listed = group_plan_list(session, staff, run_id=mapped["run"])
        assert session.get(ActionPlan, plan_id).review_date == later
    assert list(view.follow_ups["review_note"]) == ["Färre sena ankomster.",
                                                    "Fler på mentorstiden."]
    assert list(listed["last_review"]) == [later] and list(listed["review"]) == [later]


def test_a_change_replaces_the_items_and_nothing_changed_is_refused(write, read, viewer,
                                                                    mapped):
    plan_id = _create(write, viewer, _class_plan(mapped))
    staff = viewer("staff_sb")
    same = GroupPlanChange(goal="Fler elever känner sig delaktiga", owner="Rektor SB",
                           start_date=START, review_date=START + dt.timedelta(weeks=6),
                           items=ITEMS)
    with pytest.raises(InputError, match="Inget är ändrat"), write() as session:
        update_group_plan(session, staff, plan_id, 1, same)
    new_items = (*ITEMS, (PlanItemKind.CHANGE, ChangeArea.ENVIRONMENT, "Tyst studierum"))
    with write() as session:
        assert update_group_plan(session, staff, plan_id, 1,
                                 dataclasses.replace(same, items=new_items)) == 2
    with pytest.raises(Conflict), write() as session:
        update_group_plan(session, staff, plan_id, 1, dataclasses.replace(same, owner="X"))
    with read() as session:
        assert [row.text for row in session.scalars(
            select(PlanItem).where(PlanItem.plan_id == plan_id).order_by(PlanItem.position))
                ] == [text for _kind, _area, text in new_items]


@pytest.mark.parametrize("changes, message", [
    ({"level": PlanLevel.INDIVIDUAL}, "Välj planens nivå."),
    ({"goal": " "}, "Fyll i målet."),
    ({"owner": ""}, "Fyll i ansvarig."),
    ({"review_date": START - dt.timedelta(days=1)}, "kan inte ligga före dess start"),
    ({"items": ((PlanItemKind.CHANGE, None, "Ny schemaläggning"),)},
     "Välj vad förändringen"),
    ({"items": (("other", None, "Något"),)}, "insats eller en förändring"),
    ({"run_id": None, "analysis_id": None}, "Välj skola."),
    ({"analysis_id": 999_999}, "Analysen hör inte till kartläggningen."),
])
def test_bad_input_is_refused_and_nothing_is_written(write, read, viewer, mapped, changes,
                                                     message):
    with pytest.raises(InputError, match=message), write() as session:
        create_group_plan(session, viewer("staff_sb"), _class_plan(mapped, **changes))
    with read() as session:
        assert session.scalar(select(ActionPlan.id)) is None
        assert session.scalar(select(PlanItem.id)) is None


def test_closing_keeps_the_classs_absence_before_and_after(write, read, world, viewer,
                                                          mapped):
    with write() as session:
        add_class(session, world, 6)
    plan_id = _create(write, viewer, _class_plan(mapped))
    staff = viewer("staff_sb")
    closed_on = START + dt.timedelta(weeks=8)
    with write() as session:
        assert close_group_plan(session, staff, plan_id, closed_on, PlanOutcome.PARTLY,
                                "Mentorstiden fungerade.", 1) == 2
    with read() as session:
        plan = session.get(ActionPlan, plan_id)
        assert (plan.closed_on, plan.outcome, plan.learned) == (
            closed_on, PlanOutcome.PARTLY, "Mentorstiden fungerade.")
        assert (plan.absence_before, plan.absence_after) == pytest.approx((0.2, 0.1))
        assert not get_group_plan(session, staff, plan_id).writable
    with pytest.raises(InputError, match="Planen är avslutad"), write() as session:
        add_follow_up(session, staff, plan_id, closed_on, "Sent", None, 2)
    with read() as session:
        assert session.scalar(select(PlanReview.id)) is None


def test_the_classs_absence_is_shown_from_5_students_to_staff_and_10_to_others(
        write, read, world, viewer, mapped):
    with write() as session:
        add_class(session, world, 6)
    plan_id = _create(write, viewer, _class_plan(mapped))
    with read() as session:
        staff = get_group_plan(session, viewer("staff_sb"), plan_id).effects
        coach = get_group_plan(session, viewer("coach_a"), plan_id).effects
    assert (staff.absence_before, staff.absence_after) == pytest.approx((0.2, 0.1))
    assert staff.students == 6 and not staff.absence_hidden
    assert coach.absence_hidden and coach.absence_before is None
    with write() as session:
        add_class(session, world, 4, first=7)  # ten in the class now
    with read() as session:
        coach = get_group_plan(session, viewer("coach_a"), plan_id).effects
    assert not coach.absence_hidden and coach.absence_before == pytest.approx(0.2)


def test_the_next_runs_change_is_shown_when_both_runs_are_large_enough(write, read, world,
                                                                       viewer, mapped):
    plan_id = _create(write, viewer, _class_plan(mapped))
    with read() as session:
        effects = get_group_plan(session, viewer("staff_sb"), plan_id).effects
    assert effects.run_change == RunChange.NO_NEXT_RUN
    with write() as session:
        add_run(session, world, mapped, same_answers(6, 4, 2, 4), date=NEXT_DATE)
        add_run(session, world, mapped, same_answers(30, 1, 1, 1), group="NA1C",
                date=NEXT_DATE)  # another class: not the next run
    with read() as session:
        staff = get_group_plan(session, viewer("staff_sb"), plan_id).effects
        coach = get_group_plan(session, viewer("coach_a"), plan_id).effects
    assert staff.run_change == RunChange.SHOWN and staff.next_run_date == NEXT_DATE
    # Involvering: 3 and reversed 3 → 3, then 4 and reversed 2 → 4; meningsfullhet 2 → 4.
    assert staff.dimensions[["dimension_code", "mean_before", "mean_after",
                             "mean_change"]].values.tolist() == [["inv", 3.0, 4.0, 1.0],
                                                                 ["men", 2.0, 4.0, 2.0]]
    assert coach.run_change == RunChange.TOO_FEW and coach.dimensions.empty
    with write() as session:
        add_run(session, world, mapped, same_answers(10, 1, 1, 1), group="NA1B",
                date=RUN_DATE - dt.timedelta(days=1))  # an earlier run changes nothing
    with read() as session:
        assert get_group_plan(session, viewer("staff_sb"), plan_id).effects.next_run_date \
            == NEXT_DATE


# --- The plans tab ------------------------------------------------------------------------

def tab_script(username: str, params: dict) -> None:
    import streamlit as st
    from sqlalchemy import select

    from data_models.models import User
    from lib.access import load_viewer
    from lib.db import session_scope
    from lib.ui.group_plans import plans_tab

    for name, value in params.items():
        st.query_params.setdefault(name, value)
    with session_scope() as session:
        viewer = load_viewer(session, session.scalar(select(User).where(
            User.username == username)))
    plans_tab(viewer)


def run_tab(username: str, **params):
    from streamlit.testing.v1 import AppTest

    return AppTest.from_function(tab_script, args=(username, params),
                                 default_timeout=60).run()


def test_a_class_plan_is_decided_and_followed_up_in_the_tab(app_env, read, world, mapped):
    from tests.apptest import texts, widget

    at = run_tab("staff_sb", kartlaggning=str(mapped["run"]))
    assert not at.exception, at.exception
    assert "Besluta en klassplan för NA1B (Skola SB)" in texts(at)
    widget(at.text_area, "Planens mål").input("Fler elever känner sig delaktiga")
    widget(at.date_input, "Start").set_value(START)
    widget(at.date_input, "Första uppföljning").set_value(START + dt.timedelta(weeks=6))
    widget(at.text_area, "Insatser (en per rad)").input("Mentorssamtal varje vecka\n\n"
                                                        "Läxhjälp på tisdagar")
    widget(at.text_area, "Förändringar i undervisningen (en per rad)").input(
        "Eleverna väljer redovisningsform")
    widget(at.button, "Besluta planen").click()
    at.run()
    assert not at.exception, at.exception
    assert "Klassplanen är beslutad." in texts(at)
    with read() as session:
        plan = session.scalar(select(ActionPlan))
        items = session.execute(select(PlanItem.kind, PlanItem.area, PlanItem.text)
                                .order_by(PlanItem.position)).all()
    # One item per line, under its kind and area; the empty line is no item.
    assert items == [("measure", None, "Mentorssamtal varje vecka"),
                     ("measure", None, "Läxhjälp på tisdagar"),
                     ("change", "teaching", "Eleverna väljer redovisningsform")]
    assert (plan.level, plan.school_id, plan.group_name, plan.run_id, plan.analysis_id,
            plan.owner) == (PlanLevel.CLASS, world["SB"], GROUP, mapped["run"],
                            mapped["analysis"], "Staff Sb")
    at = run_tab("staff_sb", gruppplan=str(plan.id))
    assert not at.exception, at.exception
    assert "Klassen har inte kartlagts igen ännu." in texts(at)
    # The change form shows the decided items where they were typed.
    assert widget(at.text_area, "Insatser (en per rad)").value == (
        "Mentorssamtal varje vecka\nLäxhjälp på tisdagar")
    widget(at.date_input, "Uppföljningens datum").set_value(START + dt.timedelta(weeks=2))
    widget(at.text_area, "Vad ni såg").input("Fler på mentorstiden.")
    widget(at.button, "Lägg till uppföljning").click()
    at.run()
    assert not at.exception, at.exception
    assert "Uppföljningen är sparad." in texts(at)
    assert "Fler på mentorstiden." in texts(at)


def test_the_tab_shows_others_no_plan_and_no_form(app_env, write, viewer, mapped):
    from tests.apptest import texts

    plan_id = _create(write, viewer, _class_plan(mapped))
    at = run_tab("coach_c", kartlaggning=str(mapped["run"]), gruppplan=str(plan_id))
    assert not at.exception, at.exception
    assert "Ingen plan på gruppnivå ännu." in texts(at)
    assert "Fler elever känner sig delaktiga" not in texts(at)
    assert "Besluta planen" not in [button.label for button in at.button]
    coach = run_tab("coach_a", gruppplan=str(plan_id))
    assert not coach.exception and "Fler elever känner sig delaktiga" in texts(coach)
    assert "Frånvaron visas inte" not in texts(coach)  # no absence around the start at all


# --- The demo -----------------------------------------------------------------------------

def test_the_demo_seeds_an_analysed_run_and_a_followed_up_class_plan(write, read):
    from data_models.models import ConnectednessRun, User
    from lib.access import load_viewer
    from lib.demo import DemoSpec, seed_demo
    from lib.run_analysis import get_analysis

    end = dt.date(2026, 11, 23)
    with write() as session:
        counts = seed_demo(session, DemoSpec(students=300, end_date=end, bcrypt_rounds=4))
        run = session.scalar(select(ConnectednessRun).order_by(ConnectednessRun.id))
        run_id, staff_id = run.id, run.created_by
    assert {key: counts[key] for key in ("run_analyses", "group_plans",
                                         "group_plan_follow_ups")} == {
        "run_analyses": 1, "group_plans": 1, "group_plan_follow_ups": 2}
    with read() as session:
        staff = load_viewer(session, session.get(User, staff_id))
        analysis = get_analysis(session, staff, run_id)
        [plan_id] = group_plan_list(session, staff, run_id=run_id)["id"]
        view = get_group_plan(session, staff, plan_id)
    assert analysis.participants and all(topic.note for topic in analysis.topics)
    assert view.plan.analysis_id == analysis.analysis_id and len(view.items) == 2
    assert sorted(view.items["item_kind"]) == ["change", "measure"]
    assert len(view.follow_ups) == 2 and view.plan.review_date > view.plan.start_date
    # The class was mapped again (a small demo's class is too small to show the change).
    assert view.effects.next_run_id is not None
    assert view.effects.run_change in (RunChange.SHOWN, RunChange.TOO_FEW)
