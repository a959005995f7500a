"""The follow-up services (measures, contacts, feedback, the visit pack) speak the data
contract: every column is a machine column of lib.columns (or a hidden identifier), and a
code column holds only its code set's values, never the words shown for them."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data_models.codes import MeasureKind
from lib.columns import COLUMNS, HIDDEN
from lib.contacts import add_contact, list_contacts
from lib.feedback import acknowledge, feedback_rows, send_feedback
from lib.measures import (
    add_follow_up,
    add_measure,
    before_and_after,
    follow_ups,
    measure_markers,
    measure_rows,
    update_measure,
)
from lib.meetings import plan_meeting, set_status
from lib.visit_pack import build_student_follow_up, build_visit_pack

TODAY = dt.date(2025, 10, 15)


def assert_machine_frame(frame: pd.DataFrame) -> None:
    assert not frame.empty  # a frame without rows would prove nothing about its values
    assert [c for c in frame.columns if c not in COLUMNS and c not in HIDDEN] == []
    for name in frame.columns:
        known = COLUMNS.get(name)
        if known is not None and known.codes is not None:
            allowed = {member.value for member in known.codes}
            assert set(frame[name].dropna()) <= allowed, name


@pytest.fixture
def followed(write, world, viewer) -> dict[str, int]:
    """Anna at SB with a meeting held, three measures (due soon, overdue, stopped), a
    follow-up entry, a contact, and feedback both ways, one acknowledged."""
    coach, staff = viewer("coach_a"), viewer("staff_sb")
    with write() as session:
        meeting_id = plan_meeting(session, coach, school_id=world["SB"],
                                  term_id=world["HT2025"], municipality_id=world["A"],
                                  date=dt.date(2025, 10, 1))
        set_status(session, coach, meeting_id, 1, "held")
        open_id = add_measure(session, coach, world["anna"], kind="mi", owner_kind="school",
                              owner_name="Kim", start_date=dt.date(2025, 9, 1),
                              follow_up_date=dt.date(2025, 10, 20), meeting_id=meeting_id)
        stopped = add_measure(session, staff, world["anna"], kind="bup", owner_kind="coach",
                              start_date=dt.date(2025, 9, 1),
                              follow_up_date=dt.date(2025, 10, 1))
        update_measure(session, staff, stopped, 1, status="stopped", stop_reason="Flyttade")
        add_measure(session, staff, world["anna"], kind="structure", owner_kind="person",
                    owner_user_id=world["user:staff_sb"], start_date=dt.date(2025, 9, 1),
                    follow_up_date=dt.date(2025, 10, 10))
        add_follow_up(session, coach, open_id, dt.date(2025, 10, 2), "Bättre")
        add_contact(session, coach, world["anna"], "talk", dt.date(2025, 10, 3), "Pratade",
                    today=TODAY)
        to_school = send_feedback(session, coach, "Hej skolan", student_id=world["anna"],
                                  school_id=world["SB"])
        send_feedback(session, staff, "Om mötet", meeting_id=meeting_id)
        acknowledge(session, staff, to_school, 1, answer="Tack")
    return {"measure": open_id}


def test_measure_rows_speak_codes(read, world, viewer, followed):
    with read() as session:
        table = measure_rows(session, viewer("coach_a"), TODAY, student_id=world["anna"])
    assert_machine_frame(table)
    assert set(table["measure_status"]) == {"planned", "stopped"}
    assert table.set_index("measure_kind")["follow_up_state"].to_dict() == {
        "bup": "", "structure": "overdue", "mi": "soon"}
    assert table.set_index("measure_kind")["owner"].to_dict() == {
        "bup": "", "structure": "Staff Sb", "mi": "Kim"}
    assert isinstance(table["follow_up"].iloc[0], dt.date)


def test_follow_ups_before_and_after_and_markers_speak_codes(read, world, viewer, followed):
    with read() as session:
        coach = viewer("coach_a")
        assert_machine_frame(follow_ups(session, coach, followed["measure"]))
        assert_machine_frame(before_and_after(session, coach, world["anna"]))
        markers = measure_markers(measure_rows(session, coach, TODAY, student_id=world["anna"]))
    assert set(markers["measure_kind"]) == {MeasureKind.MI, MeasureKind.BUP,
                                            MeasureKind.STRUCTURE}


def test_the_contact_log_speaks_codes(read, world, viewer, followed):
    with read() as session:
        table = list_contacts(session, viewer("coach_a"), world["anna"])
    assert_machine_frame(table)
    assert table["contact_kind"].tolist() == ["talk"]


def test_feedback_rows_speak_codes_and_keep_the_facts_apart(read, world, viewer, followed):
    with read() as session:
        table = feedback_rows(session, viewer("coach_a"))
    assert_machine_frame(table)
    about_anna = table[table["student_id"] == world["anna"]].iloc[0]
    about_meeting = table[table["student_id"].isna()].iloc[0]
    assert (about_anna["direction"], about_anna["acknowledged_by"]) == ("to_school", "Staff Sb")
    assert isinstance(about_anna["acknowledged_at"], dt.datetime)
    assert pd.isna(about_meeting["acknowledged_at"]) and pd.isna(about_meeting["student"])
    assert about_meeting["meeting_date"] == dt.date(2025, 10, 1)
    assert isinstance(about_meeting["sent_at"], dt.datetime)


def test_the_visit_pack_speaks_codes(read, world, viewer, followed):
    with read() as session:
        pack = build_visit_pack(session, viewer("coach_a"), world["SB"], world["HT2025"],
                                today=TODAY)
    for table in (pack.flagged, pack.changes, pack.measures, pack.feedback):
        assert_machine_frame(table)
    assert pack.flagged["reason"].tolist() == ["high"]
    assert pack.measures["follow_up_state"].tolist() == ["overdue", "soon"]


def test_the_student_follow_up_speaks_codes(read, world, viewer, followed):
    with read() as session:
        follow = build_student_follow_up(session, viewer("coach_a"), world["anna"], TODAY)
    for table in (follow.measures, follow.effect, follow.feedback, follow.contacts):
        assert_machine_frame(table)
