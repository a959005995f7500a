"""The import page in AppTest: a coach reads in an enrolment list and absence exports in
three layouts, and the dashboards show the figures; an enrolment list shows what it changes
for existing students, and a move is listed; bad files change nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from data_models.models import AbsencePeriod, AbsenceRecord, ImportBatch, Student
from tests import import_files
from tests.apptest import login, texts, widget
from tests.factories import personal_number

IMPORT = "pages/10_Import.py"
NILS = personal_number("20090101", 980)
OLGA = personal_number("20090202", 982)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(at, kind: str, name: str, data: bytes):
    widget(at.radio, "Vad innehåller filen?").set_value(kind)
    at.file_uploader[0].set_value((name, data, XLSX if name.endswith("xlsx") else "text/csv"))
    return at.run()


def read_in(at):
    button = next(b for b in at.button if b.label.startswith("Läs in de giltiga raderna"))
    button.click().run()
    assert not at.exception
    return at


def table_with(at, *columns: str):
    """The first table on the page that has all these columns."""
    found = [f.value for f in at.dataframe if set(columns) <= set(f.value.columns)]
    assert found, f"no table with {columns}"
    return found[0]


def test_an_enrolment_list_shows_its_changes_and_the_move_is_listed(app_env, world):
    at = login("coach_a", page=IMPORT)
    assert "Inga elever har flyttats mellan kommuner." in texts(at)
    upload(at, "enrolment", "elever.csv", import_files.enrolment_list([
        (personal_number("20080101", 980), "Anna", "Flyttad", "Beta", "90020001", "NA", 1),
        (personal_number("20080505", 988), "Eva", "Testsson", "Alfa", "90020001", "NA", 1),
        (NILS, "Nils", "Nyström", "Alfa", "90020001", "NA", 1)]))
    assert "Ändringar av elever som redan finns" in texts(at)
    changes = table_with(at, "Ändring")
    assert list(zip(changes["Elev"], changes["Ändring"], changes["Från"], changes["Till"],
                    strict=True)) == [
        ("Anna Testsson", "Namn", "Anna Testsson", "Anna Flyttad"),
        ("Anna Testsson", "Hemkommun (flytt)", "Alfa", "Beta")]
    read_in(at)
    moves = table_with(at, "Datum", "Elev", "Från", "Till")
    assert list(zip(moves["Elev"], moves["Från"], moves["Till"], strict=True)) == [
        ("Anna Flyttad", "Alfa", "Beta")]


def test_a_coach_imports_a_list_and_three_layouts_and_sees_the_figures(app_env, world, read):
    at = login("coach_a", page=IMPORT)
    upload(at, "enrolment", "elever.csv", import_files.enrolment_list([
        (NILS, "Nils", "Nyström", "Alfa", "90020001", "NA", 1),
        (OLGA, "Olga", "Ek", "9001", "90010001", "EK", 2)]))
    assert "Alla rader är giltiga." in texts(at)
    read_in(at)
    assert "Inläst: 2 rader" in texts(at)

    # Vklass, a period at SB (September), minutes.
    upload(at, "absence", "vklass.xlsx", import_files.vklass_period(
        [(NILS, "Nils Nyström", 6000, 600, 900)]))
    widget(at.selectbox, "Skola").set_value(world["SB"])
    widget(at.date_input, "Periodens första dag").set_value(dt.date(2025, 9, 1))
    widget(at.date_input, "Periodens sista dag").set_value(dt.date(2025, 9, 30)).run()
    read_in(at)
    # LearnPoint, per course, hours, at SA (September).
    upload(at, "absence", "learnpoint.csv", import_files.learnpoint_courses(
        [(OLGA, "Olga Ek", "Ma1c", 3000, 60, 240), (OLGA, "Olga Ek", "Sv1", 3000, 0, 0)]))
    widget(at.selectbox, "Skola").set_value(world["SA"])
    widget(at.date_input, "Periodens första dag").set_value(dt.date(2025, 9, 1))
    widget(at.date_input, "Periodens sista dag").set_value(dt.date(2025, 9, 30)).run()
    read_in(at)
    # Edlevo, lessons at SB in October.
    upload(at, "absence", "edlevo.xlsx", import_files.edlevo_lessons(
        [(NILS, "Nils Nyström", "2025-10-06", "08:15", "Ma1c", 60, 0, 60, 0),
         (NILS, "Nils Nyström", "2025-10-07", "08:15", "Ma1c", 60, 0, 0, 0)]))
    widget(at.selectbox, "Skola").set_value(world["SB"]).run()
    read_in(at)
    with read() as session:
        assert session.scalar(select(func.count()).select_from(AbsencePeriod)) == 2
        assert session.scalar(select(func.count()).select_from(AbsenceRecord).where(
            AbsenceRecord.course == "Ma1c")) == 2
        assert session.scalar(select(func.count()).select_from(ImportBatch).where(
            ImportBatch.kind != "demo")) == 4

    school = login("coach_a", page="pages/2_Skola.py")
    school.query_params["skola"] = str(world["SB"])
    school.run()
    rows = school.dataframe[0].value.set_index("Elev")
    # Nils at SB: 1 500 of 6 000 minutes in September, 60 of 120 in October: 1 560 / 6 120.
    assert rows.loc["Nils Nyström", "Frånvaro"] == "25,5 %"
    student = login("coach_a", page="pages/3_Elev.py")
    with read() as session:
        olga = session.scalar(select(Student.id).where(Student.personal_number == OLGA))
    student.query_params["elev"] = str(olga)
    student.run()
    assert {m.label: m.value for m in student.metric}["Frånvaro senaste terminen"] == "5,0 %"


def test_bad_rows_are_listed_and_nothing_is_read_in_on_cancel(app_env, world, read):
    rows = [["Personnummer", "Datum", "Schemalagd tid", "Giltig frånvaro", "Ogiltig frånvaro"],
            [personal_number("20080101", 980), "2025-10-06", "300", "30", "0"],
            [personal_number("20080101", 980)[:-1] + "0", "2025-10-06", "300", "0", "0"],
            [personal_number("20080101", 980), "2025-10-07", "300", "400", "0"]]
    at = login("admin", page=IMPORT)
    upload(at, "absence", "fel.csv", import_files.csv_bytes(rows))
    widget(at.selectbox, "Skola").set_value(world["SB"]).run()
    assert "2 rader har fel och läses inte in." in texts(at)
    shown = at.dataframe[2].value
    assert set(shown["Fel"]) == {"Ogiltigt personnummer (kontrollsiffran eller datumet "
                                 "stämmer inte)",
                                 "Frånvaron är större än den schemalagda tiden"}
    widget(at.button, "Avbryt, läs inte in något").click().run()
    assert "Inget lästes in." in texts(at)
    with read() as session:
        assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_a_file_that_is_not_a_spreadsheet_is_refused(app_env, world):
    at = login("admin", page=IMPORT)
    upload(at, "absence", "rapport.xlsx", b"Personnummer;Datum\n")
    assert "Filen heter .xlsx men är ingen Excel-fil." in texts(at)


def test_undo_from_the_history(app_env, world, read):
    at = login("admin", page=IMPORT)
    upload(at, "absence", "vklass.xlsx", import_files.vklass_period(
        [(personal_number("20080101", 980), "Anna Testsson", 6000, 600, 900)]))
    widget(at.selectbox, "Skola").set_value(world["SB"])
    widget(at.date_input, "Periodens första dag").set_value(dt.date(2025, 9, 1))
    widget(at.date_input, "Periodens sista dag").set_value(dt.date(2025, 9, 30)).run()
    read_in(at)
    with read() as session:
        batch_id = session.scalar(select(ImportBatch.id).where(ImportBatch.kind == "period"))
    widget(at.selectbox, "Ångra en import").set_value(batch_id).run()
    widget(at.button, "Ångra importen").click().run()
    assert "Importen är ångrad" in texts(at)
    with read() as session:
        assert session.scalar(select(func.count()).select_from(AbsencePeriod)) == 0
        assert session.get(ImportBatch, batch_id).undone_at is not None
