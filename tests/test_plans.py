"""Individual action plans: a plan with step goals, seen by both sides and written by
coaches and school staff; phases and goals changed with versions; measures that carry it;
the closing evaluation with absence before the plan against the last weeks; bad input
refused with nothing written; out-of-scope viewers refused."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, func, select

from data_models.models import AbsenceRecord, ActionPlan, AuditEvent, Measure, PlanGoal
from lib import summaries
from lib.access import AccessDenied
from lib.measures import add_measure
from lib.plans import (
    PlanInput,
    close_plan,
    create_plan,
    link_measure,
    list_plans,
    plan_goals,
    set_goal_status,
    set_phase,
)
from lib.talks import TalkInput, record_talk
from lib.versioning import Conflict, InputError
from tests.factories import absence

START = dt.date(2025, 9, 29)  # a Monday


def _plan(**changes) -> PlanInput:
    fields = dict(goal="Komma i tid till första lektionen.", start_date=START,
                  review_date=START + dt.timedelta(weeks=6), coach_responsible="Coach A",
                  school_responsible="Mentor Kim",
                  goals=(("Väckning varje morgon i två veckor", START + dt.timedelta(weeks=2)),
                         ("Ingen ogiltig frånvaro en hel vecka", START + dt.timedelta(weeks=4))))
    fields.update(changes)
    return PlanInput(**fields)


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_plan_with_two_step_goals_is_seen_by_both_sides(write, read, world, viewer):
    with write() as session:
        plan_id = create_plan(session, viewer("coach_a"), world["anna"], _plan())
    with read() as session:
        coach = list_plans(session, viewer("coach_a"), world["anna"])
        school = list_plans(session, viewer("staff_sb"), world["anna"])
        goals = plan_goals(session, viewer("staff_sb"), plan_id)
        created = session.scalars(select(AuditEvent.entity_id).where(
            AuditEvent.entity == "action_plan", AuditEvent.action == "create")).all()
    assert coach.equals(school)
    [row] = coach.to_dict("records")
    assert (row["plan_phase"], row["goal"], row["goals"], row["goals_reached"]) == (
        "analysis", "Komma i tid till första lektionen.", 2, 0)
    assert goals[["goal_text", "goal_status"]].values.tolist() == [
        ["Väckning varje morgon i två veckor", "open"],
        ["Ingen ogiltig frånvaro en hel vecka", "open"]]
    assert created == [plan_id]


@pytest.mark.parametrize(("changes", "message"), [
    ({"goal": " "}, "Fyll i elevens mål"),
    ({"review_date": START - dt.timedelta(days=1)}, "före dess start"),
    ({"start_date": None}, "Ange startdatum"),
    ({"goals": (("Delmål", START - dt.timedelta(days=1)),)}, "före planens start"),
    ({"goals": (("Delmål", None),)}, "Ange datum för delmålet"),
    ({"goals": tuple((f"Mål {n}", START) for n in range(11))}, "högst 10 delmål"),
])
def test_bad_input_is_refused_and_nothing_is_written(write, read, world, viewer, changes,
                                                     message):
    with write() as session, pytest.raises(InputError, match=message):
        create_plan(session, viewer("coach_a"), world["anna"], _plan(**changes))
    with read() as session:
        assert (_count(session, ActionPlan), _count(session, PlanGoal)) == (0, 0)


def test_a_plan_is_based_on_a_talk_with_the_same_student_only(write, read, world, viewer):
    with write() as session:
        cleos = record_talk(session, viewer("coach_a"), world["cleo"],
                            TalkInput(date=START, held_by="Coach A"), START)
    with write() as session, pytest.raises(InputError, match="hör inte till eleven"):
        create_plan(session, viewer("coach_a"), world["anna"], _plan(talk_id=cleos))
    with write() as session:
        create_plan(session, viewer("coach_a"), world["cleo"], _plan(talk_id=cleos))
    with read() as session:
        assert session.scalar(select(ActionPlan.talk_id)) == cleos


@pytest.mark.parametrize("username", ["coach_c", "staff_sc", "leader_north"])
def test_out_of_scope_viewers_neither_see_nor_change_a_plan(write, read, world, viewer,
                                                            username):
    with write() as session:
        plan_id = create_plan(session, viewer("coach_a"), world["anna"], _plan())
    outsider = viewer(username)
    with write() as session, pytest.raises(AccessDenied):
        create_plan(session, outsider, world["anna"], _plan())
    with read() as session, pytest.raises(AccessDenied):
        list_plans(session, outsider, world["anna"])
    for change in (lambda s: plan_goals(s, outsider, plan_id),
                   lambda s: set_phase(s, outsider, plan_id, 1, "planning"),
                   lambda s: close_plan(s, outsider, plan_id, 1, "met", "", START)):
        with write() as session, pytest.raises(AccessDenied):
            change(session)
    with read() as session:
        assert session.scalar(select(ActionPlan.phase)) == "analysis"


def test_an_administrator_reads_plans_but_writes_none(write, read, world, viewer):
    with write() as session:
        create_plan(session, viewer("coach_a"), world["anna"], _plan())
    with read() as session:
        assert len(list_plans(session, viewer("admin"), world["anna"])) == 1
    with write() as session, pytest.raises(AccessDenied, match="skrivs av"):
        create_plan(session, viewer("admin"), world["anna"], _plan())


def test_phases_and_goals_change_with_versions(write, read, world, viewer):
    with write() as session:
        plan_id = create_plan(session, viewer("coach_a"), world["anna"], _plan())
    with write() as session:
        version = set_phase(session, viewer("staff_sb"), plan_id, 1, "planning")
    with write() as session, pytest.raises(Conflict):  # started from the first version
        set_phase(session, viewer("coach_a"), plan_id, 1, "implementation")
    with write() as session:
        set_phase(session, viewer("coach_a"), plan_id, version, "implementation")
        first = session.scalars(select(PlanGoal.id).order_by(PlanGoal.position)).first()
        set_goal_status(session, viewer("staff_sb"), first, "reached")
    with read() as session:
        [row] = list_plans(session, viewer("coach_a"), world["anna"]).to_dict("records")
    assert (row["plan_phase"], row["goals_reached"], row["version"]) == (
        "implementation", 1, 3)


def test_a_measure_of_the_student_carries_the_plan(write, read, world, viewer):
    coach = viewer("coach_a")
    with write() as session:
        plan_id = create_plan(session, coach, world["anna"], _plan())
        annas = add_measure(session, coach, world["anna"], kind="structure",
                            owner_kind="coach", start_date=START, follow_up_date=START)
        cleos = add_measure(session, coach, world["cleo"], kind="mi", owner_kind="coach",
                            start_date=START, follow_up_date=START)
        link_measure(session, coach, plan_id, annas)
    with write() as session, pytest.raises(InputError, match="elevens åtgärder"):
        link_measure(session, coach, plan_id, cleos)
    with read() as session:
        assert session.get(Measure, annas).plan_id == plan_id
        assert session.get(Measure, cleos).plan_id is None


def test_closing_keeps_the_evaluation_and_the_absence_before_and_after(write, read, world,
                                                                       viewer):
    """Four weeks at 40 % before the plan's start week, four at 10 % before the week it
    closes: the plan keeps both shares, and a closed plan takes no more changes."""
    with write() as session:
        session.execute(delete(AbsenceRecord).where(AbsenceRecord.student_id == world["anna"]))
        for week in range(1, 5):
            session.add(absence(world["anna"], world["SB"], START - dt.timedelta(weeks=week),
                                world["HT2025"], 300, 0, 120))
        closing = START + dt.timedelta(weeks=8)
        for week in range(1, 5):
            session.add(absence(world["anna"], world["SB"],
                                closing - dt.timedelta(weeks=week), world["HT2025"], 300, 0,
                                30))
        summaries.refresh_all(session)
        plan_id = create_plan(session, viewer("coach_a"), world["anna"], _plan())
    with write() as session:
        close_plan(session, viewer("coach_a"), plan_id, 1, "partly",
                   "Väckningen hjälpte, matten inte.", closing)
    with read() as session:
        [row] = list_plans(session, viewer("staff_sb"), world["anna"]).to_dict("records")
    assert (row["plan_outcome"], row["closed_on"]) == ("partly", closing)
    assert row["absence_before"] == pytest.approx(0.40)
    assert row["absence_after"] == pytest.approx(0.10)
    with write() as session, pytest.raises(InputError, match="avslutad"):
        set_phase(session, viewer("coach_a"), plan_id, 2, "follow_up")


def test_a_follow_up_of_an_action_plan_follows_a_real_plan(write, read, world, viewer):
    """The measure kind "Uppföljning av handlingsplan" needs an open plan, and carries the
    student's latest one."""
    coach = viewer("coach_a")
    follow_up = dict(kind="action_plan", owner_kind="coach", start_date=START,
                     follow_up_date=START + dt.timedelta(weeks=4))
    with pytest.raises(InputError, match="öppen handlingsplan"), write() as session:
        add_measure(session, coach, world["anna"], **follow_up)
    with read() as session:
        assert _count(session, Measure) == 0
    with write() as session:
        plan_id = create_plan(session, coach, world["anna"], _plan())
        measure_id = add_measure(session, coach, world["anna"], **follow_up)
        other = add_measure(session, coach, world["anna"], **{**follow_up, "kind": "mi"})
    with read() as session:
        assert session.get(Measure, measure_id).plan_id == plan_id
        assert session.get(Measure, other).plan_id is None


def test_a_plan_decided_at_a_review_meeting_names_it(write, read, world, viewer):
    from lib.meetings import plan_meeting, set_status

    coach = viewer("coach_a")
    with write() as session:
        held = plan_meeting(session, coach, school_id=world["SB"], term_id=world["HT2025"],
                            municipality_id=world["A"], date=dt.date(2025, 9, 24))
        set_status(session, coach, held, 1, "held")
        planned = plan_meeting(session, coach, school_id=world["SB"],
                               term_id=world["HT2025"], municipality_id=world["A"],
                               date=dt.date(2025, 12, 3))
        cleo_only = plan_meeting(session, coach, school_id=world["SA"],
                                 term_id=world["HT2025"], municipality_id=world["A"],
                                 date=dt.date(2025, 9, 25))
        set_status(session, coach, cleo_only, 1, "held")
    with read() as session:
        from lib.plans import deciding_meetings

        assert deciding_meetings(session, coach, world["anna"])["id"].tolist() == [held]
    for meeting_id in (planned, cleo_only, 10_000):  # not held; anna not on it; none
        with pytest.raises(InputError, match="togs inte upp"), write() as session:
            create_plan(session, coach, world["anna"], _plan(meeting_id=meeting_id))
    with write() as session:
        plan_id = create_plan(session, viewer("staff_sb"), world["anna"],
                              _plan(meeting_id=held))
    with read() as session:
        assert session.get(ActionPlan, plan_id).meeting_id == held
        assert _count(session, ActionPlan) == 1
