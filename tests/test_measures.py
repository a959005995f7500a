"""Measures, the coach's contact log and feedback between coach and school."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data_models.codes import FollowUpState
from data_models.models import Contact, Feedback, Measure
from lib.access import AccessDenied
from lib.contacts import add_contact, list_contacts
from lib.feedback import acknowledge, list_feedback, send_feedback
from lib.measures import (
    FollowUpCounts,
    add_follow_up,
    add_measure,
    before_and_after,
    follow_up_counts,
    follow_ups,
    list_measures,
    state,
    update_measure,
    window_shares,
)
from lib.versioning import Conflict, InputError
from tests.apptest import count
from tests.factories import absence

TODAY = dt.date(2025, 10, 1)


def measure(write, world, viewer, who="coach_a", student="anna", **fields) -> int:
    values = {"kind": "mi", "owner_kind": "coach", "start_date": dt.date(2025, 9, 15),
              "follow_up_date": dt.date(2025, 10, 6)} | fields
    with write() as session:
        return add_measure(session, viewer(who), world[student], **values)


@pytest.mark.parametrize(("fields", "message"), [
    ({"follow_up_date": dt.date(2025, 9, 1)}, "Uppföljningsdatumet kan inte ligga före"),
    ({"kind": "okänd"}, "Välj en åtgärd ur listan"),
    ({"owner_kind": "person", "owner_name": "  "}, "Fyll i ansvarig"),
    ({"start_date": None}, "Ange startdatum"),
    ({"description": "x" * 5000}, "Beskrivningen är för lång"),
])
def test_bad_measures_are_refused_in_swedish_and_nothing_is_written(write, read, world,
                                                                    viewer, fields, message):
    with pytest.raises(InputError, match=message):
        measure(write, world, viewer, **fields)
    assert count(read, Measure) == 0


def test_measures_are_listed_with_owner_state_and_scope(write, read, world, viewer):
    measure(write, world, viewer, owner_kind="person", owner_name="Kim (mentor)")
    measure(write, world, viewer, student="eva", kind="bup", owner_kind="school",
            follow_up_date=dt.date(2025, 9, 20))
    with read() as session:
        coach = list_measures(session, viewer("coach_a"), TODAY)
        staff_sc = list_measures(session, viewer("staff_sc"), TODAY)
    by_kind = coach.set_index("measure_kind")
    assert by_kind[["owner_kind", "owner"]].to_dict("index") == {
        "mi": {"owner_kind": "person", "owner": "Kim (mentor)"},
        "bup": {"owner_kind": "school", "owner": ""}}
    assert by_kind["follow_up_state"].to_dict() == {"mi": "soon", "bup": "overdue"}
    assert staff_sc.empty
    with read() as session, pytest.raises(AccessDenied):
        list_measures(session, viewer("leader_north"), TODAY)


def test_mine_means_owned_or_created_by_me(write, read, world, viewer):
    measure(write, world, viewer, who="coach_a")
    measure(write, world, viewer, who="staff_sb", owner_kind="person",
            owner_user_id=world["user:coach_a"])
    measure(write, world, viewer, who="staff_sb", owner_kind="school")
    with read() as session:
        assert len(list_measures(session, viewer("coach_a"), TODAY, mine=True)) == 2
        assert len(list_measures(session, viewer("staff_sb"), TODAY, mine=True)) == 2


def test_state_of_a_measure():
    assert state("ongoing", TODAY - dt.timedelta(days=1), TODAY) == FollowUpState.OVERDUE
    assert state("planned", TODAY + dt.timedelta(days=14), TODAY) == FollowUpState.SOON
    assert state("planned", TODAY + dt.timedelta(days=15), TODAY) == FollowUpState.NONE
    assert state("done", TODAY - dt.timedelta(days=30), TODAY) == FollowUpState.NONE


def test_the_measures_page_counts_come_from_the_service(write, read, world, viewer):
    measure(write, world, viewer, follow_up_date=dt.date(2025, 9, 20))  # overdue
    measure(write, world, viewer, student="eva")  # soon
    done = measure(write, world, viewer, student="cleo", follow_up_date=dt.date(2025, 9, 20))
    with write() as session:
        update_measure(session, viewer("coach_a"), done, 1, status="done")
    with read() as session:
        counts = follow_up_counts(list_measures(session, viewer("coach_a"), TODAY))
    assert counts == FollowUpCounts(overdue=1, soon=1, open=2)


def test_stopping_needs_a_reason_and_a_stale_update_is_refused(write, read, world, viewer):
    measure_id = measure(write, world, viewer)
    with pytest.raises(InputError, match="Fyll i skälet"), write() as session:
        update_measure(session, viewer("coach_a"), measure_id, 1, status="stopped")
    with write() as session:
        update_measure(session, viewer("staff_sb"), measure_id, 1, status="ongoing",
                       outcome="Kommer oftare")
    with pytest.raises(Conflict), write() as session:
        update_measure(session, viewer("coach_a"), measure_id, 1, status="done")
    with write() as session:
        update_measure(session, viewer("coach_a"), measure_id, 2, status="stopped",
                       stop_reason="Eleven flyttade")
    with read() as session:
        row = list_measures(session, viewer("coach_a"), TODAY).iloc[0]
    assert row["measure_status"] == "stopped"
    assert (row["stop_reason"], row["outcome"]) == ("Eleven flyttade", "Kommer oftare")


def test_follow_up_entries(write, read, world, viewer):
    measure_id = measure(write, world, viewer)
    with pytest.raises(InputError, match="före åtgärdens startdatum"), write() as session:
        add_follow_up(session, viewer("coach_a"), measure_id, dt.date(2025, 9, 1), "För tidigt")
    with write() as session:
        add_follow_up(session, viewer("staff_sb"), measure_id, dt.date(2025, 10, 6),
                      "Bättre närvaro")
    with read() as session:
        table = follow_ups(session, viewer("coach_a"), measure_id)
        assert table.to_dict("records") == [{"date": dt.date(2025, 10, 6), "by": "Staff Sb",
                                             "follow_up_note": "Bättre närvaro"}]
        with pytest.raises(AccessDenied):
            follow_ups(session, viewer("coach_c"), measure_id)


def test_measures_for_out_of_scope_students_are_refused(write, read, world, viewer):
    with pytest.raises(AccessDenied):
        measure(write, world, viewer, who="coach_c")  # anna lives in Alfa
    assert count(read, Measure) == 0


def test_window_shares_compare_four_weeks_before_and_after_the_start_week():
    mondays = [dt.date(2025, 9, 1) + dt.timedelta(weeks=i) for i in range(10)]
    weekly = pd.DataFrame({"monday": mondays, "scheduled": [100] * 10,
                           "absent": [40, 40, 40, 40, 90, 10, 10, 20, 20, 90]})
    # Start on Wednesday of the fifth week: weeks 1–4 before, weeks 6–9 after.
    before, after = window_shares(weekly, dt.date(2025, 10, 1))
    assert before == pytest.approx(0.40) and after == pytest.approx(0.15)
    assert window_shares(weekly.iloc[:0], dt.date(2025, 10, 1)) == (None, None)


def test_before_and_after_per_measure_from_the_weekly_summary(write, read, world, viewer):
    from lib import summaries

    with write() as session:
        for week in range(8):
            day = dt.date(2025, 9, 8) + dt.timedelta(weeks=week)
            invalid = 400 if week < 4 else 100
            session.add(absence(world["cleo"], world["SA"], day, world["HT2025"], 1000, 0,
                                invalid))
        summaries.refresh(session, [world["HT2025"]], [world["cleo"]])
    measure(write, world, viewer, student="cleo", start_date=dt.date(2025, 10, 6),
            follow_up_date=dt.date(2025, 11, 1))
    with read() as session:
        table = before_and_after(session, viewer("coach_a"), world["cleo"])
    row = table.iloc[0]
    # Before: weeks of 8, 15, 22, 29 Sep: 400 each, plus cleo's 50 on 1 Sep is outside.
    assert row["measure_kind"] == "mi"
    assert row["absence_before"] == pytest.approx(0.40)
    assert row["absence_after"] == pytest.approx(0.10)
    assert row["absence_change"] == pytest.approx(-30.0)


# --- Contacts -------------------------------------------------------------------------------

def test_the_coach_logs_contacts_and_school_staff_cannot_see_them(write, read, world, viewer):
    with write() as session:
        add_contact(session, viewer("coach_a"), world["anna"], "wake_up", dt.date(2025, 9, 3),
                    "Väckte 07.00", today=TODAY)
    with read() as session:
        table = list_contacts(session, viewer("coach_a"), world["anna"])
        assert table[["contact_kind", "contact_note"]].values.tolist() == [["wake_up",
                                                                            "Väckte 07.00"]]
        for who in ("staff_sb", "coach_c", "leader_north"):
            with pytest.raises(AccessDenied):
                list_contacts(session, viewer(who), world["anna"])


@pytest.mark.parametrize(("kind", "day", "message"), [
    ("wake_up", dt.date(2025, 10, 2), "inte har varit"),
    ("fax", dt.date(2025, 9, 3), "Välj typ"),
    ("talk", None, "Ange datum"),
])
def test_bad_contacts_are_refused(write, read, world, viewer, kind, day, message):
    with pytest.raises(InputError, match=message), write() as session:
        add_contact(session, viewer("coach_a"), world["anna"], kind, day, "", today=TODAY)
    assert count(read, Contact) == 0


# --- Feedback -------------------------------------------------------------------------------

def test_feedback_goes_both_ways_and_lands_in_the_right_inbox(write, read, world, viewer):
    with write() as session:
        send_feedback(session, viewer("coach_a"), "Anna har pratat med mig om morgnarna.",
                      student_id=world["anna"], school_id=world["SB"])
        send_feedback(session, viewer("staff_sb"), "Tack, vi ordnar ett möte.",
                      student_id=world["anna"], school_id=world["SB"])
    with read() as session:
        school_inbox = list_feedback(session, viewer("staff_sb"), inbox=True)
        coach_inbox = list_feedback(session, viewer("coach_a"), inbox=True)
        assert school_inbox["feedback"].tolist() == ["Anna har pratat med mig om morgnarna."]
        assert school_inbox["direction"].tolist() == ["to_school"]
        assert coach_inbox["feedback"].tolist() == ["Tack, vi ordnar ett möte."]
        assert coach_inbox["direction"].tolist() == ["to_coach"]
        assert list_feedback(session, viewer("coach_c")).empty
        assert list_feedback(session, viewer("staff_sc")).empty


def test_only_the_receiver_acknowledges_and_a_stale_acknowledgement_is_refused(
        write, read, world, viewer):
    with write() as session:
        feedback_id = send_feedback(session, viewer("coach_a"), "Hej",
                                    student_id=world["anna"], school_id=world["SB"])
    with pytest.raises(AccessDenied), write() as session:
        acknowledge(session, viewer("coach_a"), feedback_id, 1)
    with write() as session:
        acknowledge(session, viewer("staff_sb"), feedback_id, 1, answer="Vi tar det.")
    with pytest.raises(Conflict), write() as session:
        acknowledge(session, viewer("staff_sb"), feedback_id, 1, answer="Igen")
    with read() as session:
        row = list_feedback(session, viewer("coach_a")).iloc[0]
        assert row["answer"] == "Vi tar det." and row["acknowledged_by"] == "Staff Sb"
        assert isinstance(row["acknowledged_at"], dt.datetime)
        assert list_feedback(session, viewer("staff_sb"), inbox=True, unread_only=True).empty


def test_empty_feedback_and_foreign_scopes_are_refused(write, read, world, viewer):
    with pytest.raises(InputError, match="Fyll i återkopplingen"), write() as session:
        send_feedback(session, viewer("coach_a"), "  ", student_id=world["anna"],
                      school_id=world["SB"])
    with pytest.raises(AccessDenied), write() as session:
        send_feedback(session, viewer("staff_sc"), "Hej", student_id=world["anna"],
                      school_id=world["SB"])
    with pytest.raises(AccessDenied), write() as session:
        send_feedback(session, viewer("leader_north"), "Hej", school_id=world["SB"],
                      municipality_id=world["A"])
    assert count(read, Feedback) == 0


def test_a_measures_effect_is_kept_up_to_date_with_the_absence(write, read, world, viewer):
    from lib import summaries

    measure_id = measure(write, world, viewer, student="cleo", start_date=dt.date(2025, 10, 6),
                         follow_up_date=dt.date(2025, 11, 1))
    with read() as session:
        assert session.get(Measure, measure_id).effect_after is None  # no weeks after yet
    with write() as session:
        for week in range(1, 5):
            session.add(absence(world["cleo"], world["SA"],
                                dt.date(2025, 10, 6) + dt.timedelta(weeks=week),
                                world["HT2025"], 1000, 0, 200))
        summaries.refresh(session, [world["HT2025"]], [world["cleo"]])
    with read() as session:
        row = session.get(Measure, measure_id)
    # Before: only 1 September, 5 weeks earlier, is outside the window: no weeks before.
    assert row.effect_before is None and row.effect_after == pytest.approx(0.2)
