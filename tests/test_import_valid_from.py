"""An enrolment list without start dates describes a term: its enrolments start on the
date the list is valid from (by default the start of the current term), not on the day it
is imported, and the preview says which date that is."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from data_models.models import Enrolment, Student
from lib.importing.enrolment import commit_enrolment, preview_enrolment
from lib.importing.files import read_table
from lib.importing.layouts import KNOWN_HEADERS, suggest
from lib.terms import current_term
from tests import import_files
from tests.apptest import login, texts, widget
from tests.factories import personal_number

NILS = personal_number("20090101", 980)
LIST = [(NILS, "Nils", "Ny", "Alfa", "90010001", "NA", 1)]


def start_of_new_enrolment(read) -> dt.date:
    with read() as session:
        return session.scalar(select(Enrolment.start_date).join(
            Student, Student.id == Enrolment.student_id).where(
            Student.personal_number == NILS))


def test_without_a_date_the_list_starts_at_the_current_term(write, read, world, viewer):
    table = read_table(import_files.enrolment_list(LIST), "elever.csv", KNOWN_HEADERS)
    mapping = suggest("enrolment", table.columns)
    with read() as session:
        preview = preview_enrolment(session, viewer("admin"), table, mapping)
        term = current_term(session)
    assert term.code == "HT2025" and preview.valid_from == dt.date(2025, 8, 18)
    assert preview.summary.valid_from == dt.date(2025, 8, 18)
    with write() as session:
        commit_enrolment(session, viewer("admin"), preview)
    assert start_of_new_enrolment(read) == dt.date(2025, 8, 18) != dt.date.today()


def test_a_start_date_in_the_file_wins_and_is_counted(read, world, viewer):
    rows = [["Personnummer", "Förnamn", "Efternamn", "Hemkommun", "Skolenhetskod", "Program",
             "Årskurs", "Startdatum"],
            [NILS, "Nils", "Ny", "Alfa", "90010001", "NA", "1", "2025-10-01"]]
    table = read_table(import_files.csv_bytes(rows), "elever.csv", KNOWN_HEADERS)
    with read() as session:
        preview = preview_enrolment(session, viewer("admin"), table,
                                    suggest("enrolment", table.columns))
    assert preview.valid["start_date"].tolist() == [dt.date(2025, 10, 1)]
    assert "1 rad har ett eget startdatum i filen." in preview.notes


def test_the_page_asks_for_the_date_the_list_is_valid_from(app_env, world, read):
    at = login("admin", page="pages/10_Import.py")
    widget(at.radio, "Vad innehåller filen?").set_value("enrolment")
    at.file_uploader[0].set_value(("elever.csv", import_files.enrolment_list(LIST),
                                   "text/csv"))
    at.run()
    chosen = widget(at.date_input, "Listan gäller från")
    assert chosen.value == dt.date(2025, 8, 18)  # the start of the current term
    chosen.set_value(dt.date(2025, 11, 3)).run()
    assert "2025-11-03" in texts(at)  # in the preview's summary
    next(b for b in at.button if b.label.startswith("Läs in de giltiga")).click().run()
    assert not at.exception and "Inläst: 1 rad " in texts(at)
    assert start_of_new_enrolment(read) == dt.date(2025, 11, 3)
