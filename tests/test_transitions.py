"""Hand-overs from compulsory school and early follow-up talks (lib/transitions.py): the due
rule at its edges, who sees and writes what, and bad input that writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from data_models.codes import EarlyTalkState
from data_models.models import AuditEvent, EarlyTalk, Enrolment, HandOver
from lib.access import AccessDenied
from lib.talks import TalkInput, record_talk
from lib.transitions import (
    HandOverInput,
    early_talk_due,
    early_talk_state,
    get_early_talk,
    get_hand_over,
    incoming_students,
    record_early_talk,
    save_hand_over,
)
from lib.versioning import Conflict, InputError

TODAY = dt.date(2025, 10, 15)
# The world's autumn term starts on Monday 18 August 2025: week 6 ends on Sunday 28 September.
WEEK_SIX_ENDS = dt.date(2025, 9, 28)
GIVEN = HandOverInput(sending_school="Alfaskolan", year9_absence=0.12,
                      special_support=True, support_plan=True,
                      support_plan_date=dt.date(2025, 3, 1),
                      to_know="Trivs i små grupper.", sender_contact="Mentor Lind",
                      received_on=dt.date(2025, 6, 1))


def rows(read, model) -> int:
    with read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_the_early_talk_is_due_by_the_sunday_of_week_n():
    assert early_talk_due(dt.date(2025, 8, 18), dt.date(2025, 8, 15), 6) == WEEK_SIX_ENDS
    # A term that starts on a Wednesday counts that week as its first.
    assert early_talk_due(dt.date(2025, 8, 20), dt.date(2025, 8, 20), 1) == dt.date(2025, 8, 24)
    # A student who begins later counts from their own first week.
    assert early_talk_due(dt.date(2025, 8, 18), dt.date(2025, 10, 2), 2) == dt.date(2025, 10, 12)
    assert early_talk_state(WEEK_SIX_ENDS, WEEK_SIX_ENDS, TODAY) == EarlyTalkState.DONE
    assert early_talk_state(WEEK_SIX_ENDS + dt.timedelta(days=1), WEEK_SIX_ENDS,
                            TODAY) == EarlyTalkState.LATE
    assert early_talk_state(None, WEEK_SIX_ENDS, WEEK_SIX_ENDS) == EarlyTalkState.DUE
    assert early_talk_state(None, WEEK_SIX_ENDS,
                            WEEK_SIX_ENDS + dt.timedelta(days=1)) == EarlyTalkState.OVERDUE


def test_a_schools_new_students_by_scope(write, read, world, viewer):
    with write() as session:  # a year-2 student who began at SB this term is not new
        session.add(Enrolment(student_id=world["dan"], school_id=world["SB"], programme="NA",
                              class_name="NA2A", school_year=2,
                              start_date=dt.date(2025, 8, 18)))
    with write() as session:
        staff = incoming_students(session, viewer("staff_sb"), world["SB"], world["HT2025"],
                                  TODAY)
        coach = incoming_students(session, viewer("coach_a"), world["SB"], world["HT2025"],
                                  TODAY)
        at_sa = incoming_students(session, viewer("coach_a"), world["SA"], world["HT2025"],
                                  TODAY)
        spring = incoming_students(session, viewer("staff_sb"), world["SB"], world["VT2025"],
                                   TODAY)
    assert set(staff["id"]) == {world["anna"], world["bo"], world["eva"]}
    assert set(coach["id"]) == {world["anna"], world["eva"]}  # home municipality A only
    assert set(at_sa["id"]) == {world["cleo"], world["eva"]}
    assert spring.empty
    assert (staff["early_talk_due"] == WEEK_SIX_ENDS).all()
    assert (staff["early_talk_state"] == EarlyTalkState.OVERDUE).all()
    assert "Skyddad identitet" in staff.set_index("id").loc[world["eva"], "student"]
    with read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "view_student_list", AuditEvent.entity == "school")) == 4


def test_the_list_is_refused_outside_the_scope(write, world, viewer):
    for username in ("coach_c", "staff_sc", "leader_north"):
        with pytest.raises(AccessDenied), write() as session:
            incoming_students(session, viewer(username), world["SB"], world["HT2025"], TODAY)


def test_the_receiving_school_records_and_changes_a_hand_over(write, read, world, viewer):
    staff, coach = viewer("staff_sb"), viewer("coach_a")
    with write() as session:
        save_hand_over(session, staff, world["anna"], world["SB"], GIVEN, TODAY)
    with write() as session:
        record = get_hand_over(session, coach, world["anna"], world["SB"])
        listed = incoming_students(session, coach, world["SB"], world["HT2025"], TODAY)
    assert record.data == GIVEN and record.version == 1 and record.school == "Skola SB"
    assert listed.set_index("id").loc[world["anna"], "hand_over"] == dt.date(2025, 6, 1)
    with pytest.raises(InputError, match="redan en överlämning"), write() as session:
        save_hand_over(session, coach, world["anna"], world["SB"], GIVEN, TODAY)
    changed = HandOverInput(**{**GIVEN.__dict__, "year9_absence": 0.2})
    with write() as session:
        save_hand_over(session, coach, world["anna"], world["SB"], changed, TODAY,
                       expected_version=1)
    with pytest.raises(Conflict), write() as session:  # someone else saved version 2
        save_hand_over(session, staff, world["anna"], world["SB"], GIVEN, TODAY,
                       expected_version=1)
    with write() as session:
        assert get_hand_over(session, staff, world["anna"], world["SB"]).data.year9_absence \
            == 0.2
    with read() as session:
        logged = session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "hand_over").order_by(AuditEvent.id)).all()
    assert [e.action for e in logged] == ["create", "view_hand_over", "update",
                                          "view_hand_over"]
    # The log says which fields changed, never what the texts say.
    assert "Trivs" not in str(logged[0].details) and logged[2].details["after"][
        "year9_absence"] == 0.2


@pytest.mark.parametrize(("student", "data", "message"), [
    ("cleo", GIVEN, "inte i den mottagande skolans elevlista"),
    ("anna", HandOverInput(**{**GIVEN.__dict__, "year9_absence": 1.5}), "mellan 0 och 100"),
    ("anna", HandOverInput(**{**GIVEN.__dict__, "support_plan": False}),
     "bara när eleven har ett"),
    ("anna", HandOverInput(**{**GIVEN.__dict__, "received_on": TODAY + dt.timedelta(days=1)}),
     "inte har varit än"),
    ("anna", HandOverInput(**{**GIVEN.__dict__, "sending_school": "  "}), "avlämnande skola"),
    ("anna", HandOverInput(**{**GIVEN.__dict__, "to_know": "x" * 5001}), "för lång"),
])
def test_bad_hand_overs_are_refused_and_nothing_is_written(write, read, world, viewer,
                                                          student, data, message):
    with pytest.raises(InputError, match=message), write() as session:
        save_hand_over(session, viewer("coach_a" if student == "cleo" else "staff_sb"),
                       world[student], world["SB"], data, TODAY)
    assert rows(read, HandOver) == 0


def test_only_the_two_sides_in_scope_write_hand_overs(write, read, world, viewer):
    for username in ("staff_sc", "coach_c", "leader_north", "admin"):
        with pytest.raises(AccessDenied), write() as session:
            save_hand_over(session, viewer(username), world["anna"], world["SB"], GIVEN, TODAY)
    with write() as session:  # the administrator reads
        assert get_hand_over(session, viewer("admin"), world["anna"], world["SB"]) is None
    assert rows(read, HandOver) == 0


def test_the_early_talk_is_recorded_linked_and_corrected(write, read, world, viewer):
    staff = viewer("staff_sb")
    with write() as session:
        talk_id = record_talk(session, staff, world["anna"],
                              TalkInput(date=dt.date(2025, 9, 20), held_by="Kurator Ek"), TODAY)
        record_early_talk(session, staff, world["anna"], world["SB"], WEEK_SIX_ENDS,
                          "Mentor Berg", "Bra start.", TODAY, talk_id=talk_id)
    with write() as session:
        listed = incoming_students(session, staff, world["SB"], world["HT2025"],
                                   TODAY).set_index("id")
        assert get_early_talk(session, viewer("coach_a"), world["anna"],
                              world["SB"]).talk_id == talk_id
    assert listed.loc[world["anna"], "early_talk_state"] == EarlyTalkState.DONE
    assert listed.index[-1] == world["anna"]  # the ones without a talk come first
    with write() as session:
        record_early_talk(session, staff, world["anna"], world["SB"], dt.date(2025, 10, 1),
                          "Mentor Berg", "", TODAY)
    with write() as session:
        listed = incoming_students(session, staff, world["SB"], world["HT2025"],
                                   TODAY).set_index("id")
    assert listed.loc[world["anna"], "early_talk_state"] == EarlyTalkState.LATE
    assert rows(read, EarlyTalk) == 1


@pytest.mark.parametrize(("day", "message"), [
    (dt.date(2025, 8, 17), "innan eleven började"),
    (TODAY + dt.timedelta(days=1), "inte har varit än"),
    (None, "Ange datum"),
])
def test_bad_early_talks_write_nothing(write, read, world, viewer, day, message):
    with pytest.raises(InputError, match=message), write() as session:
        record_early_talk(session, viewer("staff_sb"), world["anna"], world["SB"], day,
                          "Mentor Berg", "", TODAY)
    assert rows(read, EarlyTalk) == 0


def test_an_early_talk_links_only_the_students_own_readable_talks(write, read, world,
                                                                  viewer):
    with write() as session:
        others = record_talk(session, viewer("staff_sb"), world["bo"],
                             TalkInput(date=dt.date(2025, 9, 20), held_by="Kurator Ek"), TODAY)
    with pytest.raises(InputError, match="elevens samtal"), write() as session:
        record_early_talk(session, viewer("staff_sb"), world["anna"], world["SB"],
                          WEEK_SIX_ENDS, "Mentor Berg", "", TODAY, talk_id=others)
    assert rows(read, EarlyTalk) == 0


def test_the_week_is_the_municipalitys_setting(write, world, viewer):
    from lib.kaa import set_rules

    with write() as session:
        set_rules(session, viewer("admin"), world["A"], 3, ["letter"], 10, 14)
    with write() as session:
        listed = incoming_students(session, viewer("staff_sb"), world["SB"], world["HT2025"],
                                   TODAY).set_index("id")
    assert listed.loc[world["anna"], "early_talk_due"] == dt.date(2025, 9, 7)
    assert listed.loc[world["bo"], "early_talk_due"] == WEEK_SIX_ENDS  # home municipality B
    with pytest.raises(AccessDenied), write() as session:
        set_rules(session, viewer("coach_a"), world["A"], 3, ["letter"], 10, 14)
    with pytest.raises(InputError, match="mellan 1 och 20"), write() as session:
        set_rules(session, viewer("admin"), world["B"], 0, ["letter"], 10, 14)


# --- the page ---------------------------------------------------------------------------------
PAGE = "pages/12_Overgangar.py"


def _open(username: str, world, student: str | None = None):
    from tests.apptest import login

    at = login(username, page=PAGE)
    at.query_params.update(skola=str(world["SB"]), termin="HT2025")
    if student:
        at.query_params["elev"] = str(world[student])
    return at.run()


def test_the_rector_records_a_hand_over_and_the_early_talk_on_the_page(app_env, world, read):
    from tests.apptest import texts, widget

    at = _open("staff_sb", world)
    assert not at.exception
    shown = at.dataframe[0].value
    assert set(shown["Elev"]) == {"Anna Testsson", "Bo Testsson",
                                  f"Skyddad identitet (elev {world['eva']})"}
    widget(at.selectbox, "Elev").set_value(world["anna"]).run()
    assert at.query_params["elev"] == str(world["anna"])
    assert "Ingen överlämning registrerad." in texts(at)

    widget(at.text_input, "Avlämnande skola").input("Alfaskolan")
    widget(at.number_input, "Frånvaro i årskurs 9 (%)").set_value(12.0)
    widget(at.checkbox, "Särskilt stöd").check()
    widget(at.text_area, "Det eleven och avlämnande skola vill att skolan ska veta").input(
        "Trivs i små grupper. **inte fetstil**")
    widget(at.button, "Spara överlämningen").click().run()
    assert not at.exception and "Överlämningen är sparad." in texts(at)
    assert "Trivs i små grupper. **inte fetstil**" in [t.value for t in at.text]
    assert "12,0 %" in texts(at), [m.value for m in at.markdown]

    widget(at.text_input, "Vem som höll samtalet").input("Mentor Berg")
    widget(at.button, "Spara det tidiga samtalet").click().run()
    assert not at.exception and "Det tidiga samtalet är sparat." in texts(at)
    with read() as session:
        saved = session.scalars(select(HandOver)).one()
        talk = session.scalars(select(EarlyTalk)).one()
    assert (saved.sending_school, saved.year9_absence, saved.special_support) == (
        "Alfaskolan", 0.12, True)
    assert talk.held_by == "Mentor Berg" and talk.student_id == world["anna"]


def test_a_refused_hand_over_keeps_the_form_and_writes_nothing(app_env, world, read):
    from tests.apptest import texts, widget

    at = _open("staff_sb", world, "anna")
    widget(at.text_input, "Avlämnande skola").input("Alfaskolan")
    widget(at.checkbox, "Åtgärdsprogram").uncheck()
    widget(at.date_input, "Åtgärdsprogrammets datum").set_value(dt.date(2025, 3, 1))
    widget(at.button, "Spara överlämningen").click().run()
    assert "Ett datum för åtgärdsprogrammet anges bara när eleven har ett." in texts(at)
    assert widget(at.text_input, "Avlämnande skola").value == "Alfaskolan"
    assert rows(read, HandOver) == 0


def test_the_coach_sees_only_the_municipalitys_new_students(app_env, world):
    at = _open("coach_a", world)
    assert set(at.dataframe[0].value["Elev"]) == {
        "Anna Testsson", f"Skyddad identitet (elev {world['eva']})"}


# --- the list ---------------------------------------------------------------------------------
def _csv(*rows: str) -> bytes:
    header = ("Personnummer;Avlämnande skola;Frånvaro åk 9 (%);Särskilt stöd;Åtgärdsprogram;"
              "Åtgärdsprogram datum;Att veta;Mottagen")
    return "\n".join((header, *rows)).encode("utf-8")


def _number(read, key, world) -> str:
    from data_models.models import Student

    with read() as session:
        number = session.get(Student, world[key]).personal_number
    return f"{number[:8]}-{number[8:]}"


def test_a_list_of_hand_overs_is_read_in_whole(write, read, world, viewer):
    from lib.hand_over_list import import_hand_overs

    anna, bo = _number(read, "anna", world), _number(read, "bo", world)
    data = _csv(f"{anna};Alfaskolan;12,5;ja;ja;2025-03-01;Trivs i små grupper.;2025-06-01",
                f"{bo};Betaskolan;;nej;nej;;;")
    with write() as session:
        result = import_hand_overs(session, viewer("staff_sb"), world["SB"], data,
                                   "overlamning.csv", TODAY)
    assert (result.created, result.replaced) == (2, 0)
    with write() as session:
        got = get_hand_over(session, viewer("staff_sb"), world["anna"], world["SB"]).data
        bo_got = get_hand_over(session, viewer("staff_sb"), world["bo"], world["SB"]).data
    assert (got.year9_absence, got.special_support, got.support_plan_date, got.to_know) == (
        0.125, True, dt.date(2025, 3, 1), "Trivs i små grupper.")
    assert bo_got.received_on == TODAY and bo_got.year9_absence is None
    with write() as session:  # read again: replaced, as new versions
        result = import_hand_overs(session, viewer("staff_sb"), world["SB"], data,
                                   "overlamning.csv", TODAY)
    assert (result.created, result.replaced) == (0, 2)
    with read() as session:
        assert session.scalar(select(HandOver.version).where(
            HandOver.student_id == world["anna"])) == 2


def test_one_bad_row_refuses_the_whole_list(write, read, world, viewer):
    from lib.hand_over_list import import_hand_overs

    anna, dan = _number(read, "anna", world), _number(read, "dan", world)
    data = _csv(f"{anna};Alfaskolan;12;ja;nej;;;", f"{dan};Gammaskolan;;;;;;",
                "20080199-1234;X;;;;;;", f"{anna};Alfaskolan;;kanske;;;;")
    with pytest.raises(InputError) as refused, write() as session:
        import_hand_overs(session, viewer("staff_sb"), world["SB"], data, "lista.csv", TODAY)
    message = str(refused.value)
    assert "inget har sparats" in message
    assert "Rad 3: eleven finns inte bland dina elever" in message  # dan: not staff_sb's
    assert "Rad 4: ogiltigt personnummer" in message
    assert "Rad 5: eleven står på flera rader" in message
    assert rows(read, HandOver) == 0
    with pytest.raises(InputError, match="saknar kolumnen «avlämnande skola»"), \
            write() as session:
        import_hand_overs(session, viewer("staff_sb"), world["SB"],
                          f"Personnummer;Mottagen\n{anna};2025-06-01".encode(), "lista.csv",
                          TODAY)
