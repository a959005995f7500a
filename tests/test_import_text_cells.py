"""A cell's text is never read as a missing value: "NA" (Naturvetenskapsprogrammet),
"N/A", "NULL" and "None" are programme codes and names, in Excel and CSV alike. A blank
required cell is a row error in the preview, and a database error while reading in is a
short message with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from data_models.models import Enrolment, ImportBatch, Student
from lib.importing import enrolment
from lib.importing.checks import MISSING, TOO_LONG, refused_by_database
from lib.importing.enrolment import commit_enrolment, preview_enrolment
from lib.importing.files import read_table
from lib.importing.layouts import KNOWN_HEADERS, suggest
from lib.versioning import InputError
from tests import import_files
from tests.apptest import login, texts, widget
from tests.factories import personal_number

NILS = personal_number("20090101", 980)
OLGA = personal_number("20090202", 982)
PER = personal_number("20090303", 984)
START = dt.date(2025, 8, 18)
# Texts a reader with default settings turns into missing values.
NA_ROWS = [(NILS, "NA", "Null", "Alfa", "90020001", "NA", 1, "NA1A"),
           (OLGA, "N/A", "None", "Alfa", "90020001", "N/A", 2, "NULL"),
           (PER, "nan", "NULL", "Alfa", "90020001", "NULL", 3, "nan")]


def as_file(rows: list[tuple], suffix: str) -> bytes:
    if suffix == "xlsx":
        return import_files.enrolment_list_xlsx(rows)
    header = ["Personnummer", "Förnamn", "Efternamn", "Hemkommun", "Skolenhetskod", "Program",
              "Årskurs", "Klass"]
    return import_files.csv_bytes([header, *[list(r) for r in rows]])


def checked(read, viewer, rows: list[tuple], suffix: str = "xlsx"):
    table = read_table(as_file(rows, suffix), f"elever.{suffix}", KNOWN_HEADERS)
    mapping = suggest("enrolment", table.columns)
    with read() as session:
        return mapping, preview_enrolment(session, viewer("admin"), table, mapping,
                                          default_start=START)


def written(read) -> tuple[int, int, int]:
    with read() as session:
        return tuple(session.scalar(select(func.count()).select_from(model))
                     for model in (Student, Enrolment, ImportBatch))


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_na_null_and_none_are_programmes_and_names(write, read, world, viewer, suffix):
    _, preview = checked(read, viewer, NA_ROWS, suffix)
    assert preview.errors.empty, preview.errors
    with write() as session:
        commit_enrolment(session, viewer("admin"), preview)
    with read() as session:
        stored = session.execute(
            select(Student.first_name, Student.last_name, Enrolment.programme,
                   Enrolment.class_name)
            .join(Enrolment, Enrolment.student_id == Student.id)
            .where(Student.personal_number.in_([NILS, OLGA, PER]))
            .order_by(Student.personal_number)).all()
    assert [tuple(r) for r in stored] == [("NA", "Null", "NA", "NA1A"),
                                          ("N/A", "None", "N/A", "NULL"),
                                          ("nan", "NULL", "NULL", "nan")]


def test_a_blank_required_cell_is_a_row_error(read, world, viewer):
    _, preview = checked(read, viewer, [
        (NILS, "Nils", "Ek", "Alfa", "90020001", None, 1, "NA1A"),  # no programme
        (OLGA, "Olga", "Ek", None, "90020001", "NA", 1, "NA1A"),  # no home municipality
        (PER, "Per", "Ek", "Alfa", None, "NA", 1, "NA1A")])  # no school
    assert preview.counts == {MISSING: 3} and preview.valid.empty
    assert preview.errors["cell_value"].tolist() == ["namn, program eller årskurs", "hemkommun",
                                                "skola"]


def test_a_text_longer_than_the_register_keeps_is_a_row_error(read, world, viewer):
    _, preview = checked(read, viewer, [
        (NILS, "Nils", "Ek", "Alfa", "90020001", "NA", 1, "K" * 41),
        (OLGA, "Olga", "Ek", "Alfa", "90020001", "NA", 1, "K" * 40)])
    assert preview.counts == {TOO_LONG: 1}
    assert preview.errors["cell_value"].tolist() == ["klass: högst 40 tecken"]
    assert preview.valid["personal_number"].tolist() == [OLGA]


def refuse(*_args, **_kwargs):
    raise IntegrityError("INSERT INTO enrolment (programme) VALUES (?)", ("NA-hemlig",),
                         Exception("NOT NULL constraint failed: enrolment.programme"))


def test_a_database_refusal_is_a_short_message_and_writes_nothing(write, read, world,
                                                                  viewer, monkeypatch):
    _, preview = checked(read, viewer, NA_ROWS)
    before = written(read)
    monkeypatch.setattr(enrolment, "_apply", refuse)
    with pytest.raises(InputError) as caught, refused_by_database(), write() as session:
        commit_enrolment(session, viewer("admin"), preview)
    message = str(caught.value)
    assert message.startswith("Databasen tog inte emot raderna, och inget lästes in.")
    assert "INSERT" not in message and "NA-hemlig" not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert written(read) == before


def test_the_page_shows_a_database_refusal_without_sql(app_env, world, read, monkeypatch):
    monkeypatch.setattr(enrolment, "_apply", refuse)
    at = login("admin", page="pages/10_Import.py")
    widget(at.radio, "Vad innehåller filen?").set_value("enrolment")
    at.file_uploader[0].set_value(("elever.xlsx", import_files.enrolment_list_xlsx(NA_ROWS),
                                   "application/octet-stream"))
    at.run()
    assert "Alla rader är giltiga." in texts(at)
    before = written(read)
    next(b for b in at.button if b.label.startswith("Läs in")).click().run()
    assert not at.exception
    shown = texts(at)
    assert "Databasen tog inte emot raderna, och inget lästes in." in shown
    assert "INSERT" not in shown and "NA-hemlig" not in shown and "NOT NULL" not in shown
    assert written(read) == before
