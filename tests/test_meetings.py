"""Review meetings: planning, the agenda, saving with versions, approval, presence."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from data_models.codes import AgendaField, AgendaReason, MeetingStatus
from data_models.models import AgendaItem, AuditEvent, MeetingAmendment
from lib.access import AccessDenied
from lib.agenda import list_agenda
from lib.measures import add_measure
from lib.meetings import (
    amendments,
    changes_since,
    get_entry,
    get_meeting,
    list_meetings,
    parse_externals,
    plan_meeting,
    present,
    save_entry,
    set_status,
    student_history,
    touch_presence,
)
from lib.versioning import MAX_TEXT, Conflict, InputError
from tests.factories import absence

MEETING_DAY = dt.date(2025, 10, 1)


def plan(write, world, viewer, who="coach_a", municipality="A", school="SB", **extra) -> int:
    with write() as session:
        return plan_meeting(session, viewer(who), school_id=world[school],
                            term_id=world["HT2025"], municipality_id=world[municipality],
                            date=extra.pop("date", MEETING_DAY), **extra)


def items(read, viewer, meeting_id, who="coach_a"):
    with read() as session:
        return list_agenda(session, viewer(who), meeting_id)


def test_agenda_lists_the_municipalitys_students_at_the_school_flagged_first(
        write, read, world, viewer):
    meeting_id = plan(write, world, viewer)
    table = items(read, viewer, meeting_id)
    # Alfa's students at SB: anna (25 %: high) and eva (10 %, protected identity).
    assert table["student_id"].tolist() == [world["anna"], world["eva"]]
    assert table["reason"].tolist() == [AgendaReason.HIGH, AgendaReason.NONE]
    assert table["absence"].tolist() == pytest.approx([0.25, 0.10])
    assert table["student"].iloc[1].startswith("Skyddad identitet")
    assert table["personal_number"].iloc[1] == "********-****"


def test_a_measure_due_for_follow_up_puts_the_student_among_the_flagged(
        write, read, world, viewer):
    with write() as session:
        add_measure(session, viewer("coach_a"), world["eva"], kind="mi", owner_kind="coach",
                    start_date=dt.date(2025, 9, 1), follow_up_date=dt.date(2025, 9, 20))
        add_measure(session, viewer("coach_a"), world["anna"], kind="mi", owner_kind="coach",
                    start_date=dt.date(2025, 9, 1), follow_up_date=dt.date(2025, 12, 1))
    table = items(read, viewer, plan(write, world, viewer))
    assert table.set_index("student_id")["reason"].to_dict() == {
        world["anna"]: AgendaReason.HIGH, world["eva"]: AgendaReason.DUE}


def test_both_sides_see_the_meeting_and_no_one_else(write, read, world, viewer):
    meeting_id = plan(write, world, viewer)
    with read() as session:
        for who in ("coach_a", "staff_sb", "admin"):
            assert get_meeting(session, viewer(who), meeting_id).school_name == "Skola SB"
            assert meeting_id in list_meetings(session, viewer(who))["id"].tolist()
        for who in ("coach_c", "staff_sc", "leader_north"):
            with pytest.raises(AccessDenied):
                get_meeting(session, viewer(who), meeting_id)
            with pytest.raises(AccessDenied):
                list_agenda(session, viewer(who), meeting_id)
        assert meeting_id not in list_meetings(session, viewer("coach_c"))["id"].tolist()


def test_planning_is_limited_to_the_planners_scope(write, world, viewer):
    with pytest.raises(AccessDenied):
        plan(write, world, viewer, who="coach_a", municipality="C")
    with pytest.raises(AccessDenied):
        plan(write, world, viewer, who="staff_sb", school="SC", municipality="C")
    with pytest.raises(AccessDenied):
        plan(write, world, viewer, who="leader_north")


def test_a_date_outside_the_term_is_refused_and_nothing_is_written(write, read, world, viewer):
    with pytest.raises(InputError, match="inom terminen HT2025"):
        plan(write, world, viewer, date=dt.date(2026, 2, 1))
    with read() as session:
        assert list_meetings(session, viewer("admin")).empty


def test_participants_are_users_and_named_external_people(write, read, world, viewer):
    meeting_id = plan(write, world, viewer, user_ids=(world["user:staff_sb"],),
                      externals=parse_externals("Lena Berg, mentor\n\nOla Ek"))
    with read() as session:
        assert get_meeting(session, viewer("coach_a"), meeting_id).participants == (
            "Staff Sb", "Lena Berg (mentor)", "Ola Ek")


def test_an_external_participant_without_a_name_is_refused(write, read, world, viewer):
    with pytest.raises(InputError, match="Fyll i namnet"):
        plan(write, world, viewer, externals=((" ", "mentor"),))
    with read() as session:
        assert list_meetings(session, viewer("admin")).empty


def first_item(read, viewer, meeting_id) -> int:
    return int(items(read, viewer, meeting_id)["id"].iloc[0])


def test_saving_records_the_text_and_a_new_version(write, read, world, viewer):
    item_id = first_item(read, viewer, plan(write, world, viewer))
    with write() as session:
        version = save_entry(session, viewer("staff_sb"), item_id, 1,
                             {"notes": "  Trött på morgnarna. ", "decisions": "MI-samtal"})
    with read() as session:
        entry = get_entry(session, viewer("coach_a"), item_id)
    assert version == entry.version == 2
    assert entry.texts["notes"] == "Trött på morgnarna."
    assert entry.texts["decisions"] == "MI-samtal"
    assert entry.updated_by == "Staff Sb"


def test_a_students_saved_feedback_goes_to_the_other_sides_inbox_once(
        write, read, world, viewer):
    from lib.feedback import agenda_feedback_sent, list_feedback, send_agenda_feedback

    item_id = first_item(read, viewer, plan(write, world, viewer))
    with write() as session, pytest.raises(InputError, match="spara en återkoppling"):
        send_agenda_feedback(session, viewer("staff_sb"), item_id)
    with write() as session:
        save_entry(session, viewer("staff_sb"), item_id, 1,
                   {"feedback": "Anna behöver väckning på måndagar."})
    for who, error in (("admin", AccessDenied), ("leader_north", AccessDenied),
                       ("staff_sc", AccessDenied)):
        with write() as session, pytest.raises(error):
            send_agenda_feedback(session, viewer(who), item_id)
    with write() as session:
        send_agenda_feedback(session, viewer("staff_sb"), item_id)
    with write() as session, pytest.raises(InputError, match="redan skickad"):
        send_agenda_feedback(session, viewer("staff_sb"), item_id)
    with read() as session:
        inbox = list_feedback(session, viewer("coach_a"), inbox=True)
        entry = get_entry(session, viewer("staff_sb"), item_id)
        assert agenda_feedback_sent(session, viewer("staff_sb"), entry) is not None
        # The coach has sent nothing from this item.
        assert agenda_feedback_sent(session, viewer("coach_a"), entry) is None
    assert inbox[["student", "meeting_date", "feedback"]].values.tolist() == [
        ["Anna Testsson", MEETING_DAY, "Anna behöver väckning på måndagar."]]
    # A changed text may be sent again.
    with write() as session:
        save_entry(session, viewer("staff_sb"), item_id, 2, {"feedback": "Och på fredagar."})
        send_agenda_feedback(session, viewer("staff_sb"), item_id)
    with read() as session:
        assert len(list_feedback(session, viewer("coach_a"), inbox=True)) == 2


def test_a_stale_save_is_refused_with_both_versions_and_overwrites_nothing(
        write, read, world, viewer):
    item_id = first_item(read, viewer, plan(write, world, viewer))
    with write() as session:
        save_entry(session, viewer("staff_sb"), item_id, 1, {"notes": "Rektorns text"})
    with pytest.raises(Conflict) as caught, write() as session:
        save_entry(session, viewer("coach_a"), item_id, 1, {"notes": "Coachens text"})
    assert caught.value.mine == {"notes": "Coachens text"}
    assert caught.value.theirs == {"notes": "Rektorns text"}
    assert caught.value.version == 2 and caught.value.by == "Staff Sb"
    with read() as session:
        assert get_entry(session, viewer("coach_a"), item_id).texts["notes"] == "Rektorns text"
    # Choosing "keep mine" saves against the version now stored.
    with write() as session:
        save_entry(session, viewer("coach_a"), item_id, caught.value.version,
                   {"notes": "Coachens text"})
    with read() as session:
        assert get_entry(session, viewer("coach_a"), item_id).texts["notes"] == "Coachens text"


def test_saves_of_different_fields_merge_and_the_same_field_conflicts(
        write, read, world, viewer):
    item_id = first_item(read, viewer, plan(write, world, viewer))
    base = {"notes": "", "assessment": "", "decisions": "", "feedback": ""}
    with write() as session:
        save_entry(session, viewer("coach_a"), item_id, 1, {**base, "notes": "Coachens"},
                   base=base)
    # The rector started from version 1 and changed only the feedback: merged.
    with write() as session:
        version = save_entry(session, viewer("staff_sb"), item_id, 1,
                             {**base, "feedback": "Skolans"}, base=base)
    with read() as session:
        entry = get_entry(session, viewer("coach_a"), item_id)
    assert version == entry.version == 3
    assert (entry.texts["notes"], entry.texts["feedback"]) == ("Coachens", "Skolans")
    # Unchanged fields are not written at all: saving the base again changes nothing.
    with write() as session:
        assert save_entry(session, viewer("staff_sb"), item_id, 1, base, base=base) == 3
    # The same field changed on both sides is a conflict, and nothing is overwritten.
    with write() as session, pytest.raises(Conflict) as caught:
        save_entry(session, viewer("staff_sb"), item_id, 1, {**base, "notes": "Skolans"},
                   base=base)
    assert caught.value.mine == {"notes": "Skolans"}
    assert caught.value.theirs == {"notes": "Coachens"}
    with read() as session:
        assert get_entry(session, viewer("coach_a"), item_id).texts["notes"] == "Coachens"


def test_overlong_text_is_refused_and_nothing_is_written(write, read, world, viewer):
    item_id = first_item(read, viewer, plan(write, world, viewer))
    with pytest.raises(InputError, match="Anteckningar är för lång"), write() as session:
        save_entry(session, viewer("coach_a"), item_id, 1,
                   {"notes": "x" * (MAX_TEXT + 1), "assessment": "ok"})
    with read() as session:
        entry = get_entry(session, viewer("coach_a"), item_id)
    assert entry.version == 1 and entry.texts["assessment"] == ""


def test_out_of_scope_users_cannot_save(write, read, world, viewer):
    item_id = first_item(read, viewer, plan(write, world, viewer))
    for who in ("coach_c", "staff_sc", "leader_north"):
        with pytest.raises(AccessDenied), write() as session:
            save_entry(session, viewer(who), item_id, 1, {"notes": "x"})


def test_holding_refreezes_the_figures_and_approval_turns_changes_into_amendments(
        write, read, world, viewer):
    meeting_id = plan(write, world, viewer)
    item_id = first_item(read, viewer, meeting_id)
    with write() as session:  # more absence for anna after planning
        session.add(absence(world["anna"], world["SB"], dt.date(2025, 9, 2), world["HT2025"],
                            1000, 0, 750))
        from lib import summaries
        summaries.refresh(session, [world["HT2025"]], [world["anna"]])
        version = set_status(session, viewer("coach_a"), meeting_id, 1, "held")
    with read() as session:
        assert get_entry(session, viewer("coach_a"), item_id).share == pytest.approx(0.5)
    with write() as session:
        save_entry(session, viewer("coach_a"), item_id, 1, {"notes": "Före justering"})
        set_status(session, viewer("staff_sb"), meeting_id, version, "approved")
    with write() as session:
        save_entry(session, viewer("staff_sb"), item_id, 2, {"notes": "Efter justering"})
    with read() as session:
        amendment = session.scalars(select(MeetingAmendment)).one()
        assert get_meeting(session, viewer("coach_a"), meeting_id).status == "approved"
    assert (amendment.before, amendment.after) == ("Före justering", "Efter justering")
    assert amendment.user_id == world["user:staff_sb"]


def test_status_moves_only_forward(write, world, viewer, read):
    meeting_id = plan(write, world, viewer)
    with pytest.raises(InputError, match="kan inte bli justerat"), write() as session:
        set_status(session, viewer("coach_a"), meeting_id, 1, "approved")
    with pytest.raises(Conflict), write() as session:  # someone else held it first
        set_status(session, viewer("coach_a"), meeting_id, 1, "held")
        set_status(session, viewer("staff_sb"), meeting_id, 1, "held")


def test_every_save_is_audited_with_before_and_after(write, read, world, viewer):
    item_id = first_item(read, viewer, plan(write, world, viewer))
    with write() as session:
        save_entry(session, viewer("coach_a"), item_id, 1, {"notes": "Ny text"})
    with read() as session:
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "agenda_item")).one()
    assert event.details == {"before": {"notes": ""}, "after": {"notes": "Ny text"}}
    assert event.student_id == world["anna"]


def test_presence_lists_who_has_the_meeting_open(write, read, world, viewer):
    meeting_id = plan(write, world, viewer)
    with write() as session:
        touch_presence(session, viewer("coach_a"), meeting_id)
        touch_presence(session, viewer("staff_sb"), meeting_id)
        touch_presence(session, viewer("coach_a"), meeting_id)  # a refresh, not a new row
    with read() as session:
        assert present(session, viewer("coach_a"), meeting_id) == ["Coach A", "Staff Sb"]
    with pytest.raises(AccessDenied), write() as session:
        touch_presence(session, viewer("coach_c"), meeting_id)


def test_changes_since_lists_what_others_saved(write, read, world, viewer):
    meeting_id = plan(write, world, viewer)
    item_id = first_item(read, viewer, meeting_id)
    start = dt.datetime(2000, 1, 1)
    with write() as session:
        save_entry(session, viewer("staff_sb"), item_id, 1, {"notes": "Ny"})
    with read() as session:
        assert changes_since(session, viewer("coach_a"), meeting_id, start)["by"].tolist() == [
            "Staff Sb"]
        assert changes_since(session, viewer("staff_sb"), meeting_id, start).empty


# --- Concurrency: several writers at once, nothing lost -----------------------------------

def test_concurrent_writers_on_one_record_lose_nothing(engine, write, read, world, viewer):
    """Four people append to the same notes at once, each retrying when refused. With a
    version check every append survives; without one, appends would overwrite each other."""
    from data_models.engine import unit_of_work

    item_id = first_item(read, viewer, plan(write, world, viewer))
    writers = [viewer(w) for w in ("coach_a", "staff_sb", "admin", "coach_a")]
    rounds, conflicts, errors = 6, [], []
    start = threading.Barrier(len(writers))

    def append(index, who):
        start.wait()
        for round_ in range(rounds):
            while True:
                try:
                    with unit_of_work(engine, write=True) as session:
                        entry = get_entry(session, who, item_id)
                        save_entry(session, who, item_id, entry.version,
                                   {"notes": entry.texts["notes"] + f"[{index}.{round_}]"})
                    break
                except Conflict:
                    conflicts.append(index)
                except Exception as error:  # reported in the assertion below
                    errors.append(error)
                    return

    threads = [threading.Thread(target=append, args=(i, w)) for i, w in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with read() as session:
        entry = get_entry(session, viewer("admin"), item_id)
    for index in range(len(writers)):
        marks = [f"[{index}.{r}]" for r in range(rounds)]
        assert all(mark in entry.texts["notes"] for mark in marks)
        positions = [entry.texts["notes"].index(m) for m in marks]
        assert positions == sorted(positions)
    assert entry.version == 1 + len(writers) * rounds


def test_two_simultaneous_saves_of_one_version_let_exactly_one_win(
        engine, write, read, world, viewer):
    from data_models.engine import unit_of_work

    item_id = first_item(read, viewer, plan(write, world, viewer))
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(who):
        start.wait()
        try:
            with unit_of_work(engine, write=True) as session:
                save_entry(session, viewer(who), item_id, 1, {"notes": f"av {who}"})
            outcomes[who] = "saved"
        except Conflict:
            outcomes[who] = "conflict"

    threads = [threading.Thread(target=save, args=(w,)) for w in ("coach_a", "staff_sb")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["conflict", "saved"]
    winner = next(w for w, o in outcomes.items() if o == "saved")
    with read() as session:
        entry = get_entry(session, viewer("admin"), item_id)
        assert entry.texts["notes"] == f"av {winner}" and entry.version == 2
        assert session.scalar(select(func.count()).select_from(AgendaItem)) == 2


# --- The tables speak codes (lib.columns) -------------------------------------------------

def _speaks_codes(frame, columns: list[str]) -> None:
    """Exactly these machine columns, each known to lib.columns, and every code column
    holding only its set's codes."""
    from lib.columns import COLUMNS, HIDDEN

    assert list(frame.columns) == columns
    assert all(c in COLUMNS or c in HIDDEN for c in frame.columns), list(frame.columns)
    for name in frame.columns:
        codes = COLUMNS[name].codes if name in COLUMNS else None
        if codes is not None:
            assert set(frame[name]) <= set(codes), (name, set(frame[name]))


def test_the_meeting_list_gives_the_status_as_a_code_and_the_students_as_a_count(
        write, read, world, viewer):
    meeting_id = plan(write, world, viewer)
    with read() as session:
        table = list_meetings(session, viewer("coach_a"))
    _speaks_codes(table, ["id", "date", "school", "municipality", "term", "meeting_status",
                          "students"])
    row = table.set_index("id").loc[meeting_id]
    assert (row["date"], row["meeting_status"], row["students"]) == (
        MEETING_DAY, MeetingStatus.PLANNED, 2)


def test_the_agenda_gives_reason_and_trend_as_codes_and_whether_anything_is_recorded(
        write, read, world, viewer):
    meeting_id = plan(write, world, viewer)
    before = items(read, viewer, meeting_id)
    _speaks_codes(before, ["id", "student_id", "student", "personal_number", "reason",
                           "absence", "valid", "invalid", "trend", "recorded", "cycle",
                           "next_step"])
    assert before["recorded"].tolist() == [False, False]
    with write() as session:
        save_entry(session, viewer("coach_a"), int(before["id"].iloc[0]), 1,
                   {"decisions": "Väckning"})
    assert items(read, viewer, meeting_id)["recorded"].tolist() == [True, False]


def test_amendments_and_the_students_meetings_speak_codes(write, read, world, viewer):
    meeting_id = plan(write, world, viewer)
    item_id = first_item(read, viewer, meeting_id)
    with write() as session:
        version = set_status(session, viewer("coach_a"), meeting_id, 1, "held")
        set_status(session, viewer("coach_a"), meeting_id, version, "approved")
        save_entry(session, viewer("staff_sb"), item_id, 1, {"assessment": "Bättre"})
    with read() as session:
        changed = amendments(session, viewer("coach_a"), meeting_id)
        history = student_history(session, viewer("coach_a"), world["anna"])
        others = changes_since(session, viewer("coach_a"), meeting_id, dt.datetime(2000, 1, 1))
    _speaks_codes(changed, ["at", "changed_by", "student", "agenda_field", "text_before",
                            "text_after"])
    assert changed[["changed_by", "agenda_field", "text_before", "text_after"]].values.tolist() \
        == [["Staff Sb", AgendaField.ASSESSMENT, "", "Bättre"]]
    assert isinstance(changed["at"].iloc[0], dt.datetime)
    _speaks_codes(history, ["date", "school", "meeting_status", "absence", "notes",
                            "assessment", "decisions", "feedback"])
    assert history[["meeting_status", "assessment"]].values.tolist() == [
        [MeetingStatus.APPROVED, "Bättre"]]
    assert history["absence"].tolist() == pytest.approx([0.25])
    _speaks_codes(others, ["item_id", "student_id", "by", "at"])


def test_a_refusal_is_said_in_the_language_of_the_person_who_caused_it(
        write, read, world, viewer):
    from lib.i18n import ENGLISH, use_language

    meeting_id = plan(write, world, viewer)
    with use_language(ENGLISH):
        with pytest.raises(InputError, match=r"^A meeting that is planned cannot become "
                                             r"approved\.$"), write() as session:
            set_status(session, viewer("coach_a"), meeting_id, 1, "approved")
        with pytest.raises(InputError, match="must fall within the term HT2025"):
            plan(write, world, viewer, date=dt.date(2026, 2, 1))
        with pytest.raises(InputError, match=r"^Fill in the name of an external participant"):
            plan(write, world, viewer, externals=((" ", "mentor"),))
        with pytest.raises(AccessDenied, match=r"^You can only plan meetings at your own school"):
            plan(write, world, viewer, who="staff_sb", school="SC", municipality="C")
    with read() as session:
        assert len(list_meetings(session, viewer("admin"))) == 1  # the first one only
