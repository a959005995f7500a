"""Mapping runs: who starts them, entering answers, and who reads them."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect, select

from data_models.models import (
    AuditEvent,
    ConnectednessAnswer,
    ConnectednessResponse,
    ConnectednessRun,
)
from lib.access import AccessDenied
from lib.connectedness import (
    RUN_NOT_FOUND,
    RunInput,
    add_response,
    class_names,
    get_run,
    run_list,
    start_run,
)
from lib.versioning import InputError
from tests.connectedness_world import DAY, add_run, make_instrument, statement_ids

MISSING = 987_654


@pytest.fixture
def instrument(write, world) -> int:
    with write() as session:
        return make_instrument(session, world)


def start(write, who, run: RunInput) -> int:
    with write() as session:
        return start_run(session, who, run)


def test_a_school_maps_its_own_class_with_the_class_size_as_roster(write, read, world, viewer,
                                                                    instrument):
    staff = viewer("staff_sb")
    run_id = start(write, staff, RunInput(instrument, world["SB"], DAY, "NA1A"))
    free = start(write, staff, RunInput(instrument, world["SB"], DAY, "Fotbollsgruppen"))
    with read() as session:
        # anna, bo and eva are in NA1A at SB
        assert session.get(ConnectednessRun, run_id).roster_size == 3
        assert session.get(ConnectednessRun, free).roster_size is None
        assert class_names(session, staff, world["SB"], DAY) == ["NA1A"]
        assert class_names(session, viewer("coach_a"), world["SB"], DAY) == []
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "connectedness_run", AuditEvent.entity_id == run_id)).one()
        assert event.action == "create" and event.details["after"]["roster_size"] == 3


@pytest.mark.parametrize("who", ["coach_a", "staff_sc", "leader_north", "admin"])
def test_only_the_schools_own_staff_start_a_class_run(write, world, viewer, instrument, who):
    with pytest.raises(AccessDenied):
        start(write, viewer(who), RunInput(instrument, world["SB"], DAY, "NA1A"))


def test_a_run_needs_a_published_instrument_a_past_date_and_a_class(write, world, viewer,
                                                                     instrument):
    with write() as session:
        draft = make_instrument(session, world, name="Utkast", status="draft")
    staff = viewer("staff_sb")
    for run, message in (
            (RunInput(draft, world["SB"], DAY, "NA1A"), "publicerat instrument"),
            (RunInput(instrument, world["SB"], dt.date(2999, 1, 1), "NA1A"), "inte har varit"),
            (RunInput(instrument, world["SB"], None, "NA1A"), "Ange datum"),
            (RunInput(instrument, world["SB"], DAY, "  "), "klassen eller gruppen")):
        with pytest.raises(InputError, match=message):
            start(write, staff, run)


def test_answers_are_stored_without_a_student_and_unanswered_ones_are_left_out(
        write, read, world, viewer, instrument):
    staff = viewer("staff_sb")
    run_id = start(write, staff, RunInput(instrument, world["SB"], DAY, "NA1A"))
    with read() as session:
        ids = statement_ids(session, instrument)
    with write() as session:
        add_response(session, staff, run_id, {ids["Q1"]: 4, ids["Q2"]: None, ids["Q3"]: 1})
    with read() as session:
        answers = session.execute(select(ConnectednessAnswer.statement_id,
                                         ConnectednessAnswer.value)).all()
        assert sorted(answers) == sorted([(ids["Q1"], 4), (ids["Q3"], 1)])
        # Nothing links a response to a student or to a moment.
        assert {c.key for c in inspect(ConnectednessResponse).columns} == {"id", "run_id"}
        assert session.scalars(select(AuditEvent.student_id).where(
            AuditEvent.entity == "connectedness_run")).all() == [None, None]
        assert get_run(session, staff, run_id).respondents == 1


def test_bad_answers_are_refused_and_nothing_is_written(write, read, world, viewer, instrument):
    staff = viewer("staff_sb")
    run_id = start(write, staff, RunInput(instrument, world["SB"], DAY, "NA1A"))
    with read() as session:
        ids = statement_ids(session, instrument)
    for answers, message in (({ids["Q3"]: 7}, "Värdet 7 för Q3 ligger utanför skalan 1–5"),
                             ({ids["Q1"]: None}, "tomt"), ({MISSING: 3}, "hör inte till")):
        with pytest.raises(InputError, match=message), write() as session:
            add_response(session, staff, run_id, answers)
    with read() as session:
        assert session.scalars(select(ConnectednessResponse)).all() == []


def test_a_class_takes_no_more_respondents_than_it_has_students(write, world, viewer,
                                                                instrument, read):
    staff = viewer("staff_sb")
    run_id = start(write, staff, RunInput(instrument, world["SB"], DAY, "NA1A"))
    with read() as session:
        q1 = statement_ids(session, instrument)["Q1"]
    for _ in range(3):
        with write() as session:
            add_response(session, staff, run_id, {q1: 3})
    with pytest.raises(InputError, match="NA1A har 3 elever"), write() as session:
        add_response(session, staff, run_id, {q1: 3})


def test_a_coach_reads_a_class_run_but_does_not_enter_answers(write, world, viewer, instrument,
                                                              read):
    run_id = start(write, viewer("staff_sb"), RunInput(instrument, world["SB"], DAY, "NA1A"))
    with read() as session:
        q1 = statement_ids(session, instrument)["Q1"]
        assert get_run(session, viewer("coach_a"), run_id).writable is False
    with pytest.raises(AccessDenied), write() as session:
        add_response(session, viewer("coach_a"), run_id, {q1: 3})


def test_an_individual_run_belongs_to_the_students_school_and_holds_one_response(
        write, read, world, viewer):
    with write() as session:
        individual = make_instrument(session, world, level="individual", name="Individ")
        ids = statement_ids(session, individual)
    coach = viewer("coach_a")
    run_id = start(write, coach, RunInput(individual, None, DAY, student_id=world["anna"]))
    with write() as session:
        add_response(session, coach, run_id, {ids["Q1"]: 2})
    with write() as session:
        add_response(session, viewer("staff_sb"), run_id, {ids["Q1"]: 5, ids["Q2"]: 4})
    with read() as session:
        run = session.get(ConnectednessRun, run_id)
        assert (run.school_id, run.student_id, run.version) == (world["SB"], world["anna"], 3)
        assert sorted(session.scalars(select(ConnectednessAnswer.value))) == [4, 5]
        assert session.scalars(select(AuditEvent.student_id).where(
            AuditEvent.entity == "connectedness_run")).all() == [world["anna"]] * 3
    for who in ("coach_c", "staff_sc"):  # the student is not theirs: as if missing
        with pytest.raises(AccessDenied, match="Eleven finns inte"):
            start(write, viewer(who), RunInput(individual, None, DAY, student_id=world["anna"]))


# Class run at SB (municipality Beta, region Norr): who reads it.
READERS = {"staff_sb": True, "coach_a": True, "leader_north": True, "admin": True,
           "staff_sc": False, "coach_c": False, "leader_south": False}


@pytest.mark.parametrize(("who", "reads"), READERS.items())
def test_who_reads_a_class_run_and_out_of_scope_is_missing(write, read, world, viewer,
                                                           instrument, who, reads):
    with write() as session:
        run_id = add_run(session, world, instrument, [])
    me = viewer(who)
    with read() as session:
        listed = run_list(session, me, school_id=world["SB"])["id"].tolist()
        assert listed == ([run_id] if reads else [])
        if reads:
            assert get_run(session, me, run_id).group_name == "NA1A"
            return
    answers = []
    for record in (run_id, MISSING):
        with pytest.raises(AccessDenied) as refused, read() as session:
            get_run(session, me, record)
        answers.append(str(refused.value))
    assert answers == [RUN_NOT_FOUND] * 2


@pytest.mark.parametrize(("who", "reads"), [("coach_a", True), ("staff_sb", True),
                                            ("admin", True), ("coach_c", False),
                                            ("staff_sc", False), ("leader_north", False)])
def test_an_individual_run_is_read_like_a_talk(write, read, world, viewer, who, reads):
    with write() as session:
        individual = make_instrument(session, world, level="individual", name="Individ")
    run_id = start(write, viewer("coach_a"), RunInput(individual, None, DAY,
                                                      student_id=world["anna"]))
    with read() as session:
        assert (run_id in run_list(session, viewer(who))["id"].tolist()) is reads
