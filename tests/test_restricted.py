"""Restricted (begränsade) measures and contact notes: the author and the people they name
read them; everyone else, and every shared document, shows "Begränsad anteckning (N. N.,
datum)" and nothing of the kind, text, owner or outcome."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from data_models.models import Contact, Measure, MeasureFollowUp, RestrictedReader
from lib.access import AccessDenied
from lib.clock import local_today
from lib.contacts import add_contact, list_contacts
from lib.measures import add_follow_up, add_measure, follow_ups, measure_rows, update_measure
from lib.meetings import plan_meeting, set_status
from lib.minutes import minutes, minutes_excel, minutes_table
from lib.restricted import initials, reader_choices
from lib.talks import support_choices
from lib.versioning import InputError
from lib.visit_pack import build_visit_pack
from tests.apptest import login, student_page, texts, widget

DAY = dt.date(2025, 10, 1)
SECRET = "Remiss till BUP skickad efter samtal med vårdnadshavare"
PLACEHOLDER = "Begränsad anteckning (C. A., 2025-10-01)"


def restricted_measure(write, world, viewer, readers=(), meeting_id=None) -> int:
    with write() as session:
        return add_measure(session, viewer("coach_a"), world["anna"], kind="bup",
                           owner_kind="person", owner_name="Kurator Lind", start_date=DAY,
                           follow_up_date=dt.date(2025, 10, 20), description=SECRET,
                           meeting_id=meeting_id, restricted=True, readers=readers)


def rows_for(read, viewer, who, **filters):
    with read() as session:
        return measure_rows(session, viewer(who), DAY, **filters).set_index("id")


def test_the_author_reads_a_restricted_measure_and_others_see_only_that_it_exists(
        write, read, world, viewer):
    measure_id = restricted_measure(write, world, viewer)
    own = rows_for(read, viewer, "coach_a").loc[measure_id]
    assert own["description"] == SECRET and own["measure_kind"] == "bup"
    assert own["restricted"] and not own["hidden"]
    for who in ("staff_sb", "admin"):
        other = rows_for(read, viewer, who).loc[measure_id]
        assert other["hidden"] and other["restricted"]
        assert other["description"] == PLACEHOLDER
        assert other["measure_kind"] == PLACEHOLDER  # shown as it is in the kind column
        assert other["owner"] == "" and other["outcome"] == ""
        assert SECRET not in rows_for(read, viewer, who).to_string()


def test_a_named_reader_reads_it(write, read, world, viewer):
    measure_id = restricted_measure(write, world, viewer, readers=[world["user:staff_sb"]])
    named = rows_for(read, viewer, "staff_sb").loc[measure_id]
    assert named["description"] == SECRET and not named["hidden"]
    assert rows_for(read, viewer, "admin").loc[measure_id]["hidden"]


def test_others_can_neither_read_follow_ups_nor_change_it(write, read, world, viewer):
    measure_id = restricted_measure(write, world, viewer)
    with write() as session:
        add_follow_up(session, viewer("coach_a"), measure_id, DAY, "Tid hos BUP bokad")
    for call in (lambda s: follow_ups(s, viewer("staff_sb"), measure_id),
                 lambda s: add_follow_up(s, viewer("staff_sb"), measure_id, DAY, "x"),
                 lambda s: update_measure(s, viewer("staff_sb"), measure_id, 1,
                                          status="done", outcome="klar")):
        with pytest.raises(AccessDenied, match="Anteckningen är begränsad"), write() as session:
            call(session)
    with read() as session:
        assert session.scalar(select(func.count()).select_from(MeasureFollowUp)) == 1
        assert session.get(Measure, measure_id).status == "planned"
        assert follow_ups(session, viewer("coach_a"), measure_id)["follow_up_note"].tolist() \
            == ["Tid hos BUP bokad"]


def test_only_people_on_the_students_follow_up_can_be_named_and_a_refusal_writes_nothing(
        write, read, world, viewer):
    with read() as session:
        choices = reader_choices(session, viewer("coach_a"), world["anna"])
    assert world["user:staff_sb"] in choices
    assert world["user:coach_a"] not in choices  # the author reads it anyway
    assert world["user:coach_c"] not in choices and world["user:admin"] not in choices
    with pytest.raises(InputError, match="Välj läsare ur listan"):
        restricted_measure(write, world, viewer, readers=[world["user:coach_c"]])
    with read() as session:
        assert session.scalar(select(func.count()).select_from(Measure)) == 0
        assert session.scalar(select(func.count()).select_from(RestrictedReader)) == 0


def test_minutes_and_the_visit_pack_never_carry_it_even_for_the_author(
        write, read, world, viewer):
    with write() as session:
        meeting_id = plan_meeting(session, viewer("coach_a"), school_id=world["SB"],
                                  term_id=world["HT2025"], municipality_id=world["A"], date=DAY)
    restricted_measure(write, world, viewer, readers=[world["user:staff_sb"]],
                       meeting_id=meeting_id)
    with write() as session:
        set_status(session, viewer("coach_a"), meeting_id, 1, "held")
    with read() as session:
        record = minutes(session, viewer("coach_a"), meeting_id)
        pack = build_visit_pack(session, viewer("coach_a"), world["SB"], world["HT2025"],
                                today=dt.date(2025, 10, 10))  # its follow-up is due soon
    table = minutes_table(record)
    assert PLACEHOLDER in table["agreed_measures"].tolist()
    assert SECRET not in table.to_string() and "BUP" not in table.to_string()
    assert b"BUP" not in minutes_excel(record)
    assert pack.measures["description"].tolist() == [PLACEHOLDER]
    assert "Kurator Lind" not in pack.measures.to_string()


def test_a_restricted_contact_note(write, read, world, viewer):
    with write() as session:
        add_contact(session, viewer("coach_a"), world["anna"], "referral", DAY, SECRET,
                    today=DAY, restricted=True)
        add_contact(session, viewer("coach_a"), world["anna"], "talk", DAY, "Vanligt samtal",
                    today=DAY)
    with read() as session:
        own = list_contacts(session, viewer("coach_a"), world["anna"])
        admin = list_contacts(session, viewer("admin"), world["anna"])
        assert session.scalar(select(Contact.restricted).where(Contact.note == SECRET))
    assert SECRET in own["contact_note"].tolist()
    assert sorted(admin["contact_note"]) == [PLACEHOLDER, "Vanligt samtal"]
    hidden = admin[admin["contact_note"] == PLACEHOLDER].iloc[0]
    assert hidden["contact_kind"] is None


def test_a_talk_does_not_name_the_kind_of_a_measure_the_reader_may_not_read(
        write, read, world, viewer):
    restricted_measure(write, world, viewer)
    with read() as session:
        assert support_choices(session, viewer("coach_a"), world["anna"])[
            "measure_kind"].tolist() == ["bup"]
        assert support_choices(session, viewer("staff_sb"), world["anna"])[
            "measure_kind"].tolist() == [None]


@pytest.mark.parametrize(("name", "expected"), [
    ("Anna Berg", "A. B."), ("Coach A", "C. A."), ("Ann-Marie  von Ek", "A. v. E."), ("", ""),
])
def test_initials(name, expected):
    assert initials(name) == expected


def test_on_the_student_page_a_measure_is_restricted_and_the_school_sees_only_the_mark(
        app_env, world, read):
    at = student_page("coach_a", world["anna"])
    assert widget(at.multiselect, "Får också läsa").options == ["Staff Sb"]
    widget(at.selectbox, "Åtgärd").set_value("social_services")
    widget(at.text_area, "Beskrivning").input(SECRET)
    widget(at.checkbox, "Begränsad").check()
    widget(at.button, "Lägg till åtgärd").click().run()
    assert not at.exception and "Åtgärden är sparad." in texts(at)
    with read() as session:
        measure = session.scalars(select(Measure)).one()
        assert measure.restricted and measure.description == SECRET
        assert session.scalar(select(func.count()).select_from(RestrictedReader)) == 0
    assert SECRET in texts(at)
    school = student_page("staff_sb", world["anna"])
    assert not school.exception
    shown = texts(school)
    assert SECRET not in shown and "socialtjänsten" not in shown
    placeholder = f"Begränsad anteckning (C. A., {local_today().isoformat()})"
    assert any(placeholder in str(frame.value.to_string()) for frame in school.dataframe)


def test_the_measures_page_lists_it_marked_and_offers_it_for_follow_up_to_its_readers_only(
        app_env, world, write, viewer):
    hidden = restricted_measure(write, world, viewer)
    with write() as session:
        open_one = add_measure(session, viewer("coach_a"), world["anna"], kind="mi",
                               owner_kind="coach", start_date=DAY,
                               follow_up_date=dt.date(2025, 10, 20))
    for who, offered in (("coach_a", {hidden, open_one}), ("staff_sb", {open_one})):
        at = login(who, page="pages/6_Atgarder.py")
        widget(at.toggle, "Bara mina åtgärder").set_value(False).run()
        assert not at.exception
        assert len(widget(at.selectbox, "Åtgärd").options) == len(offered)
        listed = "".join(frame.value.to_string() for frame in at.dataframe)
        if who == "coach_a":
            assert "BUP" in listed and "Begränsad" not in listed
        else:
            assert PLACEHOLDER in listed and "BUP" not in listed and "Kurator" not in listed
