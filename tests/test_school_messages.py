"""Messages without a student (lib/school_messages.py): a thread per school × municipality
between the school's staff and the municipality's coach, oldest first, acknowledged like
feedback and listed in the receiving side's inbox; the pairs each role may write to.

In tests/factories.py's world the pairs are: SA with Alfa (cleo, eva), SB with Alfa (anna,
eva) and Beta (bo), SC with Gamma (dan)."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select

from data_models.models import Feedback
from lib.access import AccessDenied
from lib.feedback import acknowledge, feedback_rows, send_feedback
from lib.school_messages import send_message, thread, unread_by_pair
from lib.school_pairs import school_pairs
from lib.versioning import InputError
from tests.apptest import count, login, open_tab, texts, widget

MISSING = 987_654


def pairs_of(write, viewer, who: str) -> list[tuple[str, str]]:
    with write() as session:
        return [(p.school, p.municipality) for p in school_pairs(session, viewer(who))]


def test_each_side_writes_to_the_pairs_of_its_scope(write, viewer):
    assert pairs_of(write, viewer, "coach_a") == [("Skola SA", "Alfa"), ("Skola SB", "Alfa")]
    assert pairs_of(write, viewer, "staff_sb") == [("Skola SB", "Alfa"), ("Skola SB", "Beta")]
    assert pairs_of(write, viewer, "coach_c") == [("Skola SC", "Gamma")]
    assert pairs_of(write, viewer, "admin") == [("Skola SA", "Alfa"), ("Skola SB", "Alfa"),
                                                ("Skola SB", "Beta"), ("Skola SC", "Gamma")]
    with pytest.raises(AccessDenied), write() as session:
        school_pairs(session, viewer("leader_north"))


def test_a_thread_is_both_sides_oldest_first_and_acknowledged(write, world, viewer):
    staff, coach = viewer("staff_sb"), viewer("coach_a")
    with write() as session:
        first = send_message(session, staff, "Kan vi ses före jul?", world["SB"], world["A"])
    with write() as session:
        second = send_message(session, coach, "Ja, vecka 50 passar.", world["SB"], world["A"])
    with write() as session:
        third = send_message(session, staff, "  Bra, tisdag kl 10.  ", world["SB"], world["A"])
    with write() as session:
        acknowledge(session, coach, first, 1, "Jag bokar rum.")
    with write() as session:
        for_coach = thread(session, coach, world["SB"], world["A"])
        for_staff = thread(session, staff, world["SB"], world["A"])
        # New to each side: the staff's third message, the coach's answer.
        assert unread_by_pair(session, coach) == {(world["SB"], world["A"]): 1}
        assert unread_by_pair(session, staff) == {(world["SB"], world["A"]): 1}
        assert unread_by_pair(session, viewer("coach_c")) == {}
    assert for_coach["id"].tolist() == [first, second, third]
    assert for_coach["message"].tolist() == ["Kan vi ses före jul?", "Ja, vecka 50 passar.",
                                             "Bra, tisdag kl 10."]
    assert for_coach["direction"].tolist() == ["to_coach", "to_school", "to_coach"]
    assert for_coach["author"].tolist() == ["Staff Sb", "Coach A", "Staff Sb"]
    assert for_coach["incoming"].tolist() == [True, False, True]
    assert for_staff["incoming"].tolist() == [False, True, False]
    assert for_coach["acknowledged_by"].tolist() == ["Coach A", None, None]
    assert for_coach["answer"].tolist() == ["Jag bokar rum.", "", ""]
    assert for_coach["sent_at"].is_monotonic_increasing
    assert for_coach["acknowledged_at"].notna().tolist() == [True, False, False]
    # Only the receiving side acknowledges.
    with pytest.raises(AccessDenied, match="Bara mottagaren"), write() as session:
        acknowledge(session, staff, third, 1)


def test_messages_arrive_in_the_inbox_and_are_kept_per_pair(write, world, viewer):
    staff = viewer("staff_sb")
    with write() as session:
        to_alfa = send_message(session, staff, "Ny rutin för sjukanmälan.", world["SB"],
                               world["A"])
        send_message(session, staff, "Till Beta.", world["SB"], world["B"])
        # Feedback about a student is not a message of the thread.
        send_feedback(session, staff, "Om Anna.", student_id=world["anna"],
                      school_id=world["SB"])
    with write() as session:
        inbox = feedback_rows(session, viewer("coach_a"), inbox=True, unread_only=True)
        alfa_sb = thread(session, viewer("coach_a"), world["SB"], world["A"])
        alfa_sa = thread(session, viewer("coach_a"), world["SA"], world["A"])
        beta = thread(session, staff, world["SB"], world["B"])
        gamma_inbox = feedback_rows(session, viewer("coach_c"), inbox=True)
    message = inbox[inbox["id"] == to_alfa].iloc[0]
    assert message["feedback"] == "Ny rutin för sjukanmälan."
    assert pd.isna(message["student"]) and pd.isna(message["meeting_date"])
    assert message["school"] == "Skola SB" and message["municipality"] == "Alfa"
    assert alfa_sb["message"].tolist() == ["Ny rutin för sjukanmälan."]
    assert alfa_sa.empty and beta["message"].tolist() == ["Till Beta."]
    assert gamma_inbox.empty


def test_reading_a_thread_is_logged(write, read, world, viewer):
    from data_models.models import AuditEvent

    with write() as session:
        send_message(session, viewer("coach_a"), "Hej!", world["SB"], world["A"])
    with write() as session:
        thread(session, viewer("staff_sb"), world["SB"], world["A"])
    with read() as session:
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "view_feedback")).one()
        created = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "create", AuditEvent.entity == "feedback")).one()
    assert (event.username, event.entity, event.entity_id) == ("staff_sb", "school",
                                                               world["SB"])
    assert created.username == "coach_a" and created.student_id is None


@pytest.mark.parametrize(("text", "message"), [
    ("", "Fyll i meddelandet"), ("   \n ", "Fyll i meddelandet"),
    ("x" * 4001, "Meddelandet är för lång"),
])
def test_a_bad_message_writes_nothing(write, read, world, viewer, text, message):
    with pytest.raises(InputError, match=message), write() as session:
        send_message(session, viewer("coach_a"), text, world["SB"], world["A"])
    assert count(read, Feedback) == 0


def _refusal(write, who, call):
    try:
        with write() as session:
            call(session)
    except AccessDenied as error:
        return str(error)
    return None


@pytest.mark.parametrize(("who", "school", "municipality"), [
    ("coach_c", "SB", "A"),  # another municipality's coach
    ("coach_a", "SC", "A"),  # a school none of Alfa's students attend
    ("coach_a", "SB", "B"),  # a school of Alfa's, but Beta's students there
    ("staff_sc", "SB", "A"),  # staff of another school
    ("staff_sb", "SB", "C"),  # no student of Gamma's at SB
    ("leader_north", "SB", "A"),
])
def test_out_of_scope_is_answered_as_missing(write, read, world, viewer, who, school,
                                             municipality):
    me = viewer(who)
    for call in (lambda s, sc, m: send_message(s, me, "Hej", sc, m),
                 lambda s, sc, m: thread(s, me, sc, m)):
        answer = _refusal(write, who, lambda s, c=call: c(s, world[school], world[municipality]))
        missing = _refusal(write, who, lambda s, c=call: c(s, MISSING, world[municipality]))
        assert answer is not None and answer == missing
    assert count(read, Feedback) == 0


def test_an_administrator_reads_threads_but_does_not_write(write, read, world, viewer):
    with write() as session:
        send_message(session, viewer("coach_a"), "Hej!", world["SB"], world["A"])
    with write() as session:
        assert thread(session, viewer("admin"), world["SB"], world["A"])["incoming"].tolist() \
            == [False]
    with pytest.raises(AccessDenied, match="ungdomscoacher och skolpersonal"), \
            write() as session:
        send_message(session, viewer("admin"), "Hej!", world["SB"], world["A"])
    assert count(read, Feedback) == 1


# --- The tab on the Samverkan page, and the inbox ----------------------------------------

SAMVERKAN = "pages/15_Samverkan.py"
MESSAGES = 2  # the page's third tab


def test_the_school_writes_and_the_coach_acknowledges_on_screen(app_env, read, world):
    at = open_tab(login("staff_sb", page=SAMVERKAN), "schools_tabs", MESSAGES)
    assert not at.exception
    assert "Inga meddelanden ännu." in texts(at)
    at.selectbox(key=f"messages_municipality_{world['SB']}").set_value(world["A"]).run()
    key = next(e.key for e in at.text_area if e.label == "Nytt meddelande")
    at.text_area(key=key).input("*Fet* rutin: ring före 8.")
    widget(at.button, "Skicka meddelandet").click().run()
    assert not at.exception
    assert "Meddelandet är skickat." in texts(at)
    with read() as session:
        stored = session.scalars(select(Feedback)).one()
    assert (stored.school_id, stored.municipality_id, stored.student_id,
            stored.direction) == (world["SB"], world["A"], None, "to_coach")

    coach = login("coach_a", page="pages/7_Aterkoppling.py")
    inbox = coach.dataframe[0].value
    assert "*Fet* rutin: ring före 8." in inbox.to_string()
    row = inbox[inbox["Återkoppling"] == "*Fet* rutin: ring före 8."].iloc[0]
    assert row["Elev"] == "" and row["Skola"] == "Skola SB"

    open_tab(coach.switch_page(SAMVERKAN), "schools_tabs", MESSAGES)
    coach.selectbox(key="messages_school").set_value(world["SB"]).run()
    assert "*Fet* rutin: ring före 8." in [t.value for t in coach.text]
    widget(coach.button, "Kvittera som läst").click().run()
    assert not coach.exception
    with read() as session:
        assert session.scalars(select(Feedback)).one().acknowledged_by == \
            world["user:coach_a"]
    assert "Kvitterat" in texts(coach)


def test_the_write_tab_of_the_feedback_page_points_to_messages(app_env, world):
    at = login("staff_sb", page="pages/7_Aterkoppling.py")
    assert not at.exception
    assert "Samverkan" in texts(at) and "Meddelanden" in texts(at)
