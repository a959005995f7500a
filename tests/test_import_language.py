"""Import in English: the page's headings and messages, a refused row's problem and
detail, the check's summary and the services' messages, for a user who chose English;
the same in Swedish for everyone else."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data_models.models import User
from lib.i18n import ENGLISH, SWEDISH, use_language
from lib.importing.checks import ImportSummary
from lib.importing.enrolment import preview_enrolment
from lib.importing.files import FileRefused, read_table
from lib.importing.layouts import KNOWN_HEADERS, suggest
from lib.ui.importer import summary_table
from lib.versioning import InputError
from tests import import_files
from tests.apptest import login, texts
from tests.factories import personal_number

ANNA = personal_number("20080101", 980)
BAD = ANNA[:-1] + str((int(ANNA[-1]) + 1) % 10)  # a wrong check digit
NEW = personal_number("20080303", 985)
ROWS = [(BAD, "Bo", "Fel", "Alfa", "90010001", "NA", 1),
        (NEW, "Nora", "Ny", "Alfa", "90010001", "", 1)]  # no programme


def _language(write, username: str, language: str) -> None:
    with write() as session:
        session.scalars(select(User).where(User.username == username)).one().language = language


def _uploaded(write, language: str):
    _language(write, "admin", language)
    at = login("admin", page="pages/10_Import.py")
    at.radio[0].set_value("enrolment").run()  # what the file holds
    at.file_uploader[0].set_value(("elever.csv", import_files.enrolment_list(ROWS),
                                   "text/csv"))
    return at.run()


def test_the_import_page_in_english(app_env, world, write):
    at = _uploaded(write, ENGLISH)
    assert not at.exception
    assert at.title[0].value == "Import"
    assert [tab.label for tab in at.tabs] == ["Read in a file", "History", "Moved students"]
    shown = texts(at)
    assert "Check" in [s.value for s in at.subheader]
    assert "2 rows have errors and are not read in." in shown
    assert "Kontroll" not in shown and "läses inte in" not in shown


def test_a_refused_row_is_explained_in_english(app_env, world, write):
    at = _uploaded(write, ENGLISH)
    errors = next(f.value for f in at.dataframe if list(f.value.columns) == ["Row", "Error",
                                                                              "Value"])
    assert errors["Error"].tolist() == [
        "Invalid personal identity number (the check digit or the date is wrong)",
        "Value missing"]
    assert errors["Value"].tolist()[1] == "name, programme or year"


def test_the_import_page_stays_swedish_for_a_swedish_user(app_env, world, write):
    at = _uploaded(write, SWEDISH)
    errors = next(f.value for f in at.dataframe if list(f.value.columns) == ["Rad", "Fel",
                                                                              "Värde"])
    assert errors["Värde"].tolist()[1] == "namn, program eller årskurs"
    assert "2 rader har fel och läses inte in." in texts(at)


# --- Services and the summary --------------------------------------------------------------

SUMMARY = ImportSummary(rows=1200, students=3, first_date=dt.date(2025, 9, 1),
                        last_date=dt.date(2025, 9, 5), scheduled_minutes=600, absence=0.125,
                        reporting_rate=None, reporting_known=False)


def test_the_summary_is_written_out_in_swedish():
    lines = dict(summary_table(SUMMARY).itertuples(index=False))
    assert lines["Rader att läsa in"] == "1\u00a0200"
    assert lines["Datum"] == "2025-09-01 – 2025-09-05"
    assert lines["Schemalagd tid (h)"] == "10,0"
    assert lines["Frånvaro"] == "12,5 %"
    assert lines["Rapporteringsgrad"] == "okänd (filen har ingen kolumn för ej rapporterad tid)"


def test_the_summary_is_written_out_in_english():
    with use_language(ENGLISH):
        table = summary_table(SUMMARY)
    assert list(table.columns) == ["Item", "Value"]
    lines = dict(table.itertuples(index=False))
    assert lines["Rows to read in"] == "1,200"
    assert lines["Absence"] == "12.5%"
    assert lines["Reporting rate"] == "unknown (the file has no column for unreported time)"


def test_a_refused_file_says_why_in_english():
    with use_language(ENGLISH), pytest.raises(FileRefused, match=r"^The file is empty\.$"):
        read_table(b"", "empty.csv", KNOWN_HEADERS)


def test_a_missing_column_is_named_in_english(read, world, viewer):
    table = read_table(import_files.enrolment_list(ROWS), "elever.csv", KNOWN_HEADERS)
    mapping = suggest("enrolment", table.columns)
    mapping.columns.pop("programme")
    with read() as session, use_language(ENGLISH), pytest.raises(
            InputError, match=r"^Choose the column with the programme\.$"):
        preview_enrolment(session, viewer("admin"), table, mapping)


def test_a_change_to_an_enrolment_is_written_out_in_english(read, world, viewer):
    table = read_table(import_files.enrolment_list(
        [(ANNA, "Anna", "Testsson", "Alfa", "90010001", "EK", 2)]), "elever.csv",
        KNOWN_HEADERS)
    mapping = suggest("enrolment", table.columns)
    with read() as session, use_language(ENGLISH):
        checked = preview_enrolment(session, viewer("admin"), table, mapping,
                                    default_start=dt.date(2025, 11, 3))
    changes = dict(zip(checked.changes["enrolment_change"], checked.changes["changed_to"],
                       strict=True))
    assert changes["enrolment_ends"] == "ends 2025-11-02"
    assert changes["new_enrolment"] == "Skola SA, EK year 2 from 2025-11-03"
