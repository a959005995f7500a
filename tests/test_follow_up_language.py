"""Measures, contacts, feedback and the visit pack in the reader's language: a service's
refusal is said in the language of the person who caused it, the visit pack PDF is in the
language of the person who downloads it, a measure's marker on the absence chart is named
in the reader's language, and the measures page's conflict table shows a status by its
word."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from lib import charts
from lib.access import AccessDenied
from lib.contacts import add_contact, list_contacts
from lib.feedback import acknowledge, send_feedback
from lib.i18n import ENGLISH, SWEDISH, current, use_language
from lib.measures import add_measure, update_measure
from lib.pdf import Document
from lib.versioning import Conflict, InputError
from lib.visit_pack import build_visit_pack, visit_pack_pdf
from tests.apptest import login, widget

START = dt.date(2025, 9, 15)
TODAY = dt.date(2025, 10, 1)


def new_measure(session, coach, student_id, **fields) -> int:
    values = {"kind": "structure", "owner_kind": "coach", "start_date": START,
              "follow_up_date": dt.date(2025, 10, 6)} | fields
    return add_measure(session, coach, student_id, **values)


@pytest.mark.parametrize(("fields", "message"), [
    ({"follow_up_date": dt.date(2025, 9, 1)},
     "The follow-up date cannot be before the start date."),
    ({"owner_kind": "person", "owner_name": " "}, "Fill in the name of the person responsible."),
    ({"description": "x" * 5000}, "The description is too long: 5,000 characters, at most"),
])
def test_a_refused_measure_is_explained_in_english(write, world, viewer, fields, message):
    with use_language(ENGLISH), pytest.raises(InputError) as refused, write() as session:
        new_measure(session, viewer("coach_a"), world["anna"], **fields)
    assert str(refused.value).startswith(message)


def test_the_person_responsible_is_still_asked_for_in_swedish(write, world, viewer):
    with pytest.raises(InputError) as refused, write() as session:
        new_measure(session, viewer("coach_a"), world["anna"], owner_kind="person")
    assert str(refused.value) == "Fyll i ansvarig."


def test_stopping_without_a_reason_is_refused_in_english(write, world, viewer):
    coach = viewer("coach_a")
    with write() as session:
        measure_id = new_measure(session, coach, world["anna"])
    with use_language(ENGLISH), pytest.raises(InputError) as refused, write() as session:
        update_measure(session, coach, measure_id, 1, status="stopped")
    assert str(refused.value) == "Fill in the reason."


def test_contacts_are_refused_in_english(write, world, viewer):
    with use_language(ENGLISH):
        with pytest.raises(InputError) as refused, write() as session:
            add_contact(session, viewer("coach_a"), world["anna"], "talk",
                        dt.date(2025, 10, 2), "", today=TODAY)
        assert str(refused.value) == ("A contact cannot be logged on a date that has not "
                                      "come yet.")
        with pytest.raises(AccessDenied) as denied, write() as session:
            list_contacts(session, viewer("staff_sb"), world["anna"])
        assert str(denied.value) == "The contact log is the youth coach's."


def test_feedback_is_refused_in_english(write, world, viewer):
    with use_language(ENGLISH):
        with pytest.raises(InputError) as refused, write() as session:
            send_feedback(session, viewer("coach_a"), " ", student_id=world["anna"],
                          school_id=world["SB"])
        assert str(refused.value) == "Fill in the feedback."
        with write() as session:
            sent = send_feedback(session, viewer("coach_a"), "Samtal", student_id=world["anna"],
                                 school_id=world["SB"])
        with pytest.raises(AccessDenied) as denied, write() as session:
            acknowledge(session, viewer("coach_a"), sent, 1)
        assert str(denied.value) == "Only the recipient can acknowledge the feedback."
        with pytest.raises(AccessDenied) as denied, write() as session:  # not their school
            send_feedback(session, viewer("staff_sb"), "Hej", school_id=world["SA"],
                          municipality_id=world["A"])
        assert str(denied.value) == "You are not allowed to do this."


def test_the_visit_pack_pdf_is_in_the_language_it_is_downloaded_in(write, read, world,
                                                                   viewer, monkeypatch):
    with write() as session:
        new_measure(session, viewer("coach_a"), world["anna"], school_id=world["SB"])
    with read() as session:
        pack = build_visit_pack(session, viewer("coach_a"), world["SB"], world["HT2025"],
                                today=TODAY)
    drawn: list[str] = []
    clean = Document._clean
    monkeypatch.setattr(Document, "_clean",
                        lambda self, text: drawn.append(text) or clean(self, text))
    # The run is in Swedish: the download is built outside the page's run.
    assert visit_pack_pdf(pack, ENGLISH).startswith(b"%PDF-")
    assert current() == SWEDISH
    assert drawn[:2] == ["Visit pack Skola SB, HT2025",
                         "Printed 2025-10-01. Last meeting: none yet."]
    assert {"Flagged students", "Change since the last meeting",
            "Measures due for follow-up or overdue", "Latest feedback", "Student",
            "Structure support (wake-up calls and reminders)", "Due soon"} <= set(drawn)
    assert not [text for text in drawn if "ö" in text.replace("Testsson", "")
                or "Besökspaket" in text]


def test_the_visit_pack_pdf_stays_swedish_for_a_swedish_reader(write, read, world, viewer,
                                                               monkeypatch):
    with read() as session:
        pack = build_visit_pack(session, viewer("coach_a"), world["SB"], world["HT2025"],
                                today=TODAY)
    drawn: list[str] = []
    clean = Document._clean
    monkeypatch.setattr(Document, "_clean",
                        lambda self, text: drawn.append(text) or clean(self, text))
    with use_language(ENGLISH):  # a Swedish reader's download, wherever it is built
        visit_pack_pdf(pack, SWEDISH)
    assert drawn[:2] == ["Besökspaket Skola SB, HT2025",
                         "Utskrivet 2025-10-01. Förra mötet: inget ännu."]
    assert "Flaggade elever" in drawn


@pytest.mark.parametrize(("language", "mine", "theirs"), [(SWEDISH, "Genomförd", "Pågår"),
                                                          (ENGLISH, "Done", "Ongoing")])
def test_the_conflict_table_shows_the_status_by_its_word(app_env, write, world, viewer,
                                                         language, mine, theirs):
    from tests.test_language_walk import _set_language

    with write() as session:
        measure_id = new_measure(session, viewer("coach_a"), world["anna"])
    _set_language(write, "coach_a", language)
    at = login("coach_a", page="pages/6_Atgarder.py")
    conflict = Conflict(mine={"status": "done", "outcome": "", "stop_reason": "",
                              "follow_up_date": "2025-10-06"},
                        theirs={"status": "ongoing", "outcome": "", "stop_reason": "",
                                "follow_up_date": "2025-10-06"},
                        version=2, by="Staff SB", at=None)
    values = {"status": "done", "outcome": "", "stop_reason": "",
              "follow_up_date": dt.date(2025, 10, 6), "note": ""}
    at.session_state["measure_conflict"] = (measure_id, conflict, values)
    at.run()
    assert not at.exception
    table = at.dataframe[-1].value
    assert table.iloc[0].tolist()[1:] == [mine, theirs]
    assert widget(at.button, "Spara min version" if language == SWEDISH
                  else "Save my version")


@pytest.mark.parametrize(("language", "names"), [
    (SWEDISH, ["Motiverande", "Remiss, Anpassningar"]),
    (ENGLISH, ["MI", "Referral, Adjustments"])])
def test_a_measures_marker_is_named_in_the_readers_language(language, names):
    weekly = pd.DataFrame({"iso_year": [2025] * 4, "iso_week": range(36, 40),
                           "valid_share": 0.1, "invalid_share": 0.0})
    markers = pd.DataFrame({"measure_kind": ["mi", "bup", "adjustments"],
                            "iso_year": [2025] * 3, "iso_week": [36, 39, 39]})
    with use_language(language):
        notes = [a.text for a in charts.stacked_weeks(weekly, markers=markers).layout.annotations
                 if a.yref == "paper"]
    assert notes == names
